// An adapter's command run in a real pty against the stand-in CLIs of tests/fixtures/adapters/bin,
// its parser fed the pty's bytes as they come (\r\n endings, chunks split anywhere).
import { afterEach, beforeEach } from 'vitest';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { spawnInPty } from '../../src/node/process/pty';
import { getAdapter } from '../../src/main/adapters/index';
import type { AdapterEvent, AdapterResult, AdapterRunContext } from '../../src/main/adapters/types';
import type { AdapterType } from '../../src/shared/domain';
import { FAKE_BIN_DIR, ptyBytes } from '../fixtures/adapters/context';

export interface PtyRun {
  exitCode: number;
  raw: Buffer;
  events: AdapterEvent[];
  result: AdapterResult;
}

export function runInPty(type: AdapterType, ctx: AdapterRunContext): Promise<PtyRun> {
  const adapter = getAdapter(type);
  const command = adapter.buildCommand(ctx);
  const parser = adapter.createParser();
  const received: Buffer[] = [];
  const events: AdapterEvent[] = [];
  return new Promise((resolve) => {
    // Vigil's own spawn, not node-pty's public one: that one may fire its exit before the last
    // chunk of output was read (the result line went missing in CI), which Vigil's never does.
    const proc = spawnInPty({ file: command.file, args: command.args, cwd: command.cwd, env: command.env, cols: 120, rows: 40 });
    proc.onData((chunk) => {
      received.push(chunk);
      events.push(...parser.push(chunk));
    });
    proc.onExit(({ exitCode }) => {
      events.push(...parser.end());
      resolve({ exitCode: exitCode ?? -1, raw: Buffer.concat(received), events, result: parser.result() });
    });
  });
}

/** What the parser makes of a fixture read whole, as the pty would show it. */
export function offline(type: AdapterType, fixture: string): { events: AdapterEvent[]; result: AdapterResult } {
  const parser = getAdapter(type).createParser();
  const events = [...parser.push(ptyBytes(fixture)), ...parser.end()];
  return { events, result: parser.result() };
}

export interface RecordedRun {
  argv: string[];
  cwd: string;
  vigilEnv: string[];
}

/** The argv, cwd and VIGIL_* names each stand-in start recorded, in order. */
export function recordedRuns(file: string): RecordedRun[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as RecordedRun);
}

export interface FakeCliFolder {
  /** A fresh folder per test: the stand-ins' HOME and the agent's cwd. */
  dir: string;
  /** Where the named stand-ins record each start (see recordedRuns). */
  argvFile: string;
  /** The stand-ins first on PATH, a run token, and FAKE_<BIN>_ARGV_FILE for each named stand-in. */
  env: Record<string, string>;
}

/** Registers beforeEach/afterEach: a new folder and environment for each test, removed after it. */
export function fakeCliFolderPerTest(prefix: string, bins: readonly string[]): FakeCliFolder {
  const fake = {} as FakeCliFolder;
  beforeEach(() => {
    fake.dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
    fake.argvFile = join(fake.dir, 'argv.jsonl');
    fake.env = { PATH: [FAKE_BIN_DIR, dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(delimiter), HOME: fake.dir, VIGIL_RUN_TOKEN: 'tok_secret_123' };
    for (const bin of bins) fake.env[`FAKE_${bin.toUpperCase().replace(/-/g, '_')}_ARGV_FILE`] = fake.argvFile;
  });
  afterEach(() => rmSync(fake.dir, { recursive: true, force: true }));
  return fake;
}
