// The "allow always" rules kept on an agent (issue 21): shown on its page, each removable (the
// agent is then asked again). Nothing shows while the agent has none.
import { useQuery } from '@tanstack/react-query';
import { FormError } from '../components/Field';
import { Section } from '../components/PageHeader';
import { Ago } from '../components/Time';
import { useBridge } from '../data/bridge-context';
import { plainMessage } from '../data/errors';
import { useAction } from '../data/mutations';

export function AgentRules({ agentId }: { agentId: string }) {
  const bridge = useBridge();
  const rules = useQuery({ queryKey: ['agentRules.list', agentId], queryFn: () => bridge.invoke('agentRules.list', { agent: agentId }) }).data ?? [];
  const remove = useAction('agentRules.remove', { invalidate: ['agentRules.list'] });
  if (rules.length === 0) return null;
  return (
    <Section title="Allowed without asking" className="agent-rules">
      <ul className="plain-list">
        {rules.map((r) => (
          <li key={r.id} data-rule={r.id}>
            <strong>{r.tool}</strong> {r.command ? <code>{r.command}</code> : <span className="dim">every use</span>}{' '}
            <span className="dim small">
              since <Ago iso={r.createdAt} />
            </span>{' '}
            <button type="button" className="btn btn-small" disabled={remove.isPending} onClick={() => remove.mutate({ rule: r.id })}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <FormError message={remove.error ? plainMessage(remove.error) : null} />
    </Section>
  );
}
