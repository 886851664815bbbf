// What the engine tells listeners (the UI, `vigil serve`, peers): run, issue and agent DTOs
// after a run changes, its parsed events, runs queued. Each fan-out is a few statements however
// many runs (recovery ends hundreds at once), and none for an event nobody listens to.
import { inArray } from 'drizzle-orm';
import type { ServiceContext } from '../context';
import { agents, heartbeatRuns, issues } from '../db/schema';
import { commentDto, runEventDto, type RunEventRow, type RunRow } from '../views/dto';
import { agentDtos, issueDtos, loadRunDtos, runDtos, type RunAgent } from '../views/lookup';
import type { EndResult } from './run-state';

export class Notifier {
  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'events'>) {}

  /**
   * run.updated for each run (read back as committed, unless `fresh`: the rows are what was just
   * written), then issue.updated and agent.updated once for each issue and agent they touch.
   */
  async runsAndNeighbours(runs: RunRow[], opts: { fresh?: boolean; agents?: RunAgent[] } = {}): Promise<void> {
    const { db, events } = this.ctx;
    if (runs.length === 0) return;
    if (opts.fresh && events.listens('run.updated')) {
      for (const dto of await runDtos(db, runs, opts.agents)) events.emit('run.updated', dto);
    } else if (events.listens('run.updated')) {
      const rows = new Map((await db.select().from(heartbeatRuns).where(inArray(heartbeatRuns.id, runs.map((r) => r.id)))).map((r) => [r.id, r]));
      const ordered = runs.map((r) => rows.get(r.id)).filter((r): r is RunRow => !!r);
      for (const dto of await runDtos(db, ordered)) events.emit('run.updated', dto);
    }
    const issueIds = [...new Set(runs.map((r) => r.issueId).filter((id): id is string => !!id))];
    if (issueIds.length > 0 && events.listens('issue.updated')) {
      for (const dto of await issueDtos(db, await db.select().from(issues).where(inArray(issues.id, issueIds)))) events.emit('issue.updated', dto);
    }
    if (events.listens('agent.updated')) {
      const agentIds = [...new Set(runs.map((r) => r.agentId))];
      for (const dto of await agentDtos(db, await db.select().from(agents).where(inArray(agents.id, agentIds)))) events.emit('agent.updated', dto);
    }
  }

  /** One run changed on its own (progress, a mark): run.updated only. */
  /** run.updated for each of these rows, their agents read once. */
  async runsUpdated(rows: RunRow[]): Promise<void> {
    if (rows.length === 0 || !this.ctx.events.listens('run.updated')) return;
    for (const dto of await runDtos(this.ctx.db, rows)) this.ctx.events.emit('run.updated', dto);
  }

  /** The transcript grows from these, pushed: no client polls for events. */
  runEvents(runId: string, rows: RunEventRow[]): void {
    if (this.ctx.events.listens('run.event')) this.ctx.events.emit('run.event', { runId, events: rows.map(runEventDto) });
  }

  /** run.created for runs just queued, in the order given (`agents`: theirs, when the caller holds them). */
  async runsCreated(ids: string[], agents?: RunAgent[]): Promise<void> {
    if (ids.length === 0 || !this.ctx.events.listens('run.created')) return;
    for (const dto of await loadRunDtos(this.ctx.db, ids, agents)) this.ctx.events.emit('run.created', dto);
  }

  /** Runs ended (run-state.ts endRuns): the runs and their neighbours, the hand-back's comments, the follow-ups queued. */
  async ended(out: EndResult): Promise<void> {
    await this.runsAndNeighbours(out.rows, { fresh: true });
    for (const comment of out.comments) this.ctx.events.emit('comment.added', commentDto(comment, null));
    await this.runsCreated(out.followUps.map((r) => r.id));
  }
}
