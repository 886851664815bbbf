// A real, tiny filesystem for disk-full tests: a tmpfs of `bytes` bytes mounted on a fresh folder.
// Needs root (or CAP_SYS_ADMIN); returns null where mounting is not permitted, and the caller
// falls back to /dev/full (every write fails with ENOSPC).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallFs {
  dir: string;
  unmount(): void;
}

export function mountSmallFs(bytes: number): SmallFs | null {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-small-fs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return {
    dir,
    unmount() {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every write to it fails with ENOSPC: the fallback where no small filesystem can be mounted. */
export const DEV_FULL = '/dev/full';
