// Navigation, with the counts that deserve a glance: what runs, what waits for a human.
import { useHostStatus, useReviewQueue } from '../data/queries';
import { href, type Route } from '../router';
import { useTheme } from '../theme';

const ITEMS = [
  { key: 'd', label: 'Dashboard', to: href.dashboard(), screens: ['dashboard'] },
  { key: 'i', label: 'Issues', to: href.issues(), screens: ['issues', 'issue'] },
  { key: 'r', label: 'Runs', to: href.runs(), screens: ['runs', 'run'] },
  { key: 'a', label: 'Agents', to: href.agents(), screens: ['agents', 'agent'] },
  { key: 'e', label: 'Escalations', to: href.escalations(), screens: ['escalations'] },
  { key: 'o', label: 'Routines', to: href.routines(), screens: ['routines'] },
  { key: 'n', label: 'Insights', to: href.insights(), screens: ['insights'] },
  { key: 's', label: 'Settings', to: href.settings(), screens: ['settings'] },
] as const;

export function Sidebar({ route }: { route: Route }) {
  const status = useHostStatus().data;
  const { theme, toggle } = useTheme();
  const waiting = useReviewQueue().data?.length;
  const counts: Record<string, number | undefined> = {
    d: waiting,
    r: status ? status.runs.running : undefined,
    e: status ? status.openEscalations : undefined,
  };
  return (
    <nav className="sidebar" aria-label="Main">
      <a className="brand" href={href.dashboard()}>
        <span className="brand-mark" aria-hidden="true" />
        Vigil
      </a>
      <ul className="nav">
        {ITEMS.map((item) => {
          const active = (item.screens as readonly string[]).includes(route.screen);
          const count = counts[item.key];
          return (
            <li key={item.key}>
              <a href={item.to} className={active ? 'active' : undefined} aria-current={active ? 'page' : undefined}>
                <span>{item.label}</span>
                {count ? <span className={`count${item.key === 'e' || item.key === 'd' ? ' count-warn' : ''}`}>{count}</span> : null}
                <kbd className="nav-key" aria-label={`shortcut g ${item.key}`}>
                  g {item.key}
                </kbd>
              </a>
            </li>
          );
        })}
      </ul>
      <div className="sidebar-foot">
        {status && (
          <p className="host-line mono" title={status.dataDir}>
            v{status.version} · {status.database}
          </p>
        )}
        <button type="button" className="btn btn-quiet theme-toggle" onClick={toggle} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
          {theme === 'dark' ? '☀ Light theme' : '☾ Dark theme'}
        </button>
      </div>
    </nav>
  );
}
