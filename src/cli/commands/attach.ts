// vigil run attach RUN: a live run's terminal in yours. Its output streams in (the recent screen
// first); your keys go to the agent while you hold the wheel (one writer at a time: attaching
// takes it); your terminal's size passes through. Ctrl-] detaches; the run goes on.
import { type Command } from '../command';
import { streamRunLog } from '../run-log-stream';

/** Ctrl-] (GS), telnet's and docker's escape: rarely meant for the agent. */
export const DETACH_BYTE = 0x1d;
/** How much of the log to replay on attach, so the screen is not blank. */
const REPLAY_BYTES = 16 * 1024;

export const attachCommand: Command = {
  name: 'run attach',
  args: ['RUN'],
  options: {
    'read-only': { type: 'boolean', help: 'watch only: do not take the wheel' },
  },
  summary: "Attach your terminal to a live run's (detach with Ctrl-]; the run goes on).",
  async run(ctx, { args, opts }) {
    const client = await ctx.client();
    const run = await client.call('runs.get', { run: args.RUN });
    const readOnly = opts['read-only'] === true;
    const writer = process.getBuiltinModule('node:crypto').randomUUID();
    const who = `${process.getBuiltinModule('node:os').userInfo().username} (vigil run attach)`;
    const stdin = process.stdin;
    const stdout = process.stdout;
    if (!readOnly) {
      const wheel = await client.call('runs.wheel', { run: run.id, writer, who, take: true });
      if (!wheel.yours) throw new Error(`could not take the wheel of run ${run.id}`);
    }
    process.stderr.write(`Attached to run ${run.id}${readOnly ? ' (read-only)' : ''}. Detach with Ctrl-]; the run goes on.\r\n`);

    let detached = false;
    let resolveDetach!: () => void;
    const detachedNow = new Promise<void>((resolve) => (resolveDetach = resolve));
    const wasRaw = stdin.isTTY ? stdin.isRaw : false;
    const restore = () => {
      if (stdin.isTTY) stdin.setRawMode(wasRaw);
      stdin.pause();
    };
    const resize = () => {
      if (readOnly || !stdout.isTTY) return;
      void client.call('runs.resize', { run: run.id, writer, cols: stdout.columns, rows: stdout.rows }).catch(() => undefined);
    };
    // Keys go out in order: each write waits for the one before.
    let sending: Promise<unknown> = Promise.resolve();
    const onKeys = (chunk: Buffer) => {
      const at = chunk.indexOf(DETACH_BYTE);
      const keys = at === -1 ? chunk : chunk.subarray(0, at);
      if (!readOnly && keys.length > 0) {
        sending = sending.then(() => client.call('runs.input', { run: run.id, writer, data: keys.toString('base64') })).catch((err: Error) => {
          process.stderr.write(`\r\nvigil: ${err.message}\r\n`);
        });
      }
      if (at !== -1) {
        detached = true;
        resolveDetach();
      }
    };
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.on('data', onKeys);
    stdin.resume();
    stdout.on('resize', resize);
    resize();

    const following = streamRunLog(client, run.id, { follow: true, tail: REPLAY_BYTES }, async (bytes) => {
      if (!detached) stdout.write(bytes);
    });
    try {
      await Promise.race([following, detachedNow]);
    } finally {
      stdin.off('data', onKeys);
      stdout.off('resize', resize);
      restore();
    }
    if (detached) {
      await sending;
      if (!readOnly) await client.call('runs.wheel', { run: run.id, writer, who, take: false }).catch(() => undefined);
      process.stderr.write(`\r\nDetached from run ${run.id}; it goes on.\r\n`);
      client.close();
      return;
    }
    const ended = await client.call('runs.get', { run: run.id });
    process.stderr.write(`\r\nRun ${run.id} ended: ${ended.status.replace(/_/g, ' ')}.\r\n`);
  },
};
