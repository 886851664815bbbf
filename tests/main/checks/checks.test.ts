// Checks after runs, with real git, real ptys and the real engine: a failing check is stored with
// its failing lines and shows in the review queue; with fixFailedChecks 1 the agent gets the output
// once, fixes it, and the next check passes. The repository's .vigil/checks names the command
// when the agent does not.
import { expect, it } from 'vitest';
import { describeEachStore } from '../../helpers/stores';
import { hostPerTest, waitFor, type TestHost } from '../../helpers/host';
import type { CheckRunDto } from '../../../src/shared/contract';

/** First run writes a broken state; a run woken by a comment (the failed check) fixes it. */
const AGENT = 'if [ "$VIGIL_WAKE_REASON" = issue_commented ]; then echo fixed > state.txt; else echo broken > state.txt; fi';
const CHECK = 'echo "checking state"; grep -q fixed state.txt || { echo "FAIL: state.txt says $(cat state.txt)"; exit 3; }';

describeEachStore('checks after runs', (kind) => {
  const host = hostPerTest(kind);

  const checksOf = (h: TestHost, ref: string, n: number) =>
    waitFor(async () => {
      const list = await h.call('issues.checks', { issue: ref });
      return list.length >= n && list.every((c) => c.status !== 'running') ? list : null;
    }, 90_000, `${n} check run(s) of ${ref}`);

  it('a failing check is red in the queue with its failing lines; --fix-failed-checks 1 sends it back once and the next check passes', async () => {
    const repo = host.repo({ 'README.md': '# x\n', '.vigil/checks': '# the repository check\n' + CHECK + '\n' });
    const h = await host.start();
    // No fixing: the check (from the repository's .vigil/checks) fails and stays failed.
    await h.call('agents.create', { name: 'plain', adapterType: 'process', command: AGENT, cwd: repo.dir, workspace: 'worktree' });
    const one = await h.call('issues.create', { title: 'Break it', assignee: 'plain' });
    const [failed] = await checksOf(h, one.identifier, 1);
    expect(failed).toMatchObject({ status: 'failed', exitCode: 3, sentBack: false });
    expect(failed.command).toContain('grep -q fixed state.txt');
    expect(failed.failingLines).toBe('FAIL: state.txt says broken');
    expect(failed.durationMs).toEqual(expect.any(Number));
    const queue = await waitFor(async () => {
      const q = await h.call('review.queue', {});
      const item = q.find((i) => i.issue.identifier === one.identifier);
      return item?.check ? item : null;
    }, 30_000, 'the queue item');
    expect(queue.check).toMatchObject({ status: 'failed', failingLines: 'FAIL: state.txt says broken' });
    expect((await h.call('issues.checkLog', { check: failed.id })).log).toContain('checking state');

    // With --check and --fix-failed-checks 1: the failure goes back once, the fix passes.
    await h.call('agents.create', { name: 'fixer', adapterType: 'process', command: AGENT, cwd: repo.dir, workspace: 'worktree', check: CHECK, fixFailedChecks: 1 });
    const two = await h.call('issues.create', { title: 'Break and fix it', assignee: 'fixer' });
    const list: CheckRunDto[] = await checksOf(h, two.identifier, 2);
    const [latest, first] = list;
    expect(first).toMatchObject({ status: 'failed', sentBack: true });
    expect(latest).toMatchObject({ status: 'passed', failingLines: null, sentBack: false });
    const detail = await h.call('issues.get', { issue: two.identifier });
    const sentBack = detail.comments.filter((c) => c.body.includes('failed (exit 3)'));
    expect(sentBack).toHaveLength(1);
    expect(sentBack[0].body).toContain('FAIL: state.txt says broken');
    expect(detail.runs).toHaveLength(2);
  }, 240_000);
});
