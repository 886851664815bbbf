// A Unix socket's folder must be private. Sockets fall back to a folder in the temp dir when the
// data folder's path is too long for one: that is shared ground, so the folder is created 0700
// and one we do not own (or that others can reach) is refused. Used by the control socket and
// by the pty host's socket.
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';

export function preparePrivateSocketFolder(socketPath: string, what: string): void {
  const parent = dirname(socketPath);
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  if (dirname(parent) !== tmpdir()) return;
  const stat = lstatSync(parent);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o077) !== 0) {
    throw new Error(`refusing to use ${parent} for ${what}: it must be a folder owned by you with mode 0700`);
  }
}
