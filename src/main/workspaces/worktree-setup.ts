// What a new worktree gets before its first run (issue 23): the files its repository's
// `.worktreeinclude` names (gitignore patterns; the untracked, usually gitignored files such as
// `.env` that git does not carry into a worktree) copied from the repository's checkout; a range
// of ports of its own (VIGIL_PORT and PORT in every run's environment); and the agent's setup
// command run once, its log kept.
import { copyFileSync, existsSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { git } from './git';

export const WORKTREE_INCLUDE = '.worktreeinclude';
export const PORT_FIRST = 41_000;
export const PORT_RANGE = 10;
export const PORT_LAST = 60_000;

/** Copies the repository's untracked files matching `.worktreeinclude` into the worktree; returns their paths. */
export async function copyIncluded(repo: string, worktree: string): Promise<string[]> {
  const list = join(repo, WORKTREE_INCLUDE);
  if (!existsSync(list)) return [];
  const out = (await git(repo, ['ls-files', '--others', '--ignored', `--exclude-from=${list}`, '-z'])).stdout;
  const copied: string[] = [];
  for (const rel of out.split('\0').filter(Boolean)) {
    const from = join(repo, rel);
    const to = join(worktree, rel);
    // Only regular files, and never over something the worktree already has.
    if (!lstatSync(from).isFile() || existsSync(to)) continue;
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
    copied.push(rel);
  }
  return copied;
}

/** The first free port range: the lowest base no active worktree holds. */
export function freePortBase(taken: (number | null)[]): number {
  const used = new Set(taken.filter((p): p is number => p !== null));
  for (let base = PORT_FIRST; base + PORT_RANGE <= PORT_LAST; base += PORT_RANGE) if (!used.has(base)) return base;
  throw new Error('every port range Vigil hands to worktrees is taken; merge or discard some issues');
}

export const portEnv = (base: number | null): Record<string, string> => (base === null ? {} : { VIGIL_PORT: String(base), PORT: String(base), VIGIL_PORT_LAST: String(base + PORT_RANGE - 1) });
