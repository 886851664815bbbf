// The request verbs of the contract, the waiters a `vigil mcp` long-polls on, and the sweep that
// denies what nobody answered in time (or whose run is over).
import type { CallParsedInput, RequestDto } from '../../shared/contract';
import { ContractError } from '../../shared/errors';
import type { CallContext } from '../api';
import type { RunNotes } from './run-notes';
import { ACTIVE_RUN_STATUSES } from '../../shared/domain';
import { removeClaudeMcpConfig } from '../mcp/claude-config';
import { findAgent, requireRun } from '../views/lookup';
import type { ServiceContext } from '../context';
import { answerRequest, expireDue, listRequests, listRules, loadRequest, openRequest, removeRule, requestDtos } from './store';
import { createSharedScan, type SharedScan } from '../../node/process/shared-scan';

const DEFAULT_WAIT_MS = 25_000;

export interface RequestsOptions {
  /** How often overdue requests are looked for. */
  sweepEveryMs?: number;
}

export class Requests {
  /** Long polls waiting for a request to leave `pending`, by request id. */
  private readonly waiters = new Map<string, Set<() => void>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;
  /**
   * Sweeps shared among those who ask while one runs: 1,000 runs ended together (recovery after
   * a crash) make two or three sweeps, not 1,000 (each is two statements on the database's one
   * connection: 2,000 of them tripled that recovery's time). Each caller still gets a sweep that
   * started after it asked, so a run that ends during a sweep is seen by the next one.
   */
  private readonly sharedSweep: SharedScan<number> = createSharedScan(() => this.sweepNow());

  constructor(
    private readonly ctx: ServiceContext,
    private readonly note: RunNotes,
    opts: RequestsOptions = {},
  ) {
    // 0: the host sweeps itself, only while runs are active (src/main/busy-timers.ts).
    const every = opts.sweepEveryMs ?? 5000;
    if (every > 0) {
      this.timer = setInterval(() => void this.sweep().catch(() => undefined), every);
      this.timer.unref();
    }
    // A run that ended: its pending requests are settled now (not at the next sweep), and the
    // MCP config a Claude run was given (it holds the run token) is removed.
    this.unsubscribe = ctx.events.subscribe(
      (e) => {
        if (e.event !== 'run.updated' || ACTIVE_RUN_STATUSES.includes(e.data.status)) return;
        removeClaudeMcpConfig(ctx.dataDir, e.data.id);
        void this.sweep().catch(() => undefined);
      },
      { events: ['run.updated'] },
    );
  }

  dispose(): void {
    this.unsubscribe();
    clearInterval(this.timer);
    for (const set of this.waiters.values()) for (const wake of set) wake();
    this.waiters.clear();
  }

  /** Denies overdue requests and those of ended runs; wakes whoever waits on them. */
  sweep(): Promise<number> {
    return this.sharedSweep();
  }

  private async sweepNow(): Promise<number> {
    const expired = await expireDue(this.ctx.db);
    await this.settled(expired.map((r) => r.id), 'expired');
    return expired.length;
  }

  private async settled(ids: string[], how: string): Promise<RequestDto[]> {
    if (ids.length === 0) return [];
    const rows = (await Promise.all(ids.map((id) => loadRequest(this.ctx.db, id)))).filter((r) => r !== null);
    const dtos = await requestDtos(this.ctx.db, rows);
    for (const dto of dtos) {
      this.ctx.events.emit('request.updated', dto);
      for (const wake of this.waiters.get(dto.id) ?? []) wake();
      this.waiters.delete(dto.id);
      await this.note(dto.runId, {
        type: 'request_answered',
        message: `${how === 'expired' ? 'Expired' : 'Answered'}: ${dto.summary} -> ${dto.status}${dto.answer?.message ? ` (${dto.answer.message})` : ''}`,
        payload: { requestId: dto.id, status: dto.status, answeredBy: dto.answeredBy },
      });
    }
    return dtos;
  }

  private async waitFor(id: string, ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const set = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  handlers() {
    const { db } = this.ctx;
    const one = async (id: string) => {
      const row = await loadRequest(db, id);
      if (!row) throw new ContractError('not_found', `no request ${id}`, 'request');
      return row;
    };
    return {
      'requests.list': async (input: CallParsedInput<'requests.list'>) => {
        const runId = input.run ? (await requireRun(db, input.run)).id : undefined;
        return requestDtos(db, await listRequests(db, { runId, pendingOnly: input.pendingOnly, limit: input.limit }));
      },
      'requests.get': async (input: CallParsedInput<'requests.get'>) => (await requestDtos(db, [await one(input.request)]))[0],
      'requests.answer': async (input: CallParsedInput<'requests.answer'>) => {
        let row;
        if (input.request) row = await one(input.request);
        else {
          const run = await requireRun(db, input.run!);
          [row] = await listRequests(db, { runId: run.id, pendingOnly: true, limit: 1 });
          if (!row) throw new ContractError('not_found', `run ${run.id} has no request waiting for an answer`, 'run');
        }
        const answered = await answerRequest(db, row, input, 'user');
        return (await this.settled([answered.id], 'answered'))[0];
      },
      'requests.open': async (input: CallParsedInput<'requests.open'>, call: CallContext) => {
        if (!call.agent) throw new ContractError('forbidden', "only a run's agent (its VIGIL_RUN_TOKEN) can open a request: a person's client has no run to pause");
        const { row, created } = await openRequest(db, { ...call.agent, workspaceId: this.ctx.workspaceId }, input);
        const [dto] = await requestDtos(db, [row]);
        if (created) {
          const note = dto.status === 'pending' ? `Waiting for you: ${dto.summary}` : `Allowed by a rule: ${dto.summary}`;
          await this.note(dto.runId, { type: 'request', message: note, payload: { requestId: dto.id, kind: dto.kind, tool: dto.tool, status: dto.status } });
          this.ctx.events.emit(dto.status === 'pending' ? 'request.opened' : 'request.updated', dto);
        }
        return dto;
      },
      'requests.wait': async (input: CallParsedInput<'requests.wait'>, call: CallContext) => {
        const row = await one(input.request);
        if (call.agent && row.runId !== call.agent.runId) throw new ContractError('forbidden', "this run's token may only wait on its own run's requests", 'request');
        if (row.status === 'pending') await this.waitFor(row.id, input.waitMs ?? DEFAULT_WAIT_MS);
        return (await requestDtos(db, [await one(row.id)]))[0];
      },
      'agentRules.list': async (input: CallParsedInput<'agentRules.list'>) => {
        if (!input.agent) return listRules(db);
        const agent = await findAgent(db, this.ctx.workspaceId, input.agent);
        if (!agent) throw new ContractError('not_found', `no agent "${input.agent}"`, 'agent');
        return listRules(db, agent.id);
      },
      'agentRules.remove': async (input: CallParsedInput<'agentRules.remove'>) => {
        await removeRule(db, input.rule);
        return { id: input.rule };
      },
    };
  }
}
