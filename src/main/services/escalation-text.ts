// What an escalation says when a run failed even after Vigil's automatic retry: what happened,
// the agent's last line, what to do; in words a person reads once (no codes, no full ids).
import { shortRef } from './short-ref';

export interface FailedRun {
  id: string;
  errorCode: string | null;
  exitCode: number | null;
  signal: string | null;
  lastOutputLine: string | null;
}

const HOW: Record<string, string> = {
  adapter_failed: 'the agent failed',
  timeout: "the run went past the agent's timeout and was stopped",
  process_lost: 'the agent process was lost (Vigil was not running when it ended)',
  detached_silent: 'the agent stayed silent too long and was stopped',
  spawn_failed: 'the agent could not be started',
  log_write_failed: "Vigil could not write the run's log",
  workspace_failed: "Vigil could not make the issue's git worktree",
};

export function failedAfterRetryMessage(run: FailedRun, issueIdentifier: string): string {
  const how = HOW[run.errorCode ?? ''] ?? 'the run failed';
  const exit = run.exitCode !== null ? ` (exit code ${run.exitCode})` : run.signal ? ` (stopped by ${run.signal})` : '';
  const said = run.lastOutputLine?.trim() ? ` Its last line: "${run.lastOutputLine.trim().slice(0, 300)}".` : '';
  const ref = shortRef(run.id);
  return (
    `${issueIdentifier} is blocked: ${how}${exit}, and so did Vigil's automatic retry.${said} ` +
    `To fix it: read what the agent did (vigil run logs ${ref}), fix the cause, then vigil escalation retry ${issueIdentifier}.`
  );
}
