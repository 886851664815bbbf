// One agent: how it is configured, what it did lately; edit, pause, wake or remove it.
import { useState, type ReactNode } from 'react';
import type { AgentDto, WakeResultDto } from '../../shared/contract';
import { MASKED_SECRET } from '../../shared/domain';
import { ConfirmButton } from '../components/ConfirmButton';
import { Empty } from '../components/Empty';
import { FormError } from '../components/Field';
import { LoadMore } from '../components/LoadMore';
import { PageHeader, Section } from '../components/PageHeader';
import { AgentRules } from '../requests/AgentRules';
import { QueryView } from '../components/QueryView';
import { RunsTable } from '../components/RunsTable';
import { Status } from '../components/Status';
import { Ago } from '../components/Time';
import { plainMessage } from '../data/errors';
import { useAction } from '../data/mutations';
import { flatten, useAgent, useAgentCheck, useRuns } from '../data/queries';
import { formatDuration, formatTime } from '../format';
import { href, navigate } from '../router';
import { AgentActions, WakeResult } from './AgentActions';
import { AgentForm } from './AgentForm';
import { BudgetPanel } from '../limits/BudgetPanel';

export function AgentDetail({ name }: { name: string }) {
  const query = useAgent(name);
  return (
    <div className="page">
      <QueryView query={query} what="agent">
        {(agent) => <AgentPage agent={agent} />}
      </QueryView>
    </div>
  );
}

function AgentPage({ agent }: { agent: AgentDto }) {
  const [editing, setEditing] = useState(false);
  const [woke, setWoke] = useState<WakeResultDto | null>(null);
  const remove = useAction('agents.remove', { onSuccess: () => navigate(href.agents()), invalidate: ['agents.list'] });
  return (
    <>
      <PageHeader
        title={agent.name}
        sub={
          <span className="meta-line">
            <Status value={agent.status} />
            <span className="mono dim">{agent.adapterType}</span>
            <span className="dim">
              last heartbeat <Ago iso={agent.lastHeartbeatAt} />
            </span>
          </span>
        }
        actions={
          <>
            <AgentActions agent={agent} onWoke={setWoke} />
            {!editing && (
              <button type="button" className="btn btn-small" onClick={() => setEditing(true)}>
                Edit
              </button>
            )}
            <ConfirmButton label="Remove" confirm={`Remove ${agent.name}? Its runs stay in the history.`} onConfirm={() => remove.mutate({ agent: agent.id })} disabled={remove.isPending} />
          </>
        }
      />
      {remove.error && <FormError message={plainMessage(remove.error)} />}
      <WakeResult result={woke} />
      <AgentCheckNotes agent={agent} />
      {editing ? <AgentForm agent={agent} onCancel={() => setEditing(false)} onDone={() => setEditing(false)} /> : <AgentFacts agent={agent} />}
      <AgentRules agentId={agent.id} />
      <BudgetPanel agent={agent} />
      <AgentRuns agent={agent} />
    </>
  );
}

function AgentFacts({ agent }: { agent: AgentDto }) {
  const env = Object.entries(agent.env);
  const rows: [string, ReactNode][] = [
    ['Command', agent.command ? <code key="c">{agent.command}</code> : 'adapter default'],
    ['Working folder', agent.cwd ? <code key="w">{agent.cwd}</code> : 'default'],
    ['Workspace', agent.workspace === 'worktree' ? 'a git worktree per issue' : 'the working folder as it is'],
    // A process agent runs its command as given: there is no model to choose.
    ...(agent.adapterType === 'process' ? [] : ([['Model', agent.model ?? 'adapter default']] as [string, ReactNode][])),
    ['Heartbeat', agent.heartbeatIntervalSec ? `every ${formatDuration(agent.heartbeatIntervalSec * 1000)}` : 'on assignment or by hand'],
    ['Timeout', agent.timeoutSec ? formatDuration(agent.timeoutSec * 1000) : 'none'],
    ['Max concurrent', agent.maxConcurrentRuns],
    ['Machine', `${agent.machine ?? agent.machineId ?? '—'}${agent.machineId && !agent.machineOnline ? ' (offline)' : ''}`],
    ['Runs', `${agent.totalRuns} total · ${agent.runningRuns} running · ${agent.failedRuns} failed`],
    ['Added', formatTime(agent.createdAt)],
  ];
  return (
    <div className="detail-grid">
      <dl className="facts" aria-label="Agent configuration">
        {rows.map(([k, v]) => (
          <div key={k} className="fact">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <div className="side-box">
        <h3>Environment</h3>
        {env.length === 0 ? (
          <p className="dim">No extra variables.</p>
        ) : (
          <ul className="env-list mono">
            {env.map(([k, v]) => (
              <li key={k}>
                <span>{k}</span>=<span className={v === MASKED_SECRET ? 'dim' : undefined}>{v}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

function AgentRuns({ agent }: { agent: AgentDto }) {
  const query = useRuns({ agent: agent.name }, 20);
  const runs = flatten(query.data);
  const total = query.data?.pages[0]?.total ?? 0;
  return (
    <Section title="Runs" aside={<a href={`${href.runs()}?agent=${encodeURIComponent(agent.name)}`}>Open in Runs</a>}>
      {query.isPending ? null : runs.length === 0 ? (
        <Empty title="No runs yet.">Press “Wake now”, or assign it an issue.</Empty>
      ) : (
        <>
          <RunsTable runs={runs} columns={['issue', 'source', 'started', 'duration', 'result']} label={`Runs of ${agent.name}`} />
          <LoadMore shown={runs.length} total={total} hasMore={query.hasNextPage} loading={query.isFetchingNextPage} onMore={() => void query.fetchNextPage()} />
        </>
      )}
    </Section>
  );
}

/** What would stop this agent from starting, each with its fix (found by the machine that runs it); or that its machine is offline. */
function AgentCheckNotes({ agent }: { agent: AgentDto }) {
  const result = useAgentCheck(agent.id, agent.updatedAt).data;
  if (!result) return null;
  if (result.offline) return <p className="dim agent-check">Not checked: {result.offline}.</p>;
  if (result.checks.length === 0) return null;
  return (
    <div className="banner tone-warn agent-check" role="status">
      <ul>
        {result.checks.map((c) => (
          <li key={c.field + c.problem}>
            <b>{c.problem}.</b> {c.fix}.
          </li>
        ))}
      </ul>
    </div>
  );
}
