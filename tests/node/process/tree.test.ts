// Finding and killing a run's processes, with real process trees and real signals.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readProcStat, readStartIdentity } from '../../../src/node/process/identity';
import { findRunProcesses, snapshotProcesses, terminateProcesses, terminateRun, type ProcInfo, type RunProcessQuery } from '../../../src/node/process/tree';
import { FIXTURES, isAlive, ProcessJanitor, sleep, waitFor, type CollectedRun } from '../../fixtures/process/harness';

const janitor = new ProcessJanitor();
afterEach(() => janitor.cleanup());

const KINDS = ['grandchild', 'nohup', 'setsid', 'jobctl', 'termtrap', 'hupignore', 'forker'] as const;
type Kind = (typeof KINDS)[number];

const readPid = (dir: string, kind: string): number | null => {
  try {
    const n = Number(readFileSync(join(dir, kind), 'utf8').trim());
    return n > 0 ? n : null;
  } catch {
    return null;
  }
};

const queryOf = (r: CollectedRun): RunProcessQuery => ({
  runId: r.runId,
  pgid: r.run.pgid,
  sid: r.run.sid,
  leaderPid: r.run.pid,
  leaderStartId: r.run.startId,
});

/** Starts run-tree.sh in a pty and waits until every descendant kind is running. */
async function startRunTree(): Promise<{ r: CollectedRun; dir: string; pids: Record<Kind, number>; ids: Record<Kind, string> }> {
  const dir = janitor.tempDir();
  const r = janitor.spawnRun({ file: 'sh', args: [join(FIXTURES, 'run-tree.sh'), dir], cwd: dir });
  await waitFor(() => r.output().includes('ready'), 'the run tree to start');
  const pids = {} as Record<Kind, number>;
  const ids = {} as Record<Kind, string>;
  for (const kind of KINDS) {
    pids[kind] = await waitFor(() => readPid(dir, kind), `the ${kind} pid`);
    ids[kind] = await waitFor(() => readStartIdentity(pids[kind]), `the ${kind} process`);
  }
  // The setsid child execs sleep after writing its pid: wait for it to be in its new session.
  await waitFor(() => readProcStat(pids.setsid)?.comm === 'sleep', 'setsid sleep to exec');
  return { r, dir, pids, ids };
}

describe('findRunProcesses', () => {
  it('finds the leader and every kind of descendant, however it left the group', async () => {
    const { r, pids } = await startRunTree();
    const found = new Map(findRunProcesses(queryOf(r)).map((p) => [p.pid, p]));
    expect(found.has(r.run.pid)).toBe(true);
    for (const kind of KINDS) expect(found.has(pids[kind]), `${kind} (pid ${pids[kind]})`).toBe(true);
    expect(found.has(process.pid)).toBe(false);
    for (const p of found.values()) expect(p.startId).toBe(readStartIdentity(p.pid) ?? p.startId);

    // The setsid grandchild left both the session and the group; the job-control child left the group.
    const setsid = found.get(pids.setsid)!;
    expect(setsid.sid).not.toBe(r.run.sid);
    expect(setsid.pgid).not.toBe(r.run.pgid);
    expect(found.get(pids.jobctl)!.pgid).not.toBe(r.run.pgid);
    expect(found.get(pids.jobctl)!.sid).toBe(r.run.sid);
  });

  it('reaches a process in another session and group through the run cookie alone', async () => {
    const { r, pids } = await startRunTree();
    const byCookieOnly = findRunProcesses({ runId: r.runId }).map((p) => p.pid);
    expect(byCookieOnly).toContain(pids.setsid);
    expect(byCookieOnly).toContain(r.run.pid);
    const byGroupOnly = findRunProcesses({ ...queryOf(r), runId: randomUUID() }).map((p) => p.pid);
    expect(byGroupOnly).toContain(r.run.pid);
    expect(byGroupOnly).not.toContain(pids.setsid);
  });

  it('takes a group whose leader is gone only where a member carries the run cookie', async () => {
    const dir = janitor.tempDir();
    const runId = randomUUID();
    // The leader starts a member, then leaves once told to (so its identity can be recorded first).
    const leader = janitor.spawnStranger('sh', ['-c', `sleep 600 & echo $! > "${dir}/member"; while [ ! -e "${dir}/go" ]; do sleep 0.05; done`], {
      env: { PATH: process.env.PATH, VIGIL_RUN_ID: runId },
    });
    const member = await waitFor(() => readPid(dir, 'member'), 'the member pid');
    writeFileSync(join(dir, 'go'), '');
    await waitFor(() => readStartIdentity(leader.pid) === null, 'the leader to exit');
    const q = { runId, pgid: leader.pid, sid: leader.pid, leaderPid: leader.pid, leaderStartId: leader.startId };
    // With the leader gone, only a cookie vouches that the group number is still the run's.
    expect(findRunProcesses({ ...q, runId: randomUUID() }).map((p) => p.pid)).toEqual([]);
    expect(findRunProcesses(q).map((p) => p.pid)).toEqual([member]);
    expect((await terminateRun(q, { graceMs: 500 })).terminated.map((p) => p.pid)).toEqual([member]);
  });

  it('never counts a zombie as alive', async () => {
    const runId = randomUUID();
    // sh forks a child that exits at once, then becomes `sleep`, which never reaps it.
    const parent = janitor.spawnStranger('sh', ['-c', 'sleep 0 & exec sleep 600'], { env: { PATH: process.env.PATH, VIGIL_RUN_ID: runId } });
    await waitFor(() => readProcStat(parent.pid)?.comm === 'sleep', 'sh to become sleep');
    const zombie = await waitFor(
      () => readdirSync('/proc').map(Number).find((pid) => pid > 0 && readProcStat(pid)?.ppid === parent.pid && readProcStat(pid)?.state === 'Z'),
      'the zombie child',
    );
    const found = findRunProcesses({ runId, pgid: parent.pid, sid: parent.pid, leaderPid: parent.pid, leaderStartId: parent.startId }).map((p) => p.pid);
    expect(found).toEqual([parent.pid]);
    expect(found).not.toContain(zombie);
  });

  it('never includes the asking process, even when its cookie, group and session all name it', () => {
    // Asked from a child that leads its own session: the test runner's own session id can be 0
    // (its leader lives outside a container's pid namespace), which no query may name.
    const runId = randomUUID();
    const probe = [
      "import { findRunProcesses } from './src/node/process/tree.ts';",
      "import { readProcStat, readStartIdentity } from './src/node/process/identity.ts';",
      'const me = readProcStat(process.pid);',
      'const found = findRunProcesses({ runId: process.env.VIGIL_RUN_ID, pgid: me.pgid, sid: me.sid, leaderPid: me.sid, leaderStartId: readStartIdentity(me.sid) });',
      'console.log(JSON.stringify({ me: process.pid, sid: me.sid, pgid: me.pgid, found: found.map((p) => p.pid) }));',
    ].join('\n');
    const child = spawnSync('setsid', ['--wait', process.execPath, '--import', 'tsx', '--input-type=module', '-e', probe], {
      cwd: join(FIXTURES, '../../..'),
      env: { ...process.env, VIGIL_RUN_ID: runId },
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    const out = JSON.parse(child.stdout) as { me: number; sid: number; pgid: number; found: number[] };
    expect(out.sid).toBe(out.me);
    expect(out.pgid).toBe(out.me);
    expect(out.found).not.toContain(out.me);
  });

  it('answers many runs from one scan of the process table', async () => {
    const a = await startRunTree();
    const table = snapshotProcesses();
    expect(table.get(a.r.run.pid)?.runId).toBe(a.r.runId);
    expect(table.runProcesses(queryOf(a.r)).map((p) => p.pid).sort()).toEqual(findRunProcesses(queryOf(a.r)).map((p) => p.pid).sort());
    expect(table.runProcesses({ runId: randomUUID() })).toEqual([]);
  });

  it('rejects a query that would name no group or everyone', () => {
    expect(() => findRunProcesses({ runId: '' })).toThrow(/runId/);
    expect(() => findRunProcesses({ runId: 'r', pgid: 0 })).toThrow(/pgid/);
    expect(() => findRunProcesses({ runId: 'r', sid: 1 })).toThrow(/sid/);
  });
});

describe('a recycled pid', () => {
  it('is not found and not killed when its identity differs from the recorded leader', async () => {
    const dir = janitor.tempDir();
    // A group Vigil did not start: no cookie, its own session, a leader and a member.
    const stranger = janitor.spawnStranger('sh', ['-c', `sleep 600 & echo $! > "${dir}/member"; wait`]);
    const member = await waitFor(() => readPid(dir, 'member'), 'the member pid');
    const memberId = await waitFor(() => readStartIdentity(member), 'the member process');
    const recorded = { runId: randomUUID(), pgid: stranger.pid, sid: stranger.pid, leaderPid: stranger.pid };

    // Control: with the true identity the group is reachable, so the query itself is sound.
    expect(findRunProcesses({ ...recorded, leaderStartId: stranger.startId }).map((p) => p.pid).sort()).toEqual([stranger.pid, member].sort());

    const reused = { ...recorded, leaderStartId: `${stranger.startId}0` };
    expect(findRunProcesses(reused)).toEqual([]);
    const { terminated } = await terminateRun(reused, { graceMs: 100 });
    expect(terminated).toEqual([]);
    await sleep(200);
    expect(isAlive(stranger.pid, stranger.startId)).toBe(true);
    expect(isAlive(member, memberId)).toBe(true);
  });
});

describe('terminateProcesses', () => {
  it('skips a process whose start identity no longer matches, and signals one that does', async () => {
    const stranger = janitor.spawnStranger('sleep', ['600']);
    const stat = readProcStat(stranger.pid)!;
    const info: ProcInfo = { pid: stranger.pid, ppid: stat.ppid, pgid: stat.pgid, sid: stat.sid, startId: stranger.startId, comm: stat.comm };
    const impostor = { ...info, startId: `${info.startId}1` };

    const first = await terminateProcesses([impostor], { graceMs: 100 });
    expect(first).toEqual({ terminated: [], skipped: [impostor] });
    expect(isAlive(stranger.pid, stranger.startId)).toBe(true);

    const second = await terminateProcesses([info], { graceMs: 1_000 });
    expect(second).toEqual({ terminated: [info], skipped: [] });
    expect(isAlive(stranger.pid, stranger.startId)).toBe(false);

    // Gone now: asking again signals nothing.
    expect(await terminateProcesses([info], { graceMs: 100 })).toEqual({ terminated: [], skipped: [info] });
  });

  it('rejects a negative grace', async () => {
    await expect(terminateProcesses([], { graceMs: -1 })).rejects.toThrow(/graceMs/);
  });
});

describe('terminateRun', () => {
  it('kills the whole run: escaped, TERM-ignoring, HUP-ignoring and late-forked processes included', async () => {
    const { r, dir, pids, ids } = await startRunTree();
    // The fixtures really resist: SIGTERM does not end termtrap, SIGHUP does not end hupignore.
    process.kill(pids.termtrap, 'SIGTERM');
    process.kill(pids.hupignore, 'SIGHUP');
    await sleep(300);
    expect(isAlive(pids.termtrap, ids.termtrap)).toBe(true);
    expect(isAlive(pids.hupignore, ids.hupignore)).toBe(true);

    const before = findRunProcesses(queryOf(r));
    const { terminated, remaining } = await terminateRun(queryOf(r), { graceMs: 500 });
    expect(remaining).toEqual([]);
    const killed = terminated.map((p) => p.pid);
    expect(killed).toContain(r.run.pid);
    for (const kind of KINDS) {
      expect(killed, kind).toContain(pids[kind]);
      expect(isAlive(pids[kind], ids[kind]), `${kind} still alive`).toBe(false);
    }
    for (const p of before) expect(isAlive(p.pid, p.startId), `${p.comm} ${p.pid} still alive`).toBe(false);

    // The forker answered SIGTERM with a new child: a later round found and killed it.
    expect(existsSync(join(dir, 'late'))).toBe(true);
    const late = readPid(dir, 'late')!;
    expect(killed).toContain(late);
    expect(readStartIdentity(late)).toBeNull();

    expect(findRunProcesses(queryOf(r))).toEqual([]);
    const { exit } = await r.exited;
    expect(exit.signal ?? `exit ${exit.exitCode}`).toBe('SIGTERM');
  });

  it('does nothing for a run with no live processes', async () => {
    const r = janitor.spawnRun({ file: 'sh', args: ['-c', 'exit 0'], cwd: '/' });
    await r.exited;
    expect(await terminateRun(queryOf(r), { graceMs: 100 })).toEqual({ terminated: [], remaining: [] });
  });
});
