// Gives the C heap's free pages back to the system when the host has just become idle (start-up
// done, or the last active run ended). What a process frees with free() stays in glibc's arenas:
// an idle host kept about 45 MB of it (the database's compilation on V8's threads, migrations,
// the start-up backup), 224 -> 181 MB RSS when trimmed once its start-up backup was verified
// (docs/performance.md). Node has no binding for malloc_trim, so a 20-line N-API addon does it
// (native/malloc-trim, built with native/peercred by scripts/build-native.mjs). Without the addon
// (not Linux/glibc, or it did not build) nothing is trimmed and nothing else changes.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostLog } from './host-log';

interface MallocTrimAddon {
  /** malloc_trim(0): true when memory was given back. */
  trim(): boolean;
}

const ADDON = join('native', 'malloc-trim', 'build', 'Release', 'malloc_trim.node');
/** undefined: not looked for yet; null: not available here. */
let addon: MallocTrimAddon | null | undefined = process.platform === 'linux' ? undefined : null;

/** The addon, found by walking up from this module (src/main, out/main/chunks, app.asar.unpacked). */
function mallocTrimAddon(): MallocTrimAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  let dir = dirname(fileURLToPath(import.meta.url)).replace(/app\.asar(?!\.unpacked)/, 'app.asar.unpacked');
  for (let up = 0; up < 6; up++, dir = dirname(dir)) {
    const candidate = join(dir, ADDON);
    if (!existsSync(candidate)) continue;
    try {
      const loaded = createRequire(import.meta.url)(candidate) as Partial<MallocTrimAddon>;
      if (typeof loaded.trim === 'function') addon = loaded as MallocTrimAddon;
    } catch (err) {
      hostLog('warn', 'memory', `native/malloc-trim did not load (${(err as Error).message}): free C heap pages stay with the host`);
    }
    break;
  }
  return addon;
}

/**
 * Trims the C heap now. Returns whether memory was given back, or null where this cannot be done
 * (no addon). Cheap (a few ms): called on the host's way into idle, never on a timer.
 */
export function trimFreedMemory(): boolean | null {
  const a = mallocTrimAddon();
  return a ? a.trim() : null;
}
