// The web server against a fake host: token auth on every route and the WebSocket upgrade, the
// cookie flow, static files without traversal, security headers, /api/call and the WebSocket
// wire protocol.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWebServer, type WebServer } from '../../../src/main/transports/web-server';
import { echoAgent, fakeHost, serializedHost, type FakeHost } from '../../helpers/transports-fake-host';

const INDEX = '<!doctype html><title>Vigil</title><script src="/assets/app.js"></script>';
const APP_JS = 'console.log("vigil")';
const SECRET = 'top secret outside the UI folder';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request: the path is sent as written (fetch would normalize `..` away). */
function raw(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Resolves with the open socket, or rejects with the HTTP status the upgrade was refused with. */
function openWs(url: string, headers: Record<string, string> = {}, protocols: string[] = []): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

class WsClient {
  private readonly messages: any[] = [];
  private waiters: Array<() => void> = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()));
      this.waiters.splice(0).forEach((w) => w());
    });
  }
  async next(): Promise<any> {
    while (this.messages.length === 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.messages.shift();
  }
  async request(id: number, method: string, params?: unknown): Promise<any> {
    this.ws.send(JSON.stringify({ id, method, params }));
    return this.next();
  }
}

describe('web server', () => {
  let dir: string;
  let staticDir: string;
  let host: FakeHost;
  let server: WebServer;
  let token: string;
  const sockets: WebSocket[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-web-'));
    staticDir = join(dir, 'renderer');
    mkdirSync(join(staticDir, 'assets'), { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), INDEX);
    writeFileSync(join(staticDir, 'assets', 'app.js'), APP_JS);
    writeFileSync(join(dir, 'secret.txt'), SECRET);
    symlinkSync(join(dir, 'secret.txt'), join(staticDir, 'assets', 'link.txt'));
    token = randomBytes(32).toString('base64url');
    host = fakeHost();
    server = await startWebServer(host, { host: '127.0.0.1', port: 0, token, staticDir });
  });

  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const wsUrl = () => `ws://127.0.0.1:${server.port}/ws`;
  const tokenProtocols = () => ['vigil', `vigil-token.${token}`];
  const authedWs = () => openWs(wsUrl(), {}, tokenProtocols());
  const track = (ws: WebSocket) => (sockets.push(ws), ws);

  it('refuses to bind a non-loopback address', async () => {
    await expect(startWebServer(host, { host: '0.0.0.0', port: 0, token, staticDir })).rejects.toThrow(/loopback/);
    await expect(startWebServer(host, { host: '192.168.1.10', port: 0, token, staticDir })).rejects.toThrow(/loopback/);
  });

  it('reports its URL without the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.url).not.toContain(token);
  });

  it('serves the UI without a token (public code, no data) and never sets a cookie; data routes answer 401', async () => {
    const page = await raw(server.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toBe(INDEX);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const js = await raw(server.port, '/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.body).toBe(APP_JS);
    for (const reply of [page, js, await raw(server.port, `/?token=${token}`)]) expect(reply.headers['set-cookie']).toBeUndefined();
    // No data without the token, whatever the method; a cookie or a query token is not one.
    expect((await raw(server.port, '/', { method: 'POST' })).status).toBe(405);
    expect((await raw(server.port, '/api/call')).status).toBe(401);
    for (const headers of [{}, { cookie: `vigil_token=${token}` }] as Record<string, string>[]) {
      expect((await raw(server.port, `/api/call?token=${token}`, { method: 'POST', headers, body: '{"method":"agents.list"}' })).status).toBe(401);
    }
  });

  it('refuses a Host header that is not a loopback name with its port (421), token or not', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const body = JSON.stringify({ method: 'agents.list' });
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, '127.0.0.1', `attacker.127.0.0.1.nip.io:${server.port}`, `user@127.0.0.1:${server.port}`]) {
      expect((await raw(server.port, '/', { headers: { host } })).status, host).toBe(421);
      expect((await raw(server.port, '/api/call', { method: 'POST', headers: { ...auth, host }, body })).status, host).toBe(421);
      await expect(openWs(wsUrl(), { host, ...auth }), host).rejects.toThrow('status 421');
    }
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `127.0.0.2:${server.port}`]) {
      expect((await raw(server.port, '/api/call', { method: 'POST', headers: { ...auth, host }, body })).status, host).toBe(200);
    }
  });

  it('sends the CSP and nosniff headers', async () => {
    for (const reply of [await raw(server.port, '/index.html'), await raw(server.port, '/')]) {
      expect(reply.headers['content-security-policy']).toBe(
        `default-src 'self'; connect-src 'self' ws://127.0.0.1:${server.port}; style-src 'self' 'unsafe-inline'; img-src 'self' data:`,
      );
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('refuses directory traversal and symlinks out of the UI folder', async () => {
    const auth = { authorization: `Bearer ${token}` };
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/assets/%2e%2e%5c%2e%2e%5csecret.txt', '/assets/link.txt', '/%00index.html']) {
      const reply = await raw(server.port, path, { headers: auth });
      expect([403, 404], path).toContain(reply.status);
      expect(reply.body, path).not.toContain(SECRET);
    }
    expect((await raw(server.port, '/assets', { headers: auth })).status).toBe(404);
    expect((await raw(server.port, '/missing.js', { headers: auth })).status).toBe(404);
  });

  it('answers /api/call for a bearer token, and 401 without or with a wrong one', async () => {
    const body = JSON.stringify({ method: 'agents.get', params: { agent: 'echo' } });
    const headers = { 'content-type': 'application/json' };
    const none = await raw(server.port, '/api/call', { method: 'POST', headers, body });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const wrong = await raw(server.port, '/api/call', { method: 'POST', headers: { ...headers, authorization: 'Bearer wrong' }, body });
    expect(wrong.status).toBe(401);
    const ok = await raw(server.port, '/api/call', { method: 'POST', headers: { ...headers, authorization: `Bearer ${token}` }, body });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ id: null, ok: true, result: echoAgent });
  });

  it('answers /api/call errors as structured WireResponses', async () => {
    const post = (body: string) => raw(server.port, '/api/call', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body });
    const bad = await post(JSON.stringify({ id: 'x', method: 'agents.get', params: { agent: '' } }));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ id: 'x', ok: false, error: { code: 'invalid_input', field: 'agent' } });
    const unknown = await post(JSON.stringify({ method: 'nope' }));
    expect(JSON.parse(unknown.body)).toMatchObject({ ok: false, error: { code: 'unknown_call', field: 'method' } });
    const missing = await post(JSON.stringify({ method: 'agents.get', params: { agent: 'ghost' } }));
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error.message).toContain('ghost');
    const malformed = await post('{');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body).error.message).toMatch(/malformed JSON/);
    const cross = await raw(server.port, '/api/call', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, origin: 'http://evil.example' },
      body: JSON.stringify({ method: 'agents.list' }),
    });
    expect(cross.status).toBe(403);
  });

  it('rejects the WebSocket upgrade without a token, with a wrong one, or from another origin', async () => {
    await expect(openWs(wsUrl())).rejects.toThrow('status 401');
    await expect(openWs(wsUrl(), {}, ['vigil', 'vigil-token.wrong'])).rejects.toThrow('status 401');
    await expect(openWs(`${wsUrl()}?token=${token}`)).rejects.toThrow('status 401');
    await expect(openWs(wsUrl(), { cookie: `vigil_token=${token}` })).rejects.toThrow('status 401');
    await expect(openWs(wsUrl(), { origin: 'http://evil.example' }, tokenProtocols())).rejects.toThrow('status 403');
    await expect(openWs(wsUrl(), { origin: `http://127.0.0.1:${server.port + 1}` }, tokenProtocols())).rejects.toThrow('status 403');
    // The browser's way: the token subprotocol; the server picks the plain one, never echoing the token.
    const ws = track(await openWs(wsUrl(), { origin: `http://127.0.0.1:${server.port}` }, tokenProtocols()));
    expect(ws.protocol).toBe('vigil');
    // A script's way: a bearer header.
    track(await openWs(wsUrl(), { authorization: `Bearer ${token}` }));
  });

  it('speaks the wire protocol over the WebSocket, events included', async () => {
    const client = new WsClient(track(await authedWs()));
    expect(await client.request(1, 'agents.get', { agent: 'echo' })).toEqual({ id: 1, ok: true, result: echoAgent });
    expect(await client.request(2, 'agents.get', { agent: 7 })).toMatchObject({ id: 2, ok: false, error: { code: 'invalid_input', field: 'agent' } });
    client.ws.send('{oops');
    expect(await client.next()).toMatchObject({ id: null, ok: false, error: { code: 'invalid_input' } });
    expect(await client.request(3, 'events.subscribe')).toEqual({ id: 3, ok: true, result: { subscribed: true } });
    host.events.emit('host.notice', { level: 'info', message: 'hello' });
    expect(await client.next()).toEqual({ type: 'event', event: 'host.notice', data: { level: 'info', message: 'hello' } });
  });

  it('drops a WebSocket subscriber that stops reading', async () => {
    const slow = track(await authedWs());
    const slowClient = new WsClient(slow);
    await slowClient.request(1, 'events.subscribe');
    const closed = new Promise<number>((resolve) => slow.once('close', (code) => resolve(code)));
    slow.pause();
    const data = Buffer.alloc(256 * 1024, 1).toString('base64');
    for (let i = 0; host.events.size > 0 && i < 2000; i++) {
      host.events.emit('run.output', { runId: 'r1', offset: i, data });
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(host.events.size).toBe(0);
    slow.resume();
    expect([1006, 1008]).toContain(await closed);
  });
});

describe('web server under a request flood', () => {
  it('5,000 WebSocket messages at once slow their sender, not another client', async () => {
    const host = serializedHost();
    const token = randomBytes(32).toString('base64url');
    const server = await startWebServer(host, { host: '127.0.0.1', port: 0, token, staticDir: null });
    const open = () => openWs(`ws://127.0.0.1:${server.port}/ws`, { authorization: `Bearer ${token}` });
    const flooder = await open();
    const other = new WsClient(await open());
    try {
      let floodAnswers = 0;
      flooder.on('message', () => floodAnswers++);
      for (let i = 0; i < 5000; i++) flooder.send(JSON.stringify({ id: i, method: 'agents.list', params: {} }));
      while (host.handled() === 0) await new Promise((resolve) => setImmediate(resolve));
      const answer = await other.request(1, 'host.status', {});
      const handledWhenAnswered = host.handled();
      expect(answer).toMatchObject({ id: 1, ok: true });
      console.log(`[web] flood: the other client was answered after ${handledWhenAnswered} of 5,001 calls`);
      expect(handledWhenAnswered).toBeLessThan(2500);
      const deadline = Date.now() + 60_000;
      while (floodAnswers < 5000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(floodAnswers).toBe(5000);
    } finally {
      flooder.terminate();
      other.ws.terminate();
      await server.close();
    }
  }, 120_000);
});
