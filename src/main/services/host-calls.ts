// Host-wide verbs: status, escalations, activity.
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { CallParsedInput, HostStatusDto } from '../../shared/contract';
import { activityLog, agents, escalations, heartbeatRuns, issues } from '../db/schema';
import type { HeartbeatEngine } from '../heartbeat/engine';
import type { HostInfo } from '../host-types';
import type { ServiceContext } from '../context';
import { activityDto } from '../views/dto';
import { listEscalations, resolveEscalation } from './escalations';
import { loadIssueDto } from '../views/lookup';

export function hostHandlers(ctx: ServiceContext, engine: HeartbeatEngine, info: HostInfo, globalMax: number) {
  const count = async (table: typeof agents | typeof heartbeatRuns | typeof issues, where: ReturnType<typeof and>) =>
    Number((await ctx.db.select({ n: sql<number>`count(*)::int` }).from(table).where(where))[0].n);

  return {
    'host.status': async (): Promise<HostStatusDto> => ({
      version: info.version,
      pid: info.pid,
      hostId: info.hostId,
      machineName: info.machineName,
      dataDir: info.dataDir,
      database: info.databaseKind,
      startedAt: info.startedAt,
      globalMaxConcurrentRuns: globalMax,
      agents: {
        total: await count(agents, eq(agents.workspaceId, ctx.workspaceId)),
        paused: await count(agents, and(eq(agents.workspaceId, ctx.workspaceId), eq(agents.status, 'paused'))),
        running: await count(agents, and(eq(agents.workspaceId, ctx.workspaceId), eq(agents.status, 'running'))),
      },
      runs: {
        queued: await count(heartbeatRuns, eq(heartbeatRuns.status, 'queued')),
        running: await count(heartbeatRuns, eq(heartbeatRuns.status, 'running')),
        detached: await count(heartbeatRuns, and(eq(heartbeatRuns.status, 'running'), eq(heartbeatRuns.errorCode, 'process_detached'))),
      },
      issues: {
        open: await count(issues, and(eq(issues.workspaceId, ctx.workspaceId), sql`${issues.status} not in ('done', 'cancelled')`)),
        blocked: await count(issues, and(eq(issues.workspaceId, ctx.workspaceId), eq(issues.status, 'blocked'))),
      },
      openEscalations: Number((await ctx.db.select({ n: sql<number>`count(*)::int` }).from(escalations).where(isNull(escalations.resolvedAt)))[0].n),
      notices: info.notices,
    }),

    'escalations.list': async (input: CallParsedInput<'escalations.list'>) => listEscalations(ctx.db, input.open ?? true),

    'escalations.retry': async (input: CallParsedInput<'escalations.retry'>) => {
      const dto = await resolveEscalation(ctx, input.escalation, 'retried');
      const [issue] = await ctx.db
        .update(issues)
        .set({ status: 'todo', updatedAt: new Date() })
        .where(and(eq(issues.id, dto.issueId), eq(issues.status, 'blocked')))
        .returning();
      if (issue) {
        ctx.events.emit('issue.updated', await loadIssueDto(ctx.db, issue.id));
        if (issue.assigneeAgentId) {
          await engine.wake(issue.assigneeAgentId, { source: 'on_demand', reason: 'escalation_retry', triggerDetail: 'user', issueId: issue.id });
        }
      }
      return dto;
    },

    'escalations.dismiss': async (input: CallParsedInput<'escalations.dismiss'>) => resolveEscalation(ctx, input.escalation, 'dismissed'),

    'activity.list': async (input: CallParsedInput<'activity.list'>) => {
      const rows = await ctx.db
        .select()
        .from(activityLog)
        .where(input.entityId ? eq(activityLog.entityId, input.entityId) : undefined)
        .orderBy(desc(activityLog.createdAt))
        .limit(input.limit ?? 100);
      return rows.map(activityDto);
    },
  };
}
