// "Needs you": turns what happens in the host into one `attention.needed` event per thing that
// waits for the user — an issue moving to in_review or blocked, a run that seems to wait for
// input, an escalation — for the kinds the settings leave on. The desktop app and the browser
// turn these into notifications (folding bursts); nothing here knows about either.
import { and, eq, inArray } from 'drizzle-orm';
import type { IssueDto, NotifyKind, RunDto } from '../shared/contract';
import type { EventPayload } from '../shared/events';
import { issues } from './db/schema';
import type { EventBus } from './event-bus';
import type { ServiceContext } from './services/context';
import { loadIssueDto } from './services/lookup';
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
  run: RunDto;
  line: string | null;
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
  private readonly timer: NodeJS.Timeout;
  private readonly silenceMs: number;

  private constructor(
    private readonly ctx: ServiceContext,
    private readonly events: EventBus,
    private readonly settings: SettingsStore,
    opts: AttentionOptions,
  ) {
    this.silenceMs = opts.silenceMs ?? 60_000;
    this.unsubscribe = events.subscribe((e) => {
      if (e.event === 'issue.updated') this.onIssue(e.data);
      else if (e.event === 'escalation.opened')
        this.emit({ kind: 'escalation', issueId: e.data.issueId, issueIdentifier: e.data.issueIdentifier, issueTitle: e.data.issueTitle, runId: e.data.runId, message: e.data.message });
      else if (e.event === 'run.created' || e.event === 'run.updated') this.onRun(e.data);
      else if (e.event === 'run.event') {
        const ask = e.data.events.find((x) => x.type === 'input_request');
        if (ask) void this.onInputRequest(e.data.runId, ask.message ?? 'The agent asks you a question.');
      }
    });
    this.timer = setInterval(() => void this.checkSilent(), opts.checkEveryMs ?? 5000);
    this.timer.unref();
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

  private onRun(run: RunDto): void {
    if (run.status !== 'running') {
      this.running.delete(run.id);
      this.asked.delete(run.id);
      return;
    }
    const seen = this.running.get(run.id);
    if (!seen || seen.line !== run.lastOutputLine) {
      this.running.set(run.id, { run, line: run.lastOutputLine, since: Date.now(), notified: false });
    }
  }

  private async onInputRequest(runId: string, question: string): Promise<void> {
    if (this.asked.has(runId)) return;
    this.asked.add(runId);
    const run = this.running.get(runId)?.run;
    await this.emitForRun(runId, run?.issueId ?? null, `Asks: ${question}`);
  }

  private async checkSilent(): Promise<void> {
    const now = Date.now();
    for (const watched of this.running.values()) {
      if (watched.notified || now - watched.since < this.silenceMs || !looksLikePrompt(watched.line)) continue;
      watched.notified = true;
      await this.emitForRun(watched.run.id, watched.run.issueId, `Seems to wait for input: ${watched.line?.trim().slice(0, 160)}`);
    }
  }

  private async emitForRun(runId: string, issueId: string | null, message: string): Promise<void> {
    const issue = issueId ? await loadIssueDto(this.ctx.db, issueId).catch(() => null) : null;
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
