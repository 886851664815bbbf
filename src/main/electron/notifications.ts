// OS notifications: one per "needs you" event (an issue in review or blocked, a run waiting for
// input, an escalation; the host sends only the kinds the settings leave on) and per host
// notice, bursts folded into a summary. Clicking one opens the window where it points.
import { Notification } from 'electron';
import { attentionBody, attentionTitle, foldByIssue, type Attention } from '../../shared/attention';
import type { EventPayload } from '../../shared/events';
import type { EventBus } from '../event-bus';
import { APP_NAME } from '../../node/paths';
import { BurstCoalescer, NOTIFICATION_BURSTS, type Delivery } from './coalescer';
import { routes } from './layout';

export interface NotificationText {
  title: string;
  body: string;
  /** Where a click opens the window; none = the window as it is. */
  route?: string;
}

type Notice = EventPayload<'host.notice'>;

function listed(names: string[], max = 3): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

function routeOf(a: Attention): string | undefined {
  if (a.kind === 'waiting_input' && a.runId) return routes.run(a.runId);
  return a.issueIdentifier ? routes.issue(a.issueIdentifier) : undefined;
}

export function attentionText(delivery: Delivery<Attention>): NotificationText {
  if (delivery.kind === 'single') {
    const a = delivery.item;
    return { title: attentionTitle(a), body: attentionBody(a), route: routeOf(a) };
  }
  const identifiers = [...new Set(delivery.items.map((a) => a.issueIdentifier ?? 'a run'))];
  const allEscalations = delivery.items.every((a) => a.kind === 'escalation');
  return {
    title: `${delivery.items.length} issues need attention`,
    body: listed(identifiers),
    route: identifiers.length === 1 ? routeOf(delivery.items[0]) : allEscalations ? routes.escalations : routes.dashboard,
  };
}


export function noticeText(delivery: Delivery<Notice>): NotificationText {
  if (delivery.kind === 'single') return { title: APP_NAME, body: delivery.item.message };
  const [first] = delivery.items;
  return { title: `${delivery.items.length} messages from ${APP_NAME}`, body: `${first.message}\nand ${delivery.items.length - 1} more in the app.` };
}

export class Notifier {
  private readonly attention = new BurstCoalescer<Attention>((d) => this.show(attentionText(d)), { ...NOTIFICATION_BURSTS, fold: foldByIssue });
  private readonly notices = new BurstCoalescer<Notice>((d) => this.show(noticeText(d)));
  /** Electron drops a notification's handlers once it is garbage collected: hold them. */
  private readonly live = new Set<Notification>();
  private readonly unsubscribe: () => void;

  constructor(
    events: EventBus,
    private readonly open: (route?: string) => void,
  ) {
    this.unsubscribe = events.subscribe(
      (event) => {
        if (event.event === 'attention.needed') this.attention.push(event.data);
        else if (event.event === 'host.notice') this.notices.push(event.data);
      },
      { events: ['attention.needed', 'host.notice'] },
    );
  }

  dispose(): void {
    this.unsubscribe();
    this.attention.dispose();
    this.notices.dispose();
    for (const notification of this.live) notification.close();
    this.live.clear();
  }

  private show(text: NotificationText): void {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title: text.title, body: text.body });
    this.live.add(notification);
    notification.on('click', () => {
      this.live.delete(notification);
      this.open(text.route);
    });
    notification.on('close', () => this.live.delete(notification));
    notification.show();
  }
}
