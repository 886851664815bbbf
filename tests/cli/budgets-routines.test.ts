// `vigil agent update --budget-usd ...` and `vigil routine ...` against a real `vigil serve`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentDto, RoutineDto } from '../../src/shared/contract';
import { ensureBuilt, READY_TIMEOUT_MS, startServe, tempDataDir, vigil as run, type Served } from '../helpers/serve';

describe('vigil budget flags and routines', { timeout: 180_000 }, () => {
  const data = tempDataDir();
  let served: Served;
  const vigil = (...args: string[]) => run(args, { dataDir: data.dir });
  const json = async <T>(...args: string[]): Promise<T> => {
    const r = await vigil('--json', ...args);
    expect(r.stderr, args.join(' ')).toBe('');
    expect(r.code, args.join(' ')).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  const failing = async (...args: string[]) => {
    const r = await vigil(...args);
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    return lines[0];
  };

  beforeAll(async () => {
    ensureBuilt();
    served = await startServe({ dataDir: data.dir });
  }, 300_000 + READY_TIMEOUT_MS);
  afterAll(async () => {
    if (served) expect((await served.stop()).code).toBe(0);
    data.cleanup();
  }, 60_000);

  it('sets a budget with agent add and agent update, and says what was wrong with a bad one', async () => {
    await json<AgentDto>('agent', 'add', 'triage', '--adapter', 'process', '--command', 'true', '--budget-usd', '50', '--budget-period', 'month');
    const r = await vigil('agent', 'update', 'triage', '--budget-usd', '75.5', '--budget-tokens', '2000000');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('budget: $0.00 of $75.50, 0 of 2,000,000 tokens this month');
    expect(await failing('agent', 'update', 'triage', '--budget-usd', 'lots')).toContain("--budget-usd must be a positive number of dollars (or 'off'), got 'lots'");
    expect(await failing('agent', 'update', 'triage', '--budget-period', 'week')).toContain('--budget-period must be one of: month, total');
    const off = await vigil('agent', 'update', 'triage', '--budget-tokens', 'off');
    expect(off.stdout).toContain('budget: $0.00 of $75.50 this month');
    // Only budget flags: no agent fields needed; --json answers the agent as it is after.
    expect((await json<AgentDto>('agent', 'update', 'triage', '--budget-usd', '80')).status).toBe('idle');
    const shown = await vigil('agent', 'show', 'triage');
    expect(shown.stdout).toMatch(/Budget:\s+\$0\.00 of \$80\.00 this month/);
  });

  it('routine add / list / pause / resume / remove, with a body file and a time zone', async () => {
    const body = join(data.dir, 'body.md');
    writeFileSync(body, 'Label and prioritise the bugs filed since yesterday.');
    const made = await json<RoutineDto>('routine', 'add', '--agent', 'triage', '--cron', '0 9 * * 1-5', '--title', 'Triage new bugs', '--body-file', body, '--tz', 'Europe/Paris');
    expect([made.agent, made.timezone, made.body, made.enabled]).toEqual(['triage', 'Europe/Paris', 'Label and prioritise the bugs filed since yesterday.', true]);
    // 09:00 in Paris is 07:00 or 08:00 UTC.
    expect(new Date(made.nextDueAt!).getUTCHours()).toBeGreaterThanOrEqual(7);
    const listed = await vigil('routine', 'list');
    expect(listed.stdout).toContain('Triage new bugs');
    expect(listed.stdout).toContain('Europe/Paris');
    const paused = await json<RoutineDto>('routine', 'pause', made.id);
    expect([paused.enabled, paused.nextDueAt]).toEqual([false, null]);
    expect((await json<RoutineDto>('routine', 'resume', made.id)).enabled).toBe(true);
    expect(await failing('routine', 'add', '--agent', 'triage', '--cron', 'often', '--title', 'x')).toMatch(/cron/);
    expect(await failing('routine', 'add', '--agent', 'triage', '--cron', '0 9 * * *', '--title', 'x', '--tz', 'Nowhere/Land')).toContain('unknown time zone "Nowhere/Land"');
    expect(await failing('routine', 'add', '--agent', 'triage', '--cron', '0 9 * * *', '--title', 'x', '--body-file', '/no/such/file')).toContain('no such file');
    await json('routine', 'remove', made.id);
    expect((await json<RoutineDto[]>('routine', 'list')).length).toBe(0);
  });
});
