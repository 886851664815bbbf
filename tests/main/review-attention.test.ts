// The review queue and "needs you" events against a real host: real runs in ptys (the fake
// claude printing recorded stream-json), on PGlite and PostgreSQL.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { looksLikePrompt } from '../../src/main/attention';
import type { EventPayload } from '../../src/shared/events';
import { describeEachStore } from '../helpers/stores';
import { hostPerTest, waitFor, type TestHost } from '../helpers/host';

const FAKE_BIN = resolve(__dirname, '../fixtures/adapters/bin');
type Attention = EventPayload<'attention.needed'>;

describeEachStore('review queue and attention', (kind) => {
  const host = hostPerTest(kind);
  const start = (opts = {}) => host.start({ attention: { silenceMs: 1500, checkEveryMs: 200 }, ...opts });
  const attention = (h: TestHost) => h.events.filter((e) => e.event === 'attention.needed').map((e) => e.data as Attention);
  const claude = (h: TestHost, name: string, fixture: string) =>
    h.call('agents.create', { name, adapterType: 'claude_local', env: { PATH: `${FAKE_BIN}:${process.env.PATH}`, FAKE_CLAUDE_FIXTURE: fixture } });

  it('lists a finished issue with the agent’s last words; approve takes it out, request changes wakes the agent', async () => {
    const h = await start();
    await claude(h, 'scribe', 'claude-transcript.jsonl');
    const issue = await h.call('issues.create', { title: 'Coupons count twice', assignee: 'scribe' });
    await waitFor(async () => (await h.call('issues.get', { issue: issue.identifier })).status === 'in_review', 30_000, 'the issue in review');
    const blocked = await h.call('issues.create', { title: 'Needs a key', status: 'blocked' });

    const queue = await h.call('review.queue', {});
    expect(queue.map((i) => [i.issue.identifier, i.issue.status])).toEqual([
      [issue.identifier, 'in_review'],
      [blocked.identifier, 'blocked'],
    ]);
    // The last prose of its run, never the JSON line on its screen.
    expect(queue[0].lastWords).toMatchObject({ source: 'run', text: expect.stringContaining('applied the coupon **twice**') });
    expect(queue[0].lastWords?.runId).toBe(queue[0].lastRunId);
    expect(queue[0].changes).toBeNull();
    expect(attention(h).filter((a) => a.kind === 'in_review').map((a) => a.issueIdentifier)).toEqual([issue.identifier]);

    // Request changes = a comment: the agent wakes on it and runs again.
    const runsBefore = (await h.call('runs.list', { issue: issue.identifier })).total;
    await h.call('issues.comment', { issue: issue.identifier, body: 'Please also cover a 100% coupon.' });
    await waitFor(async () => (await h.call('runs.list', { issue: issue.identifier })).total > runsBefore, 15_000, 'a run for the comment');
    await waitFor(async () => (await h.call('issues.get', { issue: issue.identifier })).status === 'in_review', 30_000, 'back in review');

    await h.call('issues.update', { issue: issue.identifier, status: 'done' });
    expect((await h.call('review.queue', {})).map((i) => i.issue.identifier)).toEqual([blocked.identifier]);
  }, 90_000);

  it('each kind can be turned off; the choice lives in settings.json in the data folder', async () => {
    const h = await start();
    expect(await h.call('settings.get', {})).toEqual({ notifications: { in_review: true, blocked: true, waiting_input: true, escalation: true } });
    await h.call('settings.update', { notifications: { in_review: false } });
    const a = await h.call('issues.create', { title: 'A' });
    await h.call('issues.update', { issue: a.identifier, status: 'in_review' });
    await h.call('issues.update', { issue: a.identifier, status: 'blocked' });
    await waitFor(() => attention(h).length > 0, 5000, 'the blocked event');
    expect(attention(h).map((x) => x.kind)).toEqual(['blocked']);
    const file = join(h.target.dataDir, 'settings.json');
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).notifications.in_review).toBe(false);
    await expect(h.call('settings.update', { notifications: { loud: true } } as never)).rejects.toThrow(/loud/);
  });

  it('a run silent with a prompt on its screen seems to wait for input: one event', async () => {
    const h = await start();
    await h.call('agents.create', { name: 'asker', adapterType: 'process', command: "printf 'Overwrite cart.ts? [y/N] '; sleep 6" });
    const issue = await h.call('issues.create', { title: 'Ask first', assignee: 'asker' });
    const event = await waitFor(() => attention(h).find((x) => x.kind === 'waiting_input'), 20_000, 'a waiting-input event');
    expect(event).toMatchObject({ issueIdentifier: issue.identifier, message: expect.stringContaining('Overwrite cart.ts? [y/N]') });
    await new Promise((r) => setTimeout(r, 1500));
    expect(attention(h).filter((x) => x.kind === 'waiting_input')).toHaveLength(1);
  }, 40_000);

  it("an adapter event that asks the user (Claude's AskUserQuestion) is a waiting-input event", async () => {
    const h = await start();
    await claude(h, 'curious', 'claude-asks.jsonl');
    const issue = await h.call('issues.create', { title: 'Tax or not', assignee: 'curious' });
    const event = await waitFor(() => attention(h).find((x) => x.kind === 'waiting_input'), 20_000, 'a waiting-input event');
    expect(event).toMatchObject({ issueIdentifier: issue.identifier, message: 'Asks: Should the coupon apply before or after tax?' });
  }, 40_000);
});

it('tells prompt-like last lines from ordinary output', () => {
  for (const line of ['Continue? [y/N] ', 'Password:', '? Select a template ›', '>', 'Press Enter to continue', 'Proceed (yes/no)?']) expect(looksLikePrompt(line), line).toBe(true);
  for (const line of ['Tests: 9 passed', 'Compiling src/cart.ts', '', 'done.']) expect(looksLikePrompt(line), line).toBe(false);
});
