// The agents Vigil supervises: their state, their load, and a way to add one.
import { useState } from 'react';
import type { WakeResultDto } from '../../shared/contract';
import { Empty } from '../components/Empty';
import { AgentLink } from '../components/Links';
import { PageHeader } from '../components/PageHeader';
import { QueryView } from '../components/QueryView';
import { Status } from '../components/Status';
import { Ago } from '../components/Time';
import { useAgents } from '../data/queries';
import { formatDuration } from '../format';
import { href, navigate } from '../router';
import { AgentActions, WakeResult } from './AgentActions';
import { AgentForm } from './AgentForm';
import { TableHead } from '../components/TableHead';

export function AgentsScreen() {
  const query = useAgents();
  const [adding, setAdding] = useState(false);
  const [woke, setWoke] = useState<WakeResultDto | null>(null);
  return (
    <div className="page">
      <PageHeader
        title="Agents"
        sub={query.data ? `${query.data.length} configured` : null}
        actions={
          !adding && (
            <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
              Add agent
            </button>
          )
        }
      />
      {adding && <AgentForm onCancel={() => setAdding(false)} onDone={(a) => navigate(href.agent(a.name))} />}
      <WakeResult result={woke} />
      <QueryView query={query} what="agents">
        {(agents) =>
          agents.length === 0 ? (
            !adding && (
              <Empty title="No agents yet.">
                Add one with “Add agent”, or run <code>vigil agent add</code>.
              </Empty>
            )
          ) : (
            <table className="table" aria-label="Agents">
              <TableHead columns={['Agent', 'Status', 'Machine', 'Adapter', ['Command', 'col-grow'], ['Every', 'right'], ['Runs', 'right'], 'Last heartbeat', '']} />
              <tbody>
                {agents.map((a) => (
                  <tr key={a.id} data-agent={a.name}>
                    <td>
                      <AgentLink name={a.name} />
                    </td>
                    <td>
                      <Status value={a.status} />
                    </td>
                    <td className="dim">
                      {a.machine ?? a.machineId ?? '—'}
                      {a.machineId && !a.machineOnline ? <span className="tag tag-warn"> offline</span> : null}
                    </td>
                    <td className="mono dim">{a.adapterType}</td>
                    <td className="col-grow">
                      <span className="mono ellipsis" title={a.command ?? undefined}>
                        {a.command ?? <span className="dim">default</span>}
                      </span>
                    </td>
                    <td className="right dim">{a.heartbeatIntervalSec ? formatDuration(a.heartbeatIntervalSec * 1000) : '—'}</td>
                    <td className="right num">
                      {a.totalRuns.toLocaleString()}
                      {a.failedRuns > 0 && <span className="text-bad"> · {a.failedRuns.toLocaleString()} failed</span>}
                    </td>
                    <td className="dim">
                      <Ago iso={a.lastHeartbeatAt} />
                    </td>
                    <td className="right">
                      <AgentActions agent={a} onWoke={setWoke} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </div>
  );
}
