// `vigil run attach` in a pty, driven by node-pty as a person's terminal would be: typed input
// reaches the agent (a shell loop answering each line), who typed is in the run's events,
// Ctrl-] detaches and the run goes on; --read-only sends nothing.
import * as pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetailDto, RunDto } from '../../src/shared/contract';
import { waitFor } from '../helpers/host';
import { childEnv, ensureBuilt, READY_TIMEOUT_MS, ROOT, startServe, tempDataDir, VIGIL_BIN, vigil, type Served } from '../helpers/serve';

const data = tempDataDir('vigil-attach-');
let served: Served;

const cli = async <T,>(...args: string[]): Promise<T> => {
  const r = await vigil(['--json', ...args], { dataDir: data.dir });
  if (r.code !== 0) throw new Error(`vigil ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};

/** `vigil run attach` in a pseudo-terminal of its own, its screen collected. */
function attach(runId: string, ...flags: string[]) {
  const term = pty.spawn(process.execPath, [VIGIL_BIN, '--data-dir', data.dir, 'run', 'attach', runId, ...flags], {
    cols: 100,
    rows: 30,
    cwd: ROOT,
    env: childEnv() as Record<string, string>,
  });
  let screen = '';
  term.onData((d) => (screen += d));
  const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  return { term, screen: () => screen, exited };
}

beforeAll(async () => {
  ensureBuilt();
  served = await startServe({ dataDir: data.dir });
}, 300_000 + READY_TIMEOUT_MS);

afterAll(async () => {
  await served?.stop();
  data.cleanup();
}, 60_000);

describe('vigil run attach', { timeout: 180_000 }, () => {
  it('typed input reaches the agent; Ctrl-] detaches and the run goes on', async () => {
    await cli('agent', 'add', 'echoer', '--adapter', 'process', '--command', 'echo ready; while IFS= read -r line; do echo "got: $line"; [ "$line" = quit ] && exit 0; done');
    await cli('issue', 'create', 'talk to me', '--assign', 'echoer');
    const run = await waitFor(async () => (await cli<{ items: RunDto[] }>('run', 'list', '--agent', 'echoer')).items.find((r) => r.status === 'running'), 60_000, 'a running run');

    const a = attach(run.id);
    await waitFor(() => a.screen().includes('Detach with Ctrl-]'), 30_000, 'the attach banner');
    await waitFor(() => a.screen().includes('ready'), 30_000, 'the replayed screen');
    a.term.write('hello there\r');
    await waitFor(() => a.screen().includes('got: hello there'), 30_000, 'the agent to answer the typed line');
    a.term.write('\x1d');
    expect(await a.exited).toBe(0);
    expect(a.screen()).toContain('Detached from run');

    const after = await cli<RunDetailDto>('run', 'show', run.id);
    expect(after.status).toBe('running');
    const typed = await waitFor(async () => (await cli<RunDetailDto>('run', 'show', run.id)).events.find((e) => e.type === 'terminal_input'), 30_000, 'the input event');
    expect(typed.message).toMatch(/\(vigil run attach\) typed into the terminal/);
    // The bytes are not in the event, only that input happened and by whom.
    expect(JSON.stringify(typed)).not.toContain('hello there');

    // Read-only: it shows the screen, sends nothing.
    const watcher = attach(run.id, '--read-only');
    await waitFor(() => watcher.screen().includes('(read-only)'), 30_000, 'the read-only banner');
    await waitFor(() => watcher.screen().includes('got: hello there'), 30_000, 'the replayed screen');
    watcher.term.write('nope\r');
    watcher.term.write('\x1d');
    expect(await watcher.exited).toBe(0);

    // A writer again: "quit" ends the agent; nothing of the read-only keys reached it.
    const b = attach(run.id);
    await waitFor(() => b.screen().includes('Detach with Ctrl-]'), 30_000, 'the banner');
    b.term.write('quit\r');
    expect(await b.exited).toBe(0);
    expect(b.screen()).toMatch(/ended: succeeded/);
    const log = (await vigil(['run', 'logs', run.id], { dataDir: data.dir })).stdout;
    expect(log).toContain('got: quit');
    expect(log).not.toContain('nope');
  });
});
