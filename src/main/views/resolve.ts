// One resolver for every id a person can type: the full id, a unique prefix of 4+ characters
// (the UI shows 8), VIG-n for an issue and for an issue's escalation. Every verb resolves
// through here, so the CLI, the browser and an agent's call accept the same references.
import { and, desc, eq, isNull, like, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { ISSUE_IDENTIFIER_RE } from '../../shared/domain';
import { ContractError, notFound } from '../../shared/errors';
import { agents, escalations, heartbeatRuns, issues, issueWorkspaces } from '../db/schema';
import type { Q } from '../context';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A prefix of an id as the UI shows it: hex digits (and dashes), at least 4 characters. */
const PREFIX_RE = /^[0-9a-f][0-9a-f-]{3,35}$/i;
export const MIN_PREFIX = 4;
/** How many candidates an ambiguous prefix lists. */
const CANDIDATES = 5;

export const isIdPrefix = (ref: string) => PREFIX_RE.test(ref);

/**
 * The ids starting with `ref` (or equal to it), at most CANDIDATES + 1 of them, so a caller
 * can tell "one", "none" and "ambiguous" apart without counting the table.
 */
async function idsLike(q: Q, table: PgTable, column: PgColumn, ref: string, scope?: SQL): Promise<string[]> {
  if (UUID_RE.test(ref)) {
    const rows = await q.select({ id: column }).from(table).where(scope ? and(eq(column, ref.toLowerCase()), scope) : eq(column, ref.toLowerCase()));
    return rows.map((r) => String(r.id));
  }
  if (!isIdPrefix(ref)) return [];
  const pattern = `${ref.toLowerCase().replace(/[%_\\]/g, '')}%`;
  const rows = await q
    .select({ id: column })
    .from(table)
    .where(scope ? and(like(column, pattern), scope) : like(column, pattern))
    .limit(CANDIDATES + 1);
  return rows.map((r) => String(r.id));
}

/** One id for `ref`, null when none matches; throws `conflict` naming the candidates when several do. */
async function uniqueId(q: Q, what: string, table: PgTable, column: PgColumn, ref: string, scope?: SQL): Promise<string | null> {
  const ids = await idsLike(q, table, column, ref, scope);
  if (ids.length <= 1) return ids[0] ?? null;
  throw ambiguous(what, ref, ids);
}

export function ambiguous(what: string, ref: string, ids: string[]): ContractError {
  // As long as it takes to tell them apart (at least 13 characters: 8, a dash, 4).
  const listed = [...ids].sort().slice(0, CANDIDATES);
  let common = 0;
  while (listed.every((id) => id[common] !== undefined && id[common] === listed[0][common])) common++;
  const shown = listed.map((id) => id.slice(0, Math.max(13, common + 1)));
  const more = ids.length > CANDIDATES ? ', and more' : '';
  return new ContractError('conflict', `"${ref}" matches more than one ${what}: ${shown.join(', ')}${more}. Give more characters of the id.`);
}

export const resolveRunId = (q: Q, ref: string) => uniqueId(q, 'run', heartbeatRuns, heartbeatRuns.id, ref);

/** An agent by its name in the workspace first (names are what people type), then by id or prefix. */
export async function resolveAgentId(q: Q, workspaceId: string, ref: string): Promise<string | null> {
  const byName = await q
    .select({ id: agents.id })
    .from(agents)
    .where(and(eq(agents.workspaceId, workspaceId), eq(agents.name, ref)));
  if (byName[0]) return byName[0].id;
  return uniqueId(q, 'agent', agents, agents.id, ref);
}

/** An issue by VIG-n, its id or prefix, or the id (prefix) of one of its worktrees. */
export async function resolveIssueId(q: Q, ref: string): Promise<string | null> {
  const upper = ref.toUpperCase();
  if (ISSUE_IDENTIFIER_RE.test(upper)) {
    const rows = await q.select({ id: issues.id }).from(issues).where(eq(issues.identifier, upper));
    return rows[0]?.id ?? null;
  }
  const issueId = await uniqueId(q, 'issue', issues, issues.id, ref);
  if (issueId) return issueId;
  const workspaceId = await uniqueId(q, 'worktree', issueWorkspaces, issueWorkspaces.id, ref);
  if (!workspaceId) return null;
  const [ws] = await q.select({ issueId: issueWorkspaces.issueId }).from(issueWorkspaces).where(eq(issueWorkspaces.id, workspaceId));
  return ws?.issueId ?? null;
}

/**
 * An escalation by its id or prefix, or by its issue (VIG-n): the issue's open escalation, else
 * its latest one.
 */
export async function resolveEscalationId(q: Q, ref: string): Promise<string | null> {
  if (ISSUE_IDENTIFIER_RE.test(ref.toUpperCase())) {
    const issueId = await resolveIssueId(q, ref);
    if (!issueId) return null;
    const open = await q
      .select({ id: escalations.id })
      .from(escalations)
      .where(and(eq(escalations.issueId, issueId), isNull(escalations.resolvedAt)))
      .orderBy(desc(escalations.createdAt))
      .limit(1);
    if (open[0]) return open[0].id;
    const latest = await q.select({ id: escalations.id }).from(escalations).where(eq(escalations.issueId, issueId)).orderBy(desc(escalations.createdAt)).limit(1);
    return latest[0]?.id ?? null;
  }
  return uniqueId(q, 'escalation', escalations, escalations.id, ref);
}

export async function requireEscalationId(q: Q, ref: string): Promise<string> {
  const id = await resolveEscalationId(q, ref);
  if (!id) throw notFound('escalation', ref);
  return id;
}
