// The run verbs of the contract: list (keyset pages, fast at 100,000 runs), detail with the
// retry chain, cancel, and ranged log reads.
import { and, asc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import type { CallParsedInput, RunDetailDto } from '../../shared/contract';
import { RUN_ERROR_EXPLANATIONS, type RunErrorCode } from '../../shared/domain';
import { ContractError } from '../../shared/errors';
import { agents, heartbeatRunEvents, heartbeatRuns } from '../db/schema';
import type { HeartbeatEngine } from '../heartbeat/engine';
import type { RunLogStore } from '../logs/run-log';
import type { ServiceContext } from './context';
import { runEventDto } from './dto';
import { requireAgent, requireIssue, requireRun, runDtos } from './lookup';

const MAX_LOG_READ = 1 << 20;

function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const date = new Date(at ?? '');
  if (!id || Number.isNaN(date.getTime())) throw new ContractError('invalid_input', 'runs.list: cursor is not one this host gave out', 'cursor');
  return { at: date, id };
}

export function runHandlers(ctx: ServiceContext, engine: HeartbeatEngine, logs: RunLogStore) {
  return {
    'runs.list': async (input: CallParsedInput<'runs.list'>) => {
      const limit = input.limit ?? 50;
      const where: SQL[] = [eq(heartbeatRuns.workspaceId, ctx.workspaceId)];
      if (input.agent) where.push(eq(heartbeatRuns.agentId, (await requireAgent(ctx.db, ctx.workspaceId, input.agent)).id));
      if (input.status) where.push(eq(heartbeatRuns.status, input.status));
      if (input.issue) where.push(eq(heartbeatRuns.issueId, (await requireIssue(ctx.db, input.issue)).id));
      const [{ total }] = await ctx.db.select({ total: sql<number>`count(*)::int` }).from(heartbeatRuns).where(and(...where));
      const page: SQL[] = [];
      if (input.cursor) {
        const c = decodeCursor(input.cursor);
        page.push(or(lt(heartbeatRuns.createdAt, c.at), and(eq(heartbeatRuns.createdAt, c.at), lt(heartbeatRuns.id, c.id)))!);
      }
      const rows = await ctx.db
        .select()
        .from(heartbeatRuns)
        .where(and(...where, ...page))
        // Spelled like the index (desc nulls last), or PostgreSQL sorts the whole table per page.
        .orderBy(sql`${heartbeatRuns.createdAt} desc nulls last`, sql`${heartbeatRuns.id} desc nulls last`)
        .limit(limit + 1);
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: await runDtos(ctx.db, items),
        nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
        total: Number(total),
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
      const [agent] = await ctx.db.select({ adapterType: agents.adapterType }).from(agents).where(eq(agents.id, run.agentId));
      return {
        ...dto,
        adapterType: (agent?.adapterType as RunDetailDto['adapterType']) ?? null,
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
