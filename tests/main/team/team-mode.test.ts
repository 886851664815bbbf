// Team mode, end to end: two real `vigil serve` hosts with different machine ids on one fresh
// PostgreSQL database (standing in for two machines), driven through the real CLI and a real
// control-socket subscriber. Each agent's command appends its host's machine (an env var only
// that host has) and its run id to a file, so every process start is counted where it happened.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/host';
import { connect, type Client } from '../../../src/cli/client';
import type { AgentDto, IssueDto, MachineDto, RunDetailDto, RunDto } from '../../../src/shared/contract';
import type { HostEvent } from '../../../src/shared/events';
import { pgUrl } from '../../helpers/stores';
import { TEAM_LEASE_MS, twoHostTeam } from '../../helpers/team';

const LEASE_MS = TEAM_LEASE_MS;
const d = pgUrl() ? describe : describe.skip;

d('team mode: two machines on one PostgreSQL server', () => {
  const team = twoHostTeam('vigil-team-', {
    args: ['--max-concurrent', '4'],
    env: (machine) => ({ TEAM_TEST_MACHINE: machine }),
    setup: () => writeFileSync(starts, ''),
    beforeAllMs: 300_000,
  });
  const starts = join(team.work, 'starts.txt');
  const A = team.alpha;
  const B = team.beta;

  /** The command every agent runs: one line per process start, naming the machine that started it. */
  const recordStart = (extra = '') => `echo "$TEAM_TEST_MACHINE $VIGIL_AGENT_ID $VIGIL_RUN_ID" >> ${starts}${extra}`;
  const startLines = () =>
    readFileSync(starts, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [machine, agentId, runId] = l.split(' ');
        return { machine, agentId, runId };
      });

  /** Polls until `check` returns a value (a wait, not an assertion). */
  const until = <T,>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 60_000) => waitFor(check, timeoutMs, what, 200);
  const runOf = (host: typeof A, id: string) => host.json<RunDetailDto>('run', 'show', id);

  it('lists both machines online on either host, each agent on the machine it was made on unless --machine says otherwise', async () => {
    const machines = await B.json<MachineDto[]>('machine', 'list');
    expect(machines.map((m) => [m.id, m.online, m.self])).toEqual([
      ['alpha', true, false],
      ['beta', true, true],
    ]);
    const here = await B.json<AgentDto>('agent', 'add', 'b-default', '--adapter', 'process', '--command', 'true');
    expect(here.machineId).toBe('beta');
    const there = await B.json<AgentDto>('agent', 'add', 'a-worker', '--adapter', 'process', '--command', recordStart(), '--machine', 'alpha');
    expect([there.machineId, there.machine, there.machineOnline]).toEqual(['alpha', 'alpha', true]);
    const bad = await B.run('agent', 'add', 'nowhere', '--adapter', 'process', '--command', 'true', '--machine', 'gamma');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown machine "gamma" \(known: alpha, beta\)/);
    await B.run('agent', 'remove', 'b-default');
  });

  it('runs an agent of A on A when B gives it work', async () => {
    const issue = await B.json<IssueDto>('issue', 'create', 'work for alpha', '--assign', 'a-worker');
    const run = await until('the run of the issue to succeed', async () => {
      const runs = await B.json<{ items: RunDto[] }>('run', 'list', '--issue', issue.identifier);
      return runs.items.find((r) => r.status === 'succeeded');
    });
    expect(run.machineId).toBe('alpha');
    expect(startLines()).toEqual([{ machine: 'alpha', agentId: run.agentId, runId: run.id }]);
  });

  it('gives exactly 20 process starts for 20 issues over 4 agents of both machines, each on its agent machine', async () => {
    writeFileSync(starts, '');
    const agents = [
      await A.json<AgentDto>('agent', 'add', 'a1', '--adapter', 'process', '--command', recordStart('; sleep 0.3')),
      await B.json<AgentDto>('agent', 'add', 'a2', '--adapter', 'process', '--command', recordStart('; sleep 0.3'), '--machine', 'alpha'),
      await B.json<AgentDto>('agent', 'add', 'b1', '--adapter', 'process', '--command', recordStart('; sleep 0.3')),
      await A.json<AgentDto>('agent', 'add', 'b2', '--adapter', 'process', '--command', recordStart('; sleep 0.3'), '--machine', 'beta'),
    ];
    expect(agents.map((a) => a.machineId)).toEqual(['alpha', 'alpha', 'beta', 'beta']);
    const machineOf = new Map(agents.map((a) => [a.id, a.machineId]));
    // Issues made on both hosts, for agents of both machines.
    for (let i = 0; i < 20; i++) {
      const host = i % 2 === 0 ? A : B;
      await host.json<IssueDto>('issue', 'create', `team issue ${i}`, '--assign', agents[i % 4].name);
    }
    const ended = await until(
      '20 runs to end',
      async () => {
        const runs = (await A.json<{ items: RunDto[] }>('run', 'list', '--limit', '500')).items.filter((r) => machineOf.has(r.agentId));
        const done = runs.filter((r) => !['queued', 'starting', 'running'].includes(r.status));
        return done.length >= 20 ? runs : null;
      },
      120_000,
    );
    // Let any late duplicate start show itself before counting.
    await new Promise((r) => setTimeout(r, 2000));
    const lines = startLines();
    console.log(`team mode: 20 issues over 4 agents on 2 machines -> ${lines.length} process starts (${lines.filter((l) => l.machine === 'alpha').length} on alpha, ${lines.filter((l) => l.machine === 'beta').length} on beta)`);
    expect(ended.filter((r) => r.status === 'succeeded')).toHaveLength(20);
    expect(lines).toHaveLength(20);
    expect(new Set(lines.map((l) => l.runId)).size).toBe(20);
    for (const line of lines) expect(line.machine, `run ${line.runId}`).toBe(machineOf.get(line.agentId));
    for (const run of ended) expect(run.machineId).toBe(machineOf.get(run.agentId));
  });

  it("delivers A's run.updated to a subscriber on B (latency printed), and B cancels A's run, which A stops", async () => {
    await A.json<AgentDto>('agent', 'add', 'sleeper', '--adapter', 'process', '--command', 'echo sleeping; sleep 120');
    const [subA, subB] = [await connect(A.served!.socketPath), await connect(B.served!.socketPath)];
    const seen = { a: new Map<string, number>(), b: new Map<string, number>() };
    const key = (e: HostEvent) => (e.event === 'run.updated' ? `${e.data.id}/${e.data.status}` : null);
    const watch = (client: Client, into: Map<string, number>) =>
      client.subscribe((e) => {
        const k = key(e);
        if (k && !into.has(k)) into.set(k, performance.now());
      });
    await watch(subA, seen.a);
    await watch(subB, seen.b);
    try {
      const wake = await A.json<{ runId: string }>('wake', 'sleeper');
      const running = `${wake.runId}/running`;
      await until("A's run.updated (running) on B", async () => seen.b.has(running) && seen.a.has(running), 30_000);
      const latency = seen.b.get(running)! - seen.a.get(running)!;
      console.log(`team mode: run.updated seen on B ${latency.toFixed(1)} ms after A's own subscriber (target: within 2 s)`);
      expect(latency).toBeLessThan(15_000);

      const pid = (await runOf(A, wake.runId)).processPid!;
      expect(pid).toBeGreaterThan(0);
      const cancel = await B.run('run', 'cancel', wake.runId);
      expect(cancel.stderr).toBe('');
      expect(cancel.code).toBe(0);
      expect(cancel.stdout).toMatch(/cancelled/);
      const after = await runOf(B, wake.runId);
      expect([after.status, after.errorCode, after.machineId]).toEqual(['cancelled', 'cancelled', 'alpha']);
      await until('the cancelled process to be gone', async () => !alive(pid), 15_000);
      await until("the cancel's run.updated on B", async () => seen.b.has(`${wake.runId}/cancelled`), 15_000);
    } finally {
      subA.close();
      subB.close();
    }
  });

  it("follows A's run log from B to its end", async () => {
    await A.json<AgentDto>('agent', 'add', 'talker', '--adapter', 'process', '--command', 'for i in $(seq 1 25); do echo line-$i; sleep 0.1; done');
    const wake = await A.json<{ runId: string }>('wake', 'talker');
    await until('the talker to run', async () => (await runOf(A, wake.runId)).status === 'running', 30_000);
    const follow = await B.run('run', 'logs', wake.runId, '--follow');
    expect(follow.stderr).toBe('');
    expect(follow.code).toBe(0);
    const lines = follow.stdout.split('\r\n').filter(Boolean);
    expect(lines).toEqual(Array.from({ length: 25 }, (_, i) => `line-${i + 1}`));
    const onA = await A.run('run', 'logs', wake.runId);
    expect(follow.stdout).toBe(onA.stdout);
  });

  it('shows A offline and its runs host_offline after A is killed, refuses what only A can do, and A settles its runs when it is back', async () => {
    await A.json<AgentDto>('agent', 'add', 'long', '--adapter', 'process', '--command', 'echo long; sleep 300');
    await A.json<AgentDto>('agent', 'add', 'long2', '--adapter', 'process', '--command', 'echo long2; sleep 300');
    const wake = await A.json<{ runId: string }>('wake', 'long');
    const wake2 = await A.json<{ runId: string }>('wake', 'long2');
    await until('the long runs to run', async () => (await runOf(B, wake.runId)).status === 'running' && (await runOf(B, wake2.runId)).status === 'running', 30_000);
    const killedAt = Date.now();
    await A.served!.kill();

    const offline = await until(
      'B to show alpha offline and its run host_offline',
      async () => {
        const machines = await B.json<MachineDto[]>('machine', 'list');
        const run = await runOf(B, wake.runId);
        return !machines.find((m) => m.id === 'alpha')?.online && run.errorCode === 'host_offline' ? run : null;
      },
      LEASE_MS + 20_000,
    );
    const noticedMs = Date.now() - killedAt;
    console.log(`team mode: alpha killed; B showed it offline and its run host_offline after ${noticedMs} ms (lease ${LEASE_MS} ms)`);
    expect(noticedMs).toBeLessThan(LEASE_MS + 20_000);
    expect(offline.status).toBe('running');
    expect(offline.error).toMatch(/machine "alpha" is offline/);

    const logs = await B.run('run', 'logs', wake.runId);
    expect(logs.code).toBe(1);
    expect(logs.stderr).toMatch(/kept on machine "alpha" is offline|machine "alpha" is offline/);
    const follow = await B.run('run', 'logs', wake.runId, '--follow');
    expect(follow.code).not.toBe(0);
    const woke = await B.run('wake', 'long');
    expect(woke.code).toBe(1);
    expect(woke.stderr).toMatch(/machine "alpha" is offline/);
    // A person gives up on the other run meanwhile: recorded as abandoned, not as stopped.
    const cancel = await B.run('run', 'cancel', wake2.runId);
    expect(cancel.code, cancel.stderr).toBe(0);
    const abandoned = await runOf(B, wake2.runId);
    expect([abandoned.status, abandoned.errorCode]).toEqual(['cancelled', 'abandoned']);
    expect(abandoned.error).toMatch(/may still be running there/);

    await A.start();
    const settled = await until(
      "A's start-up recovery to settle its run",
      async () => {
        const run = await runOf(B, wake.runId);
        return run.errorCode !== 'host_offline' ? run : null;
      },
      60_000,
    );
    console.log(`team mode: after A came back its run is ${settled.status} (${settled.errorCode})`);
    expect(['failed', 'running']).toContain(settled.status);
    expect(['process_lost', 'process_detached']).toContain(settled.errorCode);
    const machines = await B.json<MachineDto[]>('machine', 'list');
    expect(machines.find((m) => m.id === 'alpha')?.online).toBe(true);
    // The abandoned run stays as the person left it.
    expect([(await runOf(B, wake2.runId)).status, (await runOf(B, wake2.runId)).errorCode]).toEqual(['cancelled', 'abandoned']);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
