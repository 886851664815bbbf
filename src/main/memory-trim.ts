// Gives the C heap's free pages back to the system when the host has just become idle (start-up
// done, or the last active run ended). What a process frees with free() stays in glibc's arenas:
// an idle host kept about 45 MB of it (the database's compilation on V8's threads, migrations,
// the start-up backup), 224 -> 181 MB RSS when trimmed once its start-up backup was verified
// (docs/performance.md). Node has no binding for malloc_trim, so a 20-line N-API addon does it
// (native/malloc-trim, built with native/peercred by scripts/build-native.mjs). Without the addon
// (not Linux/glibc, or it did not build) nothing is trimmed and nothing else changes.
import { loadNativeAddon } from '../node/native-addon';
import { hostLog } from './host-log';

interface MallocTrimAddon {
  /** malloc_trim(0): true when memory was given back. */
  trim(): boolean;
}

/** undefined: not looked for yet; null: not available here. */
let addon: MallocTrimAddon | null | undefined = process.platform === 'linux' ? undefined : null;

function mallocTrimAddon(): MallocTrimAddon | null {
  if (addon === undefined) {
    addon = loadNativeAddon<MallocTrimAddon>(
      'malloc-trim',
      'malloc_trim',
      (e) => typeof e.trim === 'function',
      (err) => hostLog('warn', 'memory', `native/malloc-trim did not load (${err.message}): free C heap pages stay with the host`),
    );
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
