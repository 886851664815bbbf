// A new worktree's setup with real git, real ptys and the real engine: the gitignored .env named
// by .worktreeinclude is copied in; the setup command runs before the first run and its log is
// kept; two worktrees get different VIGIL_PORTs (and PORT), the range released when one goes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeEachStore } from '../../helpers/stores';
import { hostPerTest, waitFor } from '../../helpers/host';

describeEachStore('worktree setup', (kind) => {
  const host = hostPerTest(kind);

  it('.worktreeinclude copies .env; setup runs first with its log kept; two worktrees, two VIGIL_PORTs', async () => {
    const repo = host.repo({ 'README.md': '# x\n', '.gitignore': '.env\nnode_modules/\n', '.worktreeinclude': '.env\n' });
    writeFileSync(join(repo.dir, '.env'), 'SECRET=from-the-checkout\n');
    const out = host.tempDir('vigil-setup-');
    const h = await host.start();
    const agent = `cat .env > ${out}/$VIGIL_ISSUE.env; echo "$VIGIL_PORT $PORT" > ${out}/$VIGIL_ISSUE.port; ls setup-done > ${out}/$VIGIL_ISSUE.setup`;
    await h.call('agents.create', { name: 's', adapterType: 'process', command: agent, cwd: repo.dir, workspace: 'worktree', setup: 'echo installing; touch setup-done', maxConcurrentRuns: 2 });
    const a = await h.call('issues.create', { title: 'One', assignee: 's' });
    const b = await h.call('issues.create', { title: 'Two', assignee: 's' });
    for (const i of [a, b]) await waitFor(() => existsSync(join(out, `${i.identifier}.setup`)), 60_000, `${i.identifier}'s run`);
    expect(readFileSync(join(out, `${a.identifier}.env`), 'utf8')).toBe('SECRET=from-the-checkout\n');
    expect(readFileSync(join(out, `${a.identifier}.setup`), 'utf8').trim()).toBe('setup-done');
    const [pa, pb] = [a, b].map((i) => readFileSync(join(out, `${i.identifier}.port`), 'utf8').trim().split(' '));
    expect(pa[0]).toBe(pa[1]);
    expect(pb[0]).toBe(pb[1]);
    expect(Number(pa[0])).toBeGreaterThanOrEqual(41_000);
    expect(pa[0]).not.toBe(pb[0]);
    const ws = (await waitFor(async () => (await h.call('issues.diff', { issue: a.identifier })).workspace, 10_000, 'the workspace'))!;
    expect(ws.port).toBe(Number(pa[0]));
    expect(ws.setup?.exitCode).toBe(0);
    expect(readFileSync(ws.setup!.log, 'utf8')).toContain('installing');
    // The .env stays out of the diff: it is ignored there as in the checkout.
    expect((await h.call('issues.diff', { issue: a.identifier })).files.map((f) => f.path)).not.toContain('.env');
  }, 180_000);
});
