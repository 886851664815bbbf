// The routine verbs of the contract: list, create, pause, resume, remove. Firing is
// src/main/routines (one timer, exactly once per due time).
import { and, asc, eq } from 'drizzle-orm';
import type { CallParsedInput, RoutineDto } from '../../shared/contract';
import { ContractError, notFound } from '../../shared/errors';
import { agents, routines } from '../db/schema';
import { checkCron, CronError, localTimezone, nextDue } from '../routines/cron';
import type { RoutineRow } from '../routines/firing';
import { newId, recordActivity, type ServiceContext } from '../context';
import { requireAgent } from '../views/lookup';

export function routineHandlers(ctx: ServiceContext, onChange: () => void, now: () => Date = () => new Date()) {
  const dtoOf = (r: RoutineRow, agent: string): RoutineDto => ({
    id: r.id,
    agentId: r.agentId,
    agent,
    title: r.title,
    body: r.body,
    cron: r.cron,
    timezone: r.timezone,
    enabled: r.enabled,
    nextDueAt: r.nextDueAt?.toISOString() ?? null,
    lastFiredAt: r.lastFiredAt?.toISOString() ?? null,
    lastIssueId: r.lastIssueId,
    createdAt: r.createdAt.toISOString(),
  });
  const load = async (ref: string) => {
    const rows = await ctx.db
      .select({ routine: routines, agent: agents.name })
      .from(routines)
      .innerJoin(agents, eq(agents.id, routines.agentId))
      .where(and(eq(routines.workspaceId, ctx.workspaceId), eq(routines.id, ref)));
    if (!rows[0]) throw notFound('routine', ref);
    return rows[0];
  };
  const setEnabled = async (ref: string, enabled: boolean) => {
    const { routine } = await load(ref);
    // Resumed: the next due time from now, never a backlog of the paused ones.
    const nextDueAt = enabled ? nextDue(routine.cron, routine.timezone, now()) : null;
    await ctx.db.update(routines).set({ enabled, nextDueAt, updatedAt: new Date() }).where(eq(routines.id, routine.id));
    await recordActivity(ctx.db, ctx.workspaceId, { actor: 'user', action: enabled ? 'routine.resumed' : 'routine.paused', entityType: 'agent', entityId: routine.agentId, details: { routineId: routine.id } });
    onChange();
    const after = await load(routine.id);
    return dtoOf(after.routine, after.agent);
  };

  return {
    'routines.list': async (input: CallParsedInput<'routines.list'>) => {
      const agentId = input.agent ? (await requireAgent(ctx.db, ctx.workspaceId, input.agent)).id : null;
      const rows = await ctx.db
        .select({ routine: routines, agent: agents.name })
        .from(routines)
        .innerJoin(agents, eq(agents.id, routines.agentId))
        .where(and(eq(routines.workspaceId, ctx.workspaceId), agentId ? eq(routines.agentId, agentId) : undefined))
        .orderBy(asc(agents.name), asc(routines.createdAt));
      return rows.map((r) => dtoOf(r.routine, r.agent));
    },
    'routines.create': async (input: CallParsedInput<'routines.create'>) => {
      const agent = await requireAgent(ctx.db, ctx.workspaceId, input.agent);
      const timezone = input.timezone ?? localTimezone();
      try {
        checkCron(input.cron, timezone);
      } catch (err) {
        if (err instanceof CronError) throw new ContractError('invalid_input', err.message, err.message.startsWith('unknown time zone') ? 'timezone' : 'cron');
        throw err;
      }
      const next = nextDue(input.cron, timezone, now());
      if (!next) throw new ContractError('invalid_input', `"${input.cron}" never fires again`, 'cron');
      const id = newId();
      await ctx.db.insert(routines).values({ id, workspaceId: ctx.workspaceId, agentId: agent.id, title: input.title, body: input.body ?? '', cron: input.cron, timezone, nextDueAt: next });
      await recordActivity(ctx.db, ctx.workspaceId, { actor: 'user', action: 'routine.created', entityType: 'agent', entityId: agent.id, details: { routineId: id, cron: input.cron, timezone } });
      onChange();
      const made = await load(id);
      return dtoOf(made.routine, made.agent);
    },
    'routines.pause': async (input: CallParsedInput<'routines.pause'>) => setEnabled(input.routine, false),
    'routines.resume': async (input: CallParsedInput<'routines.resume'>) => setEnabled(input.routine, true),
    'routines.remove': async (input: CallParsedInput<'routines.remove'>) => {
      const { routine } = await load(input.routine);
      await ctx.db.delete(routines).where(eq(routines.id, routine.id));
      await recordActivity(ctx.db, ctx.workspaceId, { actor: 'user', action: 'routine.removed', entityType: 'agent', entityId: routine.agentId, details: { routineId: routine.id } });
      onChange();
      return { id: routine.id };
    },
  };
}
