// A tab whose token serve refuses (it restarted with a new one) stops knocking and says so:
// a browser hides a WebSocket's 401, so the bridge asks over HTTP when the socket never opened.
import { describe, expect, it } from 'vitest';
import { WsBridge, type ConnectionState } from '../../../src/renderer/data/ws-bridge';

function socketThatNeverOpens(created: { n: number }) {
  return () => {
    created.n++;
    const s = {
      readyState: 0,
      send: () => undefined,
      close: () => undefined,
      onopen: null as ((ev: unknown) => void) | null,
      onclose: null as ((ev: unknown) => void) | null,
      onerror: null,
      onmessage: null,
    };
    setTimeout(() => s.onclose?.({}), 1);
    return s;
  };
}

const settle = () => new Promise((r) => setTimeout(r, 40));

describe('a refused token', () => {
  it('ends in "unauthorized" without retrying', async () => {
    const created = { n: 0 };
    const states: ConnectionState[] = [];
    const bridge = new WsBridge({ url: 'ws://h/ws', createSocket: socketThatNeverOpens(created), minDelayMs: 1, maxDelayMs: 2, tokenAccepted: async () => false });
    bridge.onConnection((s) => states.push(s));
    await settle();
    expect(bridge.connection).toBe('unauthorized');
    expect(states.at(-1)).toBe('unauthorized');
    expect(created.n).toBe(1);
    bridge.close();
  });

  it('keeps retrying when the token is fine (the host is just not up yet)', async () => {
    const created = { n: 0 };
    const bridge = new WsBridge({ url: 'ws://h/ws', createSocket: socketThatNeverOpens(created), minDelayMs: 1, maxDelayMs: 2, tokenAccepted: async () => true });
    await settle();
    expect(bridge.connection).toBe('connecting');
    expect(created.n).toBeGreaterThan(1);
    bridge.close();
  });
});
