// Checks of an issue's worktree (issue 23): after each run of the issue that succeeded and changed
// the worktree (its snapshot tree differs from the last one checked, or from the base at first),
// the check command runs there with a deadline; the check run is stored with its log, exit,
// duration and failing lines. With --fix-failed-checks N a failure goes back to the agent, with
// its output, as a comment that wakes it: at most N times per issue.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, desc, eq } from 'drizzle-orm';
import type { CheckRunDto } from '../../shared/contract';
import { agents, checkRuns, issueComments, issues } from '../db/schema';
import { logFailure } from '../host-log';
import { newId, type ServiceContext } from '../context';
import type { ChangeRequestWaker } from '../services/line-comments';
import { loadIssueDto } from '../views/lookup';
import { pick } from '../views/dto';
import { snapshotTree } from '../workspaces/diff';
import { gitOut } from '../workspaces/git';
import type { IssueWorkspaces } from '../workspaces/issue-workspaces';
import { CHECK_TIMEOUT_MS, checkCommandOf, failingLinesOf, runCheck } from './check-command';

type CheckRow = typeof checkRuns.$inferSelect;

export const checksDirOf = (dataDir: string) => join(dataDir, 'checks');

export function checkRunDto(r: CheckRow): CheckRunDto {
  return {
    ...pick(r, ['id', 'issueId', 'runId', 'command', 'exitCode', 'failingLines', 'sentBack']),
    status: r.status as CheckRunDto['status'],
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    durationMs: r.finishedAt ? r.finishedAt.getTime() - r.startedAt.getTime() : null,
  };
}

export class IssueChecks {
  /** One check at a time per issue, in the order the runs ended. */
  private readonly queue = new Map<string, Promise<unknown>>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly workspaces: IssueWorkspaces,
    private readonly waker: ChangeRequestWaker,
    private readonly env: (issueId: string) => Promise<Record<string, string>> = async () => ({}),
    private readonly timeoutMs = CHECK_TIMEOUT_MS,
  ) {}

  /** The engine's hook: a run of an issue ended. Checks it when it succeeded and changed files. */
  runEnded(run: { id: string; issueId: string | null; status: string }): void {
    if (!run.issueId || run.status !== 'succeeded') return;
    void this.enqueue(run.issueId, () => this.check(run.issueId!, run.id, false)).catch(logFailure('checks', `checking the worktree after run ${run.id}`));
  }

  enqueue<T>(issueId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queue.get(issueId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.queue.set(issueId, next);
    void next.finally(() => this.queue.get(issueId) === next && this.queue.delete(issueId)).catch(() => undefined);
    return next;
  }

  /** Runs the check now; null when there is no worktree, no command, or (unless forced) no change. */
  async check(issueId: string, runId: string | null, force: boolean): Promise<CheckRow | null> {
    const row = await this.workspaces.active(issueId);
    if (!row || (await this.workspaces.health(row)).problem) return null;
    const [agent] = row.agentId ? await this.ctx.db.select().from(agents).where(eq(agents.id, row.agentId)) : [];
    const command = checkCommandOf(agent?.adapterConfig.check, row.path);
    if (!command) return null;
    const tree = await snapshotTree(row.path);
    const [last] = await this.ctx.db.select().from(checkRuns).where(eq(checkRuns.issueId, issueId)).orderBy(desc(checkRuns.startedAt)).limit(1);
    const unchanged = last ? last.treeSha === tree : tree === (await gitOut(row.path, ['rev-parse', `${row.baseCommit}^{tree}`]));
    if (unchanged && !force) return null;
    const id = newId();
    const dir = checksDirOf(this.ctx.dataDir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const logPath = join(dir, `${id}.log`);
    await this.ctx.db.insert(checkRuns).values({ id, issueId, runId, command, treeSha: tree, status: 'running', logPath });
    await this.changed(issueId);
    const env = { ...process.env, ...(await this.env(issueId)), VIGIL_CHECK: '1' };
    const result = await runCheck(command, row.path, logPath, env, this.timeoutMs);
    const log = readLog(logPath);
    const failingLines = result.status === 'passed' ? null : failingLinesOf(log) || (result.status === 'timed_out' ? `timed out after ${Math.round(this.timeoutMs / 1000)} s` : 'no output');
    const [done] = await this.ctx.db
      .update(checkRuns)
      .set({ status: result.status, exitCode: result.exitCode, failingLines, finishedAt: new Date() })
      .where(eq(checkRuns.id, id))
      .returning();
    await this.changed(issueId);
    if (result.status !== 'passed') await this.sendBack(done, agent?.adapterConfig.fixFailedChecks ?? 0);
    return done;
  }

  /** A failure goes back to the agent while the issue has sent back fewer than `limit`. */
  private async sendBack(check: CheckRow, limit: number): Promise<void> {
    if (limit <= 0) return;
    const sent = await this.ctx.db.select({ id: checkRuns.id }).from(checkRuns).where(and(eq(checkRuns.issueId, check.issueId), eq(checkRuns.sentBack, true)));
    if (sent.length >= limit) return;
    const body = [
      `The check \`${check.command}\` failed (${check.status === 'timed_out' ? 'timed out' : `exit ${check.exitCode}`}) on the worktree after your last run. Fix what it reports, in this worktree.`,
      `What failed (attempt ${sent.length + 1} of ${limit}):`,
      '```',
      check.failingLines ?? '',
      '```',
    ].join('\n');
    const now = new Date();
    const comment = await this.ctx.db.transaction(async (tx) => {
      const [c] = await tx.insert(issueComments).values({ id: newId(), issueId: check.issueId, authorType: 'system', body }).returning();
      await tx.update(checkRuns).set({ sentBack: true }).where(eq(checkRuns.id, check.id));
      await tx.update(issues).set({ status: 'in_progress', updatedAt: now }).where(and(eq(issues.id, check.issueId), eq(issues.status, 'in_review')));
      return c;
    });
    await this.waker.wakeForComment(check.issueId, comment.id);
  }

  private async changed(issueId: string): Promise<void> {
    this.ctx.events.emit('issue.updated', await loadIssueDto(this.ctx.db, issueId));
  }

  async list(issueId: string, limit = 20): Promise<CheckRunDto[]> {
    const rows = await this.ctx.db.select().from(checkRuns).where(eq(checkRuns.issueId, issueId)).orderBy(desc(checkRuns.startedAt)).limit(limit);
    return rows.map(checkRunDto);
  }

  async latest(issueId: string): Promise<CheckRunDto | null> {
    return (await this.list(issueId, 1))[0] ?? null;
  }

  async log(checkId: string): Promise<string | null> {
    const [row] = await this.ctx.db.select().from(checkRuns).where(eq(checkRuns.id, checkId));
    return row?.logPath ? readLog(row.logPath) : null;
  }
}

function readLog(path: string): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.length > 256 * 1024 ? text.slice(-256 * 1024) : text;
  } catch {
    return '';
  }
}
