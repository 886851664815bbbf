// A run that failed before its agent could start (its command or folder missing, the command not
// executable) fails the same way every time: retrying only delays the person who must fix it.
// This tells such a failure from the agent's own, from what the run row holds, and says it in
// words: what happened, the line the agent's shell printed, what to do.
import type { RunErrorCode } from '../../shared/domain';

export interface EndedRun {
  errorCode: RunErrorCode | (string & {}) | null;
  exitCode: number | null;
  error: string | null;
  /** The last line the process printed (ANSI stripped), e.g. "/bin/sh: 1: agent-cmd: not found". */
  lastOutputLine: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface StartFailure {
  /** What happened, in one sentence. */
  cause: string;
  /** What the agent's shell (or the spawn) said, quoted as is. */
  evidence: string | null;
  /** What to do about it. */
  fix: string;
}

/** "At once": a shell that cannot find its command exits within moments, even on a busy machine. */
export const AT_ONCE_MS = 30_000;

const NOT_FOUND = /(command )?not found|No such file or directory|ENOENT/i;
const NOT_EXECUTABLE = /Permission denied|cannot execute|EACCES|not executable/i;
const MISSING_FOLDER = /(working )?(folder|directory|cwd)\b.*(does not exist|missing|not found|ENOENT)|chdir|ENOTDIR/i;

export function classifyStartFailure(run: EndedRun): StartFailure | null {
  const said = [run.lastOutputLine, run.error].filter((s): s is string => !!s?.trim()).map((s) => s.trim());
  const evidence = said[0] ?? null;
  const text = said.join('\n');
  if (run.errorCode === 'spawn_failed') {
    if (MISSING_FOLDER.test(text)) return missingFolder(evidence);
    if (NOT_EXECUTABLE.test(text)) return notExecutable(evidence);
    // Anything else (the pty host unreachable, say) is Vigil's trouble, not the agent's setup.
    return NOT_FOUND.test(text) ? notFound(evidence) : null;
  }
  if (run.errorCode !== 'adapter_failed' || (run.exitCode !== 127 && run.exitCode !== 126)) return null;
  const ranFor = run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : 0;
  if (ranFor > AT_ONCE_MS) return null;
  if (run.exitCode === 127 && NOT_FOUND.test(text)) return notFound(evidence);
  if (run.exitCode === 126 && NOT_EXECUTABLE.test(text)) return notExecutable(evidence);
  return null;
}

const notFound = (evidence: string | null): StartFailure => ({
  cause: "the agent's command was not found, so the agent never started",
  evidence,
  fix: "install the agent's CLI or correct its command (in the agent's settings, or `vigil agent update NAME --command ...`)",
});

const notExecutable = (evidence: string | null): StartFailure => ({
  cause: "the agent's command is not executable, so the agent never started",
  evidence,
  fix: 'make it executable (chmod +x) or point the agent at the right file',
});

const missingFolder = (evidence: string | null): StartFailure => ({
  cause: "the agent's working folder does not exist, so the agent never started",
  evidence,
  fix: 'create the folder or choose another one in the agent\'s settings (`vigil agent update NAME --cwd PATH`)',
});

/** The escalation's text: what happened, the agent's last line, what to do; read once. */
export function startFailureMessage(failure: StartFailure, issueIdentifier: string | null): string {
  const what = issueIdentifier ? `${issueIdentifier} is blocked: ${failure.cause}.` : `${capitalize(failure.cause)}.`;
  const said = failure.evidence ? ` It said: "${failure.evidence.slice(0, 300)}".` : '';
  const retry = issueIdentifier ? `vigil escalation retry ${issueIdentifier}` : 'retry the escalation';
  return `${what}${said} Vigil did not retry, because it would fail the same way. To fix it: ${failure.fix}; then ${retry}.`;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
