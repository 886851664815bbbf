// OS notifications: one per escalation (and per host notice), bursts folded into a summary.
// Clicking one opens the window at the issue.
import { Notification } from 'electron';
import type { EscalationDto } from '../../shared/contract';
import type { EventPayload } from '../../shared/events';
import type { EventBus } from '../event-bus';
import { APP_NAME } from '../paths';
import { BurstCoalescer, type Delivery } from './coalescer';
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

export function escalationText(delivery: Delivery<EscalationDto>): NotificationText {
  if (delivery.kind === 'single') {
    const e = delivery.item;
    return { title: `${e.issueIdentifier} needs attention`, body: `${e.issueTitle}\n${e.message}`, route: routes.issue(e.issueIdentifier) };
  }
  const identifiers = [...new Set(delivery.items.map((e) => e.issueIdentifier))];
  return {
    title: `${delivery.items.length} issues need attention`,
    body: listed(identifiers),
    route: identifiers.length === 1 ? routes.issue(identifiers[0]) : routes.escalations,
  };
}

export function noticeText(delivery: Delivery<Notice>): NotificationText {
  if (delivery.kind === 'single') return { title: APP_NAME, body: delivery.item.message };
  const [first] = delivery.items;
  return { title: `${delivery.items.length} messages from ${APP_NAME}`, body: `${first.message}\nand ${delivery.items.length - 1} more in the app.` };
}

export class Notifier {
  private readonly escalations = new BurstCoalescer<EscalationDto>((d) => this.show(escalationText(d)));
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
        if (event.event === 'escalation.opened') this.escalations.push(event.data);
        else if (event.event === 'host.notice') this.notices.push(event.data);
      },
      { events: ['escalation.opened', 'host.notice'] },
    );
  }

  dispose(): void {
    this.unsubscribe();
    this.escalations.dispose();
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
