// Who may talk to the web server: a holder of the token printed by `vigil serve`, sent as the
// session cookie, `?token=` or a bearer header, from a page of this very origin.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';

export const COOKIE_NAME = 'vigil_token';

/** Compares digests, so neither the content nor the length of the token leaks through timing. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function queryToken(url: URL): string | null {
  return url.searchParams.get('token');
}

export function presentedTokens(req: IncomingMessage, url: URL): string[] {
  const found: string[] = [];
  const query = queryToken(url);
  if (query !== null) found.push(query);
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) found.push(auth.slice('Bearer '.length).trim());
  const cookie = readCookie(req, COOKIE_NAME);
  if (cookie !== null) found.push(cookie);
  return found;
}

/** Any presented credential that matches is enough (a stale cookie must not mask a fresh ?token=). */
export function isAuthorized(req: IncomingMessage, url: URL, token: string): boolean {
  let ok = false;
  for (const candidate of presentedTokens(req, url)) ok = tokensEqual(candidate, token) || ok;
  return ok;
}

export function sessionCookie(token: string): string {
  return `${COOKIE_NAME}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

function readCookie(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost') return true;
  if (isIPv4(bare)) return bare.startsWith('127.');
  if (isIPv6(bare)) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * A browser request from another site must not reach us: the Origin, when sent, must be this
 * server as the browser addressed it (Host header), and that must be a loopback name on our port.
 */
export function isSameOrigin(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host;
  if (!host) return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  return parsed.protocol === 'http:' && parsed.host === host && parsed.port === String(port) && isLoopbackHost(parsed.hostname);
}
