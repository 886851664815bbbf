// Git commands that change a repository run detached: their own process group and session, stdin
// from a file or nothing, stdout and stderr into files. A host killed (SIGKILL, a closed terminal)
// takes no pipe and sends no SIGHUP with it, so git runs to completion and releases its locks;
// a git that dies anyway is found by the merge journal (its pid and start identity) at next start.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readStartIdentity } from '../../node/process/identity';
import { gitEnv, GitError, type GitResult } from './git';

export interface DetachedGitOptions {
  /** Folder for the output files (the journal folder). */
  scratch: string;
  env?: Record<string, string>;
  /** A file read as git's stdin (update-index --index-info). */
  stdinFile?: string;
  okCodes?: number[];
  /** Called as soon as git runs, with what identifies it later (the journal records it). */
  onSpawn?: (pid: number, startId: string | null) => void;
}

let seq = 0;

export function detachedGit(cwd: string, args: string[], opts: DetachedGitOptions): Promise<GitResult> {
  const base = join(opts.scratch, `git-${process.pid}-${Date.now()}-${seq++}`);
  const out = openSync(`${base}.out`, 'w', 0o600);
  const err = openSync(`${base}.err`, 'w', 0o600);
  const input = opts.stdinFile ? openSync(opts.stdinFile, 'r') : 'ignore';
  let finished: { stdout: string; stderr: string } | null = null;
  const finish = () => {
    if (finished) return finished;
    const read = (p: string) => {
      try {
        return readFileSync(p, 'utf8');
      } finally {
        rmSync(p, { force: true });
      }
    };
    finished = { stdout: read(`${base}.out`), stderr: read(`${base}.err`) };
    return finished;
  };
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', cwd, ...args], { env: gitEnv(opts.env), detached: true, stdio: [input, out, err] });
    for (const fd of [out, err, input]) if (typeof fd === 'number') closeSync(fd);
    if (child.pid) opts.onSpawn?.(child.pid, readStartIdentity(child.pid));
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish();
      reject(e.code === 'ENOENT' ? new GitError(args, null, 'git is not installed or not on PATH', '') : e);
    });
    child.on('exit', (code) => {
      const { stdout, stderr } = finish();
      if (code === 0 || (code !== null && opts.okCodes?.includes(code))) resolve({ stdout, stderr, code: code ?? 0 });
      else reject(new GitError(args, code, stderr, stdout));
    });
  });
}
