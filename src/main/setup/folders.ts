// An agent's working folder, checked before an agent is made for it: it must exist, be a folder,
// and be writable by the user Vigil (and so the agent) runs as. `~` means the home folder.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export interface FolderCheck {
  /** The absolute path the input means. */
  path: string;
  ok: boolean;
  /** What is wrong, in words; null when ok. */
  problem: string | null;
  /** Inside a git work tree (agents usually work in one). */
  gitRepo: boolean;
}

export function expandHome(input: string, home = homedir()): string {
  if (input === '~') return home;
  if (input.startsWith('~/')) return join(home, input.slice(2));
  return input;
}

export function checkFolder(input: string, home = homedir()): FolderCheck {
  const expanded = expandHome(input.trim(), home);
  if (!isAbsolute(expanded)) {
    return { path: expanded, ok: false, problem: 'give the full path of the folder (starting with / or ~/)', gitRepo: false };
  }
  const path = resolve(expanded);
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return { path, ok: false, problem: 'there is no such folder', gitRepo: false };
  }
  if (!isDir) return { path, ok: false, problem: 'this is a file, not a folder', gitRepo: false };
  try {
    accessSync(path, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch {
    return { path, ok: false, problem: 'you cannot write to this folder, so an agent could not work in it', gitRepo: inGitRepo(path) };
  }
  return { path, ok: true, problem: null, gitRepo: inGitRepo(path) };
}

function inGitRepo(path: string): boolean {
  for (let dir = path; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return true;
    if (dirname(dir) === dir) return false;
  }
}
