// Finding and stopping every process of a run, including the ones that left its process group.
// Vigil never signals a process it did not start: membership follows the rule in
// process-table.ts, and each process's start identity is checked again right before each signal.
import { readStartIdentity } from './identity';
import { snapshotProcesses, type ProcInfo, type ProcessTable, type RunProcessQuery } from './process-table';
import { sharedProcessTable } from './shared-scan';

export { snapshotProcesses } from './process-table';
export type { ProcInfo, ProcessTable, RunProcessQuery } from './process-table';

export interface TerminateOptions {
  /** How long SIGTERM gets before SIGKILL. */
  graceMs: number;
}

export interface TerminateResult {
  /** Signalled (SIGTERM, then SIGKILL if it outlived the grace). */
  terminated: ProcInfo[];
  /** Not signalled: gone, a different process now (pid reused), or not Vigil's to signal (EPERM). */
  skipped: ProcInfo[];
}

export interface RunTermination {
  terminated: ProcInfo[];
  /** Still alive when the rounds ran out (unkillable: another user's, or stuck in the kernel). */
  remaining: ProcInfo[];
}

/** Polls for exits this often at first, then backs off to POLL_MAX_MS. */
const POLL_MIN_MS = 5;
const POLL_MAX_MS = 50;
/** SIGKILL cannot be ignored, but a process in uninterruptible sleep takes a moment to go. */
const KILL_SETTLE_MS = 2_000;
/** Children forking while being killed need another round; a bound keeps a fork loop from holding us. */
const MAX_ROUNDS = 8;

/** Every live process of a run (see ProcessTable.runProcesses for who counts). Never this process. */
export function findRunProcesses(q: RunProcessQuery): ProcInfo[] {
  return snapshotProcesses().runProcesses(q);
}

const isStill = (p: ProcInfo): boolean => readStartIdentity(p.pid) === p.startId;

/** 'sent', or why not: the process is gone ('gone') or not ours to signal ('denied'). */
function signalIfSame(p: ProcInfo, signal: NodeJS.Signals): 'sent' | 'gone' | 'denied' {
  if (p.pid <= 1 || p.pid === process.pid || !isStill(p)) return 'gone';
  try {
    process.kill(p.pid, signal);
    return 'sent';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? 'denied' : 'gone';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until none of `procs` is still the same process, or `ms` passed; returns the survivors. */
async function waitGone(procs: ProcInfo[], ms: number): Promise<ProcInfo[]> {
  const deadline = Date.now() + ms;
  let alive = procs.filter(isStill);
  let pause = POLL_MIN_MS;
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(Math.min(pause, Math.max(1, deadline - Date.now())));
    pause = Math.min(pause * 2, POLL_MAX_MS);
    alive = alive.filter(isStill);
  }
  return alive;
}

function checkGrace(opts: TerminateOptions): void {
  if (!Number.isFinite(opts.graceMs) || opts.graceMs < 0) throw new RangeError(`graceMs must be a non-negative number of milliseconds, got ${opts.graceMs}`);
}

/**
 * SIGTERM (and SIGCONT, so a stopped process can act on it) to each process that is still the
 * same process; SIGKILL to whatever is left after graceMs. Resolves once the signalled processes
 * are gone (or KILL_SETTLE_MS after SIGKILL).
 */
export async function terminateProcesses(procs: ProcInfo[], opts: TerminateOptions): Promise<TerminateResult> {
  checkGrace(opts);
  const terminated: ProcInfo[] = [];
  const skipped: ProcInfo[] = [];
  const seen = new Set<number>();
  for (const p of procs) {
    if (seen.has(p.pid)) continue;
    seen.add(p.pid);
    if (signalIfSame(p, 'SIGTERM') === 'sent') {
      signalIfSame(p, 'SIGCONT');
      terminated.push(p);
    } else {
      skipped.push(p);
    }
  }
  const stubborn = await waitGone(terminated, opts.graceMs);
  for (const p of stubborn) signalIfSame(p, 'SIGKILL');
  await waitGone(stubborn, KILL_SETTLE_MS);
  return { terminated, skipped };
}

/**
 * find + terminate for many runs at once: one process-table scan per round for all of them. The
 * scans are asynchronous and shared with other callers (runs ending together); a round after
 * signals waits for a scan that started after them.
 */
export async function terminateRuns(queries: RunProcessQuery[], opts: TerminateOptions): Promise<Map<string, RunTermination>> {
  checkGrace(opts);
  const results = new Map<string, RunTermination>(queries.map((q) => [q.runId, { terminated: [], remaining: [] }]));
  const attempted = new Set<string>();
  const keyOf = (p: ProcInfo) => `${p.pid}:${p.startId}`;
  let table: ProcessTable = await sharedProcessTable();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const owner = new Map<number, string>();
    const batch: ProcInfo[] = [];
    for (const q of queries) {
      for (const p of table.runProcesses(q)) {
        if (owner.has(p.pid)) continue;
        owner.set(p.pid, q.runId);
        batch.push(p);
      }
    }
    if (batch.length === 0) return results;
    // Only survivors of an earlier round left: another round would not end them either.
    if (batch.every((p) => attempted.has(keyOf(p)))) break;
    const { terminated } = await terminateProcesses(batch, opts);
    for (const p of terminated) if (!attempted.has(keyOf(p))) results.get(owner.get(p.pid)!)!.terminated.push(p);
    for (const p of batch) attempted.add(keyOf(p));
    table = await sharedProcessTable({ startedAfter: performance.now() });
  }
  for (const q of queries) results.get(q.runId)!.remaining = table.runProcesses(q);
  return results;
}

/** find + terminate, repeated (bounded) until nothing of the run is left: children may fork while being killed. */
export async function terminateRun(q: RunProcessQuery, opts: TerminateOptions): Promise<RunTermination> {
  const results = await terminateRuns([q], opts);
  return results.get(q.runId)!;
}
