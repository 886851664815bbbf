// Rows -> contract DTOs. The only place that decides what leaves the host (secrets masked).
import { spokenLine } from './spoken-line';
import type { InferSelectModel } from 'drizzle-orm';
import type {
  ActivityDto,
  AgentDto,
  CommentDto,
  EscalationDto,
  IssueDto,
  MachineDto,
  RunDto,
  RunEventDto,
} from '../../shared/contract';
import { MASKED_SECRET, type AdapterType, type RunErrorCode } from '../../shared/domain';
import type * as schema from '../db/schema';
import { iso } from '../context';
import { DEFAULT_ANSWER_TIMEOUT_SEC } from '../requests/timeout';

export type AgentRow = InferSelectModel<typeof schema.agents>;
export type RuntimeRow = InferSelectModel<typeof schema.agentRuntimeState>;
export type RunRow = InferSelectModel<typeof schema.heartbeatRuns>;
export type IssueRow = InferSelectModel<typeof schema.issues>;
export type CommentRow = InferSelectModel<typeof schema.issueComments>;
export type EscalationRow = InferSelectModel<typeof schema.escalations>;
export type ActivityRow = InferSelectModel<typeof schema.activityLog>;
export type RunEventRow = InferSelectModel<typeof schema.heartbeatRunEvents>;

/**
 * Every env value is a secret unless the user marked its name public: a name says nothing
 * reliable (DB_PASS, GITHUB_PAT, MY_CONFIG), so nothing is guessed from it.
 */
export function maskEnv(env: Record<string, string>, publicNames: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = publicNames.includes(k) ? v : MASKED_SECRET;
  return out;
}

/** The values to redact from a run's output, events and errors: all but the public ones. */
export function secretValuesOf(env: Record<string, string>, publicNames: readonly string[] = []): string[] {
  return Object.entries(env)
    .filter(([k, v]) => !publicNames.includes(k) && v.length > 0)
    .map(([, v]) => v);
}

export type MachineRow = InferSelectModel<typeof schema.machines>;

/** The fields a DTO passes on from its row as they are. */
export function pick<Row, K extends keyof Row>(row: Row, keys: readonly K[]): Pick<Row, K> {
  const out = {} as Pick<Row, K>;
  for (const k of keys) out[k] = row[k];
  return out;
}

/** A machine's name and whether its lease is current (computed by the database's clock). */
export interface MachineState {
  name: string;
  online: boolean;
}

export function agentDto(a: AgentRow, rt: RuntimeRow | null, runningRuns: number, machine: MachineState | null): AgentDto {
  return {
    ...pick(a, ['id', 'workspaceId', 'name', 'role', 'machineId']),
    adapterType: a.adapterType as AgentDto['adapterType'],
    command: a.adapterConfig.command ?? null,
    cwd: a.adapterConfig.cwd ?? null,
    model: a.adapterConfig.model ?? null,
    args: a.adapterConfig.args ?? [],
    workspace: a.adapterConfig.workspace ?? 'none',
    review: { mergeStrategy: a.adapterConfig.mergeStrategy ?? null, check: a.adapterConfig.check ?? null, fixFailedChecks: a.adapterConfig.fixFailedChecks ?? 0, setup: a.adapterConfig.setup ?? null },
    env: maskEnv(a.env, a.envPublic),
    envPublic: a.envPublic ?? [],
    status: a.status as AgentDto['status'],
    heartbeatIntervalSec: a.runtimeConfig.heartbeatIntervalSec ?? null,
    timeoutSec: a.runtimeConfig.timeoutSec ?? null,
    maxConcurrentRuns: a.runtimeConfig.maxConcurrentRuns ?? 1,
    answerTimeoutSec: a.runtimeConfig.answerTimeoutSec ?? DEFAULT_ANSWER_TIMEOUT_SEC,
    lastHeartbeatAt: iso(rt?.lastHeartbeatAt),
    totalRuns: rt?.totalRuns ?? 0,
    failedRuns: rt?.failedRuns ?? 0,
    runningRuns,
    machine: machine?.name ?? null,
    machineOnline: machine?.online ?? false,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

export function runDto(r: RunRow, agentName: string, issueIdentifier: string | null, agentMachineId: string | null = null, adapterType: AdapterType | null = null): RunDto {
  const ctx = r.contextSnapshot ?? {};
  return {
    ...pick(r, ['id', 'agentId', 'triggerDetail', 'wakeupRequestId', 'issueId', 'processPid', 'processGroupId', 'processStartId', 'processLossRetryCount', 'retryOfRunId']),
    ...pick(r, ['exitCode', 'signal', 'error', 'logBytes', 'logSha256', 'logPruned', 'sessionId']),
    agent: agentName,
    status: r.status as RunDto['status'],
    invocationSource: r.invocationSource as RunDto['invocationSource'],
    issueIdentifier,
    wakeReason: typeof ctx.wakeReason === 'string' ? ctx.wakeReason : null,
    retryReason: typeof ctx.retryReason === 'string' ? ctx.retryReason : null,
    machineId: r.hostId ?? agentMachineId,
    errorCode: (r.errorCode as RunErrorCode | null) ?? null,
    usage: r.usage ?? null,
    lastOutputLine: spokenLine(adapterType, r.lastOutputLine),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export function machineDto(m: MachineRow, state: { online: boolean; self: boolean; agents: number; runningRuns: number }): MachineDto {
  return {
    ...pick(m, ['id', 'name', 'hostInstance', 'leaseMs']),
    startedAt: m.startedAt.toISOString(),
    lastSeenAt: m.lastSeenAt.toISOString(),
    stoppedAt: iso(m.stoppedAt),
    ...state,
  };
}

export function issueDto(i: IssueRow, assigneeName: string | null): IssueDto {
  return {
    ...pick(i, ['id', 'identifier', 'title', 'body', 'assigneeAgentId', 'assigneeUserId', 'checkoutRunId', 'executionRunId']),
    status: i.status as IssueDto['status'],
    priority: i.priority as IssueDto['priority'],
    assigneeAgent: assigneeName,
    startedAt: iso(i.startedAt),
    completedAt: iso(i.completedAt),
    createdAt: i.createdAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
  };
}

export function commentDto(c: CommentRow, authorName: string | null): CommentDto {
  return {
    ...pick(c, ['id', 'issueId', 'authorAgentId', 'runId', 'body']),
    authorType: c.authorType as CommentDto['authorType'],
    authorName,
    createdAt: c.createdAt.toISOString(),
  };
}

export function escalationDto(e: EscalationRow, issue: { identifier: string; title: string }): EscalationDto {
  return {
    ...pick(e, ['id', 'issueId', 'runId', 'message']),
    issueIdentifier: issue.identifier,
    issueTitle: issue.title,
    kind: e.kind as EscalationDto['kind'],
    createdAt: e.createdAt.toISOString(),
    resolvedAt: iso(e.resolvedAt),
  };
}

export function activityDto(a: ActivityRow): ActivityDto {
  return { ...pick(a, ['id', 'action', 'entityType', 'entityId', 'actor']), details: a.details ?? null, createdAt: a.createdAt.toISOString() };
}

export function runEventDto(e: RunEventRow): RunEventDto {
  return { ...pick(e, ['id', 'runId', 'seq', 'type', 'message']), payload: e.payload ?? null, createdAt: e.createdAt.toISOString() };
}
