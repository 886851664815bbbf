// One client can slow everyone: a client sends 20,000 requests on the control socket and never
// reads an answer. It must be closed (its unread answers passed the bound), and another client's
// host.status keeps being answered meanwhile. The p90 is printed, not asserted (shared CPU).
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/main/event-bus';
import type { HostLike } from '../../src/main/host-types';
import { startControlSocket, type ControlSocket } from '../../src/main/transports/control-socket';

/** Calls handled one after another, like one database connection; answers of ~600 bytes. */
function oneConnectionHost(): HostLike {
  let chain: Promise<unknown> = Promise.resolve();
  const status = { pid: process.pid, version: 'test', notes: 'x'.repeat(560) };
  return {
    api: {
      invoke() {
        const call = chain.then(() => new Promise((resolve) => setImmediate(() => resolve(status))));
        chain = call;
        return call;
      },
      scopeOf: async () => null,
    },
    events: new EventBus(),
  };
}

const open = (path: string) =>
  new Promise<Socket>((resolve, reject) => {
    const s = createConnection(path, () => resolve(s));
    s.once('error', reject);
  });

let dir = '';
let server: ControlSocket | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a client that never reads its answers', () => {
  it('is closed, and another client keeps getting host.status answered', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-unread-'));
    const path = join(dir, 'control.sock');
    server = await startControlSocket(oneConnectionHost(), path);

    const bad = await open(path);
    bad.pause(); // never reads
    let badClosed = false;
    bad.on('close', () => (badClosed = true));
    bad.on('error', () => undefined);
    const flood = Array.from({ length: 20_000 }, (_, i) => `${JSON.stringify({ id: i, method: 'host.status', params: {} })}\n`).join('');
    bad.write(flood);

    const good = await open(path);
    good.setEncoding('utf8');
    let buf = '';
    const waiting = new Map<number, () => void>();
    good.on('data', (t: string) => {
      buf += t;
      for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
        const msg = JSON.parse(buf.slice(0, nl)) as { id: number; ok: boolean };
        buf = buf.slice(nl + 1);
        waiting.get(msg.id)?.();
      }
    });
    const latencies: number[] = [];
    const deadline = Date.now() + 60_000;
    for (let id = 1; Date.now() < deadline && (!badClosed || latencies.length < 20); id++) {
      const t0 = performance.now();
      const answered = new Promise<void>((resolve) => waiting.set(id, resolve));
      good.write(`${JSON.stringify({ id, method: 'host.status', params: {} })}\n`);
      await Promise.race([answered, new Promise((r) => setTimeout(r, 10_000))]);
      latencies.push(waiting.has(id) ? performance.now() - t0 : Infinity);
      waiting.delete(id);
      await new Promise((r) => setTimeout(r, 50));
    }
    good.destroy();
    bad.destroy();
    const sorted = [...latencies].sort((a, b) => a - b);
    const p90 = sorted[Math.floor(sorted.length * 0.9)];
    console.log(`[unread answers] ${latencies.length} host.status calls while flooded: p90 ${p90.toFixed(1)} ms, worst ${sorted[sorted.length - 1].toFixed(1)} ms`);
    expect(badClosed, 'the client that never reads was closed').toBe(true);
    expect(latencies.every((l) => Number.isFinite(l)), 'every host.status of the other client was answered').toBe(true);
  }, 90_000);
});
