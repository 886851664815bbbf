// Which "needs you" notifications Vigil gives (kept in settings.json in the data folder), and,
// in a browser tab, the permission the browser needs before it can show any.
import { useState } from 'react';
import type { NotifyKind, SettingsDto } from '../../shared/contract';
import { PageHeader, Section } from '../components/PageHeader';
import { QueryView } from '../components/QueryView';
import { useBridge } from '../data/bridge-context';
import { useAction } from '../data/mutations';
import { useSettings } from '../data/queries';
import { browserNotificationsAvailable } from '../data/use-attention';
import { isConnectionSource } from '../data/ws-bridge';

const KINDS: [NotifyKind, string, string][] = [
  ['in_review', 'An issue is ready for review', 'An agent finished and moved its issue to in review.'],
  ['blocked', 'An issue is blocked', 'An agent (or Vigil) blocked an issue: it waits for you.'],
  ['waiting_input', 'A run waits for input', 'A run went quiet with a prompt on its screen, or its agent asked a question.'],
  ['escalation', 'An escalation opened', 'Retrying did not help; Vigil blocked the issue and escalated it.'],
];

export function SettingsScreen() {
  const query = useSettings();
  return (
    <div className="page">
      <PageHeader title="Settings" />
      <QueryView query={query} what="settings">
        {(settings) => <NotificationSettings settings={settings} />}
      </QueryView>
    </div>
  );
}

function NotificationSettings({ settings }: { settings: SettingsDto }) {
  const update = useAction('settings.update', { invalidate: ['settings.get'] });
  const inBrowser = isConnectionSource(useBridge());
  return (
    <Section title="Notifications" aside={inBrowser ? <BrowserPermission /> : <span className="dim">Shown by your system</span>}>
      <ul className="settings-list">
        {KINDS.map(([kind, label, hint]) => (
          <li key={kind}>
            <label>
              <input
                type="checkbox"
                checked={settings.notifications[kind]}
                disabled={update.isPending}
                onChange={(e) => update.mutate({ notifications: { [kind]: e.target.checked } })}
              />
              <span>
                <b>{label}</b> <span className="dim">{hint}</span>
              </span>
            </label>
          </li>
        ))}
      </ul>
      {update.error && <p className="form-error">{update.error.message}</p>}
    </Section>
  );
}

function BrowserPermission() {
  const [permission, setPermission] = useState(() => (browserNotificationsAvailable() ? Notification.permission : 'unsupported'));
  if (permission === 'unsupported') return <span className="dim">This browser cannot show notifications.</span>;
  if (permission === 'granted') return <span className="dim">This browser shows them.</span>;
  if (permission === 'denied') return <span className="text-warn">This browser blocks them: allow them in its site settings.</span>;
  return (
    <button type="button" className="btn btn-small btn-primary" onClick={() => void Notification.requestPermission().then(setPermission)}>
      Allow browser notifications
    </button>
  );
}
