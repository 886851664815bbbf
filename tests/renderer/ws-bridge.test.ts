// The browser's bridge to `vigil serve`: requests wait for the socket, answers and events find
// their listeners, a lost socket fails what was in flight and comes back subscribed.
import { describe, expect, it } from 'vitest';
import { connectionForPage, WsBridge, type ConnectionState } from '../../src/renderer/data/ws-bridge';

class FakeSocket {
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
    this.onclose?.({});
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const bridge = new WsBridge({
    url: 'ws://host/ws',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    minDelayMs: 1,
    maxDelayMs: 5,
  });
  const states: [ConnectionState, boolean][] = [];
  bridge.onConnection((s, r) => states.push([s, r]));
  return { bridge, sockets, states, last: () => sockets[sockets.length - 1] };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe('WebSocket bridge', () => {
  it('subscribes first, sends requests made before the socket opened, and settles answers by id', async () => {
    const t = setup();
    const status = t.bridge.invoke('host.status', {});
    const missing = t.bridge.invoke('issues.get', { issue: 'VIG-9' });
    t.last().open();
    const [sub, first, second] = t.last().sent as { id: number; method: string }[];
    expect(sub.method).toBe('events.subscribe');
    expect([first.method, second.method]).toEqual(['host.status', 'issues.get']);

    t.last().receive({ id: second.id, ok: false, error: { code: 'not_found', message: 'unknown issue "VIG-9"', field: 'issue' } });
    t.last().receive({ id: first.id, ok: true, result: { version: '1' } });
    await expect(status).resolves.toEqual({ version: '1' });
    await expect(missing).rejects.toMatchObject({ code: 'not_found', message: 'unknown issue "VIG-9"', field: 'issue' });
  });

  it('hands pushed events to every listener', () => {
    const t = setup();
    t.last().open();
    const seen: unknown[] = [];
    t.bridge.onEvent((e) => seen.push(e));
    t.last().receive({ type: 'event', event: 'agent.removed', data: { id: 'a1' } });
    expect(seen).toEqual([{ event: 'agent.removed', data: { id: 'a1' } }]);
  });

  it('fails calls in flight when the socket drops, then reconnects and subscribes again', async () => {
    const t = setup();
    t.last().open();
    const inFlight = t.bridge.invoke('agents.list', {});
    t.last().close();
    await expect(inFlight).rejects.toMatchObject({ code: 'not_running' });
    expect(t.bridge.connection).toBe('reconnecting');

    await until(() => t.sockets.length === 2);
    const later = t.bridge.invoke('agents.list', {});
    t.last().open();
    expect((t.last().sent[0] as { method: string }).method).toBe('events.subscribe');
    const request = t.last().sent[1] as { id: number };
    t.last().receive({ id: request.id, ok: true, result: [] });
    await expect(later).resolves.toEqual([]);
    expect(t.states).toEqual([
      ['open', false],
      ['reconnecting', false],
      ['open', true],
    ]);
    t.bridge.close();
  });
});

describe('connection for the page', () => {
  const memory = () => {
    const items = new Map<string, string>();
    return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
  };

  it('moves a #token= fragment into sessionStorage, out of the address bar, and offers it as a subprotocol', () => {
    const replaced: string[] = [];
    const storage = memory();
    const location = { protocol: 'https:', host: 'box:7777', search: '?x=1', pathname: '/', hash: '#token=abc' };
    const history = { state: null, replaceState: (_s: unknown, _t: string, url?: string | URL | null) => void replaced.push(String(url)) };
    expect(connectionForPage(location, history, storage)).toEqual({ url: 'wss://box:7777/ws', protocols: ['vigil', 'vigil-token.abc'], hasToken: true });
    expect(replaced).toEqual(['/?x=1']);
    expect(storage.getItem('vigil.token')).toBe('abc');
    // A reload: no fragment any more, the tab's storage still has the token; the URL is left alone.
    const again = connectionForPage({ ...location, hash: '#/runs' }, { state: null, replaceState: () => expect.unreachable() }, storage);
    expect(again.protocols).toEqual(['vigil', 'vigil-token.abc']);
  });

  it('keeps the route after the token and moves an old ?token= too; the socket URL never carries it', () => {
    const replaced: string[] = [];
    const history = { state: null, replaceState: (_s: unknown, _t: string, url?: string | URL | null) => void replaced.push(String(url)) };
    const a = connectionForPage({ protocol: 'http:', host: 'h:1', search: '', pathname: '/', hash: '#token=t1&/runs' }, history, memory());
    const b = connectionForPage({ protocol: 'http:', host: 'h:1', search: '?token=t2&x=1', pathname: '/', hash: '#/runs' }, history, memory());
    expect(replaced).toEqual(['/#/runs', '/?x=1#/runs']);
    expect([a.url, b.url]).toEqual(['ws://h:1/ws', 'ws://h:1/ws']);
    expect(b.protocols).toEqual(['vigil', 'vigil-token.t2']);
  });

  it('says when the tab has no token (the page then explains how to get in instead of connecting)', () => {
    const history = { state: null, replaceState: () => expect.unreachable() };
    expect(connectionForPage({ protocol: 'http:', host: '127.0.0.1:5000', search: '', pathname: '/', hash: '' }, history, memory())).toEqual({
      url: 'ws://127.0.0.1:5000/ws',
      protocols: ['vigil'],
      hasToken: false,
    });
  });
});
