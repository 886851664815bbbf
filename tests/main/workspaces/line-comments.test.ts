// Line comments and Request changes with real git, real ptys and the real engine: three remarks
// on two files, one follow-up turn that names the three places, and the next diff shows which
// remarks the agent's second run touched (a changed line) and which only moved or stayed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeEachStore } from '../../helpers/stores';
import { hostPerTest, waitFor } from '../../helpers/host';

const CART = ['export function total(items) {', '  let sum = 0;', '  for (const i of items) sum += i.price;', '  return sum;', '}', ''].join('\\n');
const TAX = ['export const RATE = 0.2;', 'export const tax = (x) => x * RATE;', ''].join('\\n');

/** First run: writes cart.ts and tax.ts. Second run (the wake of the request): fixes line 4 of cart.ts, adds a line on top of tax.ts. */
const agent = (sync: string) =>
  [
    `if [ -e ${sync}/first ]; then echo "$VIGIL_WAKE_REASON" > ${sync}/second`,
    `sed -i 's/  return sum;/  return roundCents(sum);/' cart.ts; sed -i '1i // taxes' tax.ts; exit 0; fi`,
    `printf '${CART}' > cart.ts; printf '${TAX}' > tax.ts; touch ${sync}/first`,
  ].join('; ');

describeEachStore('line comments and request changes', (kind) => {
  const host = hostPerTest(kind);

  it('three remarks on two files go as one turn; the next diff marks the touched ones', async () => {
    const repo = host.repo({ 'README.md': '# shop\n' });
    const sync = host.tempDir('vigil-sync-');
    const h = await host.start();
    await h.call('agents.create', { name: 'coder', adapterType: 'process', command: agent(sync), cwd: repo.dir, workspace: 'worktree' });
    const issue = await h.call('issues.create', { title: 'Cart totals', assignee: 'coder' });
    const ref = issue.identifier;
    await waitFor(async () => {
      const i = await h.call('issues.get', { issue: ref });
      return i.runs.length === 1 && i.runs[0].status === 'succeeded' ? i : null;
    }, 60_000, 'the first run');

    // A line that does not exist is refused in words, and nothing is stored.
    await expect(h.call('issues.lineComment', { issue: ref, path: 'cart.ts', line: 99, body: 'x' })).rejects.toThrow(/cart.ts has 5 line\(s\); there is no line 99/);
    await expect(h.call('issues.lineComment', { issue: ref, path: 'nope.ts', line: 1, body: 'x' })).rejects.toThrow(/no file nope.ts/);
    await h.call('issues.lineComment', { issue: ref, path: 'cart.ts', line: 4, body: 'use roundCents' });
    await h.call('issues.lineComment', { issue: ref, path: 'cart.ts', line: 2, body: 'name it subtotal' });
    await h.call('issues.lineComment', { issue: ref, path: 'tax.ts', line: 1, body: 'where does this rate come from?' });
    const before = await h.call('issues.lineComments', { issue: ref });
    expect(before.map((c) => [c.path, c.line, c.state, c.lineText])).toEqual([
      ['cart.ts', 4, 'pending', '  return sum;'],
      ['cart.ts', 2, 'pending', '  let sum = 0;'],
      ['tax.ts', 1, 'pending', 'export const RATE = 0.2;'],
    ]);

    const sent = await h.call('issues.requestChanges', { issue: ref, body: 'Also keep it short.' });
    expect(sent).toMatchObject({ sent: 3, woke: true });
    // One comment, naming the three places with the lines around each.
    const detail = await h.call('issues.get', { issue: ref });
    const turn = detail.comments.find((c) => c.id === sent.commentId)!;
    expect(turn.body).toContain('3 remark(s) on 2 file(s)');
    expect(turn.body).toContain('cart.ts, line 2');
    expect(turn.body).toContain('cart.ts, line 4');
    expect(turn.body).toContain('tax.ts, line 1');
    expect(turn.body).toMatch(/\n4 > {3}return sum;\n/);
    expect(turn.body).toContain('use roundCents');
    expect(turn.body).toContain('Also keep it short.');
    // Exactly one follow-up run, woken by that comment.
    const second = await waitFor(async () => {
      const i = await h.call('issues.get', { issue: ref });
      return i.runs.length === 2 && i.runs.every((r) => r.status === 'succeeded') ? i : null;
    }, 60_000, 'the follow-up run');
    expect(second.runs).toHaveLength(2);
    await waitFor(() => existsSync(join(sync, 'second')), 10_000, 'the second run');
    expect(readFileSync(join(sync, 'second'), 'utf8').trim()).toBe('issue_commented');
    // Nothing pending is left to send.
    await expect(h.call('issues.requestChanges', { issue: ref })).rejects.toThrow(/no pending line comments/);

    const after = await h.call('issues.lineComments', { issue: ref });
    const byBody = new Map(after.map((c) => [c.body, c]));
    expect(byBody.get('use roundCents')).toMatchObject({ state: 'sent', now: { line: 4, touched: true, outdated: true } });
    expect(byBody.get('name it subtotal')).toMatchObject({ state: 'sent', now: { line: 2, touched: false, outdated: false } });
    // A line added above it moved it; its own text is unchanged.
    expect(byBody.get('where does this rate come from?')).toMatchObject({ now: { line: 2, touched: false, outdated: true } });
  }, 180_000);
});
