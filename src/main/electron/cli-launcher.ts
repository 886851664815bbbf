// The `vigil` command agents call back through, for a packaged app. There is no Node on the
// user's machine to run the CLI with, so the launcher runs it with the app's own executable in
// Node mode (ELECTRON_RUN_AS_NODE), from inside the app's archive. Plain Node: no electron here.
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CliLauncherSpec {
  /** Folder to write `vigil` into (created if missing). */
  dir: string;
  /** The executable that runs JavaScript: the app's own binary (process.execPath). */
  runtime: string;
  /** The CLI bundle, out/main/cli.js inside the app. */
  cliScript: string;
}

/** A POSIX shell single-quoted word: safe for any path, spaces and quotes included. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Writes the launcher (replacing an older one in one rename, so an agent never runs half a
 * file) and returns its path. The app rewrites it at every start: an update moves the binary.
 */
export function writeCliLauncher(spec: CliLauncherSpec): string {
  for (const [name, value] of Object.entries(spec)) {
    if (value.includes('\0') || value.includes('\n')) throw new Error(`vigil launcher: ${name} contains a NUL or a line break: ${JSON.stringify(value)}`);
  }
  mkdirSync(spec.dir, { recursive: true, mode: 0o700 });
  const path = join(spec.dir, 'vigil');
  const script = [
    '#!/bin/sh',
    '# Written by the Vigil app at start-up: runs the vigil CLI with the app itself in Node mode.',
    `ELECTRON_RUN_AS_NODE=1 exec ${shellQuote(spec.runtime)} ${shellQuote(spec.cliScript)} "$@"`,
    '',
  ].join('\n');
  const staging = `${path}.${process.pid}.tmp`;
  writeFileSync(staging, script, { mode: 0o700 });
  chmodSync(staging, 0o700);
  renameSync(staging, path);
  return path;
}
