// Issues Vigil gave up retrying on its own: why, and what a human can do about each.
import { useState } from 'react';
import type { EscalationDto } from '../../shared/contract';
import { Empty } from '../components/Empty';
import { FormError } from '../components/Field';
import { IssueLink, RunLink } from '../components/Links';
import { PageHeader } from '../components/PageHeader';
import { QueryView } from '../components/QueryView';
import { Ago } from '../components/Time';
import { plainMessage } from '../data/errors';
import { useAction } from '../data/mutations';
import { useAgents, useEscalations } from '../data/queries';
import { formatTime, humanize } from '../format';
import { href } from '../router';
import { AgentOptions } from '../components/Options';
import { Markdown } from '../transcript/Markdown';

const KIND_HELP: Record<EscalationDto['kind'], string> = {
  dispatch_exhausted: 'Vigil could not get a run started for this issue after its retries.',
  continuation_exhausted: 'Runs kept ending with the issue still open, past the continuation limit.',
  run_failed_after_retry: 'A run failed, and so did its automatic retry.',
  agent_cannot_start: 'The agent could not start (its command or folder is missing); Vigil did not retry.',
};

export function EscalationsScreen() {
  const [showResolved, setShowResolved] = useState(false);
  const query = useEscalations(!showResolved);
  return (
    <div className="page">
      <PageHeader
        title="Escalations"
        sub={query.data ? `${query.data.filter((e) => !e.resolvedAt).length} open` : null}
        actions={
          <label className="inline-field">
            <input type="checkbox" checked={showResolved} onChange={(e) => setShowResolved(e.target.checked)} />
            <span>Show resolved</span>
          </label>
        }
      />
      <QueryView query={query} what="escalations">
        {(list) =>
          list.length === 0 ? (
            <Empty title="Nothing needs you.">When an issue fails past its automatic retries, it lands here with the reason and what you can do.</Empty>
          ) : (
            <ul className="cards">
              {list.map((e) => (
                <EscalationCard key={e.id} escalation={e} />
              ))}
            </ul>
          )
        }
      </QueryView>
    </div>
  );
}

function EscalationCard({ escalation: e }: { escalation: EscalationDto }) {
  const retry = useAction('escalations.retry');
  const dismiss = useAction('escalations.dismiss');
  const assign = useAction('issues.assign');
  const agents = useAgents().data ?? [];
  const [agent, setAgent] = useState('');
  const error = retry.error ?? dismiss.error ?? assign.error;
  const busy = retry.isPending || dismiss.isPending || assign.isPending;
  return (
    <li className={`card${e.resolvedAt ? ' card-resolved' : ''}`} data-escalation={e.id}>
      <div className="card-head">
        <IssueLink identifier={e.issueIdentifier} />
        <a className="card-title" href={href.issue(e.issueIdentifier)}>
          {e.issueTitle}
        </a>
        <span className={`tag ${e.resolvedAt ? '' : 'tag-warn'}`}>{humanize(e.kind)}</span>
        <span className="dim card-time">
          <Ago iso={e.createdAt} />
        </span>
      </div>
      <Markdown text={e.message} className="card-why" />
      <p className="dim small">
        {KIND_HELP[e.kind]}
        {e.runId && (
          <>
            {' '}
            Last run: <RunLink id={e.runId} />.
          </>
        )}
      </p>
      {e.resolvedAt ? (
        <p className="dim small">Resolved {formatTime(e.resolvedAt)}</p>
      ) : (
        <div className="card-actions">
          <a className="btn btn-small" href={href.issue(e.issueIdentifier)}>
            Open issue
          </a>
          <button type="button" className="btn btn-small btn-primary" disabled={busy} onClick={() => retry.mutate({ escalation: e.id })} title="Unblock the issue and dispatch it again with a fresh retry budget">
            Retry
          </button>
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => dismiss.mutate({ escalation: e.id })}>
            Dismiss
          </button>
          <span className="reassign">
            <select aria-label={`Reassign ${e.issueIdentifier} to`} value={agent} onChange={(ev) => setAgent(ev.target.value)}>
              <option value="">reassign to…</option>
              <AgentOptions agents={agents} />
            </select>
            <button type="button" className="btn btn-small" disabled={busy || !agent} onClick={() => assign.mutate({ issue: e.issueIdentifier, agent }, { onSuccess: () => setAgent('') })}>
              Reassign
            </button>
          </span>
        </div>
      )}
      {error && <FormError message={plainMessage(error)} />}
    </li>
  );
}
