// The run verbs of the contract: list (keyset pages, fast at 100,000 runs), detail with the
// retry chain, cancel, and ranged log reads.
import { and, asc, eq, getTableColumns, lt, or, sql, type SQL } from 'drizzle-orm';
import { calls, type CallParsedInput, type LogChunkDto, type RunDetailDto, type RunDto } from '../../shared/contract';
import { isLiveStatus, RUN_ERROR_EXPLANATIONS, type AdapterType, type RunErrorCode } from '../../shared/domain';
import { classifyStartFailure, startFailureMessage } from './start-failure';
import { ContractError } from '../../shared/errors';
import { agents, heartbeatRunEvents, heartbeatRuns, issues } from '../db/schema';
import type { HeartbeatEngine } from '../heartbeat/engine';
import type { RunLogStore } from '../../node/logs/run-log';
import type { ServiceContext } from '../context';
import { runDto, runEventDto, type RunRow } from '../views/dto';
import { RunTotals } from './run-totals';
import { loadRunDto, requireAgent, requireIssue, requireRun, runDtos } from '../views/lookup';
import { loadMachines, offlineWords, type MachineWithState } from './machines';

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

/**
 * A listed run's columns: all but the two that can be large (the context snapshot holds the
 * prompt's inputs, pending input the comments that arrived), of which a list shows only the
 * wake and retry reasons.
 */
const { contextSnapshot: _snapshot, pendingInput: _pending, ...listedColumns } = getTableColumns(heartbeatRuns);
const listedReasons = {
  wakeReason: sql<string | null>`${heartbeatRuns.contextSnapshot}->>'wakeReason'`,
  retryReason: sql<string | null>`${heartbeatRuns.contextSnapshot}->>'retryReason'`,
};

export function runHandlers(ctx: ServiceContext, engine: HeartbeatEngine, logs: RunLogStore) {
  const totals = new RunTotals(ctx.db, ctx.events, ctx.exclusiveWriter ?? false);
  const handlers = {
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
        .select({ run: listedColumns, reasons: listedReasons, cursorAt: cursorAtOf, agentName: agents.name, agentMachineId: agents.machineId, agentAdapter: agents.adapterType, issueIdentifier: issues.identifier })
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
        items: items.map((r) => {
          const contextSnapshot = { wakeReason: r.reasons.wakeReason ?? undefined, retryReason: r.reasons.retryReason ?? undefined };
          const run: RunRow = { ...r.run, contextSnapshot, pendingInput: [] };
          return runDto(run, r.agentName ?? '(removed)', r.run.issueId ? (r.issueIdentifier ?? null) : null, r.agentMachineId ?? null, (r.agentAdapter as AdapterType | null) ?? null);
        }),
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
      const [agent] = await ctx.db.select({ adapterType: agents.adapterType }).from(agents).where(eq(agents.id, run.agentId));
      return {
        ...dto,
        adapterType: (agent?.adapterType as RunDetailDto['adapterType']) ?? null,
        retryOf: retryOf.length ? rest[0] : null,
        retriedBy: rest.slice(retryOf.length),
        events: events.map(runEventDto),
        errorExplanation: explainError(run),
      };
    },

    'runs.cancel': async (input: CallParsedInput<'runs.cancel'>): Promise<RunDto> => {
      const run = await requireRun(ctx.db, input.run);
      const owner = await ownerOf(ctx, run);
      if (!owner) return engine.cancelRun(run.id, 'cancelled');
      if (owner.online) return (await remote(ctx).ask(owner.id, 'run.cancel', { runId: run.id })) as RunDto;
      return cancelOnOfflineMachine(ctx, engine, run, owner);
    },

    'runs.log': async (input: CallParsedInput<'runs.log'>): Promise<LogChunkDto> => {
      const run = await requireRun(ctx.db, input.run);
      // A log stays with the machine that ran it: another machine's is read through its host.
      if (run.hostId && run.hostId !== ctx.machineId) {
        const [owner] = await loadMachines(ctx.db, [run.hostId]);
        if (!owner?.online) {
          throw new ContractError(
            'machine_offline',
            `the log of run ${run.id} is kept on ${owner ? offlineWords(owner) : `machine "${run.hostId}", which is not known here`}: it can be read once that machine is back`,
          );
        }
        return (await remote(ctx).ask(owner.id, 'run.log', input, 15_000)) as LogChunkDto;
      }
      return readLocalLog(run, input);
    },
  };

  async function readLocalLog(run: RunRow, input: CallParsedInput<'runs.log'>): Promise<LogChunkDto> {
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
      live: engine.holds(run.id),
      pruned: run.logPruned,
    };
  }

  return {
    handlers,
    /** What this host does when another machine asks (team mode). */
    requestHandlers: {
      'run.cancel': async (payload: Record<string, unknown>) => engine.cancelRun(String(payload.runId), 'cancelled'),
      'run.log': async (payload: Record<string, unknown>) => {
        const input = calls['runs.log'].input.parse(payload);
        return readLocalLog(await requireRun(ctx.db, input.run), input);
      },
    },
  };
}

/** Why the run ended, in words; a run whose agent never started says what it said and what to do. */
function explainError(run: RunRow): string | null {
  if (!run.errorCode) return null;
  const cannotStart = classifyStartFailure(run);
  return cannotStart ? startFailureMessage(cannotStart, null) : (RUN_ERROR_EXPLANATIONS[run.errorCode as RunErrorCode] ?? null);
}

const remote = (ctx: ServiceContext) => {
  if (!ctx.remote) throw new ContractError('internal', 'this run belongs to another machine, but this host has no team connection');
  return ctx.remote;
};

/**
 * The machine whose host must act on a run: the one running it, else (queued) its agent's.
 * Null when that is this host.
 */
async function ownerOf(ctx: ServiceContext, run: RunRow): Promise<MachineWithState | null> {
  let machineId = run.hostId;
  if (!machineId || run.status === 'queued') {
    const [agent] = await ctx.db.select({ machineId: agents.machineId }).from(agents).where(eq(agents.id, run.agentId));
    machineId = run.status === 'queued' ? (agent?.machineId ?? machineId) : machineId;
  }
  if (!machineId || machineId === ctx.machineId) return null;
  const [owner] = await loadMachines(ctx.db, [machineId]);
  return owner ?? { id: machineId, name: machineId, online: false } as MachineWithState;
}

/**
 * Nobody can stop a process on a machine that is offline. A queued run simply ends here; a
 * running one is ended as abandoned, saying its process may still run there (that machine's
 * recovery stops what is left of it when it comes back).
 */
async function cancelOnOfflineMachine(ctx: ServiceContext, engine: HeartbeatEngine, run: RunRow, owner: MachineWithState): Promise<RunDto> {
  if (run.status === 'queued') return engine.cancelRun(run.id, 'cancelled');
  if (!isLiveStatus(run.status)) throw new ContractError('conflict', `run ${run.id} already ended (${run.status})`);
  const where = owner.lastSeenAt ? offlineWords(owner) : `machine "${owner.name}" is not known here`;
  await engine.finishRun(run, {
    status: 'cancelled',
    errorCode: 'abandoned',
    error: `Cancelled by a person while ${where}; its process may still be running there until that machine's Vigil comes back and stops it.`,
    exitCode: null,
    signal: null,
  });
  return loadRunDto(ctx.db, run.id);
}
