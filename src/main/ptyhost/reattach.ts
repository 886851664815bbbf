// The reattach at start-up, before recovery: every session the pty host holds is matched with
// its run. A run this machine recorded live takes its session back (adopt); a session whose run
// is not live any more (ended, cancelled meanwhile, or never claimed) is stopped and forgotten.
import { inArray } from 'drizzle-orm';
import { isLiveStatus } from '../../shared/domain';
import { heartbeatRuns } from '../db/schema';
import type { ServiceContext } from '../context';
import type { RunRow } from '../views/dto';
import type { RunSession } from '../heartbeat/run-process';
import type { PtyHostSpawner, PtySessionInfo } from './spawner';
import { acknowledgeExits, readExits } from '../../node/process/exits-file';
import { RecordedSession } from './recorded-session';

export interface ReattachResult {
  /** Runs taken back whose agent still runs. */
  adopted: string[];
  /** Runs whose agent ended while no host was connected (finalized by the adopter with their real exit). */
  endedMeanwhile: string[];
  /** Sessions without a live run: stopped (if alive) and forgotten. */
  strays: string[];
}

/**
 * `adopt` takes a live run's session back (its output streams from offset 0: the adopter
 * replays what the last host had handled into its parser); false when the run turned out not to
 * be takeable (ended meanwhile): then it is stopped like a stray.
 */
export async function reattachRuns(
  ctx: ServiceContext,
  spawner: PtyHostSpawner,
  adopt: (run: RunRow, handle: RunSession, info: PtySessionInfo) => Promise<boolean>,
  killGraceMs: number,
): Promise<ReattachResult> {
  const result: ReattachResult = { adopted: [], endedMeanwhile: [], strays: [] };
  const sessions = await spawner.sessions();
  await collectLeftExits(ctx, sessions, adopt, result);
  if (sessions.length === 0) return result;
  const rows = new Map(
    (await ctx.db.select().from(heartbeatRuns).where(inArray(heartbeatRuns.id, sessions.map((s) => s.session)))).map((r) => [r.id, r]),
  );
  for (const info of sessions) {
    const run = rows.get(info.session);
    const ours = run && isLiveStatus(run.status) && (run.hostId === ctx.machineId || run.hostId === null);
    // A run taken back replays its whole log into its parser; a stray's output is of no interest.
    const handle = await spawner.attach(info.session, ours ? 0 : info.bytes);
    if (ours && (await adopt(run, handle, info))) {
      (info.exit ? result.endedMeanwhile : result.adopted).push(info.session);
      continue;
    }
    // Not a live run of this machine: nothing may keep running for it.
    result.strays.push(info.session);
    handle.onOutput(() => undefined);
    const ended = new Promise<void>((resolve) => handle.onExit(() => resolve()));
    handle.onLost(() => undefined);
    if (!info.exit) await handle.terminate(killGraceMs);
    // An unkillable leftover must not hold the start-up: it stays listed for the next start.
    const gone = await Promise.race([ended.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), killGraceMs + 5000).unref())]);
    if (gone) handle.acknowledge();
  }
  return result;
}

/**
 * Exits a pty host left in the data folder before it went (no host was connected): each live run
 * of this machine among them is taken back from its log and finalized with its real exit; the
 * others are forgotten (nothing of them runs any more).
 */
async function collectLeftExits(
  ctx: ServiceContext,
  held: PtySessionInfo[],
  adopt: (run: RunRow, handle: RunSession, info: PtySessionInfo) => Promise<boolean>,
  result: ReattachResult,
): Promise<void> {
  const left = readExits(ctx.dataDir).filter((s) => !held.some((h) => h.session === s.session));
  if (left.length === 0) return;
  const rows = new Map((await ctx.db.select().from(heartbeatRuns).where(inArray(heartbeatRuns.id, left.map((s) => s.session)))).map((r) => [r.id, r]));
  const forget: string[] = [];
  for (const info of left) {
    const run = rows.get(info.session);
    const ours = run && isLiveStatus(run.status) && (run.hostId === ctx.machineId || run.hostId === null);
    if (ours && info.exit && (await adopt(run, new RecordedSession(ctx.dataDir, { ...info, exit: info.exit }), info))) result.endedMeanwhile.push(info.session);
    else forget.push(info.session);
  }
  if (forget.length) acknowledgeExits(ctx.dataDir, forget);
}
