// An issue's history in words: who (by name), what, to which issue. Activity rows carry action
// names and actor ids ("issue.commented", "agent:18c8…"); a person reads "builder commented on VIG-4".
import type { ActivityDto, EscalationDto } from '../shared/contract';
import { humanize } from './format';

export interface HistoryEntry {
  key: string;
  at: string;
  who: string;
  what: string;
  /** An escalation's own words (shown under the line), and whether it is still open. */
  detail?: string;
  open?: boolean;
}

const FIELD_WORDS: Record<string, string> = { title: 'title', body: 'description', priority: 'priority', status: 'status' };

export function actorName(actor: string, agentNames: ReadonlyMap<string, string>): string {
  if (actor === 'user') return 'You';
  if (actor === 'system') return 'Vigil';
  if (actor.startsWith('agent:')) return agentNames.get(actor.slice('agent:'.length)) ?? 'a removed agent';
  return actor;
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : null);

function sentence(a: ActivityDto, identifier: string): string | null {
  const d = (a.details && typeof a.details === 'object' ? a.details : {}) as Record<string, unknown>;
  switch (a.action) {
    case 'issue.created':
      return `opened ${identifier}${str(d.assignee) ? ` and assigned it to ${String(d.assignee)}` : ''}`;
    case 'issue.assigned':
      return str(d.agent) ? `assigned ${identifier} to ${String(d.agent)}` : str(d.user) ? `assigned ${identifier} to ${String(d.user)}` : `unassigned ${identifier}`;
    case 'issue.commented':
      return `commented on ${identifier}`;
    case 'issue.updated': {
      const from = str(d.from);
      const to = str(d.to);
      const fields = Array.isArray(d.fields) ? (d.fields as unknown[]).map(String).filter((f) => f !== 'status' || from === to) : [];
      const parts: string[] = [];
      if (from && to && from !== to) parts.push(`moved ${identifier} from ${humanize(from)} to ${humanize(to)}`);
      const named = fields.map((f) => FIELD_WORDS[f] ?? humanize(f));
      if (named.length) parts.push(`${parts.length ? 'changed its' : `changed the`} ${named.join(' and ')}${parts.length ? '' : ` of ${identifier}`}`);
      return parts.length ? parts.join(' and ') : `changed ${identifier}`;
    }
    case 'issue.merge_refused':
      return `tried to merge ${identifier}; it was not merged (${humanize(String(d.outcome ?? 'refused'))}${str(d.files) ? `: ${String(d.files)}` : ''})`;
    case 'issue.escalated':
      return null; // the escalation itself is listed, in its own words
    default:
      return `${humanize(a.action.replace(/^[a-z]+\./, ''))} ${identifier}`;
  }
}

/**
 * `shownComments`: the bodies of the comments on the same page; an escalation whose words are one
 * of them is listed without repeating them (a person reads them once).
 */
export function issueHistory(
  identifier: string,
  activity: ActivityDto[],
  escalations: EscalationDto[],
  agentNames: ReadonlyMap<string, string>,
  shownComments: readonly string[] = [],
): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  const shown = new Set(shownComments.map((b) => b.trim()));
  for (const e of escalations) {
    entries.push({
      key: `e-${e.id}`,
      at: e.createdAt,
      who: 'Vigil',
      what: `escalated ${identifier} to you${shown.has(e.message.trim()) ? ' (its comment says why)' : ''}`,
      ...(shown.has(e.message.trim()) ? {} : { detail: e.message }),
      open: !e.resolvedAt,
    });
  }
  for (const a of activity) {
    const what = sentence(a, identifier);
    if (what) entries.push({ key: `a-${a.id}`, at: a.createdAt, who: actorName(a.actor, agentNames), what });
  }
  return entries.sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0));
}
