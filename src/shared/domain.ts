// Domain vocabulary shared by the host, the CLI, the preload bridge and the renderer.
// No Node, DOM or Electron here: every floor imports this file.
import { z } from 'zod';

/** starting: claimed by a host, its process being spawned (see src/main/heartbeat/run-state.ts). */
export const RUN_STATUSES = ['queued', 'starting', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled'] as const;
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;
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
export const InvocationSource = z.enum(INVOCATION_SOURCES);
export type InvocationSource = z.infer<typeof InvocationSource>;

export const WAKEUP_STATUSES = ['queued', 'claimed', 'coalesced', 'skipped', 'finished', 'failed', 'cancelled'] as const;
export const WakeupStatus = z.enum(WAKEUP_STATUSES);
export type WakeupStatus = z.infer<typeof WakeupStatus>;

export const ISSUE_STATUSES = ['backlog', 'todo', 'in_progress', 'in_review', 'blocked', 'done', 'cancelled'] as const;
export const IssueStatus = z.enum(ISSUE_STATUSES);
export type IssueStatus = z.infer<typeof IssueStatus>;

export const ISSUE_PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export const IssuePriority = z.enum(ISSUE_PRIORITIES);
export type IssuePriority = z.infer<typeof IssuePriority>;

export const AGENT_STATUSES = ['idle', 'running', 'paused', 'error'] as const;
export const AgentStatus = z.enum(AGENT_STATUSES);
export type AgentStatus = z.infer<typeof AgentStatus>;

export const ADAPTER_TYPES = ['process', 'claude_local', 'codex_local', 'gemini_local', 'qwen_local', 'opencode_local', 'cursor_local', 'copilot_local', 'amp_local', 'acp'] as const;
export const AdapterType = z.enum(ADAPTER_TYPES);
export type AdapterType = z.infer<typeof AdapterType>;

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
export const RunErrorCode = z.enum(RUN_ERROR_CODES);
export type RunErrorCode = z.infer<typeof RunErrorCode>;

/** Why an automation run exists (context snapshot retryReason). */
export const RETRY_REASONS = ['process_loss', 'assignment_recovery', 'issue_continuation_needed'] as const;
export const RetryReason = z.enum(RETRY_REASONS);
export type RetryReason = z.infer<typeof RetryReason>;

export const COMMENT_AUTHORS = ['agent', 'user', 'system'] as const;
export const CommentAuthor = z.enum(COMMENT_AUTHORS);
export type CommentAuthor = z.infer<typeof CommentAuthor>;

/** agent_cannot_start: its command or folder is missing; escalated at once, never retried. */
export const ESCALATION_KINDS = ['dispatch_exhausted', 'continuation_exhausted', 'run_failed_after_retry', 'agent_cannot_start'] as const;
export const EscalationKind = z.enum(ESCALATION_KINDS);
export type EscalationKind = z.infer<typeof EscalationKind>;

/** Plain-words explanations the UI and CLI show next to an error code. */
export const RUN_ERROR_EXPLANATIONS: Record<RunErrorCode, string> = {
  adapter_failed: 'The agent process exited with a failure (non-zero exit code or a signal).',
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
export const BudgetPeriod = z.enum(BUDGET_PERIODS);
export type BudgetPeriod = z.infer<typeof BudgetPeriod>;

/** none: runs in the agent's folder as it is; worktree: each issue in a git worktree of its own. */
export const WORKSPACE_MODES = ['none', 'worktree'] as const;
export const WorkspaceMode = z.enum(WORKSPACE_MODES);
export type WorkspaceMode = z.infer<typeof WorkspaceMode>;

/** An issue's worktree: being worked on, merged into its base branch, or thrown away. */
export const WORKSPACE_STATES = ['active', 'merged', 'discarded'] as const;
export const WorkspaceState = z.enum(WORKSPACE_STATES);
export type WorkspaceState = z.infer<typeof WorkspaceState>;

/** ok; missing: the folder is gone; broken: the folder is there but not a usable worktree. */
export const WorkspaceHealth = z.enum(['ok', 'missing', 'broken']);
export type WorkspaceHealth = z.infer<typeof WorkspaceHealth>;

export const ISSUE_IDENTIFIER_RE = /^[A-Z][A-Z0-9]{0,9}-\d+$/;
export const MASKED_SECRET = '••••••';
