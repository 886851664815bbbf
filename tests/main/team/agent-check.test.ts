// Team mode: an agent is checked on the machine that runs it. Two real `vigil serve` hosts with
// different machine ids share one fresh PostgreSQL database (standing in for two machines on one
// disk); only beta's PATH holds the program `beta-only-agent`, which is what tells them apart.
// Added on alpha for beta, the agent is checked by beta's host (found there, though alpha has no
// such program); what beta lacks is refused in beta's words; with beta stopped, alpha says
// exactly that nothing could be checked because beta is offline.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../src/cli/client';
import type { MachineDto } from '../../../src/shared/contract';
import { ensureBuilt, READY_TIMEOUT_MS, startServe, tempDataDir, vigil, type Served } from '../../helpers/serve';
import { freshPgDatabase, pgUrl } from '../../helpers/stores';

const d = pgUrl() ? describe : describe.skip;

d('team mode: agent checks run on the agent machine', () => {
  const dirA = tempDataDir('vigil-check-a-');
  const dirB = tempDataDir('vigil-check-b-');
  const work = tempDataDir('vigil-check-work-');
  const betaBin = join(work.dir, 'beta-bin');
  let url = '';
  let hostA: Served;
  let hostB: Served | null = null;

  const serve = (dir: string, machine: string, path: string) =>
    startServe({ dataDir: dir, args: ['--machine-id', machine], env: { DATABASE_URL: url, VIGIL_MACHINE_LEASE_MS: '3000', PATH: path } });
  const A = {
    run: (...args: string[]) => vigil(args, { dataDir: dirA.dir }),
    async json<T>(...args: string[]): Promise<T> {
      const r = await vigil(['--json', ...args], { dataDir: dirA.dir });
      expect(r.code, `vigil ${args.join(' ')}: ${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout) as T;
    },
  };

  beforeAll(async () => {
    ensureBuilt();
    mkdirSync(betaBin);
    writeFileSync(join(betaBin, 'beta-only-agent'), '#!/bin/sh\necho beta\n');
    chmodSync(join(betaBin, 'beta-only-agent'), 0o755);
    url = await freshPgDatabase();
    hostA = await serve(dirA.dir, 'alpha', process.env.PATH ?? '');
    hostB = await serve(dirB.dir, 'beta', `${betaBin}:${process.env.PATH ?? ''}`);
  }, READY_TIMEOUT_MS * 2 + 120_000);

  afterAll(async () => {
    await hostA?.stop();
    await hostB?.stop();
    dirA.cleanup();
    dirB.cleanup();
    work.cleanup();
  });

  it('alpha alone refuses the program only beta has: the check ran here, for an agent of this machine', async () => {
    const r = await A.run('agent', 'add', 'here', '--adapter', 'process', '--command', 'beta-only-agent --go');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/"beta-only-agent" was not found on PATH/);
    expect(r.stderr).not.toMatch(/on machine/);
  }, 120_000);

  it("an agent added on alpha for beta is checked by beta's host: found there, accepted; a draft is checked there too", async () => {
    const r = await A.run('agent', 'add', 'there', '--adapter', 'process', '--command', 'beta-only-agent --go', '--machine', 'beta');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/Not checked|warning/);
    const client = await connect(hostA.socketPath);
    try {
      const saved = await client.call('agents.check', { agent: 'there' });
      expect(saved).toMatchObject({ checks: [], checkedOn: 'beta', offline: null });
      // The form as it is typed: a folder beta does not have, asked of beta.
      const draft = await client.call('agents.check', { draft: { adapterType: 'process', command: 'beta-only-agent', cwd: join(work.dir, 'not-on-beta'), machine: 'beta' } });
      expect(draft.checkedOn).toBe('beta');
      expect(draft.checks).toEqual([expect.objectContaining({ field: 'cwd', blocking: true, problem: expect.stringMatching(/there is no such folder/) as unknown })]);
    } finally {
      client.close();
    }
  }, 120_000);

  it("a command beta lacks is refused in beta's words, naming beta", async () => {
    const r = await A.run('agent', 'add', 'nowhere', '--adapter', 'process', '--command', 'no-such-agent-anywhere', '--machine', 'beta');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/"no-such-agent-anywhere" was not found on PATH on machine "beta"/);
    const missingFolder = await A.run('agent', 'update', 'there', '--cwd', join(work.dir, 'not-on-beta'));
    expect(missingFolder.code).toBe(1);
    expect(missingFolder.stderr).toMatch(/there is no such folder on machine "beta"/);
  }, 120_000);

  it('with beta stopped, nothing can be checked and alpha says so: the machine is offline', async () => {
    await hostB!.stop();
    hostB = null;
    const machines = await A.json<MachineDto[]>('machine', 'list');
    expect(machines.find((m) => m.id === 'beta')?.online).toBe(false);
    const r = await A.run('agent', 'update', 'there', '--command', 'no-such-agent-anywhere');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Not checked: machine "beta" is offline \(its Vigil stopped at .*\): its folder and command are checked there when it runs\./);
  }, 120_000);
});
