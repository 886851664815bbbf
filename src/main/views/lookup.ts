// Resolving references (id, name, identifier) and loading DTOs with the names they show.
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { AgentDto, IssueDto, RunDto } from '../../shared/contract';
import type { AdapterType } from '../../shared/domain';
import { notFound } from '../../shared/errors';
import { agentRuntimeState, agents, heartbeatRuns, issues } from '../db/schema';
import type { Q } from '../context';
import { machineStates } from './machines';
import { resolveAgentId, resolveIssueId, resolveRunId, UUID_RE } from './resolve';
import { agentDto, issueDto, runDto, type AgentRow, type IssueRow, type RunRow } from './dto';

/** The row of a resolved id, or null when the reference named nothing. */
async function rowOf<Row>(id: string | null, load: (id: string) => Promise<Row[]>): Promise<Row | null> {
  return id ? ((await load(id))[0] ?? null) : null;
}

/** The row, or the not-found error that names the reference. */
function found<Row>(row: Row | null, what: 'agent' | 'issue' | 'run', ref: string): Row {
  if (!row) throw notFound(what, ref);
  return row;
}

export async function findAgent(q: Q, workspaceId: string, ref: string): Promise<AgentRow | null> {
  // Its name in the workspace or its full id, in one statement (every wake resolves its agent,
  // so a statement here is one on the way to every run's start); the name wins, as in
  // resolveAgentId. Only a prefix needs the resolver's own lookups.
  const byId = UUID_RE.test(ref) ? ref.toLowerCase() : null;
  const rows = await q
    .select()
    .from(agents)
    .where(byId ? or(and(eq(agents.workspaceId, workspaceId), eq(agents.name, ref)), eq(agents.id, byId)) : and(eq(agents.workspaceId, workspaceId), eq(agents.name, ref)));
  const named = rows.find((r) => r.workspaceId === workspaceId && r.name === ref) ?? rows[0];
  if (named || byId) return named ?? null;
  return rowOf(await resolveAgentId(q, workspaceId, ref), (id) => q.select().from(agents).where(eq(agents.id, id)));
}
export const requireAgent = async (q: Q, workspaceId: string, ref: string): Promise<AgentRow> => found(await findAgent(q, workspaceId, ref), 'agent', ref);

export async function findIssue(q: Q, ref: string): Promise<IssueRow | null> {
  return rowOf(await resolveIssueId(q, ref), (id) => q.select().from(issues).where(eq(issues.id, id)));
}
export const requireIssue = async (q: Q, ref: string): Promise<IssueRow> => found(await findIssue(q, ref), 'issue', ref);

export async function findRun(q: Q, ref: string): Promise<RunRow | null> {
  return rowOf(await resolveRunId(q, ref), (id) => q.select().from(heartbeatRuns).where(eq(heartbeatRuns.id, id)));
}
export const requireRun = async (q: Q, ref: string): Promise<RunRow> => found(await findRun(q, ref), 'run', ref);

/** What a run's DTO shows of its agent. */
export type RunAgent = Pick<AgentRow, 'id' | 'name' | 'machineId' | 'adapterType'>;

/**
 * Runs -> DTOs with their agent names and issue identifiers, in two small lookups. `known`:
 * agents the caller holds already (a run starting or just queued), not looked up again.
 */
export async function runDtos(q: Q, rows: RunRow[], known: RunAgent[] = []): Promise<RunDto[]> {
  if (rows.length === 0) return [];
  const agentRows = new Map<string, RunAgent>(known.map((a) => [a.id, a]));
  const agentIds = [...new Set(rows.map((r) => r.agentId))].filter((id) => !agentRows.has(id));
  const issueIds = [...new Set(rows.map((r) => r.issueId).filter((x): x is string => !!x))];
  if (agentIds.length > 0) {
    const found = await q.select({ id: agents.id, name: agents.name, machineId: agents.machineId, adapterType: agents.adapterType }).from(agents).where(inArray(agents.id, agentIds));
    for (const a of found) agentRows.set(a.id, a);
  }
  const idents = new Map(
    issueIds.length
      ? (await q.select({ id: issues.id, identifier: issues.identifier }).from(issues).where(inArray(issues.id, issueIds))).map((i) => [
          i.id,
          i.identifier,
        ])
      : [],
  );
  return rows.map((r) =>
    runDto(r, agentRows.get(r.agentId)?.name ?? '(removed)', r.issueId ? (idents.get(r.issueId) ?? null) : null, agentRows.get(r.agentId)?.machineId ?? null, (agentRows.get(r.agentId)?.adapterType as AdapterType | undefined) ?? null),
  );
}

/** The runs of these ids as DTOs, in the order given (ids no run has are left out). */
export async function loadRunDtos(q: Q, ids: string[], known: RunAgent[] = []): Promise<RunDto[]> {
  if (ids.length === 0) return [];
  const rows = new Map((await q.select().from(heartbeatRuns).where(inArray(heartbeatRuns.id, ids))).map((r) => [r.id, r]));
  return runDtos(
    q,
    ids.map((id) => rows.get(id)).filter((r): r is RunRow => !!r),
    known,
  );
}

export async function loadRunDto(q: Q, id: string): Promise<RunDto> {
  const [dto] = await runDtos(q, [await requireRun(q, id)]);
  return dto;
}

export async function issueDtos(q: Q, rows: IssueRow[]): Promise<IssueDto[]> {
  const agentIds = [...new Set(rows.map((r) => r.assigneeAgentId).filter((x): x is string => !!x))];
  const names = new Map(
    agentIds.length
      ? (await q.select({ id: agents.id, name: agents.name }).from(agents).where(inArray(agents.id, agentIds))).map((a) => [a.id, a.name])
      : [],
  );
  return rows.map((r) => issueDto(r, r.assigneeAgentId ? (names.get(r.assigneeAgentId) ?? null) : null));
}

export async function loadIssueDto(q: Q, id: string): Promise<IssueDto> {
  const [dto] = await issueDtos(q, [await requireIssue(q, id)]);
  return dto;
}

export async function agentDtos(q: Q, rows: AgentRow[]): Promise<AgentDto[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const runtime = new Map((await q.select().from(agentRuntimeState).where(inArray(agentRuntimeState.agentId, ids))).map((r) => [r.agentId, r]));
  const running = new Map(
    (
      await q
        .select({ agentId: heartbeatRuns.agentId, n: sql<number>`count(*)::int` })
        .from(heartbeatRuns)
        .where(and(inArray(heartbeatRuns.agentId, ids), eq(heartbeatRuns.status, 'running')))
        .groupBy(heartbeatRuns.agentId)
    ).map((r) => [r.agentId, Number(r.n)]),
  );
  const machines = await machineStates(q, rows.map((r) => r.machineId));
  return rows.map((r) => agentDto(r, runtime.get(r.id) ?? null, running.get(r.id) ?? 0, r.machineId ? (machines.get(r.machineId) ?? null) : null));
}

export async function loadAgentDto(q: Q, id: string): Promise<AgentDto> {
  const rows = await q.select().from(agents).where(eq(agents.id, id));
  if (!rows[0]) throw notFound('agent', id);
  const [dto] = await agentDtos(q, rows);
  return dto;
}
