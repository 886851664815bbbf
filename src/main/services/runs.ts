// The run verbs of the contract: list (keyset pages, fast at 100,000 runs), detail with the
// retry chain, cancel, and ranged log reads.
import { and, asc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import type { CallParsedInput, RunDetailDto } from '../../shared/contract';
import { RUN_ERROR_EXPLANATIONS, type RunErrorCode } from '../../shared/domain';
import { ContractError } from '../../shared/errors';
import { agents, heartbeatRunEvents, heartbeatRuns, issues } from '../db/schema';
import type { HeartbeatEngine } from '../heartbeat/engine';
import type { RunLogStore } from '../logs/run-log';
import type { ServiceContext } from './context';
import { runDto, runEventDto } from './dto';
import { RunTotals } from './run-totals';
import { requireAgent, requireIssue, requireRun, runDtos } from './lookup';

const MAX_LOG_READ = 1 << 20;

// A cursor is the last row's (created_at, id) at the database's full microsecond precision: a
// JavaScript Date keeps milliseconds only, and runs made by one statement (recovery's retries)
// share one created_at, so a truncated cursor would skip the rest of them.
const CURSOR_AT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(`${createdAt}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: string; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!id || !CURSOR_AT_RE.test(at ?? '') || Number.isNaN(Date.parse(at))) {
    throw new ContractError('invalid_input', 'runs.list: cursor is not one this host gave out', 'cursor');
  }
  return { at, id };
}

/** created_at as the cursor spells it: UTC, microseconds, whatever the session's time zone. */
const cursorAtOf = sql<string>`to_char(${heartbeatRuns.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export function runHandlers(ctx: ServiceContext, engine: HeartbeatEngine, logs: RunLogStore) {
  const totals = new RunTotals(ctx.db, ctx.events, ctx.exclusiveWriter ?? false);
  return {
    'runs.list': async (input: CallParsedInput<'runs.list'>) => {
      const limit = input.limit ?? 50;
      const where: SQL[] = [eq(heartbeatRuns.workspaceId, ctx.workspaceId)];
      const agent = input.agent ? await requireAgent(ctx.db, ctx.workspaceId, input.agent) : null;
      if (agent) where.push(eq(heartbeatRuns.agentId, agent.id));
      if (input.status) where.push(eq(heartbeatRuns.status, input.status));
      if (input.issue) where.push(eq(heartbeatRuns.issueId, (await requireIssue(ctx.db, input.issue)).id));
      // Kept counts only for filters whose matches change by new rows alone (see run-totals.ts).
      const total = await totals.count(where, input.status || input.issue ? null : `agent:${agent?.id ?? ''}`);
      const page: SQL[] = [];
      if (input.cursor) {
        const c = decodeCursor(input.cursor);
        const at = sql`${c.at}::timestamptz`;
        page.push(or(sql`${heartbeatRuns.createdAt} < ${at}`, and(sql`${heartbeatRuns.createdAt} = ${at}`, lt(heartbeatRuns.id, c.id)))!);
      }
      // One statement: the page walks the created_at index, each row joins its agent's name and
      // its issue's identifier by primary key.
      const rows = await ctx.db
        .select({ run: heartbeatRuns, cursorAt: cursorAtOf, agentName: agents.name, issueIdentifier: issues.identifier })
        .from(heartbeatRuns)
        .leftJoin(agents, eq(agents.id, heartbeatRuns.agentId))
        .leftJoin(issues, eq(issues.id, heartbeatRuns.issueId))
        .where(and(...where, ...page))
        // Spelled like the index (desc nulls last), or PostgreSQL sorts the whole table per page.
        .orderBy(sql`${heartbeatRuns.createdAt} desc nulls last`, sql`${heartbeatRuns.id} desc nulls last`)
        .limit(limit + 1);
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map((r) => runDto(r.run, r.agentName ?? '(removed)', r.run.issueId ? (r.issueIdentifier ?? null) : null)),
        nextCursor: rows.length > limit && last ? encodeCursor(last.cursorAt, last.run.id) : null,
        total,
      };
    },

    'runs.get': async (input: CallParsedInput<'runs.get'>): Promise<RunDetailDto> => {
      const run = await requireRun(ctx.db, input.run);
      const retryOf = run.retryOfRunId ? await ctx.db.select().from(heartbeatRuns).where(eq(heartbeatRuns.id, run.retryOfRunId)) : [];
      const retriedBy = await ctx.db.select().from(heartbeatRuns).where(eq(heartbeatRuns.retryOfRunId, run.id)).orderBy(asc(heartbeatRuns.createdAt));
      const events = await ctx.db
        .select()
        .from(heartbeatRunEvents)
        .where(eq(heartbeatRunEvents.runId, run.id))
        .orderBy(asc(heartbeatRunEvents.seq))
        .limit(1000);
      const [dto, ...rest] = await runDtos(ctx.db, [run, ...retryOf, ...retriedBy]);
      return {
        ...dto,
        retryOf: retryOf.length ? rest[0] : null,
        retriedBy: rest.slice(retryOf.length),
        events: events.map(runEventDto),
        errorExplanation: run.errorCode ? (RUN_ERROR_EXPLANATIONS[run.errorCode as RunErrorCode] ?? null) : null,
      };
    },

    'runs.cancel': async (input: CallParsedInput<'runs.cancel'>) => {
      await requireRun(ctx.db, input.run);
      return engine.cancelRun(input.run, 'cancelled');
    },

    'runs.log': async (input: CallParsedInput<'runs.log'>) => {
      const run = await requireRun(ctx.db, input.run);
      const slice = await logs.read(run.id, {
        offset: input.tail === undefined ? (input.offset ?? 0) : undefined,
        length: Math.min(input.length ?? MAX_LOG_READ, MAX_LOG_READ),
        tail: input.tail,
      });
      return {
        runId: run.id,
        offset: slice.offset,
        data: slice.data.toString('base64'),
        totalBytes: slice.totalBytes,
        live: engine.isLive(run.id),
        pruned: run.logPruned,
      };
    },
  };
}
