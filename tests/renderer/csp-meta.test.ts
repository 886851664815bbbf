// The Content-Security-Policy in the built page's <meta> is the one that applies to the app's
// file:// page (response headers do not reach it), and it applies under `vigil serve` too: it
// must be no looser than either header, directive by directive (a fetch directive it leaves out
// falls back to its default-src). frame-ancestors cannot be set from a <meta>, so it is not asked.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../src/main/electron/security';
import { startWebServer, type WebServer } from '../../src/main/transports/web-server';
import { fakeHost } from '../helpers/transports-fake-host';
import { ensureBuilt, ROOT } from '../helpers/serve';

const BUILT_INDEX = join(ROOT, 'out', 'renderer', 'index.html');
const FETCH_DIRECTIVES = ['script-src', 'style-src', 'img-src', 'font-src', 'connect-src', 'media-src', 'object-src', 'frame-src', 'child-src', 'worker-src', 'manifest-src'];
const HEADER_ONLY = ['frame-ancestors', 'report-uri', 'sandbox'];

type Policy = Map<string, string[]>;

function parsePolicy(text: string): Policy {
  const policy: Policy = new Map();
  for (const part of text.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name && !policy.has(name.toLowerCase())) policy.set(name.toLowerCase(), sources);
  }
  return policy;
}

/** The sources a directive allows ('none' is the empty list), or undefined when nothing restricts it. */
function effective(policy: Policy, directive: string): string[] | undefined {
  const sources = policy.get(directive) ?? (FETCH_DIRECTIVES.includes(directive) ? policy.get('default-src') : undefined);
  return sources?.filter((s) => s !== "'none'");
}

/** Where `meta` allows something `header` does not: one line per directive. */
function looserThan(meta: Policy, header: Policy): string[] {
  const problems: string[] = [];
  const directives = new Set([...header.keys(), ...meta.keys(), ...FETCH_DIRECTIVES, 'default-src']);
  for (const directive of directives) {
    if (HEADER_ONLY.includes(directive)) continue;
    const allowed = effective(header, directive);
    if (!allowed) continue; // the header does not restrict it
    const got = effective(meta, directive);
    const said = allowed.length > 0 ? allowed.join(' ') : "'none'";
    if (!got) problems.push(`${directive}: the header allows only ${said}, the meta leaves it open`);
    else {
      const extra = got.filter((s) => !allowed.includes(s));
      if (extra.length > 0) problems.push(`${directive}: the meta also allows ${extra.join(' ')} (the header: ${said})`);
    }
  }
  return problems;
}

function metaPolicy(html: string): string[] {
  return [...html.matchAll(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/gi)].map((m) => m[1]);
}

describe('the CSP of the built page', () => {
  let meta: Policy;
  let server: WebServer;
  beforeAll(async () => {
    ensureBuilt();
    const found = metaPolicy(readFileSync(BUILT_INDEX, 'utf8'));
    expect(found).toHaveLength(1);
    meta = parsePolicy(found[0]);
    server = await startWebServer(fakeHost(), { host: '127.0.0.1', port: 0, token: 'x'.repeat(43), staticDir: join(ROOT, 'out', 'renderer') });
  }, 300_000);
  afterAll(async () => {
    await server?.close();
  });

  it("is no looser than the desktop app's header for its file:// page", () => {
    const header = parsePolicy(contentSecurityPolicy({ kind: 'file', path: BUILT_INDEX }));
    expect(looserThan(meta, header)).toEqual([]);
  });

  it("is no looser than vigil serve's header, and still lets the page reach its own WebSocket", async () => {
    const headerText = await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port: server.port, path: '/' }, (res) => {
        res.resume();
        resolve(String(res.headers['content-security-policy']));
      })
        .on('error', reject)
        .end();
    });
    expect(looserThan(meta, parsePolicy(headerText))).toEqual([]);
    expect(effective(meta, 'connect-src')).toContain("'self'");
  });

  it('keeps scripts to the app itself: no inline script, no eval', () => {
    expect(effective(meta, 'script-src')).toEqual(["'self'"]);
  });

  it('finds what a looser meta would allow', () => {
    const header = parsePolicy("default-src 'self'; connect-src 'self'; object-src 'none'");
    expect(looserThan(parsePolicy("default-src 'self'; connect-src 'self' ws: wss:"), header)).toEqual([
      "connect-src: the meta also allows ws: wss: (the header: 'self')",
      "object-src: the meta also allows 'self' (the header: 'none')",
    ]);
  });
});
