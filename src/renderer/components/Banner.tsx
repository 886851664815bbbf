// What the user must know about the host: a lost connection, and notices it pushed.
import { useConnection } from '../data/bridge-context';
import type { Notice } from '../data/use-live';

export function ConnectionBanner() {
  const state = useConnection();
  if (state === 'open') return null;
  return (
    <div className="banner tone-warn" role="status">
      <span className="spinner" aria-hidden="true" />
      {state === 'connecting' ? 'Connecting to Vigil…' : 'Disconnected from Vigil — reconnecting. What you see may be out of date.'}
    </div>
  );
}

export function Notices({ notices, dismiss }: { notices: Notice[]; dismiss: (id: number) => void }) {
  if (notices.length === 0) return null;
  return (
    <div className="notices">
      {notices.map((n) => (
        <div key={n.id} className={`banner tone-${n.level === 'info' ? 'live' : n.level === 'warning' ? 'warn' : 'bad'}`} role="status">
          <span className="banner-text">{n.message}</span>
          <button type="button" className="btn btn-quiet" onClick={() => dismiss(n.id)} aria-label="Dismiss notice">
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
