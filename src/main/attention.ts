// "Needs you": turns what happens in the host into one `attention.needed` event per thing that
// waits for the user — an issue moving to in_review or blocked, a run that seems to wait for
// input, an escalation — for the kinds the settings leave on. The desktop app and the browser
// turn these into notifications (folding bursts); nothing here knows about either.
import { and, eq, inArray } from 'drizzle-orm';
import type { IssueDto, NotifyKind } from '../shared/contract';
import type { EventPayload } from '../shared/events';
import { heartbeatRuns, issues } from './db/schema';
import type { EventBus } from './event-bus';
import { hostLog, logFailure } from './host-log';
import type { ServiceContext } from './context';
import { loadIssueDto } from './views/lookup';
import type { SettingsStore } from './services/settings';

type Attention = EventPayload<'attention.needed'>;

/**
 * A last screen line that asks something: a question, a yes/no choice, a password or
 * "press enter" request, an interactive picker ("? Select ›"), or a bare shell/REPL prompt.
 */
const PROMPT_LINE_RE =
  /(\?\s*$)|([[(]\s*y(es)?\s*\/\s*n(o)?\s*[\])]\s*:?\s*$)|((password|passphrase|username|token|enter|continue|confirm|choose|select|answer)[^\n]{0,80}[:>]\s*$)|(^\s*[>❯›$#]\s*$)|([❯›]\s*$)|(^\?\s)|(press (enter|return|any key))/i;

export function looksLikePrompt(line: string | null): boolean {
  return !!line && line.trim().length > 0 && PROMPT_LINE_RE.test(line.trim());
}

export interface AttentionOptions {
  /** A running run silent this long with a prompt-like last line seems to wait for input. */
  silenceMs?: number;
  /** How often silent runs are checked. */
  checkEveryMs?: number;
}

interface WatchedRun {
  issueId: string | null;
  line: string | null;
  /** When this last line was first seen: the run has been silent since. */
  since: number;
  notified: boolean;
}

export class AttentionWatcher {
  /** Last known status of issues, to tell a move to in_review/blocked from an edit of one. */
  private readonly statuses = new Map<string, IssueDto['status']>();
  private readonly running = new Map<string, WatchedRun>();
  /** Runs already reported as asking (an adapter's input request), once each. */
  private readonly asked = new Set<string>();
  private readonly unsubscribe: () => void;
  private timer: NodeJS.Timeout | undefined;
  private readonly silenceMs: number;
  /** A check still reading the database: the next tick skips rather than piles up. */
  private checking = false;

  private constructor(
    private readonly ctx: ServiceContext,
    private readonly events: EventBus,
    private readonly settings: SettingsStore,
    opts: AttentionOptions,
  ) {
    this.silenceMs = opts.silenceMs ?? 60_000;
    // Named events only: a catch-all listener would make every emitter pay for payloads nobody
    // needs (live output encoded, run rows read back). Runs are read at each check instead.
    this.unsubscribe = events.subscribe(
      (e) => {
        if (e.event === 'issue.updated') this.onIssue(e.data);
        else if (e.event === 'escalation.opened')
          this.emit({ kind: 'escalation', issueId: e.data.issueId, issueIdentifier: e.data.issueIdentifier, issueTitle: e.data.issueTitle, runId: e.data.runId, message: e.data.message });
        else if (e.event === 'run.event') {
          const ask = e.data.events.find((x) => x.type === 'input_request');
          if (ask) void this.onInputRequest(e.data.runId, ask.message ?? 'The agent asks you a question.');
        } else if (e.event === 'request.opened') {
          // issue 21: a stored request says exactly what is asked, every time it is asked.
          const r = e.data;
          const verb = r.kind === 'question' ? 'asks' : 'asks to use';
          this.emit({ kind: 'waiting_input', issueId: r.issueId, issueIdentifier: r.issueIdentifier, issueTitle: r.issueTitle, runId: r.runId, message: `${r.agent} ${verb}: ${r.summary}` });
        }
      },
      { events: ['issue.updated', 'escalation.opened', 'run.event', 'request.opened'] },
    );
    // 0: the host drives checkSilent() itself, only while runs are live (src/main/busy-timers.ts).
    const every = opts.checkEveryMs ?? 5000;
    if (every > 0) {
      this.timer = setInterval(() => void this.checkSilent().catch(logFailure('attention', 'checking runs for silence failed')), every);
      this.timer.unref();
    }
  }

  /** Starts watching; issues already waiting when the host starts are not news. */
  static async start(ctx: ServiceContext, settings: SettingsStore, opts: AttentionOptions = {}): Promise<AttentionWatcher> {
    const watcher = new AttentionWatcher(ctx, ctx.events, settings, opts);
    const waiting = await ctx.db
      .select({ id: issues.id, status: issues.status })
      .from(issues)
      .where(and(eq(issues.workspaceId, ctx.workspaceId), inArray(issues.status, ['in_review', 'blocked'])));
    for (const row of waiting) if (!watcher.statuses.has(row.id)) watcher.statuses.set(row.id, row.status as IssueDto['status']);
    return watcher;
  }

  dispose(): void {
    this.unsubscribe();
    clearInterval(this.timer);
  }

  private onIssue(issue: IssueDto): void {
    const before = this.statuses.get(issue.id);
    this.statuses.set(issue.id, issue.status);
    if (before === issue.status) return;
    if (issue.status === 'in_review') {
      this.emit({ kind: 'in_review', ...about(issue), runId: issue.checkoutRunId, message: `${issue.assigneeAgent ?? 'The agent'} finished: ready for your review.` });
    } else if (issue.status === 'blocked') {
      this.emit({ kind: 'blocked', ...about(issue), runId: issue.checkoutRunId, message: 'Blocked: it waits for you.' });
    }
  }

  /** The running runs and their last lines, as the database has them now. */
  private async refreshRunning(now: number): Promise<void> {
    const rows = await this.ctx.db
      .select({ id: heartbeatRuns.id, issueId: heartbeatRuns.issueId, line: heartbeatRuns.lastOutputLine })
      .from(heartbeatRuns)
      .where(and(eq(heartbeatRuns.workspaceId, this.ctx.workspaceId), eq(heartbeatRuns.status, 'running')));
    const live = new Set(rows.map((r) => r.id));
    for (const id of this.running.keys()) if (!live.has(id)) this.running.delete(id);
    for (const id of this.asked) if (!live.has(id)) this.asked.delete(id);
    for (const row of rows) {
      const seen = this.running.get(row.id);
      if (!seen || seen.line !== row.line) this.running.set(row.id, { issueId: row.issueId, line: row.line, since: now, notified: false });
    }
  }

  private async onInputRequest(runId: string, question: string): Promise<void> {
    if (this.asked.has(runId)) return;
    this.asked.add(runId);
    const [run] = await this.ctx.db.select({ issueId: heartbeatRuns.issueId }).from(heartbeatRuns).where(eq(heartbeatRuns.id, runId));
    await this.emitForRun(runId, run?.issueId ?? null, `Asks: ${question}`);
  }

  async checkSilent(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await this.checkSilentOnce();
    } finally {
      this.checking = false;
    }
  }

  private async checkSilentOnce(): Promise<void> {
    const now = Date.now();
    await this.refreshRunning(now);
    for (const [runId, watched] of this.running) {
      if (watched.notified || now - watched.since < this.silenceMs || !looksLikePrompt(watched.line)) continue;
      watched.notified = true;
      await this.emitForRun(runId, watched.issueId, `Seems to wait for input: ${watched.line?.trim().slice(0, 160)}`);
    }
  }

  private async emitForRun(runId: string, issueId: string | null, message: string): Promise<void> {
    // Without its issue the alert still goes out (naming the run only), and the reason is logged.
    const issue = issueId
      ? await loadIssueDto(this.ctx.db, issueId).catch((err: unknown) => {
          hostLog('warn', 'attention', `loading issue ${issueId} for an alert failed`, err);
          return null;
        })
      : null;
    this.emit({ kind: 'waiting_input', ...(issue ? about(issue) : { issueId: null, issueIdentifier: null, issueTitle: null }), runId, message });
  }

  private emit(attention: Attention): void {
    if (!this.settings.get().notifications[attention.kind as NotifyKind]) return;
    this.events.emit('attention.needed', attention);
  }
}

function about(issue: IssueDto) {
  return { issueId: issue.id, issueIdentifier: issue.identifier, issueTitle: issue.title };
}
