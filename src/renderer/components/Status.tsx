// One status pill for runs, issues and agents: the colour says the state, the text says it too.
import { humanize } from '../format';

const TONE: Record<string, string> = {
  queued: 'neutral',
  running: 'live',
  succeeded: 'ok',
  failed: 'bad',
  timed_out: 'bad',
  cancelled: 'muted',
  backlog: 'muted',
  todo: 'neutral',
  in_progress: 'live',
  in_review: 'info',
  blocked: 'warn',
  done: 'ok',
  idle: 'neutral',
  paused: 'warn',
  error: 'bad',
  low: 'muted',
  medium: 'neutral',
  high: 'warn',
  urgent: 'bad',
};

export function Status({ value }: { value: string }) {
  return (
    <span className={`status tone-${TONE[value] ?? 'neutral'}`} data-status={value}>
      <span className="status-dot" aria-hidden="true" />
      {humanize(value)}
    </span>
  );
}
