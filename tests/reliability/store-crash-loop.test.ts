// The crash loop: a writer process committing rows is SIGKILLed at random moments, CRASH_LOOPS
// times (CI 25, manual 200). After each kill the folder is reopened twice: a copy with plain
// PGlite in a fresh process (what breaks without Vigil's safeguards) and the folder itself
// through openDataDirStore (what Vigil makes of it). Committed ids (printed by the writer after
// each commit returned) missing after the reopen are lost rows. The figures are printed.
import { readdirSync, readFileSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pgliteDirOf } from '../../src/main/db/client';
import { openDataDirStore, type DataDirStore } from '../../src/main/db/safe-open';
import {
  committedIds,
  kill,
  killDuringInitdb,
  killOrReport,
  leftovers,
  rawReopen,
  startWriter,
  type RawOutcome,
  type Writer,
  type WriterMode,
} from '../fixtures/store/crash-harness';
import { tempDir } from '../helpers/stores';

const LOOPS = Number(process.env.CRASH_LOOPS ?? 25);
const PGLITE_VERSION = (JSON.parse(readFileSync('node_modules/@electric-sql/pglite/package.json', 'utf8')) as { version: string }).version;
const RAW_TIMEOUT_MS = 60_000;
const BACKUP_EVERY = 5;
const VARIANTS = ['rows', 'checkpoint', 'big-tx', 'during-open', 'initdb', 'two-procs'] as const;
type Variant = (typeof VARIANTS)[number];
// A kill during initdb costs three initdb runs (the writer's, plain PGlite's, Vigil's): one in ten.
const SCHEDULE: Variant[] = ['rows', 'checkpoint', 'big-tx', 'during-open', 'two-procs', 'rows', 'checkpoint', 'big-tx', 'during-open', 'initdb'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo));

interface RawTally {
  kills: number;
  opened: number;
  exception: number;
  abort: number;
  hang: number;
  missing: number;
  leftovers: Map<string, number>;
  details: Set<string>;
}

interface VigilTally {
  opens: number;
  plain: number;
  replayed: number;
  restored: number;
  fresh: number;
  unrecoverable: number;
  lost: number;
  openMs: number[];
  notices: Set<string>;
}

const newRaw = (): RawTally => ({ kills: 0, opened: 0, exception: 0, abort: 0, hang: 0, missing: 0, leftovers: new Map(), details: new Set() });
const newVigil = (): VigilTally => ({ opens: 0, plain: 0, replayed: 0, restored: 0, fresh: 0, unrecoverable: 0, lost: 0, openMs: [], notices: new Set() });

async function killWriterAt(dir: string, mode: WriterMode, runMs: number): Promise<Writer> {
  const writer = startWriter(dir, mode);
  if (await writer.ready) await sleep(runMs);
  await kill(writer);
  return writer;
}

/** Kills one writer mid-write, then a second one during its open (while it replays the WAL). */
async function killDuringOpen(dir: string): Promise<Writer[]> {
  const first = await killWriterAt(dir, 'rows', rand(100, 800));
  const second = startWriter(dir, 'rows');
  await sleep(rand(0, 1200));
  await kill(second);
  return [first, second];
}

/** Two writers on one folder with no lock between them: what the data-folder lock prevents. */
async function twoWriters(dir: string, loop: number, t: RawTally): Promise<Writer[]> {
  const a = startWriter(dir, 'rows');
  const b = startWriter(dir, 'rows', 1_000_000_000 + loop * 1_000_000);
  await Promise.all([a.ready, b.ready]);
  await sleep(rand(500, 2000));
  // One of them failing to open while the other runs is one of the outcomes being measured.
  for (const died of await Promise.all([killOrReport(a), killOrReport(b)])) {
    if (died) t.details.add(`a writer failed to open while the other ran: ${died.slice(0, 120)}`);
  }
  return [a, b];
}

function tallyRaw(t: RawTally, outcome: RawOutcome, seen: string[]): void {
  t.kills++;
  for (const s of seen) t.leftovers.set(s, (t.leftovers.get(s) ?? 0) + 1);
  if (outcome.opened) {
    t.opened++;
    t.missing += outcome.missing;
  } else {
    t[outcome.how]++;
    t.details.add(`${outcome.how}: ${outcome.detail.slice(0, 140)}`);
  }
}

async function presentIds(opened: DataDirStore, ids: number[]): Promise<Set<number>> {
  const hasT = await opened.store.sql.query(`select to_regclass('public.t') is not null as ok`);
  if (!hasT[0].ok || ids.length === 0) return new Set();
  const rows = await opened.store.sql.query('select id from t where id = any($1::int[])', [ids]);
  return new Set(rows.map((r) => Number(r.id)));
}

/** Reopens through Vigil; returns the ids still present, or null when the open threw. */
async function vigilReopen(t: VigilTally, dataDir: string, ids: number[], wasUnclean: boolean, backup: boolean): Promise<number[] | null> {
  t.opens++;
  const started = performance.now();
  let opened: DataDirStore;
  try {
    opened = await openDataDirStore(dataDir);
  } catch (err) {
    t.unrecoverable++;
    t.notices.add(`THREW: ${(err as Error).message}`);
    return null;
  }
  t.openMs.push(performance.now() - started);
  const notice = opened.notices.join(' ');
  if (/Restored the database/.test(notice)) t.restored++;
  else if (/NEW, EMPTY/.test(notice)) t.fresh++;
  else if (wasUnclean) t.replayed++;
  else t.plain++;
  for (const n of opened.notices) t.notices.add(n.replace(/\d{4}-\d{2}-\d{2}T[\d:.-]+Z/g, '<time>').replace(/\/tmp\/\S+/g, '<path>'));
  const present = await presentIds(opened, ids);
  t.lost += ids.length - present.size;
  if (backup) await opened.backup();
  await opened.store.close();
  return ids.filter((id) => present.has(id));
}

const pad = (v: unknown, n: number) => String(v).padEnd(n);
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : 0);

function printTables(raw: Map<Variant, RawTally>, vigil: Map<Variant, VigilTally>, seconds: number): void {
  const lines = [
    '',
    `Store crash loop: ${[...raw.values()].reduce((n, t) => n + t.kills, 0)} of ${LOOPS} crash cycles in ${seconds.toFixed(0)} s (PGlite ${PGLITE_VERSION}, Node ${process.version}, load ${loadavg()[0].toFixed(1)})`,
    '',
    'Plain PGlite reopening a copy of the killed folder in a fresh process:',
    `${pad('variant', 13)}${pad('cycles', 8)}${pad('opened', 8)}${pad('exception', 11)}${pad('abort', 7)}${pad('hang', 6)}${pad('committed rows missing', 24)}left on disk by the kill`,
  ];
  for (const [v, t] of raw) {
    const seen = [...t.leftovers].map(([k, n]) => `${k} x${n}`).join(', ') || '-';
    lines.push(`${pad(v, 13)}${pad(t.kills, 8)}${pad(t.opened, 8)}${pad(t.exception, 11)}${pad(t.abort, 7)}${pad(t.hang, 6)}${pad(t.missing, 24)}${seen}`);
  }
  for (const [, t] of raw) for (const d of t.details) lines.push(`  ${d}`);
  lines.push('', 'Vigil (openDataDirStore) opening the killed folder itself:');
  lines.push(`${pad('variant', 13)}${pad('opens', 7)}${pad('plain', 7)}${pad('replayed', 10)}${pad('restored', 10)}${pad('fresh', 7)}${pad('unrecoverable', 15)}${pad('lost rows', 11)}open ms median/max`);
  for (const [v, t] of vigil) {
    const ms = `${median(t.openMs).toFixed(0)}/${Math.max(0, ...t.openMs).toFixed(0)}`;
    lines.push(`${pad(v, 13)}${pad(t.opens, 7)}${pad(t.plain, 7)}${pad(t.replayed, 10)}${pad(t.restored, 10)}${pad(t.fresh, 7)}${pad(t.unrecoverable, 15)}${pad(t.lost, 11)}${ms}`);
  }
  lines.push(`${pad('two-procs', 13)}not run: the data-folder lock refuses the second opener (tests/main/db/lock.test.ts)`);
  for (const [, t] of vigil) for (const n of t.notices) lines.push(`  notice: ${n}`);
  console.log(lines.join('\n'));
}

describe('store crash loop', () => {
  it(`survives ${LOOPS} SIGKILLs with no unrecoverable open and no lost committed row`, async () => {
    const started = performance.now();
    const { dir: root, cleanup } = tempDir('vigil-crash-');
    const raw = new Map<Variant, RawTally>(VARIANTS.map((v) => [v, newRaw()]));
    const vigil = new Map<Variant, VigilTally>(VARIANTS.filter((v) => v !== 'two-procs').map((v) => [v, newVigil()]));
    const dataDir = join(root, 'main');
    const dbDir = pgliteDirOf(dataDir);
    try {
      let committed = (await vigilReopen(newVigil(), dataDir, [], false, true)) ?? [];
      let mainLoops = 0;
      for (let loop = 0; loop < LOOPS; loop++) {
        const variant = SCHEDULE[loop % SCHEDULE.length];
        const scratch = join(root, `scratch-${loop}`);
        let target = dataDir;
        let writers: Writer[];
        if (variant === 'initdb') {
          target = scratch;
          writers = [await killDuringInitdb(pgliteDirOf(scratch), rand(1, 990))];
        } else if (variant === 'two-procs') {
          await cp(dbDir, pgliteDirOf(scratch), { recursive: true });
          target = scratch;
          writers = await twoWriters(pgliteDirOf(scratch), loop, raw.get('two-procs')!);
        } else if (variant === 'during-open') {
          writers = await killDuringOpen(dbDir);
        } else {
          const mode: WriterMode = variant === 'big-tx' ? 'big' : variant;
          writers = [await killWriterAt(dbDir, mode, rand(0, variant === 'big-tx' ? 3000 : 1500))];
        }
        const fresh = writers.flatMap((w) => committedIds(w.lines));
        const ids = variant === 'initdb' ? fresh : [...committed, ...fresh];
        const killedDir = pgliteDirOf(target);
        const seen = leftovers(killedDir);
        const copy = join(root, `raw-${loop}`);
        await cp(killedDir, copy, { recursive: true });
        tallyRaw(raw.get(variant)!, await rawReopen(copy, ids, RAW_TIMEOUT_MS), seen);
        await rm(copy, { recursive: true, force: true });
        await rm(`${copy}.ids`, { force: true });
        if (variant !== 'two-procs') {
          const tally = vigil.get(variant)!;
          const isMain = target === dataDir;
          if (isMain) mainLoops++;
          const kept = await vigilReopen(tally, target, ids, seen.includes('postmaster.pid'), isMain && mainLoops % BACKUP_EVERY === 0);
          if (kept === null) break;
          // A row lost once is counted once.
          if (isMain) committed = kept;
        }
        await rm(scratch, { recursive: true, force: true });
      }
      const all = [...vigil.values()];
      expect(all.reduce((n, t) => n + t.unrecoverable, 0)).toBe(0);
      expect(all.reduce((n, t) => n + t.lost, 0)).toBe(0);
      expect(all.reduce((n, t) => n + t.opens, 0)).toBeGreaterThan(0);
    } finally {
      printTables(raw, vigil, (performance.now() - started) / 1000);
      cleanup();
    }
  }, 3_600_000);

  it('prints open and backup timings on a folder with 100,000 runs', async () => {
    const { dir, cleanup } = tempDir('vigil-100k-');
    try {
      const seeding = await openDataDirStore(dir);
      await seeding.store.sql.query(`insert into workspaces (id, name, issue_prefix) values ('w', 'W', 'W')`);
      await seeding.store.sql.query(`insert into agents (id, workspace_id, name, adapter_type) values ('a', 'w', 'A', 'claude_local')`);
      await seeding.store.sql.query(
        `insert into heartbeat_runs (id, workspace_id, agent_id, status, invocation_source, context_snapshot, last_output_line, log_path, started_at, finished_at)
         select 'run-' || g, 'w', 'a', 'succeeded', 'timer', '{"reason":"timer"}', 'the last line of run ' || g, '/logs/run-' || g || '.log', now(), now()
         from generate_series(1, 100000) g`,
      );
      await seeding.store.close();
      const timed = async (label: string, rows: string[]) => {
        const t0 = performance.now();
        const opened = await openDataDirStore(dir);
        const openMs = performance.now() - t0;
        // Queries wait while the backup copies the folder: the slowest of a steady trickle shows how long.
        const t1 = performance.now();
        let backingUp = true;
        const backup = opened.backup().finally(() => (backingUp = false));
        let heldMs = 0;
        while (backingUp) {
          const t2 = performance.now();
          await opened.store.sql.query('select 1');
          heldMs = Math.max(heldMs, performance.now() - t2);
          await sleep(10);
        }
        await backup;
        const backupMs = performance.now() - t1;
        const runs = Number((await opened.store.sql.query('select count(*)::int as n from heartbeat_runs'))[0].n);
        const t3 = performance.now();
        await opened.store.close();
        const closeMs = performance.now() - t3;
        expect(runs).toBe(100_000);
        expect(opened.notices).toEqual([]);
        rows.push(`${pad(label, 34)}${pad(openMs.toFixed(0), 10)}${pad(backupMs.toFixed(0), 11)}${pad(heldMs.toFixed(0), 16)}${closeMs.toFixed(0)}`);
      };
      const rows: string[] = [];
      for (let i = 0; i < 2; i++) await timed('clean (closed by Store.close)', rows);
      for (let i = 0; i < 2; i++) {
        await killWriterAt(pgliteDirOf(dir), 'rows', 300);
        await timed('unclean (writer SIGKILLed)', rows);
      }
      console.log(
        [
          '',
          `openDataDirStore on 100,000 runs (${readdirSync(join(dir, 'backups')).length} backups kept, load ${loadavg()[0].toFixed(1)}):`,
          `${pad('folder', 34)}${pad('open ms', 10)}${pad('backup ms', 11)}${pad('query held max', 16)}close ms`,
          ...rows,
        ].join('\n'),
      );
    } finally {
      cleanup();
    }
  }, 1_800_000);
});

