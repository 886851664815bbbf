// `vigil run logs`: the run log's raw bytes, paged from the host; with --follow, the live
// run.output chunks after them, in offset order with no gap and no byte twice, until the run
// has ended and its last bytes are out.
import { ACTIVE_RUN_STATUSES, type RunStatus } from '../shared/domain-values';
import { ContractError } from '../shared/errors';
import type { HostEvent } from '../shared/events';
import type { LogChunkDto } from '../shared/contract';
import type { Client } from './client';

/** The host's cap on one runs.log read. */
export const PAGE_BYTES = 1 << 20;
/** A live chunk can announce bytes the host has not made readable yet: retry the gap this often. */
const GAP_RETRY_MS = 50;
const GAP_RETRIES = 100;
/** With no event for this long, --follow asks for the run's state instead of waiting on. */
const QUIET_CHECK_MS = 5000;

export interface StreamOptions {
  follow: boolean;
  /** Start this many bytes before the end. */
  tail?: number;
}

export interface StreamResult {
  runId: string;
  /** Offset of the first byte written. */
  offset: number;
  /** Offset after the last byte written. */
  end: number;
  pruned: boolean;
}

type Item = { kind: 'output'; offset: number; data: Buffer } | { kind: 'ended' } | { kind: 'lost'; reason: string } | { kind: 'machine_offline'; reason: string };

export async function streamRunLog(
  client: Client,
  runRef: string,
  opts: StreamOptions,
  write: (bytes: Buffer) => Promise<void>,
): Promise<StreamResult> {
  // Subscribe before the first read, so nothing appended after it can be missed.
  const queue: Item[] = [];
  let wake: (() => void) | null = null;
  const push = (item: Item) => {
    queue.push(item);
    wake?.();
  };
  let runId = runRef;
  let machineId: string | null = null;
  const onEvent = (event: HostEvent) => {
    if (event.event === 'machine.updated' && event.data.id === machineId && !event.data.online) {
      // Team mode: the run's machine stopped; its output can no longer reach this host.
      push({ kind: 'machine_offline', reason: `machine "${event.data.name}" went offline while following the log of run ${runId}; the run may still be running there` });
    } else if (event.event === 'run.updated' && event.data.id === runId && event.data.errorCode === 'host_offline') {
      push({ kind: 'machine_offline', reason: event.data.error ?? `the machine of run ${runId} went offline while following its log` });
    } else if (event.event === 'run.output' && event.data.runId === runId) {
      push({ kind: 'output', offset: event.data.offset, data: Buffer.from(event.data.data, 'base64') });
    } else if (event.event === 'run.updated' && event.data.id === runId && !isActive(event.data.status)) {
      push({ kind: 'ended' });
    }
  };
  const unsubscribe = opts.follow ? await client.subscribe(onEvent) : null;
  void client.closed.then((reason) => push({ kind: 'lost', reason }));

  try {
    const run = await client.call('runs.get', { run: runRef });
    runId = run.id;
    machineId = run.machineId;
    if (opts.follow && run.errorCode === 'host_offline') throw new ContractError('machine_offline', run.error ?? `the machine of run ${runId} is offline`);
    const first = await startingChunk(client, runId, opts.tail);
    if (first.pruned) return { runId, offset: first.offset, end: first.offset, pruned: true };
    const cursor = new Cursor(first.offset, write);
    await cursor.take(Buffer.from(first.data, 'base64'), first.offset);
    const done = async () => {
      await readUpTo(client, runId, cursor, Infinity);
      return { runId, offset: first.offset, end: cursor.next, pruned: false };
    };
    if (!opts.follow || !isActive(run.status)) return await done();
    await readUpTo(client, runId, cursor, Infinity);

    for (;;) {
      while (queue.length === 0) {
        const quiet = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(true), QUIET_CHECK_MS);
          wake = () => {
            clearTimeout(timer);
            resolve(false);
          };
        });
        // Silence: look at the run itself, so a lost notification (team mode) never leaves us waiting.
        if (quiet && queue.length === 0) {
          const now = await client.call('runs.get', { run: runId });
          if (now.errorCode === 'host_offline') push({ kind: 'machine_offline', reason: now.error ?? `the machine of run ${runId} is offline` });
          else if (!isActive(now.status)) push({ kind: 'ended' });
        }
      }
      const item = queue.shift() as Item;
      if (item.kind === 'lost') throw new ContractError('not_running', `lost the connection to Vigil while following the log: ${item.reason}`);
      if (item.kind === 'machine_offline') throw new ContractError('machine_offline', item.reason);
      // The run is over: whatever its last chunks carried is in the log now.
      if (item.kind === 'ended') return await done();
      if (item.offset > cursor.next) await fillGap(client, runId, cursor, item.offset);
      await cursor.take(item.data, item.offset);
    }
  } finally {
    wake = null;
    if (unsubscribe) await unsubscribe().catch(() => undefined); // the connection is going away with the stream anyway
  }
}

/** Where the output stands: only bytes at `next` are written, so overlaps are skipped. */
class Cursor {
  constructor(
    public next: number,
    private readonly write: (bytes: Buffer) => Promise<void>,
  ) {}

  async take(chunk: Buffer, at: number): Promise<void> {
    if (at > this.next || at + chunk.length <= this.next) return;
    await this.write(chunk.subarray(this.next - at));
    this.next = at + chunk.length;
  }
}

const isActive = (status: RunStatus) => ACTIVE_RUN_STATUSES.includes(status);

async function startingChunk(client: Client, runId: string, tail: number | undefined): Promise<LogChunkDto> {
  if (tail === undefined) return client.call('runs.log', { run: runId, offset: 0, length: PAGE_BYTES });
  const last = await client.call('runs.log', { run: runId, tail: Math.min(tail, PAGE_BYTES) });
  if (tail <= PAGE_BYTES || last.pruned) return last;
  const offset = Math.max(0, last.totalBytes - tail);
  return client.call('runs.log', { run: runId, offset, length: PAGE_BYTES });
}

/** Reads pages from the cursor until `until` or the end of what the host has. */
async function readUpTo(client: Client, runId: string, cursor: Cursor, until: number): Promise<void> {
  while (cursor.next < until) {
    const length = Math.min(PAGE_BYTES, until - cursor.next);
    const chunk = await client.call('runs.log', { run: runId, offset: cursor.next, length });
    const before = cursor.next;
    await cursor.take(Buffer.from(chunk.data, 'base64'), chunk.offset);
    if (cursor.next === before) return;
  }
}

/** A live chunk starts past what was written: the bytes in between come from the log first. */
async function fillGap(client: Client, runId: string, cursor: Cursor, to: number): Promise<void> {
  for (let attempt = 0; cursor.next < to; attempt++) {
    if (attempt > GAP_RETRIES) throw new ContractError('internal', `the log of run ${runId} is missing bytes ${cursor.next}..${to}`);
    const before = cursor.next;
    await readUpTo(client, runId, cursor, to);
    if (cursor.next === before) await new Promise((resolve) => setTimeout(resolve, GAP_RETRY_MS));
  }
}
