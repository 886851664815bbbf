// What waits for the user, outside the dashboard: the window title counts the review queue, and
// in a browser tab each `attention.needed` event becomes a Notification once the user allowed
// them (the desktop app shows OS notifications from its main process instead).
import { useEffect } from 'react';
import { attentionBody, attentionTitle, type Attention } from '../../shared/attention';
import { href, navigate } from '../router';
import { useBridge } from './bridge-context';
import { useReviewQueue } from './queries';
import { isConnectionSource } from './ws-bridge';

const APP_TITLE = 'Vigil';

export function useWindowTitle(): void {
  const count = useReviewQueue().data?.length ?? 0;
  useEffect(() => {
    document.title = count > 0 ? `(${count}) ${APP_TITLE} — ${count} waiting for you` : APP_TITLE;
  }, [count]);
}

export function attentionRoute(a: Attention): string {
  if (a.kind === 'waiting_input' && a.runId) return href.run(a.runId);
  return a.issueIdentifier ? href.issue(a.issueIdentifier) : href.dashboard();
}

export function browserNotificationsAvailable(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window;
}

export function useBrowserNotifications(): void {
  const bridge = useBridge();
  useEffect(() => {
    if (!isConnectionSource(bridge) || !browserNotificationsAvailable()) return;
    return bridge.onEvent((event) => {
      if (event.event !== 'attention.needed' || Notification.permission !== 'granted') return;
      const a = event.data;
      // One notification per issue (or run) at a time: a blocked issue's escalation replaces
      // the "blocked" one instead of adding a second.
      const n = new Notification(attentionTitle(a), { body: attentionBody(a), tag: a.issueId ?? a.runId ?? a.kind });
      n.onclick = () => {
        window.focus();
        navigate(attentionRoute(a));
        n.close();
      };
    });
  }, [bridge]);
}
