import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { launchDesktopApp } from '../../../src/main/electron/app';
import { CANCEL, STOP_AND_QUIT, quitPrompt } from '../../../src/main/electron/quit';
import { createFakeHost, fake, FakeBrowserWindow, timeline, type FakeHost } from '../../helpers/fake-electron';
import { runDto } from '../../helpers/dtos';

vi.mock('electron', async () => (await import('../../helpers/fake-electron')).electronModule);

let host: FakeHost;
let signals: EventEmitter;

async function launch(runningAgents: number): Promise<void> {
  host = createFakeHost();
  for (let i = 1; i <= runningAgents; i++) host.runs.push(runDto({ id: `run-${i}`, agent: `agent-${i}` }));
  signals = new EventEmitter();
  launchDesktopApp({
    startHost: async () => host,
    startControlSocket: async () => ({ close: async () => void timeline.push('socket closed') }),
    env: { VIGIL_HOME: '/tmp/vigil-quit-test' },
    platform: 'linux',
    signals,
  });
  fake.app.markReady();
  await vi.waitFor(() => expect(fake.window().visible).toBe(true));
}

const exited = () => vi.waitFor(() => expect(fake.app.exitCode).not.toBeNull());
/** Lets every pending step of a (wrong) shutdown run, so "nothing happened" means something. */
async function drain(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

beforeEach(() => fake.reset());

describe('quitting', () => {
  it('with agents running, asks; Cancel keeps the app, its window and its agents', async () => {
    await launch(2);
    fake.dialog.answer = () => CANCEL;
    fake.app.quit();
    await vi.waitFor(() => expect(fake.dialog.messageBoxes).toHaveLength(1));
    expect(fake.dialog.messageBoxes[0].buttons).toEqual(['Stop 2 running agents and quit', 'Cancel']);
    await drain();
    expect(fake.app.exitCode).toBeNull();
    expect(host.closed).toBe(false);
    expect(fake.window().isDestroyed()).toBe(false);

    // And the user can still quit afterwards.
    fake.dialog.answer = () => STOP_AND_QUIT;
    fake.app.quit();
    await exited();
    expect(fake.dialog.messageBoxes).toHaveLength(2);
  });

  it('confirmed: closes the control socket and the host before the process exits', async () => {
    await launch(1);
    fake.dialog.answer = () => STOP_AND_QUIT;
    fake.app.quit();
    await exited();
    expect(fake.app.exitCode).toBe(0);
    expect(host.closed).toBe(true);
    const end = timeline.slice(timeline.indexOf('message box'));
    expect(end).toEqual(['message box', 'socket closed', 'host closed', 'app exit 0']);
    expect(FakeBrowserWindow.all.every((w) => w.isDestroyed())).toBe(true);
  });

  it('with nothing running, quits without asking', async () => {
    await launch(0);
    fake.tray().click('Quit');
    await exited();
    expect(fake.dialog.messageBoxes).toHaveLength(0);
    expect(timeline.slice(-3)).toEqual(['socket closed', 'host closed', 'app exit 0']);
  });

  it('SIGTERM and SIGINT take the same clean path without asking', async () => {
    for (const signal of ['SIGTERM', 'SIGINT']) {
      fake.reset();
      await launch(3);
      signals.emit(signal);
      await exited();
      expect(fake.dialog.messageBoxes).toHaveLength(0);
      expect(timeline.slice(-3)).toEqual(['socket closed', 'host closed', 'app exit 0']);
    }
  });

  it('a signal while the prompt is open still shuts down, once', async () => {
    await launch(1);
    let answer: (n: number) => void = () => undefined;
    fake.dialog.answer = () => new Promise<number>((resolve) => (answer = resolve));
    fake.app.quit();
    await vi.waitFor(() => expect(fake.dialog.messageBoxes).toHaveLength(1));
    signals.emit('SIGTERM');
    await exited();
    answer(STOP_AND_QUIT);
    fake.app.quit();
    await drain();
    expect(timeline.filter((entry) => entry === 'host closed')).toHaveLength(1);
    expect(timeline.filter((entry) => entry.startsWith('app exit'))).toHaveLength(1);
  });

  it('a failing shutdown still exits, with a failure code', async () => {
    await launch(0);
    host.close = () => Promise.reject(new Error('checkpoint failed'));
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    fake.app.quit();
    await exited();
    expect(fake.app.exitCode).toBe(1);
    expect(String(error.mock.calls[0]?.[0])).toContain('checkpoint failed');
    error.mockRestore();
  });
});

describe('quitPrompt', () => {
  it('asks only when something runs, and Cancel is the default', () => {
    expect(quitPrompt(0)).toBeNull();
    expect(quitPrompt(1)?.buttons).toEqual(['Stop 1 running agent and quit', 'Cancel']);
    expect(quitPrompt(5)).toMatchObject({ defaultId: CANCEL, cancelId: CANCEL });
  });
});
