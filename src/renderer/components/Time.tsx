import { formatDuration, formatTime, runDuration, timeAgo } from '../format';
import { useNow } from './clock';

/** "3m ago", with the exact time on hover. */
export function Ago({ iso }: { iso: string | null }) {
  const now = useNow();
  if (!iso) return <span className="dim">—</span>;
  return (
    <time dateTime={iso} title={formatTime(iso)}>
      {timeAgo(iso, now)}
    </time>
  );
}

/** A run's duration, counting up while it runs. */
export function Elapsed({ run }: { run: { startedAt: string | null; finishedAt: string | null } }) {
  const now = useNow();
  const ms = runDuration(run, now);
  return <span className="num">{ms === null ? '—' : formatDuration(ms)}</span>;
}
