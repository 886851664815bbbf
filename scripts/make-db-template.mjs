#!/usr/bin/env node
// Run by every build of main (the vigil-db-template plugin in electron.vite.config.ts): the
// database template a first start unpacks instead of running initdb (src/main/db/template.ts).
// PGlite's initdb, run once here in a folder of its own, closed cleanly, packed as
// out/main/db-template.tar.gz beside a manifest naming the PGlite that made it.
// initdb takes seconds and about 700 MB: the archive is kept in node_modules/.cache per PGlite
// version, and a build copies it from there when it can.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import * as tar from 'tar';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'out', 'main');
const archive = join(outDir, 'db-template.tar.gz');
const manifestFile = join(outDir, 'db-template.json');
const pglite = JSON.parse(readFileSync(join(root, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')).version;
const cacheDir = join(root, 'node_modules', '.cache', 'vigil-db-template', pglite);
const cached = join(cacheDir, 'db-template.tar.gz');
const cachedManifest = join(cacheDir, 'db-template.json');

if (!existsSync(cached) || !existsSync(cachedManifest)) {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-db-template-'));
  try {
    const db = await PGlite.create({ dataDir: dir });
    await db.query('checkpoint');
    await db.close();
    if (existsSync(join(dir, 'postmaster.pid'))) throw new Error('PGlite did not close the template folder cleanly');
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${cached}.partial`;
    await tar.c({ gzip: { level: 9 }, file: partial, cwd: dir, portable: true }, readdirSync(dir));
    const manifest = { pglite, pgVersion: readFileSync(join(dir, 'PG_VERSION'), 'utf8').trim() };
    writeFileSync(cachedManifest, `${JSON.stringify(manifest)}\n`);
    copyFileSync(partial, cached);
    rmSync(partial);
    process.stderr.write(`db template: initdb with PGlite ${pglite} in ${Date.now() - started} ms\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
mkdirSync(outDir, { recursive: true });
copyFileSync(cached, archive);
copyFileSync(cachedManifest, manifestFile);
