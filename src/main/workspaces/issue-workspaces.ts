// The issue workspaces of one host: the worktree each issue is worked in (made at its first
// run, found again for every later one), its health on disk, and the start-up clean-up that
// prunes git's records of vanished worktrees and lists, never deletes, what no issue claims.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import type { WorkspaceDto } from '../../shared/contract';
import type { WorkspaceHealth } from '../../shared/domain';
import { agents, issues, issueWorkspaces } from '../db/schema';
import { runCheck } from '../checks/check-command';
import { hostLog, logFailure } from '../host-log';
import { iso, newId, type ServiceContext } from '../context';
import type { AgentRow, RunRow } from '../views/dto';
import { dropArchive } from './archive';
import { copyIncluded, freePortBase, portEnv } from './worktree-setup';
import { git } from './git';
import { addWorktree, branchExists, branchNameOf, repositoryRoot, runFolderIn, WorkspaceError, worktreeProblem } from './worktree';

export type WorkspaceRow = typeof issueWorkspaces.$inferSelect;

/** What a run needs to know of its issue's worktree. */
export interface RunWorkspace {
  cwd: string;
  path: string;
  branch: string;
  baseBranch: string;
  /** issue 23: what every run in it gets in its environment (VIGIL_PORT, PORT). */
  env?: Record<string, string>;
}

const SETUP_TIMEOUT_MS = 20 * 60_000;

let portLock: Promise<unknown> = Promise.resolve();
/** Port ranges are handed out one at a time in this host, so two new worktrees never share one. */
function allocating<T>(fn: () => Promise<T>): Promise<T> {
  const next = portLock.catch(() => undefined).then(fn);
  portLock = next;
  return next;
}

export const workspacesDirOf = (dataDir: string) => join(dataDir, 'workspaces');

export class IssueWorkspaces {
  /** One preparation at a time per issue: a retry and a follow-up must not both make it. */
  private readonly preparing = new Map<string, Promise<RunWorkspace>>();
  /** Worktree folders being made right now (their rows not yet written). */
  private readonly making = new Set<string>();

  constructor(private readonly ctx: ServiceContext) {}

  get dir(): string {
    return workspacesDirOf(this.ctx.dataDir);
  }

  /**
   * The folder a run works in: null for agents without worktrees (their own folder), else the
   * issue's worktree, made at its first run and made again from its branch if it went missing.
   * Throws a WorkspaceError saying why when that cannot be done.
   */
  async forRun(run: RunRow, agent: AgentRow): Promise<RunWorkspace | null> {
    if (agent.adapterConfig.workspace !== 'worktree' || !run.issueId || !agent.adapterConfig.cwd) return null;
    const issueId = run.issueId;
    const cwd = agent.adapterConfig.cwd;
    const prev = this.preparing.get(issueId) ?? Promise.resolve(null);
    // The previous preparation's failure was its caller's; this one only waits its turn.
    const next = prev.catch(() => null).then(() => this.prepare(issueId, agent, cwd));
    this.preparing.set(issueId, next);
    try {
      return await next;
    } catch (err) {
      throw err instanceof WorkspaceError ? err : new WorkspaceError(`the issue's worktree could not be prepared: ${(err as Error).message}`);
    } finally {
      if (this.preparing.get(issueId) === next) this.preparing.delete(issueId);
    }
  }

  private async prepare(issueId: string, agent: AgentRow, agentCwd: string): Promise<RunWorkspace> {
    const repo = await repositoryRoot(agentCwd);
    let row = await this.active(issueId);
    if (row && row.repoPath !== repo) {
      throw new Error(`this issue already has a worktree of another repository (${row.repoPath}); merge or discard it before ${agent.name} works on it in ${repo}`);
    }
    if (row) {
      // Lost (deleted by hand, a disk clean-up): made again from its branch, commits intact.
      if (await worktreeProblem(row.path, row.branch)) await addWorktree(repo, row.path, row.branch, { branch: row.baseBranch, commit: row.baseCommit });
    } else {
      const [issue] = await this.ctx.db.select().from(issues).where(eq(issues.id, issueId));
      if (!issue) throw new Error(`issue ${issueId} is gone`);
      const path = join(this.dir, issue.identifier);
      // Between git making the folder and its row landing, the folder is this issue's, not stray.
      this.making.add(path);
      try {
        const made = await addWorktree(repo, path, await this.freshBranch(repo, path, branchNameOf(issue.identifier, issue.title)));
        const copied = await copyIncluded(repo, path).catch((err: Error) => {
          logFailure('workspaces', `copying the .worktreeinclude files into ${path}`)(err);
          return [];
        });
        await allocating(async () => {
          const taken = await this.ctx.db.select({ p: issueWorkspaces.portBase }).from(issueWorkspaces).where(eq(issueWorkspaces.state, 'active'));
          await this.ctx.db
            .insert(issueWorkspaces)
            .values({ id: newId(), issueId, agentId: agent.id, repoPath: repo, ...made, portBase: freePortBase(taken.map((t) => t.p)) })
            .onConflictDoNothing();
        });
        if (copied.length) hostLog('info', 'workspaces', `copied ${copied.join(', ')} into ${path} (.worktreeinclude)`);
      } finally {
        this.making.delete(path);
      }
      row = await this.active(issueId);
      if (!row) throw new Error('the worktree was made but its record could not be written');
    }
    if (agent.adapterConfig.setup && row.setupExitCode !== 0) row = await this.runSetup(row, agent.adapterConfig.setup);
    return { cwd: runFolderIn(row.path, repo, agentCwd), path: row.path, branch: row.branch, baseBranch: row.baseBranch, env: portEnv(row.portBase) };
  }

  /** The agent's setup command, before the worktree's first run (again after a failure); its log kept. */
  private async runSetup(row: WorkspaceRow, command: string): Promise<WorkspaceRow> {
    const dir = join(this.ctx.dataDir, 'setup');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const log = join(dir, `${row.id}.log`);
    const result = await runCheck(command, row.path, log, { ...process.env, ...portEnv(row.portBase), VIGIL_SETUP: '1' }, SETUP_TIMEOUT_MS);
    const [done] = await this.ctx.db.update(issueWorkspaces).set({ setupLog: log, setupExitCode: result.exitCode ?? -1, updatedAt: new Date() }).where(eq(issueWorkspaces.id, row.id)).returning();
    if (result.status !== 'passed') {
      throw new WorkspaceError(`the worktree's setup command (${command}) ${result.status === 'timed_out' ? 'timed out' : `failed with exit ${result.exitCode}`}; its log is ${log}; it runs again before the next run`);
    }
    return done;
  }

  /**
   * The branch name for a new worktree. A branch of that name without its worktree folder is
   * someone else's (an older database, a failed clean-up): never adopted, a suffix is added.
   * With the folder there it is this issue's own, made just before a crash.
   */
  private async freshBranch(repo: string, path: string, wanted: string): Promise<string> {
    if (existsSync(path)) return wanted;
    for (let n = 1; ; n++) {
      const name = n === 1 ? wanted : `${wanted}-${n}`;
      if (!(await branchExists(repo, name))) return name;
    }
  }

  async active(issueId: string): Promise<WorkspaceRow | null> {
    const [row] = await this.ctx.db
      .select()
      .from(issueWorkspaces)
      .where(and(eq(issueWorkspaces.issueId, issueId), eq(issueWorkspaces.state, 'active')));
    return row ?? null;
  }

  /** The active worktree, else the latest merged or discarded one. */
  async latest(issueId: string): Promise<WorkspaceRow | null> {
    return (await this.active(issueId)) ?? (await this.ctx.db.select().from(issueWorkspaces).where(eq(issueWorkspaces.issueId, issueId)).orderBy(desc(issueWorkspaces.createdAt)).limit(1))[0] ?? null;
  }

  async health(row: WorkspaceRow): Promise<{ health: WorkspaceHealth; problem: string | null }> {
    if (row.state !== 'active') return { health: 'ok', problem: null };
    const problem = await worktreeProblem(row.path, row.branch);
    if (!problem) return { health: 'ok', problem: null };
    return { health: existsSync(row.path) ? 'broken' : 'missing', problem };
  }

  async dtos(rows: WorkspaceRow[]): Promise<WorkspaceDto[]> {
    if (rows.length === 0) return [];
    const issueIds = [...new Set(rows.map((r) => r.issueId))];
    const agentIds = [...new Set(rows.map((r) => r.agentId).filter((x): x is string => !!x))];
    const issueRows = new Map((await this.ctx.db.select().from(issues).where(inArray(issues.id, issueIds))).map((i) => [i.id, i]));
    const names = new Map(
      agentIds.length ? (await this.ctx.db.select({ id: agents.id, name: agents.name }).from(agents).where(inArray(agents.id, agentIds))).map((a) => [a.id, a.name]) : [],
    );
    return Promise.all(
      rows.map(async (r) => ({
        id: r.id,
        issueId: r.issueId,
        issueIdentifier: issueRows.get(r.issueId)?.identifier ?? null,
        issueTitle: issueRows.get(r.issueId)?.title ?? null,
        agentId: r.agentId,
        agent: r.agentId ? (names.get(r.agentId) ?? null) : null,
        repoPath: r.repoPath,
        path: r.path,
        branch: r.branch,
        baseBranch: r.baseBranch,
        baseCommit: r.baseCommit,
        state: r.state as WorkspaceDto['state'],
        mergedCommit: r.mergedCommit,
        // A closed worktree is gone by design; one a merge or discard had to keep is said (the page's closed line).
        ...(r.state === 'active' ? await this.health(r) : { health: 'ok' as const, problem: existsSync(r.path) ? `its worktree was kept at ${r.path} (vigil workspace list)` : null }),
        createdAt: r.createdAt.toISOString(),
        updatedAt: r.updatedAt.toISOString(),
        closedAt: iso(r.closedAt),
        mergeMethod: r.mergeMethod,
        archiveBranch: r.archiveBranch,
        archiveExpiresAt: iso(r.archiveExpiresAt),
        port: r.state === 'active' ? r.portBase : null,
        setup: r.setupLog ? { log: r.setupLog, exitCode: r.setupExitCode } : null,
        pr: r.prUrl ? { url: r.prUrl, number: r.prNumber, state: r.prState, checkedAt: iso(r.prCheckedAt) } : null,
      })),
    );
  }

  async close(
    row: WorkspaceRow,
    state: 'merged' | 'discarded',
    mergedCommit: string | null = null,
    mergeMethod: string | null = null,
    archive: { archiveBranch?: string; archiveExpiresAt?: Date } = {},
  ): Promise<WorkspaceRow> {
    const now = new Date();
    const [done] = await this.ctx.db
      .update(issueWorkspaces)
      .set({ state, mergedCommit, mergeMethod, ...archive, closedAt: now, updatedAt: now })
      .where(and(eq(issueWorkspaces.id, row.id), eq(issueWorkspaces.state, 'active')))
      .returning();
    return done ?? row;
  }

  /** A discarded worktree made again from its restored branch, as a new active row. */
  async reopen(row: WorkspaceRow): Promise<WorkspaceRow> {
    const made = await addWorktree(row.repoPath, row.path, row.branch, { branch: row.baseBranch, commit: row.baseCommit });
    const [fresh] = await this.ctx.db.insert(issueWorkspaces).values({ id: newId(), issueId: row.issueId, agentId: row.agentId, repoPath: row.repoPath, ...made }).returning();
    await this.ctx.db.update(issueWorkspaces).set({ archiveBranch: null, archiveExpiresAt: null, updatedAt: new Date() }).where(eq(issueWorkspaces.id, row.id));
    return fresh;
  }

  /** Archived branches past their time are deleted; returns how many. */
  async expireArchives(now = new Date()): Promise<number> {
    const rows = await this.ctx.db.select().from(issueWorkspaces).where(and(eq(issueWorkspaces.state, 'discarded'), lt(issueWorkspaces.archiveExpiresAt, now)));
    let n = 0;
    for (const r of rows) {
      if (!r.archiveBranch) continue;
      try {
        await dropArchive(r.repoPath, r.archiveBranch);
        await this.ctx.db.update(issueWorkspaces).set({ archiveBranch: null, archiveExpiresAt: null, updatedAt: now }).where(eq(issueWorkspaces.id, r.id));
        n++;
      } catch (err) {
        logFailure('workspaces', `deleting the expired archive ${r.archiveBranch} in ${r.repoPath}`)(err);
      }
    }
    return n;
  }

  /** Active worktrees (whose issue is gone or not), and folders under workspaces/ that no active row claims. */
  async list(): Promise<{ rows: WorkspaceRow[]; strayFolders: string[] }> {
    const rows = await this.ctx.db.select().from(issueWorkspaces).where(eq(issueWorkspaces.state, 'active')).orderBy(desc(issueWorkspaces.createdAt));
    const claimed = new Set(rows.map((r) => r.path));
    const strayFolders = existsSync(this.dir)
      ? readdirSync(this.dir, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => join(this.dir, e.name))
          .filter((p) => !claimed.has(p) && !this.making.has(p))
      : [];
    return { rows, strayFolders };
  }

  /**
   * At start: `git worktree prune` in every repository Vigil made worktrees of (git forgets the
   * ones whose folder is gone; their branches stay), and a sentence about what no issue claims.
   * Nothing is deleted here.
   */
  async sweep(): Promise<string | null> {
    const { rows, strayFolders } = await this.list();
    const repos = new Set(rows.map((r) => r.repoPath));
    for (const a of await this.ctx.db.select().from(agents)) {
      if (a.adapterConfig.workspace === 'worktree' && a.adapterConfig.cwd) repos.add(await repositoryRoot(a.adapterConfig.cwd).catch(() => a.adapterConfig.cwd!)); // not a repository (now): prune where the agent points
    }
    for (const repo of repos) await git(repo, ['worktree', 'prune']).catch(logFailure('workspaces', `git worktree prune in ${repo} failed`));
    await this.expireArchives().catch(logFailure('workspaces', 'expiring archived branches'));
    const known = new Set((await this.ctx.db.select({ id: issues.id }).from(issues).where(inArray(issues.id, rows.map((r) => r.issueId).concat(['-'])))).map((i) => i.id));
    const orphaned = rows.filter((r) => !known.has(r.issueId)).length;
    if (orphaned + strayFolders.length === 0) return null;
    return `${orphaned + strayFolders.length} worktree folder(s) belong to no open issue and were kept (see vigil workspace list).`;
  }
}
