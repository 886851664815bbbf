import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    exclude: ['tests/reliability/**', 'node_modules/**'],
    globalSetup: ['tests/helpers/pg-global-setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // Real processes and ptys: keep parallelism modest on a 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
  },
});
