// The webhook channel against a local HTTP receiver: "needs you" events are posted as
// Slack-compatible JSON or in ntfy's format, the settings file keeps the webhook across the
// app's own writes, and a failing URL's secret path is never shown.
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/main/event-bus';
import { startWebhook } from '../../../src/main/requests/webhook';
import { SettingsStore } from '../../../src/main/services/settings';
import type { HostEvent } from '../../../src/shared/events';
import { waitFor } from '../../helpers/host';

interface Received {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let dir: string;
let server: Server;
let received: Received[];
let status: number;
let base: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-webhook-'));
  received = [];
  status = 200;
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (t: string) => (body += t));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const attention = {
  kind: 'waiting_input' as const,
  issueId: 'i1',
  issueIdentifier: 'VIG-7',
  issueTitle: 'clean the build',
  runId: 'r1',
  message: 'claude asks to use: Bash: rm -rf build',
};

function setup(webhook: unknown) {
  writeFileSync(join(dir, 'settings.json'), JSON.stringify({ notifications: { in_review: true }, webhook }));
  const settings = new SettingsStore(dir);
  const events = new EventBus();
  const seen: HostEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const hook = startWebhook(settings, events);
  return { settings, events, seen, hook };
}

describe('webhook', () => {
  it('posts Slack-compatible JSON for a request waiting', async () => {
    const { events, hook } = setup({ url: `${base}/services/T000/B000/XXXXSECRET`, format: 'slack' });
    events.emit('attention.needed', attention);
    const got = await waitFor(() => received[0], 10_000, 'the post');
    expect(got.url).toBe('/services/T000/B000/XXXXSECRET');
    expect(got.headers['content-type']).toBe('application/json');
    expect(JSON.parse(got.body)).toEqual({ text: '*Vigil: waiting for you (VIG-7 clean the build)*\nclaude asks to use: Bash: rm -rf build' });
    hook.dispose();
  });

  it("posts ntfy's format: the message as the body, a Title header", async () => {
    const { events, hook } = setup({ url: `${base}/my-secret-topic`, format: 'ntfy' });
    events.emit('attention.needed', { ...attention, kind: 'in_review', message: 'claude finished: ready for your review.' });
    const got = await waitFor(() => received[0], 10_000, 'the post');
    expect(got.body).toBe('claude finished: ready for your review.');
    expect(got.headers.title).toBe('Vigil: in review (VIG-7 clean the build)');
    expect(got.headers.tags).toBe('in_review');
    hook.dispose();
  });

  it('a failing webhook is one notice naming the host only, never the secret path', async () => {
    status = 500;
    const { events, seen, hook } = setup({ url: `${base}/hooks/SUPERSECRET`, format: 'slack' });
    events.emit('attention.needed', attention);
    events.emit('attention.needed', attention);
    await waitFor(() => received.length === 2, 10_000, 'both posts');
    const notices = await waitFor(() => {
      const n = seen.filter((e) => e.event === 'host.notice');
      return n.length ? n : null;
    }, 10_000, 'the notice');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.filter((e) => e.event === 'host.notice')).toHaveLength(1);
    const text = JSON.stringify(notices);
    expect(text).toContain(new URL(base).host);
    expect(text).toContain('HTTP 500');
    expect(text).not.toContain('SUPERSECRET');
    hook.dispose();
  });

  it('changing notification settings keeps the webhook in settings.json', () => {
    const { settings, hook } = setup({ url: `${base}/x`, format: 'ntfy' });
    settings.update({ notifications: { blocked: false } });
    const file = JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'));
    expect(file.webhook).toEqual({ url: `${base}/x`, format: 'ntfy' });
    expect(file.notifications.blocked).toBe(false);
    expect(new SettingsStore(dir).webhook()).toEqual({ url: `${base}/x`, format: 'ntfy' });
    hook.dispose();
  });

  it('no webhook, no post; a URL that is not http(s) is ignored', async () => {
    const { events, hook } = setup({ url: 'file:///etc/passwd', format: 'slack' });
    events.emit('attention.needed', attention);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toEqual([]);
    hook.dispose();
  });
});
