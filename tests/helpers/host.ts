// Starts a real host (startHost) on a fresh store of either kind, for engine and recovery tests.
import { startHost, type HostInternals } from '../../src/main/host';
import type { HostOptions } from '../../src/main/host-types';
import type { CallName, CallInput, CallOutput } from '../../src/shared/contract';
import type { HostEvent } from '../../src/shared/events';
import { USER, type Caller } from '../../src/main/api';
import { makeStoreTarget, type StoreKind, type TestStoreTarget } from './stores';

export interface TestHost {
  host: HostInternals;
  target: TestStoreTarget;
  events: HostEvent[];
  call<N extends CallName>(method: N, params: CallInput<N>, caller?: Caller): Promise<CallOutput<N>>;
  stop(): Promise<void>;
}

export async function startTestHost(kind: StoreKind, opts: Partial<HostOptions> = {}, reuse?: TestStoreTarget): Promise<TestHost> {
  const target = reuse ?? (await makeStoreTarget(kind));
  const host = (await startHost({
    dataDir: target.dataDir,
    databaseUrl: target.databaseUrl,
    killGraceMs: 300,
    sweepIntervalMs: 0,
    backupOnStart: false,
    ...opts,
  })) as HostInternals;
  const events: HostEvent[] = [];
  host.events.subscribe((e) => events.push(e));
  return {
    host,
    target,
    events,
    call: (method, params, caller = USER) => host.api.invoke(method, params, caller) as never,
    stop: async () => {
      await host.close();
    },
  };
}

/** Polls until fn returns a truthy value (or throws after timeoutMs). */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 15_000, label = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether any process of the group (a run's process group) is still alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
