// Usage windows, read from the CLIs' own formats (Claude's rate_limit_event and rate_limit error,
// Codex's error text), and a run that meets one: it ends rate_limited without spending a retry
// or escalating, its agent's queue waits for the reset, and the work runs again after it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeLocalAdapter } from '../../../src/main/adapters/claude-local';
import { codexLocalAdapter } from '../../../src/main/adapters/codex-local';
import { resetFromText, USAGE_LIMIT_EVENT, withUsageLimits } from '../../../src/main/budgets/usage-limits';
import { describeEachStore } from '../../helpers/stores';
import { hostPerTest, waitFor, type TestHost } from '../../helpers/host';

const FAKE_BIN = resolve(__dirname, '../../fixtures/adapters/bin');
const FIXTURES = resolve(__dirname, '../../fixtures/adapters');
const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled'];
const NOW = new Date('2026-12-07T13:00:00Z');

const lines = (...docs: unknown[]) => Buffer.from(docs.map((d) => `${JSON.stringify(d)}\r\n`).join(''));

describe('usage limit detection', () => {
  it('Claude: an allowed or warning rate_limit_event is no limit; a rejected one is, with its reset (unix seconds)', () => {
    const parser = withUsageLimits(claudeLocalAdapter.createParser(), () => NOW);
    const warn = parser.push(lines({ type: 'rate_limit_event', rate_limit_info: { status: 'allowed_warning', resetsAt: 1765119600, rateLimitType: 'five_hour' }, uuid: 'u', session_id: 's' }));
    expect(warn.filter((e) => e.type === USAGE_LIMIT_EVENT)).toEqual([]);
    // Split mid-line: the detector buffers like the parser does.
    const chunk = lines({ type: 'rate_limit_event', rate_limit_info: { status: 'rejected', resetsAt: 1765119600, rateLimitType: 'five_hour' }, uuid: 'u', session_id: 's' });
    expect(parser.push(chunk.subarray(0, 40))).toEqual([]);
    const found = parser.push(chunk.subarray(40)).filter((e) => e.type === USAGE_LIMIT_EVENT);
    expect(found.map((e) => e.payload)).toEqual([{ resetAt: new Date(1765119600 * 1000).toISOString(), window: 'five_hour' }]);
    // Once per run.
    expect(parser.push(chunk).filter((e) => e.type === USAGE_LIMIT_EVENT)).toEqual([]);
  });

  it("Claude: an assistant message with error rate_limit is a limit (reset unknown without an event)", () => {
    const parser = withUsageLimits(claudeLocalAdapter.createParser(), () => NOW);
    const events = parser.push(
      lines({ type: 'assistant', error: 'rate_limit', message: { id: 'm', content: [{ type: 'text', text: "You've hit your session limit · resets 3pm" }] }, parent_tool_use_id: null, session_id: 's' }),
    );
    expect(events.find((e) => e.type === USAGE_LIMIT_EVENT)?.payload).toEqual({ resetAt: null, window: null });
    // The adapter's own events are still there.
    expect(events.some((e) => e.type === 'assistant')).toBe(true);
  });

  it('Codex: "You\'ve hit your usage limit ... try again in/at" in an error or a failed turn', () => {
    const parser = withUsageLimits(codexLocalAdapter.createParser(), () => NOW);
    const events = parser.push(lines({ type: 'error', message: "You've hit your usage limit. Upgrade to Pro, or try again in 90 seconds." }));
    expect(events.find((e) => e.type === USAGE_LIMIT_EVENT)?.payload).toEqual({ resetAt: new Date(NOW.getTime() + 90_000).toISOString(), window: 'usage_limit' });
    // A rate-limit error Codex retries by itself is not the end of the run; a failed turn with it is.
    const retried = withUsageLimits(codexLocalAdapter.createParser(), () => NOW);
    expect(retried.push(lines({ type: 'error', message: 'Rate limit reached for gpt-5. Please try again in 1.2s.' })).some((e) => e.type === USAGE_LIMIT_EVENT)).toBe(false);
    expect(retried.push(lines({ type: 'turn.failed', error: { message: 'Rate limit reached for gpt-5. Please try again in 20s.' } })).find((e) => e.type === USAGE_LIMIT_EVENT)?.payload).toEqual({
      resetAt: new Date(NOW.getTime() + 20_000).toISOString(),
      window: 'usage_limit',
    });
    const other = withUsageLimits(codexLocalAdapter.createParser(), () => NOW);
    expect(other.push(lines({ type: 'turn.failed', error: { message: 'stream error: unexpected status 401 Unauthorized' } })).some((e) => e.type === USAGE_LIMIT_EVENT)).toBe(false);
    const at = resetFromText("You've hit your usage limit. Try again at 3:05 PM.", new Date(2026, 11, 7, 13, 0));
    expect([at?.getHours(), at?.getMinutes(), at?.getDate()]).toEqual([15, 5, 7]);
    const tomorrow = resetFromText('try again at 9:00 AM', new Date(2026, 11, 7, 13, 0));
    expect(tomorrow?.getDate()).toBe(8);
  });
});

describeEachStore('a run that meets a usage limit', (kind) => {
  const host = hostPerTest(kind);
  const ended = (h: TestHost, runId: string, ms = 30_000) =>
    waitFor(async () => {
      const r = await h.call('runs.get', { run: runId });
      return TERMINAL.includes(r.status) ? r : null;
    }, ms, `run ${runId} to end`);

  it('ends rate_limited with no retry spent and no escalation; the queue waits for the reset, then the work runs again', async () => {
    const h = await host.start();
    const fixture = join(h.target.dataDir, 'limit.jsonl');
    // Claude Code's shape (read from its 2.x bundle): a rejected rate_limit_event with its reset, then the error.
    const resetSec = Math.ceil(Date.now() / 1000) + 4;
    writeFileSync(
      fixture,
      lines(
        { type: 'system', subtype: 'init', session_id: 's1', model: 'claude-sonnet-4-5' },
        { type: 'rate_limit_event', rate_limit_info: { status: 'rejected', resetsAt: resetSec, rateLimitType: 'five_hour' }, uuid: 'u1', session_id: 's1' },
        { type: 'assistant', error: 'rate_limit', message: { id: 'm1', content: [{ type: 'text', text: "You've hit your session limit" }] }, parent_tool_use_id: null, session_id: 's1' },
        { type: 'result', subtype: 'success', is_error: true, result: "You've hit your session limit", session_id: 's1', total_cost_usd: 0, usage: { input_tokens: 0, output_tokens: 0 } },
      ),
    );
    await h.call('agents.create', { name: 'sub', adapterType: 'claude_local', env: { PATH: `${FAKE_BIN}:${process.env.PATH}`, FAKE_CLAUDE_FIXTURE: fixture, FAKE_CLAUDE_EXIT: '1' } });
    const issue = await h.call('issues.create', { title: 'Limited', assignee: 'sub' });
    const [first] = (await h.call('runs.list', { issue: issue.identifier })).items;
    const run = await ended(h, first.id);
    expect([run.status, run.errorCode, run.processLossRetryCount]).toEqual(['cancelled', 'rate_limited', 0]);
    expect(run.error).toContain('usage limit');

    const [hold] = await h.call('holds.list', {});
    expect([hold.kind, hold.until]).toEqual(['usage_window', new Date(resetSec * 1000).toISOString()]);
    expect((await h.call('agents.get', { agent: 'sub' })).status).not.toBe('paused');
    // A wake meanwhile is queued (the queue stays), not refused.
    expect((await h.call('agents.wake', { agent: 'sub', issue: issue.identifier })).status).not.toBe('skipped');

    // The next session is a normal one; the work runs again only after the reset.
    writeFileSync(fixture, readFileSync(join(FIXTURES, 'claude-success.jsonl')));
    await h.call('agents.update', { agent: 'sub', patch: { env: { PATH: `${FAKE_BIN}:${process.env.PATH}`, FAKE_CLAUDE_FIXTURE: fixture } } });
    const again = await waitFor(async () => (await h.call('runs.list', { issue: issue.identifier })).items.find((r) => r.id !== first.id && r.status === 'succeeded'), 40_000, 'the run after the reset');
    expect(new Date(again.startedAt!).getTime()).toBeGreaterThanOrEqual(resetSec * 1000);
    expect(again.retryOfRunId).toBeNull();
    expect((await h.call('escalations.list', { open: true })).length).toBe(0);
    expect((await h.call('issues.get', { issue: issue.identifier })).status).not.toBe('blocked');
    const runs = (await h.call('runs.list', { issue: issue.identifier })).items;
    expect(runs.filter((r) => r.errorCode === 'rate_limited')).toHaveLength(1);
  });
});
