// A thin runner of the real `git`: argument arrays through execFile, never a shell, so no path,
// branch or message an agent chose can be read as shell syntax. Failures become GitError with
// the command and git's own words.
import { execFile } from 'node:child_process';

export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    readonly args: string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly stdout: string,
  ) {
    const said = (stderr.trim() || stdout.trim()).split('\n').slice(0, 4).join('; ');
    super(`git ${args.filter((a) => !a.includes('\n')).slice(0, 4).join(' ')} failed${exitCode === null ? '' : ` (exit ${exitCode})`}: ${said || 'no output'}`);
  }
}

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface GitOptions {
  /** Extra environment (GIT_INDEX_FILE for a temporary index). */
  env?: Record<string, string>;
  /** Exit codes that are answers, not failures (merge-tree exits 1 on a conflict). */
  okCodes?: number[];
  maxBuffer?: number;
  /** A deadline: git (or gh) is ended past it (a push to an unreachable remote). */
  timeoutMs?: number;
}

/** Git settings Vigil never inherits: they would point commands at another repository. */
const REDIRECTING_ENV = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR', 'GIT_NAMESPACE', 'GIT_CEILING_DIRECTORIES'];

export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };
  for (const name of REDIRECTING_ENV) delete env[name];
  return { ...env, ...extra };
}

/** Runs `git -C cwd ...args`; resolves on exit 0 (or an ok code), rejects with GitError otherwise. */
export function git(cwd: string, args: string[], opts: GitOptions = {}): Promise<GitResult> {
  const full = ['-C', cwd, ...args];
  return new Promise((resolve, reject) => {
    execFile('git', full, { env: gitEnv(opts.env), maxBuffer: opts.maxBuffer ?? 64 << 20, encoding: 'utf8', timeout: opts.timeoutMs ?? 0 }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, stderr, code: 0 });
      const code = typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : null;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new GitError(args, null, 'git is not installed or not on PATH', ''));
      if (code !== null && opts.okCodes?.includes(code)) return resolve({ stdout, stderr, code });
      reject(new GitError(args, code, stderr ?? '', stdout ?? ''));
    });
  });
}

/** stdout of a git command, trimmed. */
export async function gitOut(cwd: string, args: string[], opts?: GitOptions): Promise<string> {
  return (await git(cwd, args, opts)).stdout.trim();
}

/** True when the command exits 0, false on exit 1 (is-ancestor, diff --quiet). */
export async function gitTest(cwd: string, args: string[]): Promise<boolean> {
  return (await git(cwd, args, { okCodes: [1] })).code === 0;
}
