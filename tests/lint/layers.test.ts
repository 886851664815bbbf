// The layers lint rule (eslint-rules/layers.js, zones in eslint.config.js), run through ESLint's
// own Node API with the repository's config on text placed virtually in each zone: if the rule
// stops being loaded, or a zone stops matching, these fail.
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** The layer errors ESLint reports for `code` placed at `filePath` (relative to the repo). */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  const other = result.messages.filter((m) => m.ruleId !== 'vigil/layers');
  // A parse error or an unexpected rule would hide what this test is about.
  expect(other, JSON.stringify(other)).toEqual([]);
  return result.messages.map((m) => m.message);
}

describe('layers as lint rules', () => {
  it('stops the renderer importing the database', async () => {
    const errors = await layerErrors('src/renderer/layers-fixture.ts', "export { openDb } from '../main/db/client';\n");
    expect(errors).toEqual([
      'src/renderer may import only src/renderer, src/shared (and npm packages): ../main/db/client is src/main/db/client.',
    ]);
  });

  it('lets the renderer import the contract and npm packages', async () => {
    expect(await layerErrors('src/renderer/screens/layers-fixture.tsx', "export * from '../../shared/contract';\nexport { z } from 'zod';\n")).toEqual([]);
  });

  it('judges an import by where it lands, in every form of import', async () => {
    const code = [
      "import type { Db } from '../../main/db/client';",
      "export type Later = typeof import('../../main/db/client');",
      "export const later = () => import('../../main/host');",
      // require is refused by another rule too; only the layer rule is under test here.
      '// eslint-disable-next-line @typescript-eslint/no-require-imports',
      "export const lazy = () => require('../../main/db/schema');",
      '// eslint-disable-next-line @typescript-eslint/no-require-imports',
      "import legacy = require('../../main/api');",
      'export type { Db };',
      'export { legacy };',
      '',
    ].join('\n');
    expect(await layerErrors('src/renderer/log/layers-fixture.ts', code)).toHaveLength(5);
  });

  it('keeps Node built-ins out of the shared contract and the preload', async () => {
    expect(await layerErrors('src/shared/layers-fixture.ts', "export { readFile } from 'node:fs/promises';\n")).toEqual([
      expect.stringContaining('src/shared must not import the Node built-in node:fs/promises'),
    ]);
    expect(await layerErrors('src/preload/layers-fixture.ts', "export { join } from 'path';\n")).toHaveLength(1);
  });

  it('keeps the pty host and src/node off the host and the CLI', async () => {
    expect(await layerErrors('src/ptyhost/layers-fixture.ts', "export { openDb } from '../main/db/client';\n")).toHaveLength(1);
    expect(await layerErrors('src/ptyhost/layers-fixture.ts', "export * from '../cli/args';\n")).toHaveLength(1);
    expect(await layerErrors('src/node/process/layers-fixture.ts', "export * from '../../ptyhost/server';\n")).toHaveLength(1);
    expect(await layerErrors('src/ptyhost/layers-fixture.ts', "export * from '../node/paths';\nexport * from '../shared/ptyhost-protocol';\n")).toEqual([]);
  });

  it('keeps the engine below the services, transports and the shell', async () => {
    expect(await layerErrors('src/main/heartbeat/layers-fixture.ts', "export * from '../services/runs';\n")).toEqual([
      expect.stringContaining('src/main/heartbeat must not import src/main/services (../services/runs)'),
    ]);
    expect(await layerErrors('src/main/heartbeat/layers-fixture.ts', "export * from '../transports/control-socket';\n")).toHaveLength(1);
    expect(await layerErrors('src/main/heartbeat/layers-fixture.ts', "export * from '../db/schema';\n")).toEqual([]);
  });

  it('lets only the shell and the preload import electron, and keeps the host below the CLI', async () => {
    expect(await layerErrors('src/main/db/layers-fixture.ts', "export { app } from 'electron';\n")).toEqual([
      expect.stringContaining('src/main/db/layers-fixture.ts imports electron'),
    ]);
    expect(await layerErrors('src/main/electron/layers-fixture.ts', "export { app } from 'electron';\n")).toEqual([]);
    expect(await layerErrors('src/main/layers-fixture.ts', "export * from '../cli/args';\n")).toHaveLength(1);
  });
});
