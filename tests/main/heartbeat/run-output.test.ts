// RunOutput with a session that can stop sending its bytes (the pty host's): the bytes cross only
// while something reads them; progress stands for them otherwise, and nothing is missed or doubled.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OutputParser } from '../../../src/main/adapters/types';
import { RunOutput, type RunOutputHooks } from '../../../src/main/heartbeat/run-process';
import { SessionOfInfo, type RunSession } from '../../../src/node/process/run-session';
import type { PtyExitInfo } from '../../../src/shared/ptyhost-protocol';

class FakeSession extends SessionOfInfo implements RunSession {
  readonly info = { pid: 1, pgid: 1, sid: 1, startId: 'x' };
  readonly asked: (number | null)[] = [];
  streamOutput(from: number | null): void {
    this.asked.push(from);
  }
  output(offset: number, text: string): void {
    this.events.push({ output: { offset, data: Buffer.from(text) } });
  }
  progress(bytes: number, tail: string): void {
    this.events.push({ progress: { bytes, tail: Buffer.from(tail) } });
  }
  write(): void {}
  resize(): void {}
  async terminate(): Promise<void> {}
  acknowledge(): void {}
}

function parser(readsOutput: boolean | undefined): OutputParser & { pushed: string[] } {
  const pushed: string[] = [];
  return {
    pushed,
    ...(readsOutput === undefined ? {} : { readsOutput }),
    push: (chunk) => {
      pushed.push(chunk.toString());
      return [];
    },
    end: () => [],
    result: () => ({ sessionId: null, sessionUnknown: false, usage: null, summary: null }),
  };
}

function hooks() {
  let listening = false;
  const watchers = new Set<() => void>();
  const emitted: { offset: number; data: string }[] = [];
  const h: RunOutputHooks = {
    emitOutput: (offset, data) => emitted.push({ offset, data: data.toString() }),
    outputListened: () => listening,
    watchListened: (cb) => {
      watchers.add(cb);
      return () => watchers.delete(cb);
    },
    redactLine: (t) => t,
    onEvents: () => undefined,
    onSession: () => undefined,
  };
  const setListening = (on: boolean) => {
    listening = on;
    for (const cb of watchers) cb();
  };
  return { h, emitted, setListening, watchers };
}

const exitWith = (lastBytes: string, logBytes: number): PtyExitInfo => ({
  exitCode: 0,
  signal: null,
  logBytes,
  logSha256: 'sha',
  lastBytes: Buffer.from(lastBytes).toString('base64'),
  logError: null,
  endedAt: new Date().toISOString(),
});

describe('RunOutput: the bytes only while something reads them', () => {
  afterEach(() => vi.useRealTimers());

  it('an adapter that parses nothing, unwatched: progress only; its size and last line from the progress and the exit', () => {
    const s = new FakeSession();
    const p = parser(false);
    const { h, watchers } = hooks();
    const out = new RunOutput(s, p, h);
    expect(s.asked).toEqual([null]);
    s.progress(120, 'line one\r\nContinue? [y/n] ');
    expect(out.logBytes).toBe(120);
    expect(out.lastOutputLine).toBe('Continue? [y/n]');
    // An older progress (sent before a newer one) changes nothing.
    s.progress(100, 'stale\r\n');
    expect(out.logBytes).toBe(120);
    const end = out.end(exitWith('x\r\nall done\r\n', 500));
    expect(end.lastOutputLine).toBe('all done');
    expect(end.logBytes).toBe(500);
    // What reads output beside the adapter (a usage limit) reads the exit's last bytes.
    expect(p.pushed).toEqual(['x\r\nall done\r\n']);
    expect(watchers.size).toBe(0);
  });

  it('a watcher arriving gets the bytes from where the host is, each once; leaving stops them again', () => {
    vi.useFakeTimers();
    const s = new FakeSession();
    const { h, emitted, setListening } = hooks();
    const out = new RunOutput(s, parser(false), h);
    s.output(0, 'abc'); // sent before the pty host read the request
    s.progress(10, 'abcdefghij');
    setListening(true);
    expect(s.asked).toEqual([null, 10]);
    // A progress sent before the request for bytes is not taken: the bytes from 10 on are coming.
    s.progress(14, 'ghijklmn');
    expect(out.logBytes).toBe(10);
    // Overlapping resends are trimmed to what was not seen.
    s.output(8, 'ijKLM');
    s.output(10, 'KLM');
    s.output(13, 'NOP');
    expect(out.logBytes).toBe(16);
    vi.advanceTimersByTime(100); // the live batch goes out
    expect(emitted).toEqual([{ offset: 10, data: 'KLMNOP' }]);
    setListening(false);
    expect(s.asked).toEqual([null, 10, null]);
    const end = out.end(exitWith('KLMNOP', 16));
    expect(end.lastOutputLine).toBe('KLMNOP');
  });

  it('an adapter that parses its output always gets every byte: the session is never asked to stop', () => {
    for (const reads of [true, undefined]) {
      const s = new FakeSession();
      const p = parser(reads);
      const { h, setListening } = hooks();
      const out = new RunOutput(s, p, h);
      setListening(true);
      setListening(false);
      s.output(0, 'hello\r\n');
      expect(s.asked).toEqual([]);
      expect(p.pushed).toEqual(['hello\r\n']);
      out.end(exitWith('hello\r\n', 7));
    }
  });
});
