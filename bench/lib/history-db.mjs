// The long-lived database for cold start and paging: 100,000 finished runs (with their wakeups,
// events and activity), 50 agents, 5,000 issues. Made once with bulk statements and cached under
// bench/.cache (keyed by the migrations); each use gets a copy.
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, freshDataDir, log, now, onCleanup, pgliteOf, schemaKey, startBenchHost, tempDir } from './common.mjs';
import { seedHistory } from './seed.mjs';

export const HISTORY = { runs: 100_000, agents: 50, issues: 5_000 };

export async function historyTemplate() {
  const dir = join(CACHE_DIR, `history-${HISTORY.runs}-v2-${schemaKey()}`);
  if (existsSync(join(dir, 'db', 'PG_VERSION'))) return dir;
  log(`making the ${HISTORY.runs.toLocaleString('en')}-run database (once, cached in bench/.cache)...`);
  const t = now();
  const src = await freshDataDir();
  const { host, close } = await startBenchHost({ dataDir: src, recoverOnStart: false, startScheduler: false });
  await seedHistory(pgliteOf(host), { workspaceId: host.ctx.workspaceId, ...HISTORY });
  await close();
  const tmp = mkdtempSync(join(CACHE_DIR, '.tmp-history-'));
  onCleanup(() => rmSync(tmp, { recursive: true, force: true }));
  cpSync(join(src, 'db'), join(tmp, 'db'), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  log(`made in ${((now() - t) / 1000).toFixed(1)} s`);
  return dir;
}

/** A data folder holding a copy of the long-lived database (removed at the end). */
export async function historyDataDir() {
  const src = await historyTemplate();
  const dir = tempDir('vigil-bench-history-');
  cpSync(join(src, 'db'), join(dir, 'db'), { recursive: true });
  return dir;
}
