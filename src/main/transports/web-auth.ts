// Who may talk to the web server: a holder of the token `vigil serve` printed, presented in a
// header (never a cookie: browsers send cookies to every port of a host, so a cookie would reach
// any other local server), from a page of this very origin, addressed by a loopback name with
// Vigil's port. The static UI is public code and holds no data; every route to data asks.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import { WS_TOKEN_PROTOCOL_PREFIX } from '../../shared/wire';


/** Compares digests, so neither the content nor the length of the token leaks through timing. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** `Authorization: Bearer TOKEN`, and on a WebSocket upgrade the token subprotocol. */
export function presentedTokens(req: IncomingMessage): string[] {
  const found: string[] = [];
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) found.push(auth.slice('Bearer '.length).trim());
  const protocols = req.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    for (const p of protocols.split(',')) {
      const name = p.trim();
      if (name.startsWith(WS_TOKEN_PROTOCOL_PREFIX)) found.push(name.slice(WS_TOKEN_PROTOCOL_PREFIX.length));
    }
  }
  return found;
}

/** Any presented credential that matches is enough. */
export function isAuthorized(req: IncomingMessage, token: string): boolean {
  let ok = false;
  for (const candidate of presentedTokens(req)) ok = tokensEqual(candidate, token) || ok;
  return ok;
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost') return true;
  if (isIPv4(bare)) return bare.startsWith('127.');
  if (isIPv6(bare)) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * The Host header must name a loopback address with our port: a request for another name
 * (DNS rebinding, a proxy, a confused client) is not for us, token or not.
 */
export function isExpectedHost(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host;
  if (!host) return false;
  let parsed: URL;
  try {
    parsed = new URL(`http://${host}`);
  } catch {
    return false; // not a host name at all: not ours
  }
  return parsed.host === host.toLowerCase() && (parsed.port || '80') === String(port) && isLoopbackHost(parsed.hostname) && parsed.username === '' && parsed.pathname === '/';
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
    return false; // not an origin at all: not ours
  }
  return parsed.protocol === 'http:' && parsed.host === host && parsed.port === String(port) && isLoopbackHost(parsed.hostname);
}
