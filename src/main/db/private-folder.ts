// The data folder holds agents' secrets (in the database and its WAL) and their output: it is
// private to the user whether Vigil made it or not. Everything created from now on is private
// (umask 077 for the host process and its children; PGlite's file system goes further and
// chmods every file it creates to 0666, so chmod is held to owner-only bits in this process),
// and whatever is already there is made private at start: folders 0700, files 0600, each change
// counted so the user is told. A folder owned by someone else is refused, naming it and its mode.
import fs, { chmodSync, lstatSync, mkdirSync, readdirSync, realpathSync, type Stats } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';

export class DataDirNotPrivateError extends Error {}

/** Makes `dataDir` and everything in it private; returns a notice when anything had to change. */
export function makeDataDirPrivate(dataDir: string): string | null {
  if (process.platform === 'win32') return null;
  process.umask(0o077);
  holdChmodToOwner();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // A data folder reached through a symbolic link is the folder it names (links inside it are
  // never followed below): the checks and fixes apply to that real folder.
  const real = realpathSync(dataDir);
  const top = lstatSync(real);
  const uid = process.getuid?.();
  if (!top.isDirectory()) throw new DataDirNotPrivateError(`refusing to use ${dataDir} as the data folder: it is not a folder`);
  if (uid !== undefined && top.uid !== uid) {
    throw new DataDirNotPrivateError(
      `refusing to use ${dataDir} as the data folder: it belongs to uid ${top.uid} (mode ${modeOf(top)}), not to you (uid ${uid}); use a folder of your own (--data-dir DIR)`,
    );
  }
  const wasOpen = (top.mode & 0o077) !== 0 ? modeOf(top) : null;
  let fixed = 0;
  const visit = (path: string, st: Stats) => {
    // Symbolic links are not followed: their targets are not ours to change.
    if (st.isSymbolicLink() || (uid !== undefined && st.uid !== uid)) return;
    if ((st.mode & 0o077) !== 0) {
      chmodSync(path, st.isDirectory() ? 0o700 : 0o600);
      fixed++;
    }
    if (!st.isDirectory()) return;
    for (const name of readdirSync(path)) {
      const child = join(path, name);
      let info: Stats;
      try {
        info = lstatSync(child);
      } catch {
        continue; // gone meanwhile
      }
      visit(child, info);
    }
  };
  visit(real, top);
  if (fixed === 0) return null;
  const what = wasOpen ? `the data folder ${dataDir} was open to others (mode ${wasOpen})` : `${fixed} item(s) in the data folder ${dataDir} were open to others`;
  return `Made the data folder private: ${what}; ${fixed} folder(s) and file(s) set to 0700 / 0600.`;
}

function modeOf(st: Stats): string {
  return `0${(st.mode & 0o777).toString(8)}`;
}

let chmodHeld = false;

/**
 * Nothing this process writes needs group or other access, and PGlite (emscripten's NODEFS)
 * sets 0666 on each file it creates, which the umask does not stop: chmod keeps owner bits only.
 */
function holdChmodToOwner(): void {
  if (chmodHeld) return;
  chmodHeld = true;
  const owner = (mode: fs.Mode) => (typeof mode === 'number' ? mode & ~0o077 : parseInt(mode, 8) & ~0o077);
  const { chmodSync: chmod, fchmodSync: fchmod, lchmodSync: lchmod } = fs;
  fs.chmodSync = (path, mode) => chmod(path, owner(mode));
  fs.fchmodSync = (fd, mode) => fchmod(fd, owner(mode));
  if (lchmod) fs.lchmodSync = (path, mode) => lchmod(path, owner(mode));
  syncBuiltinESMExports();
}
