// run-state.ts, transition by transition (the table at its top): each step moves a run as the
// table says, and whoever comes second with the same read (another host, a second recovery pass,
// a cancel) changes nothing and is told so. PGlite and PostgreSQL.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../../src/main/db/client';
import { agents, heartbeatRuns, workspaces } from '../../../src/main/db/schema';
import { insertQueuedRun } from '../../../src/main/heartbeat/queue';
import {
  addPendingInput,
  adoptRun,
  claimRun,
  clearHostOffline,
  endRuns,
  markDetached,
  markHostOffline,
  markRunning,
  noteActivity,
  recordProgress,
  type RunOwner,
} from '../../../src/main/heartbeat/run-state';
import type { RunRow } from '../../../src/main/views/dto';
import { describeEachStore, makeStore, type TestStoreTarget } from '../../helpers/stores';

const OWNER: RunOwner = { machineId: 'machine-a', hostInstanceId: 'host-1' };
const OTHER: RunOwner = { machineId: 'machine-a', hostInstanceId: 'host-2' };
const PROC = { pid: 4242, pgid: 4242, startId: 'boot:123' };
const END = { status: 'succeeded' as const, errorCode: null, error: null, exitCode: 0, signal: null };

type Db = Store['db'];

interface Case {
  /** The transition as the table names it. */
  name: string;
  /** The run's row before the step (written directly: the test's own setup). */
  before: Partial<RunRow>;
  /** The step, given the run as its caller read it; its answer says whether it moved the run. */
  step(db: Db, read: RunRow): Promise<unknown>;
  /** What the step wrote. */
  after: Partial<RunRow>;
  /** Whether an answer means "moved" (the second caller's answer must not). */
  moved(answer: unknown): boolean;
  /** What happens between the two (the run ends before a late caller comes). */
  between?(db: Db, read: RunRow): Promise<unknown>;
  /** The second caller, when it is not the same step with the same read. */
  second?(db: Db, read: RunRow): Promise<unknown>;
}

const notNull = (a: unknown) => a !== null && a !== undefined && a !== false && !(Array.isArray(a) && a.length === 0);

const CASES: Case[] = [
  {
    name: 'queued --claimRun--> starting',
    before: {},
    step: (db, read) => claimRun(db, read, OWNER, { tokenHash: 'hash', logPath: '/logs/run.log' }),
    after: { status: 'starting', hostId: OWNER.machineId, hostInstanceId: OWNER.hostInstanceId, runTokenHash: 'hash' },
    moved: notNull,
    second: (db, read) => claimRun(db, read, OTHER, { tokenHash: 'other', logPath: '/logs/other.log' }),
  },
  {
    // The database's only writer (PGlite) claims in one statement, without the agent's lock.
    name: 'queued --claimRun (only writer)--> starting',
    before: {},
    step: (db, read) => claimRun(db, read, OWNER, { tokenHash: 'hash-alone', logPath: '/logs/run.log', exclusiveWriter: true }),
    after: { status: 'starting', hostId: OWNER.machineId, hostInstanceId: OWNER.hostInstanceId, runTokenHash: 'hash-alone' },
    moved: notNull,
    second: (db, read) => claimRun(db, read, OTHER, { tokenHash: 'other-alone', logPath: '/logs/other.log', exclusiveWriter: true }),
  },
  {
    name: 'starting --markRunning--> running',
    before: { status: 'starting', hostId: OWNER.machineId, hostInstanceId: OWNER.hostInstanceId },
    step: (db, read) => markRunning(db, read, PROC),
    after: { status: 'running', processPid: PROC.pid, processGroupId: PROC.pgid, processStartId: PROC.startId },
    moved: notNull,
  },
  {
    name: 'queued --endRuns--> cancelled',
    before: {},
    step: (db, read) => endRuns(db, [{ run: read, outcome: { ...END, status: 'cancelled', errorCode: 'cancelled', exitCode: null } }]),
    after: { status: 'cancelled', errorCode: 'cancelled' },
    moved: notNull,
  },
  {
    name: 'starting --endRuns--> failed',
    before: { status: 'starting', hostInstanceId: OWNER.hostInstanceId },
    step: (db, read) => endRuns(db, [{ run: read, outcome: { ...END, status: 'failed', errorCode: 'spawn_failed', error: 'no such file', exitCode: null } }]),
    after: { status: 'failed', errorCode: 'spawn_failed', error: 'no such file' },
    moved: notNull,
  },
  {
    name: 'running --endRuns--> succeeded',
    before: { status: 'running', hostInstanceId: OWNER.hostInstanceId, processPid: PROC.pid },
    step: (db, read) => endRuns(db, [{ run: read, outcome: END }]),
    after: { status: 'succeeded', exitCode: 0 },
    moved: notNull,
    // Another host instance ending the same run (it read it as its own) comes second.
    second: (db, read) => endRuns(db, [{ run: { ...read, hostInstanceId: OTHER.hostInstanceId }, outcome: { ...END, status: 'failed', errorCode: 'process_lost' } }]),
  },
  {
    name: 'live --adoptRun--> live, owner moved, detached mark cleared',
    before: { status: 'running', hostInstanceId: 'host-0', errorCode: 'process_detached', error: 'watched' },
    step: (db, read) => adoptRun(db, read, OWNER),
    after: { status: 'running', hostInstanceId: OWNER.hostInstanceId, errorCode: null, error: null },
    moved: notNull,
    second: (db, read) => adoptRun(db, read, OTHER),
  },
  {
    name: 'running --markDetached--> process_detached, owner moved',
    before: { status: 'running', hostInstanceId: 'host-0', processPid: PROC.pid },
    step: (db, read) => markDetached(db, read, OWNER.hostInstanceId, 'its process lives on'),
    after: { status: 'running', errorCode: 'process_detached', error: 'its process lives on', hostInstanceId: OWNER.hostInstanceId },
    moved: notNull,
    second: (db, read) => markDetached(db, read, OTHER.hostInstanceId, 'a second pass'),
  },
  {
    name: 'active --noteActivity--> detached mark cleared',
    before: { status: 'running', errorCode: 'process_detached', error: 'watched' },
    step: (db, read) => noteActivity(db, read.id),
    after: { status: 'running', errorCode: null, error: null },
    moved: notNull,
    // An agent's call that arrives after its run ended touches nothing.
    between: (db, read) => endRuns(db, [{ run: read, outcome: END }]),
  },
  {
    name: 'live --markHostOffline--> host_offline',
    before: { status: 'running', hostId: 'machine-b' },
    step: (db) => markHostOffline(db, 'machine-b', 'machine b is offline'),
    after: { status: 'running', errorCode: 'host_offline', error: 'machine b is offline' },
    moved: notNull,
    second: (db) => markHostOffline(db, 'machine-b', 'said again'),
  },
  {
    name: 'running --clearHostOffline--> mark cleared',
    before: { status: 'running', errorCode: 'host_offline', error: 'machine a is offline' },
    step: (db, read) => clearHostOffline(db, [read.id]),
    after: { status: 'running', errorCode: null, error: null },
    moved: notNull,
  },
  {
    name: 'running --recordProgress--> last line and bytes',
    before: { status: 'running' },
    step: async (db, read) => (await recordProgress(db, [{ runId: read.id, line: 'compiling', through: 1234 }]))[0] ?? null,
    after: { status: 'running', lastOutputLine: 'compiling', logBytes: 1234 },
    moved: notNull,
    // Progress that arrives after the end does not rewrite it.
    between: (db, read) => endRuns(db, [{ run: read, outcome: { ...END, lastOutputLine: 'done', logBytes: 2000 } }]),
    second: async (db, read) => (await recordProgress(db, [{ runId: read.id, line: 'late', through: 1500 }]))[0] ?? null,
  },
  {
    name: 'live --addPendingInput--> input kept for the follow-up',
    before: { status: 'running' },
    step: (db, read) => addPendingInput(db, read.id, { source: 'on_demand', reason: 'a comment', at: new Date(0).toISOString() }),
    after: { status: 'running', pendingInput: [{ source: 'on_demand', reason: 'a comment', at: new Date(0).toISOString() }] },
    moved: (a) => a === true,
    between: (db, read) => endRuns(db, [{ run: read, outcome: { ...END, continuedByCaller: true } }]),
    second: (db, read) => addPendingInput(db, read.id, { source: 'on_demand', reason: 'too late', at: new Date(0).toISOString() }),
  },
];

async function rowOf(db: Db, id: string): Promise<RunRow> {
  const [row] = await db.select().from(heartbeatRuns).where(eq(heartbeatRuns.id, id));
  return row;
}

describeEachStore('run-state transitions', (kind) => {
  let store: Store;
  let target: TestStoreTarget;
  let agentId: string;
  beforeAll(async () => {
    ({ store, target } = await makeStore(kind));
    await store.db.insert(workspaces).values({ id: 'w', name: 'W', issuePrefix: 'RST' });
  }, 300_000);
  afterAll(async () => {
    await store?.close();
    target?.cleanup();
  });
  let n = 0;
  beforeEach(async () => {
    // One agent per case, with room for runs: the claim counts the agent's live runs.
    agentId = `agent-${++n}`;
    await store.db.insert(agents).values({ id: agentId, workspaceId: 'w', name: agentId, adapterType: 'process', runtimeConfig: { maxConcurrentRuns: 4 } });
  });

  const runIn = async (before: Partial<RunRow>): Promise<RunRow> => {
    const queued = await store.db.transaction((tx) =>
      insertQueuedRun(tx, { workspaceId: 'w', agentId, source: 'on_demand', triggerDetail: 'user', reason: 'test', issueId: null }),
    );
    if (Object.keys(before).length > 0) await store.db.update(heartbeatRuns).set(before).where(eq(heartbeatRuns.id, queued.id));
    return rowOf(store.db, queued.id);
  };

  for (const c of CASES) {
    it(`${c.name}; whoever comes second changes nothing`, async () => {
      const read = await runIn(c.before);
      const answer = await c.step(store.db, read);
      expect(c.moved(answer)).toBe(true);
      const moved = await rowOf(store.db, read.id);
      expect(moved).toMatchObject(c.after);
      if (c.between) expect(notNull(await c.between(store.db, await rowOf(store.db, read.id)))).toBe(true);
      const beforeSecond = await rowOf(store.db, read.id);
      // The second caller read the run as the first did.
      const second = await (c.second ?? c.step)(store.db, read);
      expect(c.moved(second)).toBe(false);
      expect(await rowOf(store.db, read.id)).toEqual(beforeSecond);
    });
  }

  it('claims started together never overfill an agent, with the lock or as the only writer', async () => {
    await store.db.update(agents).set({ runtimeConfig: { maxConcurrentRuns: 1 } }).where(eq(agents.id, agentId));
    const reads = await Promise.all([runIn({}), runIn({}), runIn({}), runIn({})]);
    const claims = await Promise.all(
      reads.map((read, i) => claimRun(store.db, read, OWNER, { tokenHash: `hash-together-${i}`, logPath: `/logs/${i}.log`, exclusiveWriter: kind === 'pglite' && i % 2 === 0 })),
    );
    expect(claims.filter(notNull)).toHaveLength(1);
    const starting = await store.db.select().from(heartbeatRuns).where(eq(heartbeatRuns.agentId, agentId));
    expect(starting.filter((r) => r.status === 'starting')).toHaveLength(1);
  });

  it('every transition and mark of the table has its case here', async () => {
    const { readFileSync } = await import('node:fs');
    const source = readFileSync(require.resolve('../../../src/main/heartbeat/run-state.ts'), 'utf8');
    const table = source.slice(0, source.indexOf('import '));
    const steps = [...table.matchAll(/--(\w+)-->/g)].map((m) => m[1]);
    for (const step of new Set(steps)) expect(CASES.some((c) => c.name.includes(`--${step}-->`)), step).toBe(true);
  });
});
