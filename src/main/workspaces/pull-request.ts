// Pushing an issue's branch and opening a pull request for it (issue 23). The push works with any
// remote (`origin`, else the only one); the pull request is opened and read with the GitHub CLI
// (`gh pr create`, `gh pr view --json`), found on PATH. Each has a deadline; without a remote or
// without gh the caller gets a sentence saying so, and a push alone still happens.
import { execFile } from 'node:child_process';
import { git, gitOut } from './git';
import { hasUncommittedChanges, identityEnv } from './worktree';

const PUSH_TIMEOUT_MS = 120_000;
const GH_TIMEOUT_MS = 60_000;

export class PullRequestError extends Error {
  override readonly name = 'PullRequestError';
}

/** The remote to push to: origin, else the only remote; a sentence when there is none or several. */
export async function remoteOf(repo: string): Promise<string> {
  const remotes = (await gitOut(repo, ['remote'])).split('\n').filter(Boolean);
  if (remotes.includes('origin')) return 'origin';
  if (remotes.length === 1) return remotes[0];
  if (remotes.length === 0) throw new PullRequestError(`the repository ${repo} has no remote to push to; add one (git remote add origin URL) and try again`);
  throw new PullRequestError(`the repository ${repo} has several remotes (${remotes.join(', ')}) and none is called origin; Vigil does not guess which one`);
}

/** Commits what the agent left in its worktree (so the push carries it), then pushes the branch. */
export async function pushBranch(repo: string, worktree: string, branch: string, message: string): Promise<{ remote: string; committed: boolean }> {
  const remote = await remoteOf(repo);
  let committed = false;
  if (await hasUncommittedChanges(worktree)) {
    const env = await identityEnv(worktree);
    await git(worktree, ['add', '--all', '--', '.'], { env });
    await git(worktree, ['commit', '--quiet', '--no-verify', '--no-gpg-sign', '-m', message], { env });
    committed = true;
  }
  try {
    await git(repo, ['push', '--quiet', remote, `refs/heads/${branch}:refs/heads/${branch}`], { timeoutMs: PUSH_TIMEOUT_MS });
  } catch (err) {
    throw new PullRequestError(`pushing ${branch} to ${remote} failed: ${(err as Error).message}`);
  }
  return { remote, committed };
}

export interface GhResult {
  stdout: string;
  stderr: string;
}

/** Runs `gh` in the repository; a PullRequestError in words when it is missing or fails. */
export function gh(repo: string, args: string[]): Promise<GhResult> {
  return new Promise((resolve, reject) => {
    execFile('gh', args, { cwd: repo, encoding: 'utf8', timeout: GH_TIMEOUT_MS, env: { ...process.env, GH_PROMPT_DISABLED: '1', NO_COLOR: '1' } }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, stderr });
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new PullRequestError('the GitHub CLI (gh) is not installed or not on PATH; install it and run gh auth login to open pull requests'));
      reject(new PullRequestError(`gh ${args.slice(0, 2).join(' ')} failed: ${(stderr || stdout || err.message).trim().split('\n').slice(0, 3).join('; ')}`));
    });
  });
}

export interface PrState {
  url: string;
  number: number | null;
  state: string | null;
}

/** Opens the pull request of `branch` into `base`; its URL, number and state. */
export async function openPullRequest(repo: string, branch: string, base: string, title: string, body: string): Promise<PrState> {
  const created = await gh(repo, ['pr', 'create', '--head', branch, '--base', base, '--title', title, '--body', body]);
  const url = created.stdout.trim().split('\n').filter(Boolean).pop() ?? '';
  if (!/^https?:\/\//.test(url)) throw new PullRequestError(`gh pr create did not answer with the pull request's address (it said: ${created.stdout.trim().slice(0, 200) || 'nothing'})`);
  return viewPullRequest(repo, url).catch(() => ({ url, number: null, state: 'OPEN' }));
}

/** The pull request's state now (OPEN, CLOSED, MERGED), from `gh pr view --json`. */
export async function viewPullRequest(repo: string, urlOrBranch: string): Promise<PrState> {
  const { stdout } = await gh(repo, ['pr', 'view', urlOrBranch, '--json', 'url,number,state']);
  try {
    const pr = JSON.parse(stdout) as { url?: string; number?: number; state?: string };
    if (!pr.url) throw new Error('no url');
    return { url: pr.url, number: typeof pr.number === 'number' ? pr.number : null, state: pr.state ?? null };
  } catch {
    throw new PullRequestError(`gh pr view answered something that is not the pull request: ${stdout.trim().slice(0, 200)}`);
  }
}
