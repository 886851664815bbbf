import { EventEmitter } from 'node:events';
import { basename } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { launchDesktopApp } from '../../../src/main/electron/app';
import { IDLE, trayMenuTemplate, trayTooltip, trayVariant, type TrayState } from '../../../src/main/electron/tray-model';
import { createFakeHost, escalationDto, fake, type FakeHost, type FakeTray } from '../../helpers/fake-electron';
import { runDto } from '../../helpers/dtos';

vi.mock('electron', async () => (await import('../../helpers/fake-electron')).electronModule);

let host: FakeHost;
let tray: FakeTray;

async function launch(platform: NodeJS.Platform): Promise<void> {
  host = createFakeHost();
  launchDesktopApp({
    startHost: async () => host,
    startControlSocket: async () => ({ close: () => undefined }),
    env: { VIGIL_HOME: '/tmp/vigil-tray-test' },
    platform,
    signals: new EventEmitter(),
  });
  fake.app.markReady();
  await vi.waitFor(() => expect(fake.window().visible).toBe(true));
  tray = fake.tray();
  await vi.waitFor(() => expect(tray.tooltip).toBe('Vigil: idle'));
}

/** Lets the debounced refresh run and its reads settle. */
async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(1000);
}

const icon = () => basename(tray.image.path);

beforeEach(() => {
  fake.reset();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the tray', () => {
  it('follows the host: idle, an agent running, an escalation, agents paused', async () => {
    await launch('darwin');
    expect(tray.labels()).toEqual(['No agents running', '---', 'Open Vigil', 'Pause all agents', 'Quit']);
    expect(icon()).toBe('tray-idle.png');

    host.startRun(runDto({ id: 'run-1', agent: 'builder', issueIdentifier: 'VIG-12' }));
    await settle();
    expect(tray.labels()).toEqual(['Running (1)', 'builder — VIG-12', '---', 'Open Vigil', 'Pause all agents', 'Quit']);
    expect(icon()).toBe('tray-running.png');
    expect(tray.tooltip).toBe('Vigil: 1 agent running');

    host.openEscalation(escalationDto({ id: 'esc-1', issueIdentifier: 'VIG-9', issueTitle: 'Fix the login & signup flow' }));
    await settle();
    expect(tray.labels()).toEqual([
      'Running (1)',
      'builder — VIG-12',
      '---',
      'Needs attention (1)',
      'VIG-9 — Fix the login && signup flow',
      '---',
      'Open Vigil',
      'Pause all agents',
      'Quit',
    ]);
    expect(icon()).toBe('tray-escalation.png');
    expect(tray.tooltip).toBe('Vigil: 1 agent running, 1 issue needs attention');

    tray.click('Pause all agents');
    await vi.waitFor(() => expect(host.pausedAll).toBe(1));

    host.finishRun('run-1');
    await settle();
    expect(tray.labels()[0]).toBe('No agents running');
    expect(icon()).toBe('tray-escalation.png');
  });

  it('an escalation item opens the window at its issue; a running agent at its run', async () => {
    await launch('darwin');
    host.startRun(runDto({ id: 'run-7', agent: 'builder', issueIdentifier: 'VIG-3' }));
    host.openEscalation(escalationDto({ id: 'esc-2', issueIdentifier: 'VIG-4', issueTitle: 'Broken build' }));
    await settle();
    const window = fake.window();
    window.close();

    tray.click('VIG-4 — Broken build');
    expect(window.visible).toBe(true);
    expect(window.loads.at(-1)).toMatch(/index\.html#\/issues\/VIG-4$/);

    tray.click('builder — VIG-3');
    expect(window.loads.at(-1)).toMatch(/index\.html#\/runs\/run-7$/);
  });

  it('a burst of events ends with the latest state', async () => {
    await launch('darwin');
    for (let i = 1; i <= 30; i++) host.startRun(runDto({ id: `run-${i}`, agent: `agent-${i}`, issueIdentifier: `VIG-${i}` }));
    for (let i = 1; i <= 25; i++) host.finishRun(`run-${i}`);
    await settle();
    expect(tray.tooltip).toBe('Vigil: 5 agents running');
    expect(tray.labels().slice(0, 6)).toEqual(['Running (5)', 'agent-26 — VIG-26', 'agent-27 — VIG-27', 'agent-28 — VIG-28', 'agent-29 — VIG-29', 'agent-30 — VIG-30']);
  });

  it('counts the review queue: in review and blocked issues, one item that opens the dashboard', async () => {
    await launch('darwin');
    host.moveIssue('VIG-5', 'in_review');
    host.moveIssue('VIG-6', 'in_review');
    host.moveIssue('VIG-7', 'blocked');
    await settle();
    expect(tray.labels()).toEqual(['No agents running', '---', 'Waiting for you (3): 2 in review, 1 blocked', '---', 'Open Vigil', 'Pause all agents', 'Quit']);
    expect(tray.tooltip).toBe('Vigil: 3 waiting for you');
    expect(icon()).toBe('tray-escalation.png');
    tray.click('Waiting for you (3): 2 in review, 1 blocked');
    expect(fake.window().loads.at(-1)).toMatch(/index\.html#\/$/);

    host.moveIssue('VIG-5', 'done');
    host.moveIssue('VIG-6', 'done');
    host.moveIssue('VIG-7', 'todo');
    await settle();
    expect(tray.labels()[1]).toBe('---');
    expect(tray.labels()).not.toContain('Waiting for you (3): 2 in review, 1 blocked');
    expect(icon()).toBe('tray-idle.png');
  });

  it('uses the 32 px art on Linux', async () => {
    await launch('linux');
    expect(icon()).toBe('tray-idle-32.png');
  });

  it('goes away with the app', async () => {
    await launch('darwin');
    fake.app.quit();
    await vi.waitFor(() => expect(fake.app.exitCode).toBe(0));
    expect(tray.destroyed).toBe(true);
  });
});

describe('the tray model', () => {
  const actions = { open: () => undefined, pauseAll: () => undefined, quit: () => undefined };
  const labels = (state: TrayState) => trayMenuTemplate(state, actions).map((item) => item.label ?? '---');

  it('lists at most ten of each, then how many more', () => {
    const running = Array.from({ length: 10 }, (_, i) => runDto({ id: `r${i}`, agent: `a${i}` }));
    const escalations = Array.from({ length: 12 }, (_, i) => escalationDto({ id: `e${i}`, issueIdentifier: `VIG-${i}` }));
    const state: TrayState = { running, runningTotal: 14, escalations, review: IDLE.review };
    const menu = labels(state);
    expect(menu).toContain('a0 — no issue');
    expect(menu.filter((label) => label.startsWith('and '))).toEqual(['and 4 more…', 'and 2 more…']);
    expect(trayTooltip(state)).toBe('Vigil: 14 agents running, 12 issues need attention');
  });

  it('picks the icon: escalations over running over idle', () => {
    const run = runDto({ id: 'r', agent: 'a' });
    const escalation = escalationDto({ id: 'e', issueIdentifier: 'VIG-1' });
    expect(trayVariant(IDLE)).toBe('idle');
    expect(trayVariant({ running: [run], runningTotal: 1, escalations: [], review: IDLE.review })).toBe('running');
    expect(trayVariant({ running: [run], runningTotal: 1, escalations: [], review: { inReview: 1, blocked: 0 } })).toBe('escalation');
    expect(trayVariant({ running: [], runningTotal: 0, escalations: [escalation], review: IDLE.review })).toBe('escalation');
    expect(trayVariant({ running: [run], runningTotal: 1, escalations: [escalation], review: IDLE.review })).toBe('escalation');
  });
});
