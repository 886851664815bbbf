// Loads one of Vigil's own N-API addons (native/<name>, built by `npm ci` through
// scripts/build-native.mjs). Each has a fallback where it is missing, so a missing or unloadable
// addon is null, never an error. The build lands at native/<name>/build/Release/<file>.node,
// found by walking up from this module: src/node in tests, out/main(/chunks) when built,
// app.asar.unpacked in a packaged app (electron-builder.yml unpacks it: a .node file cannot be
// loaded from inside an asar).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The addon's exports, or null when it was not built here or does not load (another platform or
 * ABI); `isValid` checks the exports are the ones expected, `onLoadError` hears why one did not load.
 */
export function loadNativeAddon<T>(name: string, file: string, isValid: (exports: Partial<T>) => boolean, onLoadError?: (err: Error) => void): T | null {
  const relative = join('native', name, 'build', 'Release', `${file}.node`);
  let dir = dirname(fileURLToPath(import.meta.url)).replace(/app\.asar(?!\.unpacked)/, 'app.asar.unpacked');
  for (let up = 0; up < 6; up++, dir = dirname(dir)) {
    const candidate = join(dir, relative);
    if (!existsSync(candidate)) continue;
    try {
      const loaded = createRequire(import.meta.url)(candidate) as Partial<T>;
      return isValid(loaded) ? (loaded as T) : null;
    } catch (err) {
      onLoadError?.(err as Error);
      return null;
    }
  }
  return null;
}
