// The requests sweep that follows a run's end is shared: many runs ending together (recovery
// after a crash ends 1,000 at once) make a couple of sweeps, not one each, and a run that ends
// while a sweep is under way still gets a sweep that starts after it ended.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../../src/main/context';
import { EventBus } from '../../../src/main/event-bus';
import { Requests } from '../../../src/main/requests/service';

/**
 * A database stand-in for the sweep's two update statements (overdue, then of ended runs): it
 * counts them and finishes each when the test says so.
 */
function heldDatabase() {
  const pending: (() => void)[] = [];
  let statements = 0;
  const builder = {
    set: () => builder,
    where: () => builder,
    from: () => builder,
    returning: () =>
      new Promise<never[]>((resolve) => {
        statements++;
        pending.push(() => resolve([]));
      }),
  };
  return {
    db: { update: () => builder, select: () => builder },
    statements: () => statements,
    /** Finishes every statement waiting now and lets what follows run. */
    release: async () => {
      for (const finish of pending.splice(0)) finish();
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-sweep-'));
let requests: Requests | null = null;
afterEach(() => requests?.dispose());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function setUp() {
  const held = heldDatabase();
  const events = new EventBus();
  const ctx = { db: held.db, events, dataDir: dir } as unknown as ServiceContext;
  requests = new Requests(ctx, async () => undefined, { sweepEveryMs: 0 });
  const ended = (id: string) => events.emit('run.updated', { id, status: 'failed' } as never);
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  return { held, ended, tick };
}

describe('the requests sweep after runs end', () => {
  it('1,000 runs ending in one turn make one sweep (two statements), not 1,000', async () => {
    const { held, ended, tick } = setUp();
    for (let i = 0; i < 1000; i++) ended(`run-${i}`);
    await tick();
    expect(held.statements()).toBe(1); // the first of the sweep's two statements
    await held.release();
    await held.release();
    expect(held.statements()).toBe(2);
    await tick();
    expect(held.statements()).toBe(2); // nothing more was queued
  });

  it('a run that ends during a sweep gets another sweep, started after it ended', async () => {
    const { held, ended, tick } = setUp();
    ended('run-a');
    await tick();
    expect(held.statements()).toBe(1);
    // Ends while the first sweep runs: that sweep may have read before it ended.
    ended('run-b');
    ended('run-c');
    await held.release();
    await held.release(); // the first sweep is done; the next starts
    expect(held.statements()).toBe(3);
    await held.release();
    await held.release();
    expect(held.statements()).toBe(4); // one more sweep for both, then quiet
    await tick();
    expect(held.statements()).toBe(4);
  });
});
