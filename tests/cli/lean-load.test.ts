// issue 26: agents call `vigil` many times a run, so the CLI's start-up loads only what every
// verb needs. The built bundle's static import graph (what Node loads before any verb runs) must
// not reach zod, the database, the host or the MCP SDK; verbs that need them import them on use.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/serve';

const OUT = resolve(__dirname, '..', '..', 'out', 'main');

/** Bare specifiers (packages) and bundle files reached through static imports from `entry`. */
function staticGraph(entry: string): { files: Set<string>; packages: Set<string>; builtins: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const builtins = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    // Static imports only: `import ... from "x"` and `import "x"` at statement start (not import()).
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^;(]*?from\s*"([^"]+)"|^\s*import\s*"([^"]+)"/gm)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) visit(join(dirname(file), spec));
      else if (spec.startsWith('node:')) builtins.add(spec);
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages, builtins };
}

describe('the CLI bundle loads lean', () => {
  beforeAll(() => ensureBuilt(), 600_000);

  it('reaches no zod, database, host or MCP SDK before a verb runs', () => {
    const { files, packages } = staticGraph(join(OUT, 'cli.js'));
    expect([...packages]).toEqual([]);
    const names = [...files].map((f) => f.slice(OUT.length + 1));
    expect(names.some((n) => /^chunks\/(host|contract|domain|wire|describe|control-socket|doctor)-[\w-]{8}\.js$/.test(n))).toBe(false);
  });

  it('imports no Node built-in as an ES module before a verb runs (each costs its facade)', () => {
    const { builtins } = staticGraph(join(OUT, 'cli.js'));
    expect([...builtins]).toEqual([]);
  });

  it('still carries the heavy parts, loaded on use', () => {
    const text = readFileSync(join(OUT, 'cli.js'), 'utf8');
    expect(text).toMatch(/import\("\.\/host\.js"\)|import\("\.\/chunks\/host-/);
    expect(text).toContain('import("@modelcontextprotocol/sdk/server/stdio.js")');
  });
});
