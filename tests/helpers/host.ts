// Starts a real host (startHost) on a fresh store of either kind, for engine and recovery tests.
import { startHost, type HostInternals } from '../../src/main/host';
import type { HostOptions } from '../../src/main/host-types';
import type { CallName, CallInput, CallOutput } from '../../src/shared/contract';
import type { HostEvent } from '../../src/shared/events';
import { USER, type Caller } from '../../src/main/api';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { makeRepo } from './git-repo';
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

export interface HostPerTest {
  /** Starts the test's host, the one stopped (its store removed) after the test; a later call replaces it (a restart on `reuse`). */
  start(opts?: Partial<HostOptions>, reuse?: TestStoreTarget): Promise<TestHost>;
  /** A git repository (makeRepo) removed after the test. */
  repo(files?: Record<string, string>): { dir: string; cleanup: () => void };
  /** A temp folder removed after the test. */
  tempDir(prefix: string): string;
  /** Runs after the test, once its host has stopped. */
  later(cleanup: () => void): void;
}

/** Registers an afterEach that stops the host a test started and removes what the test made. */
export function hostPerTest(kind: StoreKind): HostPerTest {
  let current: TestHost | null = null;
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    await current?.stop();
    current?.target.cleanup();
    current = null;
    for (const c of cleanups.splice(0)) c();
  });
  return {
    start: async (opts, reuse) => (current = await startTestHost(kind, opts, reuse)),
    repo: (files) => {
      const repo = makeRepo(files);
      cleanups.push(repo.cleanup);
      return repo;
    },
    tempDir: (prefix) => {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      return dir;
    },
    later: (cleanup) => void cleanups.push(cleanup),
  };
}

/** Polls (every `everyMs`) until fn returns a truthy value (or throws after timeoutMs). */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 15_000, label = 'condition', everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The file's text, or null while it does not exist: for waitFor. */
export function textIfThere(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
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
