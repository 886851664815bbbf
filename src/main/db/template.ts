// A new PGlite folder unpacked from the template built with the app (scripts/make-db-template.mjs
// writes out/main/db-template.tar.gz and its manifest), instead of an initdb at first start.
//
// Why: PGlite's initdb runs a second PostgreSQL instance beside the first and builds the folder
// in memory, so a first start peaked at 600-750 MB (in a child, but still on the laptop). A
// template is a folder that initdb already made: unpacked by node-tar (gzip streamed, nothing
// held in memory), it opens like any folder, the host's own PGlite and nothing else.
//
// Crash-safe: the folder is unpacked beside its place and renamed into it, so a start killed
// midway leaves no half folder where the database goes. Any doubt about the template (absent,
// another PGlite, unreadable) means the caller falls back to initdb: a template can only make
// the first start cheaper, never make it fail.
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { inspectFolder } from './folder-state';

export interface DbTemplateManifest {
  /** The PGlite release whose initdb made the folder: another release's folder may not open. */
  pglite: string;
  /** The folder's PG_VERSION, for the message when it is refused. */
  pgVersion: string;
}

/** The manifest beside an archive: `db-template.tar.gz` -> `db-template.json`. */
export const manifestPathOf = (archive: string) => archive.replace(/\.tar\.gz$/, '.json');

/** The version of the PGlite this process loads (its package.json, found from its entry). */
export function loadedPgliteVersion(): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(realpathSync(require.resolve('@electric-sql/pglite')));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('the loaded @electric-sql/pglite has no package.json');
    dir = up;
  }
}

/** Why this archive cannot make a folder for the loaded PGlite, or null when it can. */
export function templateProblem(archive: string): string | null {
  if (!existsSync(archive)) return `there is no template at ${archive}`;
  let manifest: DbTemplateManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPathOf(archive), 'utf8')) as DbTemplateManifest;
  } catch (err) {
    return `its manifest cannot be read (${(err as Error).message})`;
  }
  const loaded = loadedPgliteVersion();
  if (manifest.pglite !== loaded) return `it was made by PGlite ${manifest.pglite}, and this is PGlite ${loaded}`;
  return null;
}

/**
 * Unpacks the template into dbDir (which must be absent or empty). Throws when it cannot; the
 * folder is then left as it was (absent or empty).
 */
export async function unpackTemplate(archive: string, dbDir: string): Promise<void> {
  const problem = templateProblem(archive);
  if (problem) throw new Error(`the database template cannot be used: ${problem}`);
  const parent = dirname(dbDir);
  mkdirSync(parent, { recursive: true });
  // One name: the caller holds the data folder's lock, so what is there was left by a killed start.
  const staging = join(parent, `.${basename(dbDir)}.unpacking`);
  await rm(staging, { recursive: true, force: true });
  mkdirSync(staging, { mode: 0o700 });
  try {
    // The owner's bits only, whatever the archive says (the data folder is private).
    const tar = await import('tar'); // first start only: not loaded by every host
    await tar.x({ file: archive, cwd: staging, strict: true, umask: 0o077, preserveOwner: false });
    const state = inspectFolder(staging);
    if (state.kind !== 'clean') throw new Error(`the unpacked template is not a complete, cleanly closed folder (${state.kind})`);
    // rename(2) replaces an empty directory: an absent or empty dbDir is taken in one step.
    await rename(staging, dbDir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
