// How a "needs you" event reads in a notification, the same in the desktop app and a browser.
import type { NotifyKind } from './contract';
import type { EventPayload } from './events';

export type Attention = EventPayload<'attention.needed'>;

export function attentionTitle(a: Attention): string {
  const what = a.issueIdentifier ?? 'A run';
  switch (a.kind) {
    case 'in_review':
      return `${what} is ready for review`;
    case 'blocked':
      return `${what} is blocked`;
    case 'waiting_input':
      return `${what} waits for your input`;
    case 'escalation':
      return `${what} needs attention`;
  }
}

export function attentionBody(a: Attention): string {
  return [a.issueTitle, a.message].filter(Boolean).join('\n');
}

/** Which of two events about one issue says more: an escalation explains a block. */
const WEIGHT: Record<NotifyKind, number> = { escalation: 4, blocked: 3, waiting_input: 2, in_review: 1 };

/** One event per issue (or issue-less run) in a burst: the weightiest, in arrival order. */
export function foldByIssue(items: Attention[]): Attention[] {
  const kept = new Map<string, Attention>();
  for (const a of items) {
    const key = a.issueId ?? a.runId ?? `${a.kind}:${a.message}`;
    const before = kept.get(key);
    if (!before || WEIGHT[a.kind] > WEIGHT[before.kind]) {
      kept.delete(key);
      kept.set(key, a);
    }
  }
  return [...kept.values()];
}
