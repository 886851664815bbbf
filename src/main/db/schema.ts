// The database schema: one of the two spines. Migrations are generated from this file with
// `npm run db:generate` (drizzle-kit) and never hand-edited once released.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

import { belongsTo, created, idKey, stamps, ts, updated } from './schema-columns';

export const workspaces = pgTable('workspaces', {
  id: idKey(),
  name: text('name').notNull(),
  issuePrefix: text('issue_prefix').notNull().unique(),
  /** Next issue number; bumped in the same statement that reserves it. */
  issueCounter: integer('issue_counter').notNull().default(0),
  ...stamps(),
});

export interface AdapterConfig {
  command?: string;
  cwd?: string;
  model?: string;
  args?: string[];
  /** 'worktree': each issue is worked in a git worktree of the repository at cwd of its own. */
  workspace?: 'worktree' | 'none';
  /** issue 23: how its issues' branches merge by default (auto: fast-forward, else a merge commit). */
  mergeStrategy?: 'auto' | 'fast_forward' | 'merge' | 'squash' | 'rebase';
  /** A check command run in the worktree after each run that changed files. */
  check?: string;
  /** A failed check goes back to the agent with its output at most this many times per issue. */
  fixFailedChecks?: number;
  /** Run in a new worktree before its first run. */
  setup?: string;
}

export interface RuntimeConfig {
  heartbeatIntervalSec?: number | null;
  timeoutSec?: number | null;
  maxConcurrentRuns?: number;
  /** A request of this agent's runs nobody answers within this is denied (default 30 min). */
  answerTimeoutSec?: number;
}

/**
 * Team mode: one row per Vigil host's machine sharing this database. A machine is online while
 * its host renews `lastSeenAt` within `leaseMs` (database time, so clocks never disagree).
 */
export const machines = pgTable('machines', {
  id: idKey(),
  name: text('name').notNull(),
  /** The host process now serving this machine (`<pid>/<start identity>`). */
  hostInstance: text('host_instance').notNull(),
  leaseMs: integer('lease_ms').notNull(),
  startedAt: ts('started_at').notNull().defaultNow(),
  lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
  /** Set by a clean shutdown: offline at once, without waiting for the lease. */
  stoppedAt: ts('stopped_at'),
});

/**
 * Team mode: an action one host asks of the machine that owns a run or agent (cancel a run, read
 * a run's log). The owner is told by NOTIFY, carries it out and writes the answer here.
 */
export const machineRequests = pgTable(
  'machine_requests',
  {
    id: idKey(),
    machineId: text('machine_id').notNull(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    status: text('status').notNull().default('pending'),
    result: jsonb('result'),
    error: jsonb('error'),
    createdAt: created(),
    finishedAt: ts('finished_at'),
  },
  (t) => [index('machine_requests_pending_idx').on(t.machineId, t.status)],
);

/** Team mode: contract events too large for a NOTIFY payload (8000 bytes); the NOTIFY carries the id. */
export const busEvents = pgTable(
  'bus_events',
  {
    id: idKey(),
    payload: text('payload').notNull(),
    createdAt: created(),
  },
  (t) => [index('bus_events_created_idx').on(t.createdAt)],
);

export const agents = pgTable(
  'agents',
  {
    id: idKey(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id),
    name: text('name').notNull(),
    role: text('role').notNull().default('engineer'),
    status: text('status').notNull().default('idle'),
    adapterType: text('adapter_type').notNull(),
    adapterConfig: jsonb('adapter_config').$type<AdapterConfig>().notNull().default({}),
    runtimeConfig: jsonb('runtime_config').$type<RuntimeConfig>().notNull().default({}),
    /** The agent's extra environment: every value is a secret (masked, redacted) unless its name is in envPublic. */
    env: jsonb('env').$type<Record<string, string>>().notNull().default({}),
    /** The machine whose host runs this agent (team mode); null: adopted by the next host to start. */
    machineId: text('machine_id'),
    /** Env names the user marked public: shown in answers, not redacted. */
    envPublic: jsonb('env_public').$type<string[]>().notNull().default([]),
    ...stamps(),
  },
  (t) => [uniqueIndex('agents_workspace_name_uq').on(t.workspaceId, t.name)],
);

export const agentRuntimeState = pgTable('agent_runtime_state', {
  agentId: text('agent_id')
    .primaryKey()
    .references(() => agents.id, { onDelete: 'cascade' }),
  lastHeartbeatAt: ts('last_heartbeat_at'),
  lastRunId: text('last_run_id'),
  lastRunStatus: text('last_run_status'),
  totalRuns: integer('total_runs').notNull().default(0),
  failedRuns: integer('failed_runs').notNull().default(0),
  totalInputTokens: bigint('total_input_tokens', { mode: 'number' }).notNull().default(0),
  totalOutputTokens: bigint('total_output_tokens', { mode: 'number' }).notNull().default(0),
  totalCostUsd: jsonb('total_cost_usd').$type<number>().notNull().default(0),
  /** Adapter session ids per issue ("issueId" -> session), resumed on the next run of that issue. */
  sessions: jsonb('sessions').$type<Record<string, string>>().notNull().default({}),
  updatedAt: updated(),
});

export interface WakePayload {
  issueId?: string;
  [k: string]: unknown;
}

export const agentWakeupRequests = pgTable(
  'agent_wakeup_requests',
  {
    id: idKey(),
    workspaceId: text('workspace_id').notNull(),
    agentId: belongsTo('agent_id', () => agents.id),
    source: text('source').notNull(),
    triggerDetail: text('trigger_detail'),
    reason: text('reason'),
    payload: jsonb('payload').$type<WakePayload>().notNull().default({}),
    status: text('status').notNull().default('queued'),
    /** Wakes folded into this one (or into the run it coalesced with). */
    coalescedCount: integer('coalesced_count').notNull().default(0),
    runId: text('run_id'),
    error: text('error'),
    claimedAt: ts('claimed_at'),
    finishedAt: ts('finished_at'),
    ...stamps(),
  },
  (t) => [index('wakeups_agent_status_idx').on(t.agentId, t.status)],
);

export interface ContextSnapshot {
  issueId?: string;
  wakeReason?: string;
  retryReason?: string;
  [k: string]: unknown;
}

/** A wake or comment that arrived while a run was live: the follow-up run it asks for carries it. */
export interface PendingInput {
  source: string;
  reason: string;
  commentId?: string;
  at: string;
}

export interface UsageRecord {
  inputTokens?: number;
  outputTokens?: number;
  cachedInputTokens?: number;
  costUsd?: number;
  model?: string;
}

export const heartbeatRuns = pgTable(
  'heartbeat_runs',
  {
    id: idKey(),
    workspaceId: text('workspace_id').notNull(),
    agentId: belongsTo('agent_id', () => agents.id),
    status: text('status').notNull().default('queued'),
    invocationSource: text('invocation_source').notNull(),
    triggerDetail: text('trigger_detail'),
    wakeupRequestId: text('wakeup_request_id'),
    issueId: text('issue_id'),
    contextSnapshot: jsonb('context_snapshot').$type<ContextSnapshot>().notNull().default({}),
    /** The machine whose process table can judge this run's processes. */
    hostId: text('host_id'),
    /** The host process that claimed the run (pid/start identity on hostId); while it lives, nobody else judges the run. */
    hostInstanceId: text('host_instance_id'),
    processPid: integer('process_pid'),
    processGroupId: integer('process_group_id'),
    /** Start identity of processPid (boot id + start ticks on Linux): a reused pid never matches. */
    processStartId: text('process_start_id'),
    processLossRetryCount: integer('process_loss_retry_count').notNull().default(0),
    retryOfRunId: text('retry_of_run_id'),
    exitCode: integer('exit_code'),
    signal: text('signal'),
    errorCode: text('error_code'),
    error: text('error'),
    /** sha256 of the run token the agent uses to call back; the token itself is never stored. */
    runTokenHash: text('run_token_hash'),
    logPath: text('log_path'),
    logBytes: bigint('log_bytes', { mode: 'number' }).notNull().default(0),
    logSha256: text('log_sha256'),
    logPruned: boolean('log_pruned').notNull().default(false),
    lastOutputLine: text('last_output_line'),
    sessionId: text('session_id'),
    usage: jsonb('usage').$type<UsageRecord>(),
    /** Wakes that coalesced into this run while it was live; one follow-up run is queued for them when it ends. */
    pendingInput: jsonb('pending_input').$type<PendingInput[]>().notNull().default([]),
    lastActivityAt: ts('last_activity_at'),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
    ...stamps(),
  },
  (t) => [
    index('runs_created_idx').on(t.createdAt.desc(), t.id.desc()),
    index('runs_agent_created_idx').on(t.agentId, t.createdAt.desc()),
    index('runs_issue_idx').on(t.issueId),
    index('runs_active_idx')
      .on(t.status)
      .where(sql`status in ('queued', 'starting', 'running')`),
    uniqueIndex('runs_token_uq').on(t.runTokenHash),
  ],
);

export const heartbeatRunEvents = pgTable(
  'heartbeat_run_events',
  {
    id: idKey(),
    runId: belongsTo('run_id', () => heartbeatRuns.id),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    message: text('message'),
    payload: jsonb('payload'),
    createdAt: created(),
  },
  (t) => [uniqueIndex('run_events_run_seq_uq').on(t.runId, t.seq)],
);

export const issues = pgTable(
  'issues',
  {
    id: idKey(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id),
    number: integer('number').notNull(),
    identifier: text('identifier').notNull().unique(),
    title: text('title').notNull(),
    body: text('body').notNull().default(''),
    status: text('status').notNull().default('todo'),
    priority: text('priority').notNull().default('medium'),
    assigneeAgentId: text('assignee_agent_id').references(() => agents.id, { onDelete: 'set null' }),
    assigneeUserId: text('assignee_user_id'),
    checkoutRunId: text('checkout_run_id'),
    executionRunId: text('execution_run_id'),
    startedAt: ts('started_at'),
    completedAt: ts('completed_at'),
    ...stamps(),
  },
  (t) => [index('issues_status_idx').on(t.status), index('issues_assignee_idx').on(t.assigneeAgentId)],
);

export const issueComments = pgTable(
  'issue_comments',
  {
    id: idKey(),
    issueId: belongsTo('issue_id', () => issues.id),
    authorType: text('author_type').notNull(),
    authorAgentId: text('author_agent_id'),
    authorUserId: text('author_user_id'),
    runId: text('run_id'),
    body: text('body').notNull(),
    createdAt: created(),
  },
  (t) => [index('comments_issue_idx').on(t.issueId, t.createdAt)],
);

export const escalations = pgTable(
  'escalations',
  {
    id: idKey(),
    issueId: belongsTo('issue_id', () => issues.id),
    runId: text('run_id'),
    kind: text('kind').notNull(),
    message: text('message').notNull(),
    resolvedAt: ts('resolved_at'),
    createdAt: created(),
  },
  (t) => [index('escalations_open_idx').on(t.resolvedAt)],
);

export const activityLog = pgTable(
  'activity_log',
  {
    id: idKey(),
    workspaceId: text('workspace_id'),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    details: jsonb('details'),
    createdAt: created(),
  },
  (t) => [index('activity_entity_idx').on(t.entityId, t.createdAt)],
);

/**
 * An issue's git worktree: made at its first run by an agent with `workspace: worktree`, used by
 * every later run of the issue, removed only once merged or discarded. The issue is not a
 * foreign key on purpose: a row whose issue is gone must stay, to be listed for clean-up.
 */
export const issueWorkspaces = pgTable(
  'issue_workspaces',
  {
    id: idKey(),
    issueId: text('issue_id').notNull(),
    agentId: text('agent_id'),
    /** The repository's top folder (where the agent's cwd is). */
    repoPath: text('repo_path').notNull(),
    path: text('path').notNull(),
    branch: text('branch').notNull(),
    baseBranch: text('base_branch').notNull(),
    baseCommit: text('base_commit').notNull(),
    /** active | merged | discarded */
    state: text('state').notNull().default('active'),
    mergedCommit: text('merged_commit'),
    /** merge | squash | rebase | fast_forward: how it was merged (issue 23). */
    mergeMethod: text('merge_method'),
    /** A discarded branch kept as refs/heads/vigil/archive/... until archiveExpiresAt (issue 23). */
    archiveBranch: text('archive_branch'),
    archiveExpiresAt: ts('archive_expires_at'),
    /** The first port of the worktree's range (VIGIL_PORT); released with the row's close. */
    portBase: integer('port_base'),
    /** The setup command's log file and exit, null until it ran. */
    setupLog: text('setup_log'),
    setupExitCode: integer('setup_exit_code'),
    /** The pull request opened from the branch: its URL, number and last known state. */
    prUrl: text('pr_url'),
    prNumber: integer('pr_number'),
    prState: text('pr_state'),
    prCheckedAt: ts('pr_checked_at'),
    closedAt: ts('closed_at'),
    ...stamps(),
  },
  (t) => [
    uniqueIndex('issue_workspaces_active_uq')
      .on(t.issueId)
      .where(sql`state = 'active'`),
    index('issue_workspaces_issue_idx').on(t.issueId, t.createdAt),
  ],
);

// Tables of later features, each in a file of its own (their references to the tables above are
// lazy, so the import cycle is harmless); everything stays importable from here.
export * from './schema-requests';
export * from './schema-budgets';
export * from './schema-review';
