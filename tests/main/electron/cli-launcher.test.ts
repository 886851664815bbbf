// The launcher a packaged app writes so agents can call `vigil`: run for real, with Node standing
// in for the app's executable (both run a script given as their first argument).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { shellQuote, writeCliLauncher } from '../../../src/main/electron/cli-launcher';
import { version } from '../../../package.json';
import { CLI_BUNDLE, ensureBuilt } from '../../helpers/serve';
import { tempDir } from '../../helpers/stores';

let dir: { dir: string; cleanup: () => void };
beforeEach(() => {
  dir = tempDir("vigil launcher's home ");
});
afterEach(() => dir.cleanup());

/** A stand-in CLI that reports how it was run. */
function echoScript(name: string): string {
  const path = join(dir.dir, name);
  writeFileSync(path, 'console.log(JSON.stringify({ runAsNode: process.env.ELECTRON_RUN_AS_NODE, args: process.argv.slice(2) }));\n');
  return path;
}

describe('writeCliLauncher', () => {
  it("runs the CLI script with the app's runtime in Node mode, passing every argument through untouched", () => {
    const cliScript = echoScript("it's cli.js");
    const launcher = writeCliLauncher({ dir: join(dir.dir, 'bin'), runtime: process.execPath, cliScript });
    expect(launcher).toBe(join(dir.dir, 'bin', 'vigil'));
    const args = ['issue', 'comment', 'VIG-1', "it's done; $(rm -rf ~) `x` \"q\"", '--json', ''];
    const run = spawnSync(launcher, args, { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ runAsNode: '1', args });
    expect(statSync(launcher).mode & 0o777).toBe(0o700);
  });

  it('replaces an older launcher in one step, leaving no staging file', () => {
    const first = writeCliLauncher({ dir: dir.dir, runtime: '/opt/Vigil-1.0/vigil', cliScript: echoScript('cli.js') });
    const second = writeCliLauncher({ dir: dir.dir, runtime: process.execPath, cliScript: echoScript('cli.js') });
    expect(second).toBe(first);
    expect(readFileSync(second, 'utf8')).not.toContain('Vigil-1.0');
    expect(readdirSync(dir.dir).filter((f) => f.includes('tmp'))).toEqual([]);
    expect(spawnSync(second, ['x'], { encoding: 'utf8' }).status).toBe(0);
  });

  it('refuses a path with a line break, naming it', () => {
    expect(() => writeCliLauncher({ dir: dir.dir, runtime: '/opt/vigil\nrm -rf ~', cliScript: 'cli.js' })).toThrow(/runtime contains a NUL or a line break/);
  });

  it('quotes any word for the shell', () => {
    for (const word of ['plain', "o'clock", "''", '$HOME `id` "x" \\ ;|&']) {
      expect(spawnSync('/bin/sh', ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8' }).stdout).toBe(word);
    }
  });
});

describe('the launcher around the real CLI bundle', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('answers `vigil --version`', () => {
    const launcher = writeCliLauncher({ dir: dir.dir, runtime: process.execPath, cliScript: CLI_BUNDLE });
    const run = spawnSync(launcher, ['--version'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toContain(version);
  });
});
