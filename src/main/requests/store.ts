// Requests as stored state: opened by a run's agent, listed (pending first), answered once,
// expired when nobody answers in time or the run is over. Every change goes through here.
import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { AgentRuleDto, CallParsedInput, RequestDto } from '../../shared/contract';
import { ContractError } from '../../shared/errors';
import { agentPermissionRules, agents, heartbeatRuns, issues, runRequests, type RequestAnswer } from '../db/schema';
import { LIVE_STATUSES } from '../heartbeat/run-state';
import { iso, newId, type Q } from '../context';
import { describeRequest } from './describe';
import { DEFAULT_ANSWER_TIMEOUT_SEC } from './timeout';

type RequestRow = typeof runRequests.$inferSelect;

export interface OpenScope {
  runId: string;
  agentId: string;
  issueId: string | null;
  workspaceId: string;
}

export async function requestDtos(q: Q, rows: RequestRow[]): Promise<RequestDto[]> {
  if (rows.length === 0) return [];
  const agentIds = [...new Set(rows.map((r) => r.agentId))];
  const issueIds = [...new Set(rows.map((r) => r.issueId).filter((i): i is string => i !== null))];
  const names = new Map((await q.select({ id: agents.id, name: agents.name }).from(agents).where(inArray(agents.id, agentIds))).map((a) => [a.id, a.name]));
  const issueRows = issueIds.length
    ? await q.select({ id: issues.id, identifier: issues.identifier, title: issues.title }).from(issues).where(inArray(issues.id, issueIds))
    : [];
  const issueOf = new Map(issueRows.map((i) => [i.id, i]));
  return rows.map((r) => {
    const issue = r.issueId ? issueOf.get(r.issueId) : undefined;
    return {
      id: r.id,
      runId: r.runId,
      agentId: r.agentId,
      agent: names.get(r.agentId) ?? '(removed)',
      issueId: r.issueId,
      issueIdentifier: issue?.identifier ?? null,
      issueTitle: issue?.title ?? null,
      kind: r.kind as RequestDto['kind'],
      tool: r.tool,
      ...describeRequest(r.kind, r.tool, r.input),
      input: r.input,
      status: r.status as RequestDto['status'],
      answer: r.answer ?? null,
      answeredBy: r.answeredBy,
      createdAt: r.createdAt.toISOString(),
      answeredAt: iso(r.answeredAt),
      expiresAt: r.expiresAt.toISOString(),
    };
  });
}

export async function loadRequest(q: Q, id: string): Promise<RequestRow | null> {
  const [row] = await q.select().from(runRequests).where(eq(runRequests.id, id));
  return row ?? null;
}

/** Pending first (oldest first: the longest wait), then the rest newest first. */
export async function listRequests(q: Q, filter: { runId?: string; pendingOnly?: boolean; limit?: number }): Promise<RequestRow[]> {
  const where = and(filter.runId ? eq(runRequests.runId, filter.runId) : undefined, filter.pendingOnly ? eq(runRequests.status, 'pending') : undefined);
  return q
    .select()
    .from(runRequests)
    .where(where)
    .orderBy(sql`case when ${runRequests.status} = 'pending' then 0 else 1 end`, sql`case when ${runRequests.status} = 'pending' then ${runRequests.createdAt} end asc`, desc(runRequests.createdAt))
    .limit(filter.limit ?? 100);
}

/** The rule an "allow always" answer leaves: the tool, and for Bash the exact command. */
function ruleOf(tool: string, input: Record<string, unknown>): { tool: string; command: string | null } {
  return { tool, command: tool === 'Bash' && typeof input.command === 'string' ? input.command : null };
}

async function matchingRule(q: Q, agentId: string, tool: string, input: Record<string, unknown>): Promise<string | null> {
  const rules = await q.select().from(agentPermissionRules).where(and(eq(agentPermissionRules.agentId, agentId), eq(agentPermissionRules.tool, tool)));
  const command = typeof input.command === 'string' ? input.command : null;
  const hit = rules.find((r) => r.command === null || r.command === command);
  return hit?.id ?? null;
}

/**
 * Opens a request for a live run, or returns the one already opened under this key (the agent's
 * `vigil mcp` retries across a host restart). A permission an "allow always" rule covers is
 * stored already allowed, so it is on record but nobody is asked.
 */
export async function openRequest(q: Q, scope: OpenScope, input: CallParsedInput<'requests.open'>): Promise<{ row: RequestRow; created: boolean }> {
  const existing = await loadRequest(q, input.key);
  if (existing) {
    if (existing.runId !== scope.runId) throw new ContractError('conflict', `request ${input.key} belongs to another run`);
    return { row: existing, created: false };
  }
  const [agent] = await q.select().from(agents).where(eq(agents.id, scope.agentId));
  const timeoutSec = agent?.runtimeConfig.answerTimeoutSec ?? DEFAULT_ANSWER_TIMEOUT_SEC;
  const now = new Date();
  const rule = input.kind === 'permission' && input.tool ? await matchingRule(q, scope.agentId, input.tool, input.input) : null;
  const [row] = await q
    .insert(runRequests)
    .values({
      id: input.key,
      workspaceId: scope.workspaceId,
      runId: scope.runId,
      agentId: scope.agentId,
      issueId: scope.issueId,
      kind: input.kind,
      tool: input.tool ?? null,
      toolUseId: input.toolUseId ?? null,
      input: input.input,
      status: rule ? 'allowed' : 'pending',
      answer: rule ? { decision: 'allow_always', message: 'allowed by a rule kept on the agent' } : null,
      answeredBy: rule ? 'rule' : null,
      answeredAt: rule ? now : null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + timeoutSec * 1000),
    })
    .onConflictDoNothing()
    .returning();
  if (!row) return openRequest(q, scope, input); // a retry of the same key raced this one
  return { row, created: true };
}

/** Turns a person's decision into the row's final state; refuses what does not fit the request. */
function settle(row: RequestRow, input: CallParsedInput<'requests.answer'>): { status: string; answer: RequestAnswer } {
  const { decision } = input;
  if (decision === 'deny') {
    const message = input.message ?? (row.kind === 'question' ? 'The person declined to answer.' : 'Denied by the person supervising this run.');
    return { status: 'denied', answer: { decision, message } };
  }
  if (row.kind === 'question') {
    if (decision !== 'answer') throw new ContractError('invalid_input', 'this request is a question: answer it with --text or --option, or --deny', 'decision');
    const { options } = describeRequest(row.kind, row.tool, row.input);
    if (input.option !== undefined) {
      const chosen = options[input.option - 1];
      if (chosen === undefined) {
        throw new ContractError('invalid_input', options.length ? `--option must be from 1 to ${options.length}` : 'this question has no options: answer it with --text', 'option');
      }
      return { status: 'answered', answer: { decision, text: chosen } };
    }
    return { status: 'answered', answer: { decision, text: input.text ?? '' } };
  }
  if (decision === 'answer') throw new ContractError('invalid_input', 'this request asks a permission: --allow, --allow-always or --deny', 'decision');
  return { status: 'allowed', answer: { decision } };
}

export async function answerRequest(q: Q, row: RequestRow, input: CallParsedInput<'requests.answer'>, by: string): Promise<RequestRow> {
  if (row.status !== 'pending') throw new ContractError('conflict', `request ${row.id} is already ${row.status}`);
  const { status, answer } = settle(row, input);
  return q.transaction(async (tx) => {
    const [updated] = await tx
      .update(runRequests)
      .set({ status, answer, answeredBy: by, answeredAt: new Date() })
      .where(and(eq(runRequests.id, row.id), eq(runRequests.status, 'pending')))
      .returning();
    if (!updated) throw new ContractError('conflict', `request ${row.id} was answered meanwhile`);
    if (input.decision === 'allow_always' && row.tool) {
      const rule = ruleOf(row.tool, row.input);
      const same = await tx.select().from(agentPermissionRules).where(and(eq(agentPermissionRules.agentId, row.agentId), eq(agentPermissionRules.tool, rule.tool)));
      if (!same.some((r) => r.command === rule.command)) {
        await tx.insert(agentPermissionRules).values({ id: newId(), agentId: row.agentId, ...rule, fromRequestId: row.id });
      }
    }
    return updated;
  });
}

/** Pending requests past their deadline, or whose run is over: denied, saying why. */
export async function expireDue(q: Q, now = new Date()): Promise<RequestRow[]> {
  const overdue = await q
    .update(runRequests)
    .set({
      status: 'expired',
      answeredBy: 'timeout',
      answeredAt: now,
      answer: sql`jsonb_build_object('decision', 'expired', 'message', 'Nobody answered within ' || (select case when s < 60 then s::text || ' s' else round(s / 60)::text || ' min' end from (select round(extract(epoch from (${runRequests.expiresAt} - ${runRequests.createdAt}))) as s) as d) || ', so Vigil denied it. Do without it, or ask again later.')`,
    })
    .where(and(eq(runRequests.status, 'pending'), lt(runRequests.expiresAt, now)))
    .returning();
  const liveRuns = q.select({ id: heartbeatRuns.id }).from(heartbeatRuns).where(inArray(heartbeatRuns.status, [...LIVE_STATUSES]));
  const orphaned = await q
    .update(runRequests)
    .set({ status: 'expired', answeredBy: 'run_ended', answeredAt: now, answer: { decision: 'expired', message: 'The run ended before anyone answered.' } })
    .where(and(eq(runRequests.status, 'pending'), sql`${runRequests.runId} not in (${liveRuns})`))
    .returning();
  return [...overdue, ...orphaned];
}

export async function listRules(q: Q, agentId?: string): Promise<AgentRuleDto[]> {
  const rows = await q
    .select({ rule: agentPermissionRules, agent: agents.name })
    .from(agentPermissionRules)
    .innerJoin(agents, eq(agents.id, agentPermissionRules.agentId))
    .where(agentId ? eq(agentPermissionRules.agentId, agentId) : undefined)
    .orderBy(asc(agents.name), asc(agentPermissionRules.createdAt));
  return rows.map(({ rule, agent }) => ({ id: rule.id, agentId: rule.agentId, agent, tool: rule.tool, command: rule.command, createdAt: rule.createdAt.toISOString() }));
}

export async function removeRule(q: Q, id: string): Promise<void> {
  const removed = await q.delete(agentPermissionRules).where(eq(agentPermissionRules.id, id)).returning();
  if (removed.length === 0) throw new ContractError('not_found', `no rule ${id}`);
}

