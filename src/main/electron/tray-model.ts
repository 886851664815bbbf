// What the tray shows, as pure functions of the host's state: the icon variant, the tooltip and
// the menu template.
import type { MenuItemConstructorOptions } from 'electron';
import type { EscalationDto, RunDto } from '../../shared/contract';
import type { Api } from '../api';
import { APP_NAME } from '../../node/paths';
import { routes } from './layout';

/** Menu sections list at most this many entries; the rest is one "and N more" line. */
const MAX_LISTED = 10;

export interface TrayState {
  running: RunDto[];
  runningTotal: number;
  escalations: EscalationDto[];
  /** The dashboard's review queue: issues in review and blocked ones. */
  review: { inReview: number; blocked: number };
}

export const IDLE: TrayState = { running: [], runningTotal: 0, escalations: [], review: { inReview: 0, blocked: 0 } };

export type TrayVariant = 'idle' | 'running' | 'escalation';

export interface TrayActions {
  open(route?: string): void;
  pauseAll(): void;
  quit(): void;
}

export async function readTrayState(api: Api): Promise<TrayState> {
  const count = async (status: 'in_review' | 'blocked') => ((await api.invoke('issues.list', { status, limit: 1 })) as { total: number }).total;
  const [runs, escalations, inReview, blocked] = await Promise.all([
    api.invoke('runs.list', { status: 'running', limit: MAX_LISTED }) as Promise<{ items: RunDto[]; total: number }>,
    api.invoke('escalations.list', { open: true }) as Promise<EscalationDto[]>,
    count('in_review'),
    count('blocked'),
  ]);
  return { running: runs.items, runningTotal: runs.total, escalations, review: { inReview, blocked } };
}

const waiting = (state: TrayState) => state.review.inReview + state.review.blocked;

/** What waits on the user (escalations, the review queue) wins over work in progress. */
export function trayVariant(state: TrayState): TrayVariant {
  if (state.escalations.length > 0 || waiting(state) > 0) return 'escalation';
  return state.runningTotal > 0 ? 'running' : 'idle';
}

/** PNG file name for a variant; the -32 art suits Linux panels (22-24 px) better than 16. */
export function trayIconFile(variant: TrayVariant, platform: NodeJS.Platform): string {
  return platform === 'linux' ? `tray-${variant}-32.png` : `tray-${variant}.png`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function trayTooltip(state: TrayState): string {
  const parts: string[] = [];
  if (state.runningTotal > 0) parts.push(`${plural(state.runningTotal, 'agent', 'agents')} running`);
  if (state.escalations.length > 0) parts.push(`${plural(state.escalations.length, 'issue needs', 'issues need')} attention`);
  if (waiting(state) > 0) parts.push(`${waiting(state)} waiting for you`);
  return `${APP_NAME}: ${parts.length ? parts.join(', ') : 'idle'}`;
}

/** Menu labels treat & as a mnemonic marker on Windows and Linux. */
const label = (text: string) => text.replace(/&/g, '&&');

export function trayMenuTemplate(state: TrayState, actions: TrayActions): MenuItemConstructorOptions[] {
  const items: MenuItemConstructorOptions[] = [];
  if (state.runningTotal === 0) {
    items.push({ label: 'No agents running', enabled: false });
  } else {
    items.push({ label: `Running (${state.runningTotal})`, enabled: false });
    for (const run of state.running) {
      items.push({
        label: label(`${run.agent} — ${run.issueIdentifier ?? 'no issue'}`),
        click: () => actions.open(routes.run(run.id)),
      });
    }
    const more = state.runningTotal - state.running.length;
    if (more > 0) items.push({ label: `and ${more} more…`, click: () => actions.open(routes.runs) });
  }
  if (waiting(state) > 0) {
    const { inReview, blocked } = state.review;
    const parts = [inReview ? `${inReview} in review` : null, blocked ? `${blocked} blocked` : null].filter(Boolean).join(', ');
    items.push({ type: 'separator' });
    items.push({ label: `Waiting for you (${waiting(state)}): ${parts}`, click: () => actions.open(routes.dashboard) });
  }
  if (state.escalations.length > 0) {
    items.push({ type: 'separator' });
    items.push({ label: `Needs attention (${state.escalations.length})`, enabled: false });
    for (const escalation of state.escalations.slice(0, MAX_LISTED)) {
      items.push({
        label: label(`${escalation.issueIdentifier} — ${escalation.issueTitle}`.slice(0, 80)),
        click: () => actions.open(routes.issue(escalation.issueIdentifier)),
      });
    }
    const more = state.escalations.length - MAX_LISTED;
    if (more > 0) items.push({ label: `and ${more} more…`, click: () => actions.open(routes.escalations) });
  }
  items.push(
    { type: 'separator' },
    { label: `Open ${APP_NAME}`, click: () => actions.open() },
    { label: 'Pause all agents', click: () => actions.pauseAll() },
    { label: 'Quit', click: () => actions.quit() },
  );
  return items;
}
