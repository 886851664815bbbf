// Team mode's remote actions: what one host asks of the machine that owns a run (cancel it,
// read its log). The request is a machine_requests row plus a NOTIFY naming it; the owner's
// host claims the row, carries it out, writes the answer into the row and NOTIFYs back. The
// asker reads the answer from the row (so a lost NOTIFY only costs a poll interval). A machine
// that is offline is refused before anything is written; one that does not answer in time gets
// its request expired, so nothing runs late behind the asker's back.
import { randomUUID } from 'node:crypto';
import { and, eq, gt, sql } from 'drizzle-orm';
import { ContractError, type ContractErrorShape } from '../../shared/errors';
import type { Db } from '../db/client';
import { machineRequests } from '../db/schema';
import { logFailure } from '../host-log';
import type { RemoteHosts, RequestKind } from '../context';

export const REQUESTS_CHANNEL = 'vigil_requests';
export const REPLIES_CHANNEL = 'vigil_replies';
/** How often an asker looks at its request's row in case the reply NOTIFY was lost. */
const POLL_MS = 1000;
/** Pending requests older than this are not served after a restart: their asker gave up. */
const STALE_MS = 60_000;

export type RequestHandlers = Record<RequestKind, (payload: Record<string, unknown>) => Promise<unknown>>;

export class MachineRequests implements RemoteHosts {
  private readonly waiting = new Map<string, () => void>();
  private handlers: RequestHandlers | null = null;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly selfId: string,
    private readonly isOnline: (machineId: string) => Promise<boolean>,
    private readonly offlineError: (machineId: string) => Promise<ContractError>,
  ) {}

  /** Starts serving requests addressed to this machine (once the engine can carry them out). */
  serve(handlers: RequestHandlers): void {
    this.handlers = handlers;
    void this.servePending();
  }

  async ask(machineId: string, kind: RequestKind, payload: Record<string, unknown>, timeoutMs = 30_000): Promise<unknown> {
    if (!(await this.isOnline(machineId))) throw await this.offlineError(machineId);
    const id = randomUUID();
    await this.db.insert(machineRequests).values({ id, machineId, kind, payload });
    await this.db.execute(sql`select pg_notify(${REQUESTS_CHANNEL}, ${JSON.stringify({ id, m: machineId })})`);
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const [row] = await this.db.select().from(machineRequests).where(eq(machineRequests.id, id));
        if (row?.status === 'done') return row.result;
        if (row?.status === 'failed') throw ContractError.from(row.error as ContractErrorShape);
        if (Date.now() >= deadline || this.closed) break;
        if (!(await this.isOnline(machineId))) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
          this.waiting.set(id, () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    } finally {
      this.waiting.delete(id);
    }
    // Not carried out in time: expire it so the owner never acts on it later.
    const expired = await this.db
      .update(machineRequests)
      .set({ status: 'expired', finishedAt: new Date() })
      .where(and(eq(machineRequests.id, id), eq(machineRequests.status, 'pending')))
      .returning({ id: machineRequests.id });
    if (expired.length > 0 && !(await this.isOnline(machineId))) throw await this.offlineError(machineId);
    if (expired.length > 0) throw new ContractError('machine_offline', `machine "${machineId}" did not answer a ${kind} request within ${Math.round(timeoutMs / 1000)} s`);
    // The owner took it at the last moment: its answer decides.
    const [row] = await this.db.select().from(machineRequests).where(eq(machineRequests.id, id));
    if (row?.status === 'done') return row.result;
    if (row?.status === 'failed') throw ContractError.from(row.error as ContractErrorShape);
    throw new ContractError('machine_offline', `machine "${machineId}" took a ${kind} request but did not finish it within ${Math.round(timeoutMs / 1000)} s`);
  }

  /** NOTIFY on the requests channel. */
  onRequest(payload: string): void {
    const msg = parse(payload);
    if (msg?.m === this.selfId && typeof msg.id === 'string') void this.carryOut(msg.id);
  }

  /** NOTIFY on the replies channel: wake the asker at once instead of at its next poll. */
  onReply(payload: string): void {
    const msg = parse(payload);
    if (typeof msg?.id === 'string') this.waiting.get(msg.id)?.();
  }

  /** Requests that arrived while this host's listener was down (a reconnect, the start). */
  async servePending(): Promise<void> {
    if (!this.handlers) return;
    const rows = await this.db
      .select({ id: machineRequests.id })
      .from(machineRequests)
      .where(and(eq(machineRequests.machineId, this.selfId), eq(machineRequests.status, 'pending'), gt(machineRequests.createdAt, new Date(Date.now() - STALE_MS))));
    for (const r of rows) await this.carryOut(r.id);
  }

  private async carryOut(id: string): Promise<void> {
    const handlers = this.handlers;
    if (!handlers || this.closed) return;
    const [row] = await this.db
      .update(machineRequests)
      .set({ status: 'working' })
      .where(and(eq(machineRequests.id, id), eq(machineRequests.machineId, this.selfId), eq(machineRequests.status, 'pending')))
      .returning();
    if (!row) return;
    let done: { status: 'done'; result: unknown } | { status: 'failed'; error: ContractErrorShape };
    try {
      const handler = handlers[row.kind as RequestKind];
      if (!handler) throw new ContractError('invalid_input', `this Vigil does not know the request "${row.kind}" (a newer version asked?)`);
      done = { status: 'done', result: (await handler(row.payload as Record<string, unknown>)) ?? null };
    } catch (err) {
      const shape = err instanceof ContractError ? err.toJSON() : { code: 'internal' as const, message: (err as Error).message };
      done = { status: 'failed', error: shape };
    }
    await this.db
      .update(machineRequests)
      .set({ ...done, finishedAt: new Date() })
      .where(eq(machineRequests.id, id))
      .catch(logFailure('team', `recording the answer to machine request ${id} failed (its sender waits until its deadline)`));
    await this.db
      .execute(sql`select pg_notify(${REPLIES_CHANNEL}, ${JSON.stringify({ id })})`)
      .catch(logFailure('team', `notifying the answer to machine request ${id} failed (its sender polls for it)`));
  }

  /** Answered requests are kept a while for whoever looks; then deleted (any host may do it). */
  async prune(): Promise<void> {
    await this.db.delete(machineRequests).where(sql`${machineRequests.createdAt} < now() - interval '1 day'`);
  }

  close(): void {
    this.closed = true;
    for (const wake of this.waiting.values()) wake();
  }
}

function parse(payload: string): { id?: unknown; m?: unknown } | null {
  try {
    return JSON.parse(payload) as { id?: unknown; m?: unknown };
  } catch {
    return null; // not a notification of ours (a hand-made NOTIFY): nothing to answer
  }
}
