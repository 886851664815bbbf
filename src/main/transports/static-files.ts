// Serves the built renderer: only files inside its folder (no traversal, no symlink escape, no
// listings), each with its content type.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, isAbsolute, relative, resolve } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export type StaticResult = { kind: 'file'; path: string; size: number } | { kind: 'not_found' } | { kind: 'forbidden' };

const inside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

/** Maps a URL path to a file of `root`, or says why not. */
export async function resolveStatic(root: string, urlPath: string): Promise<StaticResult> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'forbidden' }; // malformed escapes are refused, never guessed at
  }
  if (decoded.includes('\0') || decoded.split(/[\\/]/).includes('..')) return { kind: 'forbidden' };
  const relativePath = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const candidate = resolve(root, relativePath);
  if (!inside(root, candidate)) return { kind: 'forbidden' };
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(candidate)]);
    if (!inside(realRoot, realFile)) return { kind: 'forbidden' };
    const info = await stat(realFile);
    if (!info.isFile()) return { kind: 'not_found' };
    return { kind: 'file', path: realFile, size: info.size };
  } catch {
    return { kind: 'not_found' }; // missing, or gone meanwhile
  }
}

export function sendFile(res: ServerResponse, file: { path: string; size: number }, headOnly: boolean): void {
  const type = CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': file.size,
    // The page carries no secrets but must not be served stale across rebuilds.
    'Cache-Control': type.startsWith('text/html') ? 'no-store' : 'no-cache',
  });
  if (headOnly) {
    res.end();
    return;
  }
  const stream = createReadStream(file.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
