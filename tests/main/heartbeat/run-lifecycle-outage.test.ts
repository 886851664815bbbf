// A database outage while runs end (issue #11): on a throwaway PostgreSQL cluster of its own
// (the shared test server is never stopped), the server is stopped for a few seconds while runs
// end, then started again. Every run must get its real outcome, and no row may stay `running`
// without a live process; a clean shutdown during the outage must land its runs' ends too.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, inArray } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heartbeatRuns } from '../../../src/main/db/schema';
import { pidAlive, startTestHost, waitFor, type TestHost } from '../../helpers/host';
import { freePort } from '../../helpers/pg-global-setup';
import { tempDir } from '../../helpers/stores';

/** The newest installed PostgreSQL's binaries (Debian's layout), or pg_config's, or null. */
function findPgBin(): string | null {
  const debian = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .filter((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => join('/usr/lib/postgresql', v, 'bin'))
    : [];
  if (debian.length > 0) return debian[0];
  try {
    const bin = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    return existsSync(join(bin, 'pg_ctl')) ? bin : null;
  } catch {
    return null;
  }
}
const PG_BIN = findPgBin();
// With a PostgreSQL to test against, missing server binaries are a broken set-up, not a reason to skip.
if (!PG_BIN && process.env.VIGIL_TEST_PG_URL) {
  throw new Error('VIGIL_TEST_PG_URL is set but no PostgreSQL server binaries (pg_ctl, initdb) were found under /usr/lib/postgresql/*/bin or pg_config --bindir: install them to run the outage test');
}
const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled'];


/** A PostgreSQL cluster this test may stop and start. */
class ThrowawayCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'vigil-outage-pg-'));
  private readonly data = join(this.dir, 'data');
  port = 0;

  private run(cmd: string, args: string[]): void {
    const asRoot = process.getuid?.() === 0;
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN!, cmd), ...args], { stdio: 'pipe' });
    else execFileSync(join(PG_BIN!, cmd), args, { stdio: 'pipe' });
  }

  async init(): Promise<void> {
    chmodSync(this.dir, 0o777);
    this.run('initdb', ['-D', this.data, '-U', 'vigil', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    this.port = await freePort();
    this.start();
  }

  start(): void {
    this.run('pg_ctl', ['-D', this.data, '-l', join(this.dir, 'log'), '-w', '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  }

  stop(): void {
    this.run('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', 'stop']);
  }

  url(db = 'postgres'): string {
    return `postgres://vigil@127.0.0.1:${this.port}/${db}`;
  }

  destroy(): void {
    try {
      this.run('pg_ctl', ['-D', this.data, '-m', 'immediate', 'stop']);
    } catch {
      /* not running */
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!PG_BIN)('a PostgreSQL outage while runs end (needs PostgreSQL server binaries)', () => {
  const cluster = new ThrowawayCluster();
  beforeAll(async () => {
    await cluster.init();
    const admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    await admin.query('create database vigil_outage');
    await admin.end();
  }, 120_000);
  afterAll(() => cluster.destroy());

  it('every run gets its real outcome once the server is back; a clean shutdown lands its ends too', async () => {
    const data = tempDir();
    const t: TestHost = await startTestHost('postgres', {}, { kind: 'postgres', dataDir: data.dir, databaseUrl: cluster.url('vigil_outage'), cleanup: data.cleanup });
    try {
      // Each command waits for its go file, so the test decides when it ends: during the outage.
      const dir = data.dir;
      const go = (id: string) => writeFileSync(join(dir, `go-${id}`), '');
      const waitGo = (end: string) => `while [ ! -f "${dir}/go-$VIGIL_RUN_ID" ]; do sleep 0.1; done; touch "${dir}/ended-$VIGIL_RUN_ID"; ${end}`;
      const ids: string[] = [];
      for (const [name, command] of [['ok', waitGo('exit 0')], ['bad', waitGo('exit 3')], ['other', waitGo('true')]] as const) {
        await t.call('agents.create', { name, adapterType: 'process', command });
        ids.push((await t.call('agents.wake', { agent: name })).runId!);
      }
      const db = t.host.ctx.db;
      const rows = () => db.select().from(heartbeatRuns).where(inArray(heartbeatRuns.id, ids));
      const running = await waitFor(async () => {
        const all = await rows();
        return all.length === 3 && all.every((r) => r.status === 'running' && r.processPid) ? all : null;
      }, 30_000, 'the runs to start');
      // The runs end while the server is away: every command is over before it comes back.
      cluster.stop();
      for (const id of ids) go(id);
      await waitFor(() => ids.every((id) => existsSync(join(dir, `ended-${id}`))) && running.every((r) => !pidAlive(r.processPid!)), 30_000, 'the commands to end during the outage');
      await sleep(2000);
      cluster.start();
      const ended = await waitFor(async () => {
        const all = await rows().catch(() => []);
        return all.length === 3 && all.every((r) => TERMINAL.includes(r.status)) ? all : null;
      }, 60_000, 'every run to get its outcome');
      const byId = new Map(ended.map((r) => [r.id, r]));
      expect([byId.get(ids[0])!.status, byId.get(ids[1])!.status, byId.get(ids[1])!.exitCode, byId.get(ids[2])!.status]).toEqual(['succeeded', 'failed', 3, 'succeeded']);
      // Its slot is free again: the next wake starts a run.
      const next = (await t.call('agents.wake', { agent: 'ok' })).runId!;
      go(next);
      await waitFor(async () => TERMINAL.includes((await db.select().from(heartbeatRuns).where(eq(heartbeatRuns.id, next)))[0].status), 30_000, 'the next run to end');

      // A clean shutdown while the server is away: it waits for the server and records the ends.
      const last = (await t.call('agents.wake', { agent: 'other' })).runId!;
      await waitFor(async () => (await db.select().from(heartbeatRuns).where(eq(heartbeatRuns.id, last)))[0].status === 'running', 30_000, 'the last run to start');
      cluster.stop();
      go(last);
      const closing = t.host.close();
      await sleep(4000);
      cluster.start();
      await closing;
    } finally {
      await t.host.close();
    }
    const check = new pg.Client({ connectionString: cluster.url('vigil_outage') });
    await check.connect();
    try {
      const { rows } = await check.query("select id, status, error_code from heartbeat_runs where status in ('starting', 'running')");
      expect(rows).toEqual([]);
    } finally {
      await check.end();
      data.cleanup();
    }
  }, 240_000);
});
