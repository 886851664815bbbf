import { describe, expect, it } from 'vitest';
import { buildPrompt } from '../../../src/main/adapters/index';
import type { AdapterIssue } from '../../../src/main/adapters/types';
import { makeContext, makeIssue } from '../../fixtures/adapters/context';

type Comment = AdapterIssue['comments'][number];

function comment(n: number, overrides: Partial<Comment> = {}): Comment {
  const minute = String(n).padStart(2, '0');
  return { authorType: 'user', authorName: 'Alice', body: `comment number ${n}`, createdAt: `2025-03-01T10:${minute}:00.000Z`, ...overrides };
}

describe('buildPrompt', () => {
  it('names the issue: identifier, title, status and body', () => {
    const prompt = buildPrompt(makeContext());
    expect(prompt).toContain('Issue SHOP-12: Cart applies the discount twice');
    expect(prompt).toContain('Status: todo');
    expect(prompt).toContain('With code SAVE10 the total drops by 20 %.\nSteps: add any item, apply SAVE10.');
    expect(prompt).toContain('You are fixer');
  });

  it('says which branch the agent is on in its worktree, and not to switch branches', () => {
    const workspace = { path: '/data/workspaces/SHOP-12', branch: 'vigil/SHOP-12-cart', baseBranch: 'main' };
    const prompt = buildPrompt(makeContext({ workspace }));
    expect(prompt).toContain('at /data/workspaces/SHOP-12, on the branch vigil/SHOP-12-cart (made from main)');
    expect(prompt).toContain('Stay on vigil/SHOP-12-cart: do not switch branches');
    expect(buildPrompt(makeContext())).not.toContain('worktree');
  });

  it('gives the last 10 comments, newest last, whatever order they come in', () => {
    const comments = Array.from({ length: 14 }, (_, i) => comment(i + 1)).reverse();
    const prompt = buildPrompt(makeContext({ issue: makeIssue({ comments }) }));
    expect(prompt).toContain('the last 10 of 14');
    for (let n = 1; n <= 4; n++) expect(prompt).not.toContain(`comment number ${n}\n`);
    const positions = Array.from({ length: 10 }, (_, i) => prompt.indexOf(`comment number ${i + 5}`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('says who wrote each comment', () => {
    const comments = [
      comment(1, { authorType: 'user', authorName: 'Alice', body: 'Please also check the coupon page.' }),
      comment(2, { authorType: 'agent', authorName: 'reviewer', body: 'Looks wrong on mobile.' }),
      comment(3, { authorType: 'system', authorName: null, body: 'Run failed: timeout' }),
    ];
    const prompt = buildPrompt(makeContext({ issue: makeIssue({ comments }) }));
    expect(prompt).toMatch(/Alice.*\nPlease also check the coupon page\./);
    expect(prompt).toMatch(/agent reviewer.*\nLooks wrong on mobile\./);
    expect(prompt).toMatch(/Vigil.*\nRun failed: timeout/);
  });

  it.each([
    ['issue_assigned', /assigned to you/],
    ['issue_commented', /commented on the issue/],
    ['issue_continuation_needed', /still open after your last run/],
    ['timer', /heartbeat timer fired/],
  ])('explains the wake reason %s in plain words', (wakeReason, words) => {
    const prompt = buildPrompt(makeContext({ wakeReason }));
    expect(prompt).toMatch(words);
    expect(prompt).not.toContain('You were woken with this request');
  });

  it('passes an on-demand request through as the user wrote it', () => {
    const prompt = buildPrompt(makeContext({ wakeReason: 'Rebase on main and fix the lint errors', issue: null }));
    expect(prompt).toContain('Rebase on main and fix the lint errors');
    expect(prompt).toContain('There is no issue attached to this run.');
    expect(prompt).not.toContain('vigil issue comment');
  });

  it.each([
    ['process_loss', /previous run on this was lost/],
    ['assignment_recovery', /without a run/],
    ['issue_continuation_needed', /ended while the issue was still open/],
  ])('explains the retry reason %s', (retryReason, words) => {
    expect(buildPrompt(makeContext({ retryReason }))).toMatch(words);
  });

  it('tells the agent how to report back on this issue, without leaking the token', () => {
    const prompt = buildPrompt(makeContext());
    expect(prompt).toContain('vigil issue comment SHOP-12 "');
    expect(prompt).toContain('vigil issue update SHOP-12 --status done|in_review|blocked');
    expect(prompt).toContain('VIGIL_RUN_TOKEN');
    expect(prompt).not.toContain('tok_secret_123');
  });

  it('stays under the 128 KiB argv limit with a huge body and huge multi-byte comments', () => {
    const huge = '日本語のテキスト😀'.repeat(40_000); // about 1 MB of 3- and 4-byte characters
    const comments = Array.from({ length: 12 }, (_, i) => comment(i, { body: huge }));
    const prompt = buildPrompt(makeContext({ issue: makeIssue({ body: huge, comments }), wakeReason: huge }));
    expect(Buffer.byteLength(prompt)).toBeLessThan(128 * 1024);
    expect(prompt).toContain('truncated by Vigil');
    expect(prompt).not.toContain('\uFFFD');
    expect(prompt).toContain('vigil issue update SHOP-12');
  });
});
