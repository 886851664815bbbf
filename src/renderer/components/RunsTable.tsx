// Runs as a dense table; which columns show depends on where it sits.
import type { RunDto } from '../../shared/contract';
import { humanize } from '../format';
import { AgentLink, IssueLink, RunLink } from './Links';
import { Status } from './Status';
import { Ago, Elapsed } from './Time';

export type RunColumn = 'agent' | 'issue' | 'source' | 'started' | 'duration' | 'result' | 'output' | 'error';

export function RunsTable({ runs, columns, label }: { runs: RunDto[]; columns: RunColumn[]; label: string }) {
  const has = (c: RunColumn) => columns.includes(c);
  return (
    <table className="table" aria-label={label}>
      <thead>
        <tr>
          <th>Run</th>
          <th>Status</th>
          {has('agent') && <th>Agent</th>}
          {has('issue') && <th>Issue</th>}
          {has('source') && <th>Trigger</th>}
          {has('started') && <th>Started</th>}
          {has('duration') && <th className="right">Duration</th>}
          {has('result') && <th>Result</th>}
          {has('output') && <th className="col-grow">Last output</th>}
          {has('error') && <th className="col-grow">Error</th>}
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id} data-run-id={run.id}>
            <td>
              <RunLink id={run.id} />
            </td>
            <td>
              <Status value={run.status} />
            </td>
            {has('agent') && (
              <td>
                <AgentLink name={run.agent} />
              </td>
            )}
            {has('issue') && (
              <td>
                <IssueLink identifier={run.issueIdentifier} />
              </td>
            )}
            {has('source') && <td className="dim">{humanize(run.invocationSource)}</td>}
            {has('started') && (
              <td className="dim">
                <Ago iso={run.startedAt ?? run.createdAt} />
              </td>
            )}
            {has('duration') && (
              <td className="right">
                <Elapsed run={run} />
              </td>
            )}
            {has('result') && (
              <td>
                <RunResult run={run} />
              </td>
            )}
            {has('output') && (
              <td className="col-grow">
                <span className="last-line mono" title={run.lastOutputLine ?? undefined}>
                  {run.lastOutputLine ?? <span className="dim">no output yet</span>}
                </span>
              </td>
            )}
            {has('error') && (
              <td className="col-grow dim" title={run.error ?? undefined}>
                {run.error ?? run.lastOutputLine ?? ''}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RunResult({ run }: { run: RunDto }) {
  if (run.errorCode) return <span className={`mono ${run.errorCode === 'cancelled' ? 'dim' : 'text-bad'}`}>{run.errorCode}</span>;
  if (run.exitCode !== null) return <span className="mono dim">exit {run.exitCode}</span>;
  if (run.signal) return <span className="mono dim">{run.signal}</span>;
  return <span className="dim">—</span>;
}
