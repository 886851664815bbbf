// The contract: every call between the host and its clients (renderer, CLI, browser), its
// input schema (validated by the host on every transport) and its output shape. Events the
// host pushes live in events.ts. Change this file deliberately: it is one of the two spines.
import { z } from 'zod';
import {
  AdapterType,
  BudgetPeriod,
  AgentStatus,
  CommentAuthor,
  EscalationKind,
  InvocationSource,
  IssuePriority,
  IssueStatus,
  RunErrorCode,
  RunStatus,
  WakeupStatus,
  WorkspaceHealth,
  WorkspaceMode,
  WorkspaceState,
} from './domain';

// ---------------------------------------------------------------- shared pieces
const id = z.string().min(1).max(200);
/** An agent by id or by name. */
const agentRef = z.string().min(1).max(200);
/** An issue by id or by identifier (VIG-12). */
const issueRef = z.string().min(1).max(200);
const runRef = id;
const iso = z.string();
const limit = z.number().int().min(1).max(500);
const cursor = z.string().max(500);
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env names are letters, digits and _');
const envMap = z.record(envName, z.string().max(32_768));

// ---------------------------------------------------------------- DTOs
export const AgentDto = z.object({
  id,
  workspaceId: id,
  name: z.string(),
  role: z.string(),
  adapterType: AdapterType,
  command: z.string().nullable(),
  cwd: z.string().nullable(),
  model: z.string().nullable(),
  args: z.array(z.string()),
  /** worktree: each issue it works on gets a git worktree of the repository at cwd. */
  workspace: WorkspaceMode,
  /** issue 23: how its issues merge, the check run after each run that changed files, the setup of a new worktree. */
  review: z.object({ mergeStrategy: z.string().nullable(), check: z.string().nullable(), fixFailedChecks: z.number().int(), setup: z.string().nullable() }).optional(),
  /** Every value is masked unless its name is in envPublic: the host never sends secrets out. */
  env: z.record(z.string(), z.string()),
  /** Env names marked public (their values are shown and not redacted). */
  envPublic: z.array(z.string()),
  status: AgentStatus,
  heartbeatIntervalSec: z.number().int().nullable(),
  timeoutSec: z.number().int().nullable(),
  maxConcurrentRuns: z.number().int(),
  /** A request of its runs nobody answers within this many seconds is denied. */
  answerTimeoutSec: z.number().int(),
  lastHeartbeatAt: iso.nullable(),
  totalRuns: z.number().int(),
  failedRuns: z.number().int(),
  runningRuns: z.number().int(),
  /** Team mode: the machine whose host runs this agent, its name, and whether it is online. */
  machineId: z.string().nullable(),
  machine: z.string().nullable(),
  machineOnline: z.boolean(),
  createdAt: iso,
  updatedAt: iso,
});
export type AgentDto = z.infer<typeof AgentDto>;

export const AgentCheckDto = z.object({
  field: z.enum(['cwd', 'command']),
  problem: z.string(),
  fix: z.string(),
  /** Every run would fail: a change that causes it is refused. */
  blocking: z.boolean(),
});
export type AgentCheckDto = z.infer<typeof AgentCheckDto>;

export const UsageDto = z
  .object({
    inputTokens: z.number().optional(),
    outputTokens: z.number().optional(),
    cachedInputTokens: z.number().optional(),
    costUsd: z.number().optional(),
    model: z.string().optional(),
  })
  .nullable();
export type UsageDto = z.infer<typeof UsageDto>;

export const RunDto = z.object({
  id,
  agentId: id,
  agent: z.string(),
  status: RunStatus,
  invocationSource: InvocationSource,
  triggerDetail: z.string().nullable(),
  wakeupRequestId: z.string().nullable(),
  issueId: z.string().nullable(),
  issueIdentifier: z.string().nullable(),
  wakeReason: z.string().nullable(),
  retryReason: z.string().nullable(),
  processPid: z.number().int().nullable(),
  processGroupId: z.number().int().nullable(),
  processStartId: z.string().nullable(),
  /** The machine that ran it (once started) or will run it (its agent's machine). */
  machineId: z.string().nullable(),
  processLossRetryCount: z.number().int(),
  retryOfRunId: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  errorCode: RunErrorCode.nullable(),
  error: z.string().nullable(),
  logBytes: z.number().int(),
  logSha256: z.string().nullable(),
  logPruned: z.boolean(),
  sessionId: z.string().nullable(),
  usage: UsageDto,
  lastOutputLine: z.string().nullable(),
  startedAt: iso.nullable(),
  finishedAt: iso.nullable(),
  createdAt: iso,
  updatedAt: iso,
});
export type RunDto = z.infer<typeof RunDto>;

export const RunEventDto = z.object({
  id,
  runId: id,
  seq: z.number().int(),
  type: z.string(),
  message: z.string().nullable(),
  payload: z.unknown(),
  createdAt: iso,
});
export type RunEventDto = z.infer<typeof RunEventDto>;

export const RunDetailDto = RunDto.extend({
  /** The run's agent's adapter (what its output means); null once the agent was removed. */
  adapterType: AdapterType.nullable(),
  retryOf: RunDto.nullable(),
  retriedBy: z.array(RunDto),
  events: z.array(RunEventDto),
  errorExplanation: z.string().nullable(),
});
export type RunDetailDto = z.infer<typeof RunDetailDto>;

export const IssueDto = z.object({
  id,
  identifier: z.string(),
  title: z.string(),
  body: z.string(),
  status: IssueStatus,
  priority: IssuePriority,
  assigneeAgentId: z.string().nullable(),
  assigneeAgent: z.string().nullable(),
  assigneeUserId: z.string().nullable(),
  checkoutRunId: z.string().nullable(),
  executionRunId: z.string().nullable(),
  startedAt: iso.nullable(),
  completedAt: iso.nullable(),
  createdAt: iso,
  updatedAt: iso,
});
export type IssueDto = z.infer<typeof IssueDto>;

export const CommentDto = z.object({
  id,
  issueId: id,
  authorType: CommentAuthor,
  authorAgentId: z.string().nullable(),
  authorName: z.string().nullable(),
  runId: z.string().nullable(),
  body: z.string(),
  createdAt: iso,
});
export type CommentDto = z.infer<typeof CommentDto>;

export const EscalationDto = z.object({
  id,
  issueId: id,
  issueIdentifier: z.string(),
  issueTitle: z.string(),
  runId: z.string().nullable(),
  kind: EscalationKind,
  message: z.string(),
  createdAt: iso,
  resolvedAt: iso.nullable(),
});
export type EscalationDto = z.infer<typeof EscalationDto>;

export const ActivityDto = z.object({
  id,
  action: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  actor: z.string(),
  details: z.unknown(),
  createdAt: iso,
});
export type ActivityDto = z.infer<typeof ActivityDto>;

export const IssueDetailDto = IssueDto.extend({
  comments: z.array(CommentDto),
  runs: z.array(RunDto),
  escalations: z.array(EscalationDto),
  activity: z.array(ActivityDto),
});
export type IssueDetailDto = z.infer<typeof IssueDetailDto>;

export const WakeResultDto = z.object({
  wakeupId: id,
  status: WakeupStatus,
  runId: z.string().nullable(),
  reason: z.string().nullable(),
});
export type WakeResultDto = z.infer<typeof WakeResultDto>;

export const MachineDto = z.object({
  id,
  name: z.string(),
  hostInstance: z.string(),
  leaseMs: z.number().int(),
  startedAt: iso,
  lastSeenAt: iso,
  stoppedAt: iso.nullable(),
  /** Renewing its lease: within leaseMs of the database's clock and not stopped. */
  online: z.boolean(),
  /** The machine of the host answering. */
  self: z.boolean(),
  agents: z.number().int(),
  runningRuns: z.number().int(),
});
export type MachineDto = z.infer<typeof MachineDto>;

export const HostStatusDto = z.object({
  version: z.string(),
  pid: z.number().int(),
  /** This host's machine id (team mode: `vigil serve --machine-id`). */
  hostId: z.string(),
  machineName: z.string(),
  dataDir: z.string(),
  database: z.enum(['pglite', 'postgres']),
  startedAt: iso,
  globalMaxConcurrentRuns: z.number().int(),
  agents: z.object({ total: z.number().int(), paused: z.number().int(), running: z.number().int() }),
  runs: z.object({ queued: z.number().int(), running: z.number().int(), detached: z.number().int() }),
  issues: z.object({ open: z.number().int(), blocked: z.number().int() }),
  openEscalations: z.number().int(),
  notices: z.array(z.string()),
});
export type HostStatusDto = z.infer<typeof HostStatusDto>;

export const LogChunkDto = z.object({
  runId: id,
  /** Byte offset of `data` in the run log. */
  offset: z.number().int(),
  /** Raw bytes, base64: logs keep ANSI and may split UTF-8 sequences. */
  data: z.string(),
  totalBytes: z.number().int(),
  live: z.boolean(),
  pruned: z.boolean(),
});
export type LogChunkDto = z.infer<typeof LogChunkDto>;

export const AdapterTransport = z.enum(['pty', 'acp']);
/** What Vigil can show and do for an adapter's runs (src/main/adapters/types.ts says each one). */
export const AdapterCapabilities = z.object({
  transcript: z.boolean(),
  resume: z.boolean(),
  tokens: z.boolean(),
  cost: z.boolean(),
  permissionRequests: z.boolean(),
  liveInput: z.boolean(),
});
export type AdapterCapabilities = z.infer<typeof AdapterCapabilities>;

/** An agent CLI Vigil has an adapter for, as found on the host's PATH. */
export const AgentCliDto = z.object({
  adapterType: AdapterType,
  /** What the adapter runs by default (claude, codex). */
  command: z.string(),
  label: z.string(),
  /** The command that installs it (npm install -g ...). */
  install: z.string(),
  /** How to log in once (a run without it fails naming it). */
  login: z.string().nullable(),
  /** pty: Vigil reads its terminal; acp: it speaks the Agent Client Protocol on stdio. */
  transport: AdapterTransport,
  capabilities: AdapterCapabilities,
  /** Where PATH resolves it; null when it is not installed. */
  path: z.string().nullable(),
  /** The first line of its `--version`. */
  version: z.string().nullable(),
  /** Found but not usable as is (its `--version` failed or hung). */
  problem: z.string().nullable(),
});
export type AgentCliDto = z.infer<typeof AgentCliDto>;

/** What a first run needs to offer ready-made agents. */
export const SetupInfoDto = z.object({
  clis: z.array(AgentCliDto),
  /** native: `setup.pickFolder` opens the desktop app's folder dialog; path: type a path. */
  folderPicker: z.enum(['native', 'path']),
  home: z.string(),
  /** Folders worth offering: agents' folders, the host's working folder, home. */
  suggestedFolders: z.array(z.string()),
});
export type SetupInfoDto = z.infer<typeof SetupInfoDto>;

export const FolderCheckDto = z.object({
  /** The absolute path meant (~ expanded). */
  path: z.string(),
  ok: z.boolean(),
  problem: z.string().nullable(),
  gitRepo: z.boolean(),
});
export type FolderCheckDto = z.infer<typeof FolderCheckDto>;

export const WorkspaceDto = z.object({
  id,
  issueId: id,
  /** null when the issue is gone (the worktree is kept and listed, never deleted silently). */
  issueIdentifier: z.string().nullable(),
  issueTitle: z.string().nullable(),
  agentId: z.string().nullable(),
  agent: z.string().nullable(),
  repoPath: z.string(),
  path: z.string(),
  branch: z.string(),
  baseBranch: z.string(),
  baseCommit: z.string(),
  state: WorkspaceState,
  mergedCommit: z.string().nullable(),
  /** Checked on disk for active worktrees; merged and discarded ones are gone by design ('ok'). */
  health: WorkspaceHealth,
  problem: z.string().nullable(),
  createdAt: iso,
  updatedAt: iso,
  closedAt: iso.nullable(),
  // issue 23 (review loop)
  mergeMethod: z.string().nullable().optional(),
  /** A discarded branch kept as vigil/archive/... until archiveExpiresAt (vigil issue restore). */
  archiveBranch: z.string().nullable().optional(),
  archiveExpiresAt: iso.nullable().optional(),
  /** VIGIL_PORT of the worktree (the first of its range), while it is active. */
  port: z.number().int().nullable().optional(),
  setup: z.object({ log: z.string(), exitCode: z.number().int().nullable() }).nullable().optional(),
  pr: z.object({ url: z.string(), number: z.number().int().nullable(), state: z.string().nullable(), checkedAt: iso.nullable() }).nullable().optional(),
});
export type WorkspaceDto = z.infer<typeof WorkspaceDto>;

export const ChangedFileDto = z.object({
  path: z.string(),
  oldPath: z.string().nullable(),
  change: z.enum(['added', 'modified', 'deleted', 'renamed', 'copied', 'type_changed']),
  /** null for binary files. */
  additions: z.number().int().nullable(),
  deletions: z.number().int().nullable(),
  binary: z.boolean(),
});
export type ChangedFileDto = z.infer<typeof ChangedFileDto>;

export const IssueDiffDto = z.object({
  /** The issue's worktree (the active one, else the latest); null when it never had one. */
  workspace: WorkspaceDto.nullable(),
  /** Only for a healthy active worktree; empty otherwise (a missing worktree is not "all deleted"). */
  files: z.array(ChangedFileDto),
  additions: z.number().int(),
  deletions: z.number().int(),
  commitsAhead: z.number().int(),
  uncommitted: z.boolean(),
  fromCommit: z.string().nullable(),
  headCommit: z.string().nullable(),
  /** The unified diff unless `stat` was asked for; cut at 2 MiB (patchTruncated). */
  patch: z.string().nullable(),
  patchTruncated: z.boolean(),
});
export type IssueDiffDto = z.infer<typeof IssueDiffDto>;

export const MergeResultDto = z.object({
  merged: z.boolean(),
  outcome: z.enum(['fast_forward', 'merge_commit', 'squash', 'rebase', 'already_merged', 'conflict', 'refused']),
  /** The base branch's new head, when merged. */
  commit: z.string().nullable(),
  /** Files that conflict, when outcome is conflict. */
  conflicts: z.array(z.string()),
  /** One sentence saying what happened (or why not). */
  message: z.string(),
  workspace: WorkspaceDto,
});
export type MergeResultDto = z.infer<typeof MergeResultDto>;

export const OpenTarget = z.enum(['editor', 'terminal', 'files']);
export type OpenTarget = z.infer<typeof OpenTarget>;

/** An issue waiting for the user: in review (approve or ask for changes) or blocked. */
export const ReviewItemDto = z.object({
  issue: IssueDto,
  /** What the agent said last: its last comment, else its last run's last words. */
  lastWords: z
    .object({ text: z.string(), source: z.enum(['comment', 'run', 'system']), runId: z.string().nullable(), at: iso })
    .nullable(),
  lastRunId: z.string().nullable(),
  /** issue 23: the issue's latest check run, if it has a check. */
  check: z.lazy(() => CheckRunDto).nullable().optional(),
  /** Size of the change in the issue's active worktree (in review only; null without a worktree). */
  changes: z.object({ files: z.number().int(), additions: z.number().int(), deletions: z.number().int() }).nullable(),
});
export type ReviewItemDto = z.infer<typeof ReviewItemDto>;

/** Which "needs you" notifications to give; each kind can be turned off. */
export const NOTIFY_KINDS = ['in_review', 'blocked', 'waiting_input', 'escalation'] as const;
export const NotifyKind = z.enum(NOTIFY_KINDS);
export type NotifyKind = z.infer<typeof NotifyKind>;
export const SettingsDto = z.object({
  notifications: z.object({ in_review: z.boolean(), blocked: z.boolean(), waiting_input: z.boolean(), escalation: z.boolean() }),
});
export type SettingsDto = z.infer<typeof SettingsDto>;

export const Page = <T extends z.ZodTypeAny>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable(), total: z.number().int() });

// ---------------------------------------------------------------- inputs
const agentFields = {
  role: z.string().min(1).max(100).optional(),
  command: z.string().min(1).max(10_000).optional(),
  cwd: z.string().min(1).max(4096).optional(),
  model: z.string().min(1).max(200).optional(),
  args: z.array(z.string().max(4096)).max(100).optional(),
  heartbeatIntervalSec: z.number().int().min(1).max(7 * 24 * 3600).nullable().optional(),
  timeoutSec: z.number().int().min(1).max(7 * 24 * 3600).nullable().optional(),
  maxConcurrentRuns: z.number().int().min(1).max(64).optional(),
  answerTimeoutSec: z.number().int().min(10).max(7 * 24 * 3600).optional(),
  env: envMap.optional(),
  workspace: WorkspaceMode.optional(),
  /** Team mode: the machine (name or id) whose host runs the agent; default the one it is created on. */
  machine: z.string().min(1).max(200).optional(),
  /** Env names whose values are not secret (replaces the whole set). */
  envPublic: z.array(envName).max(200).optional(),
  // issue 23: the review loop of its worktrees (null clears).
  mergeStrategy: z.enum(['auto', 'fast_forward', 'merge', 'squash', 'rebase']).nullable().optional(),
  check: z.string().trim().min(1).max(10_000).nullable().optional(),
  fixFailedChecks: z.number().int().min(0).max(20).nullable().optional(),
  setup: z.string().trim().min(1).max(10_000).nullable().optional(),
};

export const AgentCreateInput = z
  .object({
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'agent names are letters, digits, _ . and -'),
    adapterType: AdapterType,
    ...agentFields,
  })
  .strict()
  .superRefine((v, ctx) => {
    if ((v.adapterType === 'process' || v.adapterType === 'acp') && !v.command) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: v.adapterType === 'acp' ? "the acp adapter needs --command: the agent's ACP command line (e.g. gemini --experimental-acp)" : 'the process adapter needs --command' });
    }
    if (v.workspace === 'worktree' && !v.cwd) {
      ctx.addIssue({ code: 'custom', path: ['cwd'], message: '--workspace worktree needs --cwd: the git repository to make worktrees of' });
    }
  });
export type AgentCreateInput = z.infer<typeof AgentCreateInput>;

// ---------------------------------------------------------------- budgets, usage windows, routines, insights (issue 25)
export const BudgetDto = z.object({
  agentId: id,
  agent: z.string(),
  /** null: the agent's own budget; else the issue (id and identifier) it is for. */
  issueId: z.string().nullable(),
  issue: z.string().nullable(),
  limitUsd: z.number().nullable(),
  limitTokens: z.number().int().nullable(),
  period: BudgetPeriod,
  spentUsd: z.number(),
  spentTokens: z.number(),
  /** When the current period started and ends (null for a total budget). */
  periodStart: iso.nullable(),
  periodEnd: iso.nullable(),
  over: z.boolean(),
});
export type BudgetDto = z.infer<typeof BudgetDto>;

/** An agent held back: paused over its budget, or waiting for its CLI's usage window to reset. */
export const AgentHoldDto = z.object({
  agentId: id,
  kind: z.enum(['budget', 'usage_window']),
  until: iso.nullable(),
  reason: z.string(),
});
export type AgentHoldDto = z.infer<typeof AgentHoldDto>;

export const RoutineDto = z.object({
  id,
  agentId: id,
  agent: z.string(),
  title: z.string(),
  body: z.string(),
  cron: z.string(),
  timezone: z.string(),
  enabled: z.boolean(),
  nextDueAt: iso.nullable(),
  lastFiredAt: iso.nullable(),
  lastIssueId: z.string().nullable(),
  createdAt: iso,
});
export type RoutineDto = z.infer<typeof RoutineDto>;

const insightsDays = z.union([z.literal(7), z.literal(30), z.literal(90)]);
/** One row per day (UTC, oldest first) and series: the UI stacks the series. */
export const DailySeriesDto = z.object({
  days: z.array(z.string()),
  series: z.array(z.object({ name: z.string(), values: z.array(z.number()) })),
});
export type DailySeriesDto = z.infer<typeof DailySeriesDto>;
export const AgentTotalsDto = z.array(
  z.object({ agent: z.string(), inputTokens: z.number(), outputTokens: z.number(), costUsd: z.number(), runs: z.number().int(), medianRunSec: z.number().nullable() }),
);
export type AgentTotalsDto = z.infer<typeof AgentTotalsDto>;


// ---- issue 23: the review loop (line comments, request changes, merge strategies) ----
export const LineCommentDto = z.object({
  id: z.string(),
  issueId: z.string(),
  path: z.string(),
  /** The line as it was when the remark was made, in the commit (plus uncommitted changes) `commit`. */
  line: z.number().int(),
  commit: z.string(),
  lineText: z.string(),
  body: z.string(),
  state: z.enum(['pending', 'sent']),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  /** Where it stands in the worktree now; null when the worktree cannot be read (or is gone). */
  now: z.object({ line: z.number().int().nullable(), touched: z.boolean(), outdated: z.boolean() }).nullable(),
});
export type LineCommentDto = z.infer<typeof LineCommentDto>;
export const MergeStrategy = z.enum(['auto', 'fast_forward', 'merge', 'squash', 'rebase']);
export type MergeStrategy = z.infer<typeof MergeStrategy>;
export const CheckRunDto = z.object({
  id: z.string(),
  issueId: z.string(),
  runId: z.string().nullable(),
  command: z.string(),
  status: z.enum(['running', 'passed', 'failed', 'timed_out', 'error']),
  exitCode: z.number().int().nullable(),
  /** The lines of the log that say what failed (else its last lines); null when it passed. */
  failingLines: z.string().nullable(),
  /** Sent back to the agent with its output (--fix-failed-checks). */
  sentBack: z.boolean(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().int().nullable(),
});
export type CheckRunDto = z.infer<typeof CheckRunDto>;
export const PullRequestResultDto = z.object({
  pushed: z.boolean(),
  remote: z.string().nullable(),
  branch: z.string(),
  pr: z.object({ url: z.string(), number: z.number().int().nullable(), state: z.string().nullable(), checkedAt: z.string().nullable() }).nullable(),
  message: z.string(),
});
export type PullRequestResultDto = z.infer<typeof PullRequestResultDto>;
const reviewLoopCalls = {
  /** Pushes the issue's branch to the repository's remote and opens its pull request with gh (or only pushes). */
  'issues.pr': { input: z.object({ issue: issueRef, pushOnly: z.boolean().optional() }).strict(), output: PullRequestResultDto },
  /** The pull request's state now (gh pr view). */
  'issues.prRefresh': { input: z.object({ issue: issueRef }).strict(), output: PullRequestResultDto },
  /** The issue's check runs, newest first. */
  'issues.checks': { input: z.object({ issue: issueRef }).strict(), output: z.array(CheckRunDto) },
  /** Runs the issue's check on its worktree now (changed or not). */
  'issues.runCheck': { input: z.object({ issue: issueRef }).strict(), output: CheckRunDto.nullable() },
  'issues.checkLog': { input: z.object({ check: z.string().min(1).max(200) }).strict(), output: z.object({ log: z.string() }) },
  /** A remark on one line of the issue's worktree as it is now (pending until Request changes). */
  'issues.lineComment': {
    input: z.object({ issue: issueRef, path: z.string().trim().min(1).max(4096), line: z.number().int().min(1), body: z.string().trim().min(1).max(20_000) }).strict(),
    output: LineCommentDto,
  },
  /** Makes a discarded issue's branch and worktree again from its archive (kept 14 days). */
  'issues.restore': { input: z.object({ issue: issueRef }).strict(), output: WorkspaceDto },
  'issues.lineComments': { input: z.object({ issue: issueRef }).strict(), output: z.array(LineCommentDto) },
  /** Sends every pending line comment (and the text, if any) as one comment that wakes the assignee. */
  'issues.requestChanges': {
    input: z.object({ issue: issueRef, body: z.string().trim().max(20_000).optional() }).strict(),
    output: z.object({ sent: z.number().int(), commentId: z.string(), woke: z.boolean(), message: z.string() }),
  },
} as const;

const routineRef = z.string().min(1).max(200);
const issue25Calls = {
  'budgets.list': { input: z.object({ agent: agentRef.optional() }).strict(), output: z.array(BudgetDto) },
  /** Sets an agent's (or one issue's) budget; null clears a limit. Raising it above the spend resumes a budget-paused agent. */
  'budgets.set': {
    input: z
      .object({
        agent: agentRef,
        issue: issueRef.optional(),
        usd: z.number().positive().max(1e9).nullable().optional(),
        tokens: z.number().int().positive().max(1e15).nullable().optional(),
        period: BudgetPeriod.optional(),
      })
      .strict(),
    output: BudgetDto,
  },
  'holds.list': { input: z.object({}).strict(), output: z.array(AgentHoldDto) },
  'routines.list': { input: z.object({ agent: agentRef.optional() }).strict(), output: z.array(RoutineDto) },
  'routines.create': {
    input: z
      .object({
        agent: agentRef,
        cron: z.string().trim().min(1).max(200),
        title: z.string().trim().min(1).max(500),
        body: z.string().max(100_000).optional(),
        /** IANA time zone (Europe/Paris); default the host's. */
        timezone: z.string().min(1).max(100).optional(),
      })
      .strict(),
    output: RoutineDto,
  },
  'routines.pause': { input: z.object({ routine: routineRef }).strict(), output: RoutineDto },
  'routines.resume': { input: z.object({ routine: routineRef }).strict(), output: RoutineDto },
  'routines.remove': { input: z.object({ routine: routineRef }).strict(), output: z.object({ id }) },
  /** Cost per day per agent (USD). */
  'insights.costPerDay': { input: z.object({ days: insightsDays }).strict(), output: DailySeriesDto },
  /** Ended runs per day by outcome (succeeded, failed, cancelled, timed_out). */
  'insights.runsPerDay': { input: z.object({ days: insightsDays }).strict(), output: DailySeriesDto },
  /** Tokens, cost, runs and median run time per agent. */
  'insights.agentTotals': { input: z.object({ days: insightsDays }).strict(), output: AgentTotalsDto },
} as const;
// ---------------------------------------------------------------- end of issue 25's block

// ---------------------------------------------------------------- reach a live agent (issue 21)
// Permission requests and questions a run's agent puts to a person, the "allow always" rules kept
// on an agent, and the live terminal's input (one writer at a time).
export const REQUEST_KINDS = ['permission', 'question'] as const;
export const RequestKind = z.enum(REQUEST_KINDS);
export const REQUEST_STATUSES = ['pending', 'allowed', 'denied', 'answered', 'expired'] as const;
export const RequestStatus = z.enum(REQUEST_STATUSES);
export type RequestStatus = z.infer<typeof RequestStatus>;
export const REQUEST_DECISIONS = ['allow', 'allow_always', 'deny', 'answer'] as const;
export const RequestDecision = z.enum(REQUEST_DECISIONS);
export type RequestDecision = z.infer<typeof RequestDecision>;

export const RequestDto = z.object({
  id,
  runId: id,
  agentId: id,
  agent: z.string(),
  issueId: z.string().nullable(),
  issueIdentifier: z.string().nullable(),
  issueTitle: z.string().nullable(),
  kind: RequestKind,
  tool: z.string().nullable(),
  /** One line saying what is asked: "Bash: rm -rf build", "Edit src/a.ts", the question. */
  summary: z.string(),
  /** What the tool would do, as far as it is known: the command, the file and its diff, the question and its options. */
  command: z.string().nullable(),
  filePath: z.string().nullable(),
  diff: z.string().nullable(),
  question: z.string().nullable(),
  options: z.array(z.string()),
  /** The tool's input as the agent sent it. */
  input: z.record(z.string(), z.unknown()),
  status: RequestStatus,
  answer: z.object({ decision: z.string(), message: z.string().optional(), text: z.string().optional() }).nullable(),
  answeredBy: z.string().nullable(),
  createdAt: iso,
  answeredAt: iso.nullable(),
  expiresAt: iso,
});
export type RequestDto = z.infer<typeof RequestDto>;

export const AgentRuleDto = z.object({
  id,
  agentId: id,
  agent: z.string(),
  tool: z.string(),
  /** Bash: the one command allowed; null: every use of the tool. */
  command: z.string().nullable(),
  createdAt: iso,
});
export type AgentRuleDto = z.infer<typeof AgentRuleDto>;

const writerId = z.string().min(8).max(100);
export const reachCalls = {
  /** Pending requests first (oldest first), then answered ones, newest first. */
  'requests.list': {
    input: z.object({ run: runRef.optional(), pendingOnly: z.boolean().optional(), limit: limit.optional() }).strict(),
    output: z.array(RequestDto),
  },
  'requests.get': { input: z.object({ request: id }).strict(), output: RequestDto },
  /** Answers a request (by id, or the run's oldest pending one). */
  'requests.answer': {
    input: z
      .object({
        request: id.optional(),
        run: runRef.optional(),
        decision: RequestDecision,
        /** Deny: what the agent reads. */
        message: z.string().trim().min(1).max(10_000).optional(),
        /** A question's free-text answer. */
        text: z.string().trim().min(1).max(10_000).optional(),
        /** A question's option, by its number from 1. */
        option: z.number().int().min(1).max(100).optional(),
      })
      .strict()
      .superRefine((v, ctx) => {
        if (!v.request && !v.run) ctx.addIssue({ code: 'custom', path: ['request'], message: 'name the request, or the run whose request to answer' });
        if (v.decision === 'answer' && v.text === undefined && v.option === undefined) {
          ctx.addIssue({ code: 'custom', path: ['text'], message: 'an answer needs --text or --option' });
        }
      }),
    output: RequestDto,
  },
  /** An agent (run token) asks: a permission for a tool call, or a question. Idempotent on `key`. */
  'requests.open': {
    input: z
      .object({
        key: z.string().min(8).max(100),
        kind: RequestKind,
        tool: z.string().min(1).max(200).optional(),
        toolUseId: z.string().max(200).optional(),
        input: z.record(z.string(), z.unknown()),
      })
      .strict(),
    output: RequestDto,
  },
  /** Resolves once the request is no longer pending, or after `waitMs` with it as it is. */
  'requests.wait': {
    input: z.object({ request: id, waitMs: z.number().int().min(0).max(55_000).optional() }).strict(),
    output: RequestDto,
  },
  'agentRules.list': { input: z.object({ agent: agentRef.optional() }).strict(), output: z.array(AgentRuleDto) },
  'agentRules.remove': { input: z.object({ rule: id }).strict(), output: z.object({ id }) },

  /** Types into a live run's terminal; only the writer holding the wheel may. `data` is base64. */
  'runs.input': {
    input: z.object({ run: runRef, writer: writerId, data: z.string().max(1 << 16) }).strict(),
    output: z.object({ ok: z.boolean() }),
  },
  'runs.resize': {
    input: z.object({ run: runRef, writer: writerId, cols: z.number().int().min(2).max(1000), rows: z.number().int().min(2).max(1000) }).strict(),
    output: z.object({ ok: z.boolean() }),
  },
  /** Takes (or lets go of) the wheel of a live run's terminal: one writer at a time. */
  'runs.wheel': {
    input: z.object({ run: runRef, writer: writerId, who: z.string().min(1).max(100), take: z.boolean() }).strict(),
    output: z.object({ holder: z.string().nullable(), yours: z.boolean() }),
  },
} as const;

// ---------------------------------------------------------------- the calls
export const calls = {
  'host.status': { input: z.object({}).strict(), output: HostStatusDto },
  'host.pauseAll': { input: z.object({}).strict(), output: z.object({ paused: z.number().int() }) },
  'machines.list': { input: z.object({}).strict(), output: z.array(MachineDto) },

  'agents.list': { input: z.object({}).strict(), output: z.array(AgentDto) },
  'agents.get': { input: z.object({ agent: agentRef }).strict(), output: AgentDto },
  'agents.create': { input: AgentCreateInput, output: AgentDto },
  'agents.update': {
    input: z.object({ agent: agentRef, patch: z.object(agentFields).strict() }).strict(),
    output: AgentDto,
  },
  /**
   * Whether the agent can start on its machine (folder, command, adapter CLI), each problem with
   * its fix, checked by that machine's host (team mode: asked through the database). `draft`
   * checks values not saved yet (the form as it is typed), over the agent's saved ones; without
   * `agent` it needs `adapterType`. `checkedOn` names another machine that checked; when that
   * machine is offline nothing could be checked: `deferredTo` names it and `offline` says so.
   */
  'agents.check': {
    input: z
      .object({
        agent: agentRef.optional(),
        draft: z
          .object({
            adapterType: AdapterType.optional(),
            command: z.string().max(10_000).nullable().optional(),
            cwd: z.string().max(4096).nullable().optional(),
            machine: z.string().min(1).max(200).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .refine((v) => v.agent !== undefined || v.draft?.adapterType !== undefined, { message: 'give the agent, or a draft with its adapter type', path: ['agent'] }),
    output: z.object({
      checks: z.array(AgentCheckDto),
      deferredTo: z.string().nullable(),
      checkedOn: z.string().nullable().optional(),
      offline: z.string().nullable().optional(),
    }),
  },
  'agents.pause': { input: z.object({ agent: agentRef }).strict(), output: AgentDto },
  'agents.resume': { input: z.object({ agent: agentRef }).strict(), output: AgentDto },
  'agents.remove': { input: z.object({ agent: agentRef }).strict(), output: z.object({ id }) },
  'agents.wake': {
    input: z.object({ agent: agentRef, reason: z.string().max(500).optional(), issue: issueRef.optional() }).strict(),
    output: WakeResultDto,
  },

  'issues.list': {
    input: z
      .object({
        status: IssueStatus.optional(),
        assignee: agentRef.optional(),
        q: z.string().max(200).optional(),
        limit: limit.optional(),
        cursor: cursor.optional(),
      })
      .strict(),
    output: Page(IssueDto),
  },
  'issues.get': { input: z.object({ issue: issueRef }).strict(), output: IssueDetailDto },
  'issues.create': {
    input: z
      .object({
        title: z.string().trim().min(1).max(500),
        body: z.string().max(100_000).optional(),
        assignee: agentRef.optional(),
        priority: IssuePriority.optional(),
        status: IssueStatus.optional(),
      })
      .strict(),
    output: IssueDto,
  },
  'issues.update': {
    input: z
      .object({
        issue: issueRef,
        status: IssueStatus.optional(),
        title: z.string().trim().min(1).max(500).optional(),
        body: z.string().max(100_000).optional(),
        priority: IssuePriority.optional(),
      })
      .strict(),
    output: IssueDto,
  },
  'issues.assign': {
    input: z
      .object({ issue: issueRef, agent: agentRef.nullable().optional(), user: z.string().min(1).max(200).nullable().optional() })
      .strict(),
    output: IssueDto,
  },
  'issues.comment': {
    input: z.object({ issue: issueRef, body: z.string().trim().min(1).max(100_000) }).strict(),
    output: CommentDto,
  },

  /** What the issue's worktree changed against its base branch, committed and not. */
  'issues.diff': {
    input: z.object({ issue: issueRef, stat: z.boolean().optional() }).strict(),
    output: IssueDiffDto,
  },
  /** Commits what the agent left, merges the branch into its base (fast-forward or a merge commit). */
  'issues.merge': { input: z.object({ issue: issueRef, strategy: MergeStrategy.optional() }).strict(), output: MergeResultDto },
  /** Removes the issue's worktree and branch, work included: `confirm: true` is required. */
  'issues.discard': { input: z.object({ issue: issueRef, confirm: z.boolean().optional() }).strict(), output: WorkspaceDto },
  'issues.openWorkspace': {
    input: z.object({ issue: issueRef, with: OpenTarget.optional() }).strict(),
    output: z.object({ path: z.string(), opened: z.boolean(), how: z.string() }),
  },
  /** Active worktrees, those whose issue is gone, and folders under workspaces/ no row knows. */
  'workspaces.list': {
    input: z.object({}).strict(),
    output: z.object({ workspaces: z.array(WorkspaceDto), strayFolders: z.array(z.string()) }),
  },

  'runs.list': {
    input: z
      .object({
        agent: agentRef.optional(),
        status: RunStatus.optional(),
        issue: issueRef.optional(),
        limit: limit.optional(),
        cursor: cursor.optional(),
      })
      .strict(),
    output: Page(RunDto),
  },
  'runs.get': { input: z.object({ run: runRef }).strict(), output: RunDetailDto },
  'runs.cancel': { input: z.object({ run: runRef }).strict(), output: RunDto },
  'runs.log': {
    input: z
      .object({
        run: runRef,
        /** Start here; default 0 unless `tail` is given. */
        offset: z.number().int().min(0).optional(),
        /** At most this many bytes (default and cap 1 MiB). */
        length: z.number().int().min(1).max(1 << 20).optional(),
        /** Read the last N bytes instead of from `offset`. */
        tail: z.number().int().min(1).max(1 << 20).optional(),
      })
      .strict(),
    output: LogChunkDto,
  },

  /** Issues in review, then blocked ones, each with the agent's last words. */
  'review.queue': { input: z.object({}).strict(), output: z.array(ReviewItemDto) },

  'settings.get': { input: z.object({}).strict(), output: SettingsDto },
  'settings.update': {
    input: z
      .object({ notifications: z.object({ in_review: z.boolean(), blocked: z.boolean(), waiting_input: z.boolean(), escalation: z.boolean() }).partial().strict().optional() })
      .strict(),
    output: SettingsDto,
  },

  'escalations.list': {
    input: z.object({ open: z.boolean().optional() }).strict(),
    output: z.array(EscalationDto),
  },
  /** Unblock the issue and dispatch it again (a fresh retry budget). */
  'escalations.retry': { input: z.object({ escalation: id }).strict(), output: EscalationDto },
  'escalations.dismiss': { input: z.object({ escalation: id }).strict(), output: EscalationDto },

  /** The agent CLIs on the host's PATH (with versions) and how folders are picked here. */
  'setup.detect': { input: z.object({}).strict(), output: SetupInfoDto },
  /** The desktop app's native folder dialog; `path: null` when cancelled. Refused (unsupported) without one. */
  'setup.pickFolder': {
    input: z.object({ title: z.string().max(200).optional(), defaultPath: z.string().min(1).max(4096).optional() }).strict(),
    output: z.object({ path: z.string().nullable() }),
  },
  /** Whether a path names a folder an agent can work in. */
  'setup.checkFolder': { input: z.object({ path: z.string().trim().min(1).max(4096) }).strict(), output: FolderCheckDto },

  'activity.list': {
    input: z.object({ entityId: id.optional(), limit: limit.optional() }).strict(),
    output: z.array(ActivityDto),
  },
  ...reachCalls,
  ...issue25Calls,
  ...reviewLoopCalls,
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export const CALL_NAMES = Object.keys(calls) as CallName[];
export type CallInput<N extends CallName> = z.input<Calls[N]['input']>;
export type CallParsedInput<N extends CallName> = z.output<Calls[N]['input']>;
export type CallOutput<N extends CallName> = z.infer<Calls[N]['output']>;

/** Calls an agent may make with its run token, always about its own run's issue. */
export const AGENT_CALLS: ReadonlySet<CallName> = new Set<CallName>([
  'issues.get',
  'issues.comment',
  'issues.update',
  'host.status',
  // issue 21: an agent opens and waits on its own run's requests, and may file a sub-issue.
  'issues.create',
  'requests.open',
  'requests.wait',
]);

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(calls, name);
}
