// What can be done to an agent from a list row or its page: wake, pause, resume.
import type { AgentDto, WakeResultDto } from '../../shared/contract';
import { RunLink } from '../components/Links';
import { plainMessage } from '../data/errors';
import { useAction } from '../data/mutations';
import { humanize } from '../format';

export function AgentActions({ agent, onWoke }: { agent: AgentDto; onWoke?: (result: WakeResultDto) => void }) {
  const wake = useAction('agents.wake', { onSuccess: onWoke });
  const pause = useAction('agents.pause');
  const resume = useAction('agents.resume');
  const error = wake.error ?? pause.error ?? resume.error;
  const paused = agent.status === 'paused';
  return (
    <span className="row-actions">
      <button type="button" className="btn btn-small" onClick={() => wake.mutate({ agent: agent.id, reason: 'woken from the UI' })} disabled={wake.isPending || paused} title={paused ? 'Resume it first' : 'Start a heartbeat run now'}>
        Wake now
      </button>
      {paused ? (
        <button type="button" className="btn btn-small" onClick={() => resume.mutate({ agent: agent.id })} disabled={resume.isPending}>
          Resume
        </button>
      ) : (
        <button type="button" className="btn btn-small" onClick={() => pause.mutate({ agent: agent.id })} disabled={pause.isPending}>
          Pause
        </button>
      )}
      {error && <span className="text-bad small">{plainMessage(error)}</span>}
    </span>
  );
}

export function WakeResult({ result }: { result: WakeResultDto | null }) {
  if (!result) return null;
  return (
    <p className="inline-note" role="status">
      Wake request {humanize(result.status)}
      {result.runId && (
        <>
          {' '}
          — run <RunLink id={result.runId} />
        </>
      )}
      {result.reason && <span className="dim"> ({result.reason})</span>}
    </p>
  );
}
