// The domain's plain values (names, lists, explanations) without zod: the CLI and anything
// that only needs the words load this file alone; domain.ts adds the zod schemas over it.
// No Node, DOM or Electron here.

/** starting: claimed by a host, its process being spawned (see src/main/heartbeat/run-state.ts). */
export const RUN_STATUSES = ['queued', 'starting', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/**
 * Live: a host claimed the run and answers for it (its process starting or running); it holds a
 * slot of its agent. The one definition: every "is this run live" reads it.
 */
export const LIVE_RUN_STATUSES: readonly RunStatus[] = ['starting', 'running'];
/** Active: not ended (queued, or live). */
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ['queued', ...LIVE_RUN_STATUSES];
export const isLiveStatus = (status: string): boolean => (LIVE_RUN_STATUSES as readonly string[]).includes(status);
export const isActiveStatus = (status: string): boolean => (ACTIVE_RUN_STATUSES as readonly string[]).includes(status);

export const INVOCATION_SOURCES = ['timer', 'assignment', 'on_demand', 'automation'] as const;
export type InvocationSource = (typeof INVOCATION_SOURCES)[number];

export const WAKEUP_STATUSES = ['queued', 'claimed', 'coalesced', 'skipped', 'finished', 'failed', 'cancelled'] as const;
export type WakeupStatus = (typeof WAKEUP_STATUSES)[number];

export const ISSUE_STATUSES = ['backlog', 'todo', 'in_progress', 'in_review', 'blocked', 'done', 'cancelled'] as const;
export type IssueStatus = (typeof ISSUE_STATUSES)[number];

export const ISSUE_PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export type IssuePriority = (typeof ISSUE_PRIORITIES)[number];

export const AGENT_STATUSES = ['idle', 'running', 'paused', 'error'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const ADAPTER_TYPES = ['process', 'claude_local', 'codex_local', 'gemini_local', 'qwen_local', 'opencode_local', 'cursor_local', 'copilot_local', 'amp_local', 'droid_local', 'acp'] as const;
export type AdapterType = (typeof ADAPTER_TYPES)[number];

/** Why a run ended the way it did (heartbeat_runs.error_code). */
export const RUN_ERROR_CODES = [
  'adapter_failed', // the agent's process exited non-zero or by a signal
  'timeout', // the run outlived its agent's timeout; its process group was killed
  'cancelled', // a user cancelled it
  'process_lost', // the host lost the process (crash) and found it dead on relaunch
  'process_detached', // the host lost its handle but the process is still alive (a warning)
  'detached_silent', // a detached run stayed silent past the limit and was killed
  'host_shutdown', // the host shut down cleanly while the run was active
  'spawn_failed', // the command could not be started at all
  'log_write_failed', // the run log could not be written (disk full, permissions)
  'workspace_failed', // the issue's git worktree could not be made or found
  'host_offline', // team mode: the run's machine stopped renewing its lease; it may still run there (a warning)
  'abandoned', // team mode: a person cancelled a run while its machine was offline
  'budget_exceeded', // the run's cost or tokens crossed what its agent's (or issue's) budget had left; stopped
  'rate_limited', // the agent's CLI reported a usage or rate limit: the run waits for the reset (no retry spent)
] as const;
export type RunErrorCode = (typeof RUN_ERROR_CODES)[number];

/** Why an automation run exists (context snapshot retryReason). */
export const RETRY_REASONS = ['process_loss', 'assignment_recovery', 'issue_continuation_needed'] as const;
export type RetryReason = (typeof RETRY_REASONS)[number];

export const COMMENT_AUTHORS = ['agent', 'user', 'system'] as const;
export type CommentAuthor = (typeof COMMENT_AUTHORS)[number];

/** agent_cannot_start: its command or folder is missing; escalated at once, never retried. */
export const ESCALATION_KINDS = ['dispatch_exhausted', 'continuation_exhausted', 'run_failed_after_retry', 'agent_cannot_start'] as const;
export type EscalationKind = (typeof ESCALATION_KINDS)[number];

/** Plain-words explanations the UI and CLI show next to an error code. */
export const RUN_ERROR_EXPLANATIONS: Record<RunErrorCode, string> = {
  adapter_failed:
    'The agent process exited with a failure (non-zero exit code or a signal), or its CLI waited for what a headless run cannot give (a login) and Vigil stopped it. The error says what the CLI said.',
  timeout: "The run took longer than the agent's timeout; Vigil stopped its whole process group.",
  cancelled: 'The run was cancelled; Vigil stopped its whole process group.',
  process_lost:
    'Vigil was not running when this process ended (a crash or a forced quit) and found it gone on the next launch. Vigil queued one automatic retry, unless this run already was that retry.',
  process_detached:
    'Vigil restarted while this process kept running. Vigil watches it and finalizes the run when it exits, or stops it after a long silence.',
  detached_silent: 'A detached process stayed silent for too long; Vigil stopped it.',
  host_shutdown: 'Vigil shut down while this run was active and stopped it; the issue continues on the next start.',
  spawn_failed: 'The agent command could not be started (missing executable or working folder).',
  log_write_failed: 'Vigil could not write the run log (disk full or not writable); the run was stopped.',
  workspace_failed: "Vigil could not make or find the issue's git worktree, so the agent was not started; the error says why.",
  host_offline:
    "The machine running this run stopped renewing its lease (it crashed, lost the network or was switched off). The run may still be running there; that machine's Vigil settles it when it comes back.",
  abandoned:
    'The run was cancelled while its machine was offline: Vigil could not stop its process there. When that machine comes back, its Vigil stops any process the run left.',
  budget_exceeded:
    "The run's cost or tokens crossed what the agent's budget had left: Vigil stopped it and paused the agent. Raise the budget to resume its queue.",
  rate_limited:
    "The agent's CLI reported a usage or rate limit. Vigil stopped the run without spending a retry; the agent's queue waits until the reported reset and then continues.",
};

/** A budget counts what was spent this calendar month (UTC) or in total. */
export const BUDGET_PERIODS = ['month', 'total'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/** none: runs in the agent's folder as it is; worktree: each issue in a git worktree of its own. */
export const WORKSPACE_MODES = ['none', 'worktree'] as const;
export type WorkspaceMode = (typeof WORKSPACE_MODES)[number];

/** An issue's worktree: being worked on, merged into its base branch, or thrown away. */
export const WORKSPACE_STATES = ['active', 'merged', 'discarded'] as const;
export type WorkspaceState = (typeof WORKSPACE_STATES)[number];

/** ok; missing: the folder is gone; broken: the folder is there but not a usable worktree. */

export const ISSUE_IDENTIFIER_RE = /^[A-Z][A-Z0-9]{0,9}-\d+$/;
export const MASKED_SECRET = '••••••';
