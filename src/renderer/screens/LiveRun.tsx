// The issue page's running run, live: the transcript for a coding agent that speaks
// structured output, the terminal's tail otherwise. Gone once the run ends (the runs table keeps it).
import { lazy, Suspense } from 'react';
import type { IssueDetailDto } from '../../shared/contract';
import { Loading } from '../components/QueryView';
import { RunLink } from '../components/Links';
import { Section } from '../components/PageHeader';
import { useRun } from '../data/queries';
import { hasTranscript } from '../transcript/model';
import { Transcript } from '../transcript/Transcript';

const LogViewer = lazy(() => import('../log/LogViewer'));

export function LiveRun({ issue }: { issue: IssueDetailDto }) {
  const running = issue.runs.find((r) => r.status === 'running' || r.status === 'starting');
  if (!running) return null;
  return <LiveRunOf runId={running.id} agent={running.agent} />;
}

function LiveRunOf({ runId, agent }: { runId: string; agent: string }) {
  const run = useRun(runId).data;
  const structured = !!run && (run.adapterType === 'claude_local' || run.adapterType === 'codex_local' || (run.adapterType === null && hasTranscript(run.events)));
  return (
    <Section
      title={`Live: ${agent} is working on it`}
      aside={
        <span className="dim">
          <span className="live-dot" aria-hidden="true" /> run <RunLink id={runId} />
        </span>
      }
      className="live-run"
    >
      {!run ? (
        <Loading what="the run" />
      ) : structured ? (
        <div className="live-transcript">
          <Transcript run={run} />
        </div>
      ) : (
        <Suspense fallback={<Loading what="the log viewer" />}>
          <div className="live-log">
            <LogViewer run={run} />
          </div>
        </Suspense>
      )}
    </Section>
  );
}
