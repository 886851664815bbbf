import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { launchDesktopApp } from '../../../src/main/electron/app';
import { BurstCoalescer, NOTIFICATION_BURSTS, type Delivery } from '../../../src/main/electron/coalescer';
import { createFakeHost, escalationDto, fake, FakeNotification, type FakeHost } from '../../helpers/fake-electron';

vi.mock('electron', async () => (await import('../../helpers/fake-electron')).electronModule);

let host: FakeHost;

async function launch(): Promise<void> {
  host = createFakeHost();
  launchDesktopApp({
    startHost: async () => host,
    startControlSocket: async () => ({ close: () => undefined }),
    env: { VIGIL_HOME: '/tmp/vigil-notify-test' },
    platform: 'darwin',
    signals: new EventEmitter(),
  });
  fake.app.markReady();
  await vi.waitFor(() => expect(fake.window().visible).toBe(true));
}

let nextId = 0;
function escalate(identifier: string, fields: { issueTitle?: string; message?: string } = {}): void {
  host.openEscalation(escalationDto({ id: `esc-${++nextId}`, issueIdentifier: identifier, ...fields }));
}

const titles = () => FakeNotification.all.map((n) => n.options.title);

beforeEach(() => {
  fake.reset();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('escalation notifications', () => {
  it('one per escalation, naming the issue and why', async () => {
    await launch();
    escalate('VIG-3', { issueTitle: 'Ship the tray', message: 'The run failed again after its automatic retry.' });
    await vi.advanceTimersByTimeAsync(2000);
    expect(FakeNotification.all).toHaveLength(1);
    const [notification] = FakeNotification.all;
    expect(notification.shown).toBe(true);
    expect(notification.options.title).toBe('VIG-3 needs attention');
    expect(notification.options.body).toContain('Ship the tray');
    expect(notification.options.body).toContain('failed again after its automatic retry');

    escalate('VIG-4');
    await vi.advanceTimersByTimeAsync(2000);
    expect(titles()).toEqual(['VIG-3 needs attention', 'VIG-4 needs attention']);
  });

  it('clicking one opens the window at the issue', async () => {
    await launch();
    const window = fake.window();
    window.close();
    escalate('VIG-11');
    await vi.advanceTimersByTimeAsync(2000);
    FakeNotification.all[0].click();
    expect(window.visible).toBe(true);
    expect(window.loads.at(-1)).toMatch(/index\.html#\/issues\/VIG-11$/);
  });

  it('folds a burst into one summary that opens the escalations', async () => {
    await launch();
    for (let i = 1; i <= 5; i++) escalate(`VIG-${i}`);
    await vi.advanceTimersByTimeAsync(2000);
    expect(titles()).toEqual(['5 issues need attention']);
    expect(FakeNotification.all[0].options.body).toBe('VIG-1, VIG-2, VIG-3 and 2 more');
    FakeNotification.all[0].click();
    expect(fake.window().loads.at(-1)).toMatch(/#\/escalations$/);
  });

  it('never storms: a steady stream stays within three singles and one summary per ten seconds', async () => {
    await launch();
    for (let i = 1; i <= 40; i++) {
      escalate(`VIG-${i}`);
      await vi.advanceTimersByTimeAsync(500);
    }
    await vi.advanceTimersByTimeAsync(30_000);
    const times = FakeNotification.all.map((n) => n.shownAt ?? Number.NaN);
    for (const start of times) expect(times.filter((t) => t >= start && t < start + 10_000).length).toBeLessThanOrEqual(4);
    const counted = FakeNotification.all.reduce((sum, n) => sum + (Number(/^(\d+) issues/.exec(n.options.title ?? '')?.[1]) || 1), 0);
    expect(counted).toBe(40);
  });

  it('says nothing when the system cannot show notifications', async () => {
    FakeNotification.supported = false;
    await launch();
    escalate('VIG-1');
    await vi.advanceTimersByTimeAsync(2000);
    expect(FakeNotification.all).toHaveLength(0);
  });

  it('an issue ready for review, blocked, or a run waiting for input: one each, opening where it points', async () => {
    await launch();
    host.moveIssue('VIG-20', 'in_review');
    await vi.advanceTimersByTimeAsync(2000);
    host.events.emit('attention.needed', { kind: 'waiting_input', issueId: 'issue-VIG-21', issueIdentifier: 'VIG-21', issueTitle: 'Ask me', runId: 'run-21', message: 'Seems to wait for input: Continue? [y/N]' });
    await vi.advanceTimersByTimeAsync(2000);
    expect(titles()).toEqual(['VIG-20 is ready for review', 'VIG-21 waits for your input']);
    expect(FakeNotification.all[0].options.body).toContain('ready for your review');
    FakeNotification.all[1].click();
    expect(fake.window().loads.at(-1)).toMatch(/#\/runs\/run-21$/);
  });

  it('an issue blocked and escalated in one burst gives one notification: the escalation', async () => {
    await launch();
    host.moveIssue('VIG-30', 'blocked');
    escalate('VIG-30', { message: 'Retrying did not help.' });
    escalate('VIG-31');
    host.moveIssue('VIG-31', 'blocked');
    await vi.advanceTimersByTimeAsync(2000);
    expect(titles()).toEqual(['VIG-30 needs attention', 'VIG-31 needs attention']);
    expect(FakeNotification.all[0].options.body).toContain('Retrying did not help.');
  });

  it('a host notice is a notification too', async () => {
    await launch();
    host.events.emit('host.notice', { level: 'warning', message: 'backup failed: disk full' });
    await vi.advanceTimersByTimeAsync(2000);
    expect(FakeNotification.all.map((n) => [n.options.title, n.options.body])).toEqual([['Vigil', 'backup failed: disk full']]);
  });
});

describe('BurstCoalescer', () => {
  function collect() {
    const out: Array<Delivery<number>> = [];
    return { out, coalescer: new BurstCoalescer<number>((d) => out.push(d), NOTIFICATION_BURSTS) };
  }
  const shape = (out: Array<Delivery<number>>) => out.map((d) => (d.kind === 'single' ? d.item : d.items));

  it('delivers up to three alone, then folds the rest', async () => {
    const { out, coalescer } = collect();
    coalescer.push(1);
    coalescer.push(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(shape(out)).toEqual([1, 2]);
    coalescer.push(3);
    coalescer.push(4);
    await vi.advanceTimersByTimeAsync(1000);
    expect(shape(out)).toEqual([1, 2, [3, 4]]);
    coalescer.push(5);
    await vi.advanceTimersByTimeAsync(1000);
    expect(shape(out)).toEqual([1, 2, [3, 4]]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(shape(out)).toEqual([1, 2, [3, 4], 5]);
  });

  it('forgets the past once the window has passed', async () => {
    const { out, coalescer } = collect();
    for (const n of [1, 2, 3]) coalescer.push(n);
    await vi.advanceTimersByTimeAsync(11_000);
    for (const n of [4, 5, 6]) coalescer.push(n);
    await vi.advanceTimersByTimeAsync(1000);
    expect(shape(out)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('delivers nothing after dispose', async () => {
    const { out, coalescer } = collect();
    coalescer.push(1);
    coalescer.dispose();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(out).toEqual([]);
  });
});
