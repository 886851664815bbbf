// Team mode: an agent is checked on the machine that runs it. Two real `vigil serve` hosts with
// different machine ids share one fresh PostgreSQL database (standing in for two machines on one
// disk); only beta's PATH holds the program `beta-only-agent`, which is what tells them apart.
// Added on alpha for beta, the agent is checked by beta's host (found there, though alpha has no
// such program); what beta lacks is refused in beta's words; with beta stopped, alpha says
// exactly that nothing could be checked because beta is offline.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect } from '../../../src/cli/client';
import type { MachineDto } from '../../../src/shared/contract';
import { pgUrl } from '../../helpers/stores';
import { twoHostTeam } from '../../helpers/team';

const d = pgUrl() ? describe : describe.skip;

d('team mode: agent checks run on the agent machine', () => {
  let betaBin = '';
  const team = twoHostTeam('vigil-check-', {
    env: (machine) => ({ PATH: machine === 'beta' ? `${betaBin}:${process.env.PATH ?? ''}` : (process.env.PATH ?? '') }),
    setup: () => {
      mkdirSync(betaBin);
      writeFileSync(join(betaBin, 'beta-only-agent'), '#!/bin/sh\necho beta\n');
      chmodSync(join(betaBin, 'beta-only-agent'), 0o755);
    },
    beforeAllMs: 120_000,
  });
  betaBin = join(team.work, 'beta-bin');
  const A = team.alpha;

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
    const client = await connect(team.alpha.served!.socketPath);
    try {
      const saved = await client.call('agents.check', { agent: 'there' });
      expect(saved).toMatchObject({ checks: [], checkedOn: 'beta', offline: null });
      // The form as it is typed: a folder beta does not have, asked of beta.
      const draft = await client.call('agents.check', { draft: { adapterType: 'process', command: 'beta-only-agent', cwd: join(team.work, 'not-on-beta'), machine: 'beta' } });
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
    const missingFolder = await A.run('agent', 'update', 'there', '--cwd', join(team.work, 'not-on-beta'));
    expect(missingFolder.code).toBe(1);
    expect(missingFolder.stderr).toMatch(/there is no such folder on machine "beta"/);
  }, 120_000);

  it('with beta stopped, nothing can be checked and alpha says so: the machine is offline', async () => {
    await team.beta.served!.stop();
    team.beta.served = null;
    const machines = await A.json<MachineDto[]>('machine', 'list');
    expect(machines.find((m) => m.id === 'beta')?.online).toBe(false);
    const r = await A.run('agent', 'update', 'there', '--command', 'no-such-agent-anywhere');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Not checked: machine "beta" is offline \(its Vigil stopped at .*\): its folder and command are checked there when it runs\./);
  }, 120_000);
});
