import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// One build for every Node-side entry: the Electron main process, the `vigil` CLI (which
// also hosts `vigil serve`), the pty host (a process of its own that owns the agents' ptys;
// it must never load the database) and a library entry the benchmarks import. Shared code
// lands in shared chunks, so the host exists once on disk.
// Every build of main empties out/main, then puts the database template back beside it
// (scripts/make-db-template.mjs: a copy from node_modules/.cache, initdb only on a new PGlite):
// `npm run build`, `npm start` and `npm run dev` all give a first start without initdb.
const dbTemplate = {
  name: 'vigil-db-template',
  writeBundle() {
    execFileSync(process.execPath, [resolve(__dirname, 'scripts/make-db-template.mjs')], { stdio: 'inherit' });
  },
};

export default defineConfig({
  main: {
    plugins: [dbTemplate],
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          cli: resolve(__dirname, 'src/cli/index.ts'),
          host: resolve(__dirname, 'src/main/host.ts'),
          ptyhost: resolve(__dirname, 'src/ptyhost/main.ts'),
        },
        external: ['node-pty', 'pg', 'ws', '@electric-sql/pglite', 'tar'],
        output: {
          // What `vigil` loads before any verb runs, in one chunk beside cli.js (agents call it
          // many times a run; each module file costs the ESM loader a resolve and a read).
          codeSplitting: {
            groups: [{ name: 'cli-core', test: /src[\\/](cli[\\/](client|command)|shared[\\/](domain-values|wire-names|errors)|node[\\/]paths)\.ts$/ }],
          },
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed renderer cannot load an ESM preload: emit CommonJS.
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: {
      minify: true,
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
    plugins: [react()],
  },
});
