// The contract: every call between the host and its clients (renderer, CLI, browser), its
// input schema (validated by the host on every transport) and its output shape. Events the
// host pushes live in events.ts. Change this file deliberately: it is one of the two spines.
import { z } from 'zod';
import {
  AdapterType,
  AgentStatus,
  CommentAuthor,
  EscalationKind,
  InvocationSource,
  IssuePriority,
  IssueStatus,
  RunErrorCode,
  RunStatus,
  WakeupStatus,
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
  /** Every value is masked unless its name is in envPublic: the host never sends secrets out. */
  env: z.record(z.string(), z.string()),
  /** Env names marked public (their values are shown and not redacted). */
  envPublic: z.array(z.string()),
  status: AgentStatus,
  heartbeatIntervalSec: z.number().int().nullable(),
  timeoutSec: z.number().int().nullable(),
  maxConcurrentRuns: z.number().int(),
  lastHeartbeatAt: iso.nullable(),
  totalRuns: z.number().int(),
  failedRuns: z.number().int(),
  runningRuns: z.number().int(),
  createdAt: iso,
  updatedAt: iso,
});
export type AgentDto = z.infer<typeof AgentDto>;

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

export const HostStatusDto = z.object({
  version: z.string(),
  pid: z.number().int(),
  hostId: z.string(),
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
  env: envMap.optional(),
  /** Env names whose values are not secret (replaces the whole set). */
  envPublic: z.array(envName).max(200).optional(),
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
    if (v.adapterType === 'process' && !v.command) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'the process adapter needs --command' });
    }
  });
export type AgentCreateInput = z.infer<typeof AgentCreateInput>;

// ---------------------------------------------------------------- the calls
export const calls = {
  'host.status': { input: z.object({}).strict(), output: HostStatusDto },
  'host.pauseAll': { input: z.object({}).strict(), output: z.object({ paused: z.number().int() }) },

  'agents.list': { input: z.object({}).strict(), output: z.array(AgentDto) },
  'agents.get': { input: z.object({ agent: agentRef }).strict(), output: AgentDto },
  'agents.create': { input: AgentCreateInput, output: AgentDto },
  'agents.update': {
    input: z.object({ agent: agentRef, patch: z.object(agentFields).strict() }).strict(),
    output: AgentDto,
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

  'escalations.list': {
    input: z.object({ open: z.boolean().optional() }).strict(),
    output: z.array(EscalationDto),
  },
  /** Unblock the issue and dispatch it again (a fresh retry budget). */
  'escalations.retry': { input: z.object({ escalation: id }).strict(), output: EscalationDto },
  'escalations.dismiss': { input: z.object({ escalation: id }).strict(), output: EscalationDto },

  'activity.list': {
    input: z.object({ entityId: id.optional(), limit: limit.optional() }).strict(),
    output: z.array(ActivityDto),
  },
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export const CALL_NAMES = Object.keys(calls) as CallName[];
export type CallInput<N extends CallName> = z.input<Calls[N]['input']>;
export type CallParsedInput<N extends CallName> = z.output<Calls[N]['input']>;
export type CallOutput<N extends CallName> = z.infer<Calls[N]['output']>;

/** Calls an agent may make with its run token, always about its own run's issue. */
export const AGENT_CALLS: ReadonlySet<CallName> = new Set<CallName>(['issues.get', 'issues.comment', 'issues.update', 'host.status']);

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(calls, name);
}
