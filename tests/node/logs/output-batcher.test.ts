import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../../src/main/event-bus';
import { createOutputBatcher } from '../../../src/node/logs/output-batcher';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function recorder() {
  const events: { offset: number; data: Buffer }[] = [];
  return { events, emit: (offset: number, data: Buffer) => events.push({ offset, data: Buffer.from(data) }) };
}

describe('createOutputBatcher', () => {
  it('merges consecutive chunks into one event per interval', () => {
    const r = recorder();
    const b = createOutputBatcher({ emit: r.emit });
    b.push(0, Buffer.from('hel'));
    b.push(3, Buffer.from('lo '));
    vi.advanceTimersByTime(49);
    expect(r.events).toEqual([]);
    b.push(6, Buffer.from('world'));
    vi.advanceTimersByTime(1);
    expect(r.events).toEqual([{ offset: 0, data: Buffer.from('hello world') }]);
    b.push(11, Buffer.from('!'));
    vi.advanceTimersByTime(50);
    expect(r.events).toEqual([
      { offset: 0, data: Buffer.from('hello world') },
      { offset: 11, data: Buffer.from('!') },
    ]);
    vi.advanceTimersByTime(500);
    expect(r.events).toHaveLength(2);
  });

  it('emits early at maxBytes and splits a chunk larger than maxBytes', () => {
    const r = recorder();
    const b = createOutputBatcher({ emit: r.emit, maxBytes: 10 });
    b.push(0, Buffer.from('0123456'));
    b.push(7, Buffer.from('789abcdefghijklmnopq'));
    expect(r.events).toEqual([
      { offset: 0, data: Buffer.from('0123456789') },
      { offset: 10, data: Buffer.from('abcdefghij') },
    ]);
    vi.advanceTimersByTime(50);
    expect(r.events[2]).toEqual({ offset: 20, data: Buffer.from('klmnopq') });
  });

  it('does not merge across a gap in offsets', () => {
    const r = recorder();
    const b = createOutputBatcher({ emit: r.emit });
    b.push(0, Buffer.from('abc'));
    b.push(10, Buffer.from('xyz'));
    b.flush();
    expect(r.events).toEqual([
      { offset: 0, data: Buffer.from('abc') },
      { offset: 10, data: Buffer.from('xyz') },
    ]);
  });

  it('flushes on close and ignores later pushes and empty chunks', () => {
    const r = recorder();
    const b = createOutputBatcher({ emit: r.emit, intervalMs: 1000 });
    b.push(0, Buffer.alloc(0));
    b.push(0, Buffer.from('end'));
    b.close();
    b.push(3, Buffer.from('late'));
    vi.advanceTimersByTime(5000);
    expect(r.events).toEqual([{ offset: 0, data: Buffer.from('end') }]);
  });

  it('preserves order and offsets for a random stream of chunks', () => {
    const r = recorder();
    const b = createOutputBatcher({ emit: r.emit, intervalMs: 20, maxBytes: 4096 });
    const input = randomBytes(500_000);
    for (let at = 0; at < input.length; ) {
      const n = 1 + Math.floor(Math.random() * 3000);
      b.push(at, input.subarray(at, at + n));
      at += n;
      if (Math.random() < 0.1) vi.advanceTimersByTime(Math.floor(Math.random() * 30));
    }
    b.close();
    let expected = 0;
    for (const e of r.events) {
      expect(e.offset).toBe(expected);
      expect(e.data.length).toBeLessThanOrEqual(4096);
      expected += e.data.length;
    }
    expect(Buffer.concat(r.events.map((e) => e.data)).equals(input)).toBe(true);
  });
});

describe('createOutputBatcher with nobody listening', () => {
  it('drops chunks on arrival (no emit, no timer); a listener that arrives gets the next chunk at its own offset', () => {
    const r = recorder();
    let listening = false;
    const b = createOutputBatcher({ emit: r.emit, listening: () => listening });
    b.push(0, Buffer.from('unseen '));
    b.push(7, Buffer.from('also unseen '));
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(500);
    expect(r.events).toEqual([]);
    listening = true;
    b.push(19, Buffer.from('seen'));
    vi.advanceTimersByTime(50);
    expect(r.events).toEqual([{ offset: 19, data: Buffer.from('seen') }]);
  });

  it('drops a waiting batch when the last listener leaves before it goes out', () => {
    const r = recorder();
    let listening = true;
    const b = createOutputBatcher({ emit: r.emit, listening: () => listening });
    b.push(0, Buffer.from('pending'));
    listening = false;
    vi.advanceTimersByTime(50);
    b.flush();
    b.close();
    expect(r.events).toEqual([]);
  });
});

describe('EventBus.listens', () => {
  it('knows whether an event would reach anyone: unfiltered listeners hear all, filtered ones only theirs', () => {
    const bus = new EventBus();
    expect(bus.listens('run.output')).toBe(false);
    const heard: string[] = [];
    const offNotices = bus.subscribe((e) => heard.push(`notices:${e.event}`), { events: ['host.notice'] });
    expect(bus.listens('run.output')).toBe(false);
    expect(bus.listens('host.notice')).toBe(true);
    bus.emit('run.output', { runId: 'r', offset: 0, data: '' });
    bus.emit('host.notice', { level: 'info', message: 'hi' });
    const offAll = bus.subscribe((e) => heard.push(`all:${e.event}`));
    expect(bus.listens('run.output')).toBe(true);
    bus.emit('run.output', { runId: 'r', offset: 0, data: '' });
    offAll();
    expect(bus.listens('run.output')).toBe(false);
    offNotices();
    expect(bus.listens('host.notice')).toBe(false);
    expect(heard).toEqual(['notices:host.notice', 'all:run.output']);
  });
});
