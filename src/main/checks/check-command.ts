// What a worktree's check is, and running it. The command is the agent's (`--check "npm test"`),
// else the repository's: a committed file `.vigil/checks`, one shell command per line (blank
// lines and # comments ignored), all run in order and all must pass. The check runs in the
// worktree as its own process group with a deadline; its output goes to a log file, and the
// lines that say what failed are picked out for the review queue.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_CHECKS_FILE = '.vigil/checks';
export const CHECK_TIMEOUT_MS = 10 * 60_000;
const FAILING_LINES = 20;

/** The check command for a worktree, or null when neither the agent nor the repository names one. */
export function checkCommandOf(agentCheck: string | undefined, worktree: string): string | null {
  if (agentCheck?.trim()) return agentCheck.trim();
  const file = join(worktree, REPO_CHECKS_FILE);
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return lines.length ? lines.map((l) => `(${l})`).join(' && ') : null;
}

export interface CheckResult {
  status: 'passed' | 'failed' | 'timed_out' | 'error';
  exitCode: number | null;
  durationMs: number;
}

/**
 * Runs `command` in `cwd` with `sh -c`, output to `logPath`; the whole group is killed at the
 * deadline. stdin is /dev/null and output goes to a file, so no pipe of ours can kill it.
 */
export function runCheck(command: string, cwd: string, logPath: string, env: NodeJS.ProcessEnv, timeoutMs = CHECK_TIMEOUT_MS): Promise<CheckResult> {
  const started = Date.now();
  const out = openSync(logPath, 'a', 0o600);
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('error', () => {
      clearTimeout(timer);
      resolve({ status: 'error', exitCode: null, durationMs: Date.now() - started });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      const durationMs = Date.now() - started;
      if (timedOut) return resolve({ status: 'timed_out', exitCode: null, durationMs });
      resolve({ status: code === 0 ? 'passed' : 'failed', exitCode: code, durationMs });
    });
  });
}

const FAILING = /\b(fail(ed|ing|ure)?|error|assert(ion)?|expected|panic|traceback)\b|✗|×|✘/i;

/** The lines of a failed check's log that say what failed; else its last lines. */
export function failingLinesOf(log: string): string {
  const lines = log.replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.trimEnd());
  const hits = lines.filter((l) => l.trim() && FAILING.test(l));
  const picked = hits.length ? hits.slice(0, FAILING_LINES) : lines.filter((l) => l.trim()).slice(-FAILING_LINES);
  return picked.map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l)).join('\n');
}
