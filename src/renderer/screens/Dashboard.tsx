// What waits for your review, what is running, what waits for a human, who is working, what broke lately.
import type { RunDto } from '../../shared/contract';
import { Empty } from '../components/Empty';
import { AgentLink, IssueLink } from '../components/Links';
import { PageHeader, Section } from '../components/PageHeader';
import { RequestsPanel } from '../requests/RequestsPanel';
import { QueryView } from '../components/QueryView';
import { RunsTable } from '../components/RunsTable';
import { Status } from '../components/Status';
import { Ago } from '../components/Time';
import { flatten, useAgents, useEscalations, useHostStatus, useMachines, useRuns } from '../data/queries';
import { humanize, plural } from '../format';
import { href } from '../router';
import { FirstRun } from './FirstRun';
import { HeldAgents } from '../limits/HeldAgents';
import { ReviewQueue } from './ReviewQueue';

export function Dashboard() {
  return (
    <div className="page">
      <PageHeader title="Dashboard" sub={<HostSummary />} />
      <FirstRun />
      <RequestsPanel />
      <HeldAgents />
      <div className="dash-grid">
        <ReviewQueue />
        <RunningNow />
        <NeedsAttention />
        <AgentsAtAGlance />
        <Machines />
        <RecentFailures />
      </div>
    </div>
  );
}

function HostSummary() {
  const status = useHostStatus().data;
  if (!status) return null;
  return (
    <ul className="summary">
      <li>
        <b>{status.runs.running}</b> running
      </li>
      <li>
        <b>{status.runs.queued}</b> queued
      </li>
      <li>
        <b>{status.issues.open}</b> open {status.issues.open === 1 ? 'issue' : 'issues'}
      </li>
      <li className={status.issues.blocked ? 'text-warn' : undefined}>
        <b>{status.issues.blocked}</b> blocked
      </li>
      <li>
        <b>{status.agents.total}</b> {status.agents.total === 1 ? 'agent' : 'agents'}{status.agents.paused ? `, ${status.agents.paused} paused` : ''}
      </li>
    </ul>
  );
}

function RunningNow() {
  const query = useRuns({ status: 'running' }, 25);
  const runs = flatten(query.data);
  return (
    <Section title="Running now" className="span-2" aside={<a href={href.runs()}>All runs</a>}>
      {query.isPending ? null : runs.length === 0 ? (
        <Empty title="Nothing is running.">Assign an issue to an agent, or wake an agent from Agents.</Empty>
      ) : (
        <RunsTable runs={runs} columns={['agent', 'issue', 'duration', 'output']} label="Running runs" />
      )}
    </Section>
  );
}

function NeedsAttention() {
  const query = useEscalations(true);
  return (
    <Section title="Needs attention" aside={<a href={href.escalations()}>Escalations</a>}>
      <QueryView query={query} what="escalations">
        {(list) =>
          list.length === 0 ? (
            <Empty title="No open escalations.">Vigil escalates an issue here when its retries run out.</Empty>
          ) : (
            <ul className="stack-list">
              {list.slice(0, 6).map((e) => (
                <li key={e.id} className="stack-item">
                  <div className="stack-line">
                    <IssueLink identifier={e.issueIdentifier} />
                    <span className="ellipsis">{e.issueTitle}</span>
                    <Ago iso={e.createdAt} />
                  </div>
                  <div className="stack-sub">
                    <span className="tag tag-warn">{humanize(e.kind)}</span> <span className="dim">{e.message}</span>
                  </div>
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
    </Section>
  );
}

function AgentsAtAGlance() {
  const query = useAgents();
  return (
    <Section title="Agents" aside={<a href={href.agents()}>Manage</a>}>
      <QueryView query={query} what="agents">
        {(agents) =>
          agents.length === 0 ? (
            <Empty title="No agents yet.">
              <a href={href.agents()}>Add one</a>, or run <code>vigil agent add</code>.
            </Empty>
          ) : (
            <table className="table" aria-label="Agents">
              <tbody>
                {agents.map((a) => (
                  <tr key={a.id}>
                    <td className="col-grow">
                      <AgentLink name={a.name} />
                    </td>
                    <td>
                      <Status value={a.status} />
                    </td>
                    <td className="right num dim">
                      {a.runningRuns > 0 ? `${a.runningRuns} running` : plural(a.totalRuns, 'run')}
                    </td>
                    <td className="right dim">{a.lastHeartbeatAt ? <Ago iso={a.lastHeartbeatAt} /> : 'never woke'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </Section>
  );
}

/** Team mode: the machines sharing this database (one host each), and whether each is online. */
function Machines() {
  const query = useMachines();
  return (
    <Section title="Machines">
      <QueryView query={query} what="machines">
        {(machines) => (
          <table className="table" aria-label="Machines">
            <tbody>
              {machines.map((m) => (
                <tr key={m.id} data-machine={m.name}>
                  <td className="col-grow">
                    {m.name}
                    {m.self ? <span className="dim"> (this one)</span> : null}
                  </td>
                  <td>
                    <span className={m.online ? 'tag' : 'tag tag-warn'}>{m.online ? 'online' : m.stoppedAt ? 'offline (stopped)' : 'offline (lease expired)'}</span>
                  </td>
                  <td className="right num dim">
                    {m.agents} {m.agents === 1 ? 'agent' : 'agents'} · {m.runningRuns} running
                  </td>
                  <td className="right dim">
                    seen <Ago iso={m.lastSeenAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
    </Section>
  );
}

function RecentFailures() {
  const failed = useRuns({ status: 'failed' }, 6);
  const timedOut = useRuns({ status: 'timed_out' }, 6);
  const runs: RunDto[] = [...flatten(failed.data).slice(0, 6), ...flatten(timedOut.data).slice(0, 6)]
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
    .slice(0, 6);
  return (
    <Section title="Recent failures" className="span-2" aside={<a href={`${href.runs()}?status=failed`}>All failures</a>}>
      {failed.isPending || timedOut.isPending ? null : runs.length === 0 ? (
        <Empty title="No failed runs." />
      ) : (
        <RunsTable runs={runs} columns={['agent', 'issue', 'started', 'result', 'error']} label="Recent failures" />
      )}
    </Section>
  );
}
