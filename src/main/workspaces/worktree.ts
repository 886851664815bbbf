// Worktrees of issues: made from the head of the repository's current branch on a branch of
// their own, found again for every later run, removed only when the caller says the work is
// merged or discarded. Nothing here decides that; the workspace service does.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { git, GitError, gitOut, gitTest } from './git';

export class WorkspaceError extends Error {
  override readonly name = 'WorkspaceError';
}

/** The repository's top folder, or a WorkspaceError saying why the folder is not one. */
export async function repositoryRoot(dir: string): Promise<string> {
  if (!isAbsolute(dir)) throw new WorkspaceError(`"${dir}" is not an absolute path`);
  if (!existsSync(dir)) throw new WorkspaceError(`the folder ${dir} does not exist`);
  try {
    const top = await gitOut(dir, ['rev-parse', '--show-toplevel']);
    if (!top) throw new WorkspaceError(`${dir} is inside a bare git repository; a worktree needs a repository with a working tree`);
    return top;
  } catch (err) {
    if (err instanceof WorkspaceError) throw err;
    const said = err instanceof GitError ? err.stderr.trim().split('\n')[0] : String(err);
    throw new WorkspaceError(`${dir} is not a git repository (${said || 'git said no'})`);
  }
}

/** The branch the repository's checkout is on, with its commit; a detached HEAD is refused. */
export async function currentBranch(repo: string): Promise<{ branch: string; commit: string }> {
  const symbolic = await git(repo, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { okCodes: [1] });
  if (symbolic.code !== 0) throw new WorkspaceError(`the repository ${repo} is on a detached HEAD; check out a branch first`);
  const commit = await git(repo, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { okCodes: [1] });
  if (commit.code !== 0) throw new WorkspaceError(`the branch ${symbolic.stdout.trim()} of ${repo} has no commits yet; commit something first`);
  return { branch: symbolic.stdout.trim(), commit: commit.stdout.trim() };
}

/** vigil/VIG-12-short-title: the identifier, then a few words of the title. */
export function branchNameOf(identifier: string, title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+[^-]*$/, (tail) => (tail.length > 12 ? '' : tail))
    .replace(/-+$/, '');
  return `vigil/${identifier}${words ? `-${words}` : ''}`;
}

export async function branchExists(repo: string, branch: string): Promise<boolean> {
  return gitTest(repo, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`]);
}

export interface WorktreeInfo {
  path: string;
  head: string | null;
  branch: string | null;
}

/** `git worktree list --porcelain`: every worktree of the repository, the main one first. */
export async function listWorktrees(repo: string): Promise<WorktreeInfo[]> {
  const out = await gitOut(repo, ['worktree', 'list', '--porcelain']);
  const list: WorktreeInfo[] = [];
  let cur: WorktreeInfo | null = null;
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) {
      cur = { path: line.slice('worktree '.length), head: null, branch: null };
      list.push(cur);
    } else if (cur && line.startsWith('HEAD ')) cur.head = line.slice(5);
    else if (cur && line.startsWith('branch ')) cur.branch = line.slice(7).replace(/^refs\/heads\//, '');
  }
  return list;
}

/** Where a branch is checked out (the repository's own checkout or another worktree), if anywhere. */
export async function checkoutOf(repo: string, branch: string): Promise<string | null> {
  return (await listWorktrees(repo)).find((w) => w.branch === branch)?.path ?? null;
}

/** Why a worktree folder cannot be used, or null when it is a healthy worktree of `repo` on `branch`. */
export async function worktreeProblem(path: string, branch: string): Promise<string | null> {
  if (!existsSync(path)) return `the worktree folder ${path} is missing`;
  if (!existsSync(join(path, '.git'))) return `${path} is no longer a git worktree (its .git is gone)`;
  try {
    const head = await git(path, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { okCodes: [1] });
    if (head.code !== 0) return `the worktree ${path} is on a detached HEAD, not on ${branch}`;
    if (head.stdout.trim() !== branch) return `the worktree ${path} is on ${head.stdout.trim()}, not on ${branch}`;
    return null;
  } catch (err) {
    return `the worktree ${path} is broken: ${(err as Error).message}`;
  }
}

export interface CreatedWorktree {
  path: string;
  branch: string;
  baseBranch: string;
  baseCommit: string;
}

/**
 * Makes (or makes again) the worktree at `path` on `branch`. A new branch starts at the head of
 * the repository's current branch. A branch that already exists (a worktree folder lost, or a
 * crash between `worktree add` and the row) is checked out as it is: its commits are the work.
 */
export async function addWorktree(repo: string, path: string, branch: string, base?: { branch: string; commit: string }): Promise<CreatedWorktree> {
  const from = base ?? (await currentBranch(repo));
  mkdirSync(dirname(path), { recursive: true });
  await git(repo, ['worktree', 'prune']);
  const valid = await git(repo, ['check-ref-format', '--branch', branch], { okCodes: [1, 128] });
  if (valid.code !== 0) throw new WorkspaceError(`"${branch}" is not a valid branch name`);
  if (existsSync(path)) {
    const problem = await worktreeProblem(path, branch);
    if (!problem) return { path, branch, baseBranch: from.branch, baseCommit: from.commit };
    throw new WorkspaceError(`cannot make the worktree: ${problem}; the folder was left as it is`);
  }
  try {
    if (await branchExists(repo, branch)) await git(repo, ['worktree', 'add', '--quiet', path, branch]);
    else await git(repo, ['worktree', 'add', '--quiet', '-b', branch, path, from.commit]);
  } catch (err) {
    throw new WorkspaceError(`could not make the worktree ${path} on ${branch}: ${(err as Error).message}`);
  }
  return { path, branch, baseBranch: from.branch, baseCommit: from.commit };
}

/** The folder a run works in: the agent's folder, mapped from the repository into the worktree. */
export function runFolderIn(worktree: string, repoRoot: string, agentCwd: string): string {
  const inside = relative(resolve(repoRoot), resolve(agentCwd));
  if (!inside || inside.startsWith('..') || isAbsolute(inside)) return worktree;
  const mapped = join(worktree, inside);
  return existsSync(mapped) ? mapped : worktree;
}

/**
 * Removes the worktree folder and its branch. Callers have made sure the work is merged or the
 * user confirmed its loss; --force is for the ignored files a build leaves behind.
 */
export async function removeWorktree(repo: string, path: string, branch: string): Promise<void> {
  if (existsSync(path)) await git(repo, ['worktree', 'remove', '--force', '--force', path]);
  await git(repo, ['worktree', 'prune']);
  if (await branchExists(repo, branch)) await git(repo, ['branch', '-D', '--quiet', branch]);
}

/** True when the worktree has changes not yet committed (tracked or untracked, ignored files aside). */
export async function hasUncommittedChanges(path: string): Promise<boolean> {
  return (await gitOut(path, ['status', '--porcelain', '--untracked-files=all'])).length > 0;
}

/** Commit identity for the commits Vigil makes, when the repository has none configured. */
export async function identityEnv(cwd: string): Promise<Record<string, string>> {
  const name = await git(cwd, ['config', 'user.name'], { okCodes: [1] });
  const email = await git(cwd, ['config', 'user.email'], { okCodes: [1] });
  if (name.code === 0 && email.code === 0) return {};
  return { GIT_AUTHOR_NAME: 'Vigil', GIT_AUTHOR_EMAIL: 'vigil@localhost', GIT_COMMITTER_NAME: 'Vigil', GIT_COMMITTER_EMAIL: 'vigil@localhost' };
}
