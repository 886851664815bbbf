// The CLI's pure parts: command-line parsing, error lines, tables, and the run-log follower's
// ordering (no gap, no duplicate) against a scripted host.
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/args';
import type { Client } from '../../src/cli/client';
import { NotRunningError } from '../../src/cli/client';
import { UsageError } from '../../src/cli/command';
import { describeFailure, EXIT_NOT_RUNNING, EXIT_USAGE } from '../../src/cli/errors';
import { COMMANDS } from '../../src/cli/main';
import { createOutput, duration, formatTable } from '../../src/cli/output';
import { PAGE_BYTES, streamRunLog } from '../../src/cli/run-log-stream';
import type { LogChunkDto, RunDto } from '../../src/shared/contract';
import { ContractError } from '../../src/shared/errors';
import type { HostEvent } from '../../src/shared/events';

const parse = (line: string[]) => parseCommandLine(line, COMMANDS);
const usage = (line: string[]) => {
  try {
    parse(line);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`no usage error for ${line.join(' ')}`);
};

describe('command line', () => {
  it('finds the command and its arguments, with global options anywhere', () => {
    const parsed = parse(['--json', 'agent', 'add', 'echo', '--adapter', 'process', '--data-dir', '/tmp/x', '--command', 'echo hi', '--env', 'A=1', '--env', 'B=2']);
    expect(parsed.kind).toBe('run');
    if (parsed.kind !== 'run') return;
    expect(parsed.command.name).toBe('agent add');
    expect(parsed.globals).toEqual({ dataDir: '/tmp/x', json: true, raw: false });
    expect(parsed.input.args).toEqual({ NAME: 'echo' });
    expect(parsed.input.opts).toMatchObject({ adapter: 'process', command: 'echo hi', env: ['A=1', 'B=2'] });
  });

  it('does not mistake an option value for a command word', () => {
    const parsed = parse(['--data-dir', 'agent', 'issue', 'comment', 'VIG-1', 'looks', 'good']);
    if (parsed.kind !== 'run') throw new Error('expected a command');
    expect(parsed.globals.dataDir).toBe('agent');
    expect(parsed.command.name).toBe('issue comment');
    expect(parsed.input.args).toEqual({ ID: 'VIG-1', TEXT: 'looks good' });
  });

  it('names what is wrong in one line', () => {
    expect(usage([])).toMatch(/missing command/);
    expect(usage(['frobnicate'])).toMatch(/unknown command 'frobnicate'/);
    expect(usage(['agent'])).toMatch(/missing subcommand for 'agent': one of add, list/);
    expect(usage(['agent', 'fly'])).toMatch(/unknown subcommand 'agent fly'/);
    expect(usage(['agent', 'show'])).toMatch(/missing argument NAME/);
    expect(usage(['agent', 'show', 'a', 'b'])).toMatch(/unexpected argument 'b'/);
    expect(usage(['agent', 'list', '--bogus'])).toMatch(/unknown option '--bogus' for vigil agent list/);
    expect(usage(['agent', 'add', 'x', '--command', 'y'])).toMatch(/missing --adapter/);
    expect(usage(['run', 'list', '--status'])).toMatch(/--status/);
    for (const message of [usage(['agent', 'list', '--bogus']), usage(['run', 'list', '--status'])]) expect(message).not.toContain('\n');
  });

  it('answers --help at every level and --version', () => {
    expect(parse(['--help'])).toMatchObject({ kind: 'help' });
    const group = parse(['issue', '--help']);
    expect(group.kind === 'help' && group.text).toMatch(/issue create TITLE/);
    const one = parse(['run', 'logs', '-h']);
    expect(one.kind === 'help' && one.text).toMatch(/--follow/);
    expect(parse(['--version'])).toMatchObject({ kind: 'version' });
  });
});

describe('error lines', () => {
  it('maps contract errors to the option names a user typed', () => {
    const invalid = new ContractError('invalid_input', 'agents.create: command: the process adapter needs --command', 'command');
    expect(describeFailure(invalid, '/d').line).toBe('--command: the process adapter needs --command');
    const patch = new ContractError('invalid_input', 'agents.update: patch.timeoutSec: Too small: expected number to be >=1', 'patch.timeoutSec');
    expect(describeFailure(patch, '/d').line).toBe('--timeout: Too small: expected number to be >=1');
    expect(describeFailure(new ContractError('not_found', 'unknown agent "ghost"'), '/d')).toMatchObject({ line: 'unknown agent "ghost"', exitCode: 1 });
  });

  it('says how to start Vigil when it is not running', () => {
    const failure = describeFailure(new NotRunningError('/d/vigil.sock'), '/my data');
    expect(failure.exitCode).toBe(EXIT_NOT_RUNNING);
    expect(failure.line).toBe("Vigil is not running for /my data. Start it with: vigil serve --data-dir '/my data' (or open the Vigil app).");
    expect(describeFailure(new UsageError('x'), '/d').exitCode).toBe(EXIT_USAGE);
  });
});

describe('output', () => {
  it('aligns table columns', () => {
    expect(formatTable(['NAME', 'STATUS'], [['echo', 'idle'], ['a-longer-name', 'paused']])).toEqual([
      'NAME           STATUS',
      'echo           idle',
      'a-longer-name  paused',
    ]);
  });

  it('prints short durations', () => {
    const t0 = '2024-01-01T00:00:00.000Z';
    expect(duration(t0, '2024-01-01T00:00:00.250Z')).toBe('250ms');
    expect(duration(t0, '2024-01-01T00:03:04.000Z')).toBe('3m 04s');
    expect(duration(null, null)).toBe('-');
  });
});

/** A host whose run log grows and whose events are delivered when the test says so. */
function scriptedHost(initial: string) {
  let log = Buffer.from(initial);
  let status: RunDto['status'] = 'running';
  const listeners = new Set<(e: HostEvent) => void>();
  const reads: Array<{ offset?: number; length?: number; tail?: number }> = [];
  let closeWith: (reason: string) => void = () => undefined;
  const client: Client = {
    async call(method: string, params: any): Promise<any> {
      if (method === 'runs.get') return { id: 'run-1', status } as Partial<RunDto>;
      if (method === 'runs.log') {
        reads.push({ offset: params.offset, length: params.length, tail: params.tail });
        const start = params.tail !== undefined ? Math.max(0, log.length - params.tail) : Math.min(params.offset ?? 0, log.length);
        const end = Math.min(log.length, start + Math.min(params.length ?? PAGE_BYTES, PAGE_BYTES));
        const chunk: LogChunkDto = { runId: 'run-1', offset: start, data: log.subarray(start, end).toString('base64'), totalBytes: log.length, live: status === 'running', pruned: false };
        return chunk;
      }
      throw new Error(`unexpected ${method}`);
    },
    async subscribe(listener) {
      listeners.add(listener);
      return async () => void listeners.delete(listener);
    },
    closed: new Promise<string>((resolve) => (closeWith = resolve)),
    close: () => undefined,
  } as Client;
  return {
    client,
    reads,
    append(text: string) {
      log = Buffer.concat([log, Buffer.from(text)]);
    },
    emitOutput(offset: number, text: string) {
      for (const l of listeners) l({ event: 'run.output', data: { runId: 'run-1', offset, data: Buffer.from(text).toString('base64') } });
    },
    end() {
      status = 'failed';
      for (const l of listeners) l({ event: 'run.updated', data: { id: 'run-1', status } as RunDto });
    },
    lose: (reason: string) => closeWith(reason),
    get subscribers() {
      return listeners.size;
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('run log follower', () => {
  it('prints what exists, then live chunks in order without duplicates or gaps, until the run ends', async () => {
    const host = scriptedHost('hello ');
    const written: Buffer[] = [];
    const done = streamRunLog(host.client, 'run-1', { follow: true }, async (b) => void written.push(Buffer.from(b)));
    await tick();
    await tick();
    // A chunk the first read already covered, one overlapping it, one past a gap.
    host.append('world ');
    host.emitOutput(0, 'hello ');
    host.emitOutput(3, 'lo world ');
    host.append('gap ');
    host.append('tail');
    host.emitOutput(16, 'tail');
    for (let i = 0; i < 5; i++) await tick();
    // Live: printed while the run is still going.
    expect(Buffer.concat(written).toString()).toBe('hello world gap tail');
    // Bytes that only the final read sees, then the end.
    host.append(' end');
    host.end();
    const result = await done;
    expect(Buffer.concat(written).toString()).toBe('hello world gap tail end');
    expect(result).toEqual({ runId: 'run-1', offset: 0, end: 24, pruned: false });
    expect(host.subscribers).toBe(0);
  });

  it('reads a finished run in pages and does not wait for events', async () => {
    const host = scriptedHost('x'.repeat(PAGE_BYTES * 2 + 5));
    host.end();
    const written: Buffer[] = [];
    const result = await streamRunLog(host.client, 'run-1', { follow: true }, async (b) => void written.push(Buffer.from(b)));
    expect(Buffer.concat(written).length).toBe(PAGE_BYTES * 2 + 5);
    expect(result.end).toBe(PAGE_BYTES * 2 + 5);
    expect(host.reads.every((r) => (r.length ?? 0) <= PAGE_BYTES)).toBe(true);
  });

  it('starts --tail bytes before the end, also beyond one page', async () => {
    const host = scriptedHost('a'.repeat(PAGE_BYTES) + 'b'.repeat(PAGE_BYTES));
    host.end();
    const small: Buffer[] = [];
    await streamRunLog(host.client, 'run-1', { follow: false, tail: 3 }, async (b) => void small.push(Buffer.from(b)));
    expect(Buffer.concat(small).toString()).toBe('bbb');
    const large: Buffer[] = [];
    const result = await streamRunLog(host.client, 'run-1', { follow: false, tail: PAGE_BYTES + 2 }, async (b) => void large.push(Buffer.from(b)));
    expect(result.offset).toBe(PAGE_BYTES - 2);
    expect(Buffer.concat(large).toString()).toBe('aa' + 'b'.repeat(PAGE_BYTES));
  });

  it('fails with a clear error when the connection is lost while following', async () => {
    const host = scriptedHost('partial');
    const done = streamRunLog(host.client, 'run-1', { follow: true }, async () => undefined);
    await tick();
    host.lose('the host closed the connection');
    await expect(done).rejects.toThrow(/lost the connection to Vigil while following/);
  });
});

describe('agent-written text on a terminal', () => {
  const capture = (raw: boolean) => {
    let text = '';
    const stream = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream;
    return { out: createOutput(false, stream, raw), text: () => text };
  };
  const hostile = 'done\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b]0;owned\x07\rreal\u202etxt.exe\x9b31m';

  it('is shown with control characters escaped: no clipboard write, screen clear, retitle or reordering', () => {
    const { out, text } = capture(false);
    out.line(hostile);
    out.fields([['Comment', `first line\n${hostile}`]]);
    out.table(['TITLE'], [[hostile]]);
    expect(text()).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
    expect(text()).toContain('done\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\x1b]0;owned\\x07\\x0dreal\\u202etxt.exe\\x9b31m');
    // Newlines and tabs still lay the text out.
    expect(text()).toContain('first line\n');
  });

  it('is printed as is with --raw', () => {
    const { out, text } = capture(true);
    out.line(hostile);
    expect(text()).toBe(`${hostile}\n`);
    expect(parse(['--raw', 'issue', 'show', 'VIG-1']).globals.raw).toBe(true);
  });
});
