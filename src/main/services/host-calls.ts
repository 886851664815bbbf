// Host-wide verbs: status, escalations, activity.
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { CallParsedInput, HostStatusDto } from '../../shared/contract';
import { activityLog, agents, escalations, heartbeatRuns, issues } from '../db/schema';
import type { HeartbeatEngine } from '../heartbeat/engine';
import type { HostInfo } from '../host-types';
import type { ServiceContext } from '../context';
import { activityDto } from '../views/dto';
import { listEscalations, resolveEscalation } from './escalations';
import { loadIssueDto } from '../views/lookup';

export function hostHandlers(ctx: ServiceContext, engine: HeartbeatEngine, info: HostInfo, globalMax: number) {
  /** count(*) of the rows matching `where`, as one aggregate of a wider select. */
  const counted = (where: ReturnType<typeof and>) => sql<number>`(count(*) filter (where ${where}))::int`;

  return {
    // One statement per table (the CLI's `vigil status` waits for this answer).
    'host.status': async (): Promise<HostStatusDto> => {
      const [agentCounts] = await ctx.db
        .select({ total: sql<number>`count(*)::int`, paused: counted(eq(agents.status, 'paused')), running: counted(eq(agents.status, 'running')) })
        .from(agents)
        .where(eq(agents.workspaceId, ctx.workspaceId));
      const [runCounts] = await ctx.db
        .select({
          queued: counted(eq(heartbeatRuns.status, 'queued')),
          running: counted(eq(heartbeatRuns.status, 'running')),
          detached: counted(and(eq(heartbeatRuns.status, 'running'), eq(heartbeatRuns.errorCode, 'process_detached'))),
        })
        .from(heartbeatRuns)
        .where(inArray(heartbeatRuns.status, ['queued', 'running']));
      const [issueCounts] = await ctx.db
        .select({ open: counted(sql`${issues.status} not in ('done', 'cancelled')`), blocked: counted(eq(issues.status, 'blocked')) })
        .from(issues)
        .where(eq(issues.workspaceId, ctx.workspaceId));
      const [open] = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(escalations).where(isNull(escalations.resolvedAt));
      return {
        version: info.version,
        pid: info.pid,
        hostId: info.hostId,
        machineName: info.machineName,
        dataDir: info.dataDir,
        database: info.databaseKind,
        startedAt: info.startedAt,
        globalMaxConcurrentRuns: globalMax,
        agents: { total: Number(agentCounts.total), paused: Number(agentCounts.paused), running: Number(agentCounts.running) },
        runs: { queued: Number(runCounts.queued), running: Number(runCounts.running), detached: Number(runCounts.detached) },
        issues: { open: Number(issueCounts.open), blocked: Number(issueCounts.blocked) },
        openEscalations: Number(open.n),
        notices: info.notices,
      };
    },

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
