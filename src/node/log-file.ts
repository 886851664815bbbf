// A process's own log file (<data>/host.log, <data>/ptyhost.log): one writer that appends whole
// lines, keeps the file private (0600), and rotates it by renaming it to `<file>.1` (replacing
// the previous one) before it passes its size limit, so a loop that fails every minute for a
// month costs at most twice the limit. Writes are synchronous so a line written just before a
// crash is on disk. Logging must never become the failure: nothing here throws into its caller;
// a line that cannot be written goes to stderr instead, and the file is tried again next time.
import { closeSync, fchmodSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';

export const DEFAULT_LOG_MAX_BYTES = 5 * 1024 * 1024;

export interface LogFile {
  /** Appends one line (the caller ends it with a newline). Never throws. */
  write(line: string): void;
  close(): void;
}

export interface LogFileOptions {
  /** Rotate before the file would grow past this many bytes (default 5 MB). */
  maxBytes?: number;
  /** Where a line goes when the file cannot take it (default: stderr). */
  fallback?: (line: string) => void;
}

const toStderr = (line: string) => {
  try {
    process.stderr.write(line);
  } catch {
    // stderr itself is gone (a closed pipe): there is nowhere left to say it.
  }
};

export function openLogFile(path: string, opts: LogFileOptions = {}): LogFile {
  const maxBytes = opts.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
  const fallback = opts.fallback ?? toStderr;
  let fd: number | null = null;

  const closeFd = () => {
    if (fd === null) return;
    try {
      closeSync(fd);
    } catch {
      // Already closed or a bad descriptor: either way it is no longer ours to use.
    }
    fd = null;
  };

  const openFd = (): number => {
    const opened = openSync(path, 'a', 0o600);
    try {
      // The mode above applies only to a file this call creates: an older, looser file is narrowed.
      fchmodSync(opened, 0o600);
    } catch {
      // A file system without modes (FAT, some network shares): the line still matters more.
    }
    return opened;
  };

  const rotateIfFull = (current: number, bytes: number): number => {
    // fstat, not a running count: another writer (a child's stderr on the same file) appends too.
    const size = fstatSync(current).size;
    if (size === 0 || size + bytes <= maxBytes) return current;
    closeFd();
    try {
      renameSync(path, `${path}.1`);
    } catch {
      // Renamed already (by a writer that shares the file) or gone: a fresh file is what we want.
    }
    return openFd();
  };

  return {
    write(line) {
      try {
        fd ??= openFd();
        const bytes = Buffer.from(line);
        fd = rotateIfFull(fd, bytes.length);
        writeSync(fd, bytes);
      } catch (err) {
        // Full disk, a folder removed under us, a descriptor closed elsewhere: say it elsewhere, retry next line.
        closeFd();
        fallback(`log file ${path} could not be written (${(err as Error).message}): ${line}`);
      }
    },
    close: closeFd,
  };
}
