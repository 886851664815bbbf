import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// One build for every Node-side entry: the Electron main process, the `vigil` CLI (which
// also hosts `vigil serve`), the pty host (a process of its own that owns the agents' ptys;
// it must never load the database) and a library entry the benchmarks import. Shared code
// lands in shared chunks, so the host exists once on disk.
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          cli: resolve(__dirname, 'src/cli/index.ts'),
          host: resolve(__dirname, 'src/main/host.ts'),
          ptyhost: resolve(__dirname, 'src/ptyhost/main.ts'),
        },
        external: ['node-pty', 'pg', 'ws', '@electric-sql/pglite', 'tar'],
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
