// What the window may load, navigate to and open. The renderer is the app's own bundle; anything
// else (a link in an issue body, a redirect) goes to the system browser or nowhere.
import { pathToFileURL } from 'node:url';
import type { RendererLocation } from './layout';

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True when `url` is the app's own page (any hash or query). */
export function isAppUrl(url: string, renderer: RendererLocation): boolean {
  const candidate = parse(url);
  if (!candidate) return false;
  if (renderer.kind === 'dev') {
    const dev = parse(renderer.url);
    return dev !== null && candidate.origin === dev.origin;
  }
  return candidate.protocol === 'file:' && candidate.pathname === pathToFileURL(renderer.path).pathname;
}

/** The URL to hand to the system browser, or null when it is not a web link. */
export function externalWebUrl(url: string): string | null {
  const candidate = parse(url);
  return candidate && (candidate.protocol === 'https:' || candidate.protocol === 'http:') ? candidate.href : null;
}

/**
 * The renderer's Content-Security-Policy. Styles allow inline (xterm and React set style
 * attributes); in dev, Vite's HMR needs its websocket and the React refresh preamble is an
 * inline script.
 */
export function contentSecurityPolicy(renderer: RendererLocation): string {
  const dev = renderer.kind === 'dev' ? parse(renderer.url) : null;
  const script = dev ? "'self' 'unsafe-inline'" : "'self'";
  const connect = dev ? `'self' ws://${dev.host} wss://${dev.host}` : "'self'";
  return [
    "default-src 'self'",
    `script-src ${script}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
