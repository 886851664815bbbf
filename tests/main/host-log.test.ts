// The host's log seam (src/main/host-log.ts): once the host opens a data folder, hostLog and
// logFailure lines land in <data>/host.log; a second folder (tests start many hosts) takes over.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hostLog, logFailure, setHostLogSink, useHostLogFile } from '../../src/main/host-log';
import { hostLogPathOf } from '../../src/node/paths';
import { startTestHost } from '../helpers/host';
import { describeEachStore, makeStoreTarget } from '../helpers/stores';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-host-log-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  setHostLogSink({ write: (line) => process.stderr.write(line) });
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('host log', () => {
  it('writes a line with time, level, area and the failure to <data>/host.log', async () => {
    const dir = tempDir();
    useHostLogFile(dir);
    hostLog('info', 'host', 'started');
    await Promise.reject(new Error('database went away')).catch(logFailure('recovery', 'sweep failed'));
    const lines = readFileSync(hostLogPathOf(dir), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^\\S+ info host pid ${process.pid} opened ${dir}$`));
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z info host started$/);
    expect(lines[2]).toMatch(/ warn recovery sweep failed: database went away$/);
  });

  it('moves to the folder opened last', () => {
    const first = tempDir();
    const second = tempDir();
    useHostLogFile(first);
    hostLog('info', 'host', 'one');
    useHostLogFile(second);
    hostLog('info', 'host', 'two');
    expect(readFileSync(hostLogPathOf(first), 'utf8')).toMatch(/ one\n$/);
    expect(readFileSync(hostLogPathOf(first), 'utf8')).not.toContain('two');
    expect(readFileSync(hostLogPathOf(second), 'utf8')).toMatch(/opened .*\n\S+ info host two\n$/);
  });
});

describeEachStore('a host on its data folder', (kind) => {
  it('keeps host.log there: who opened the folder, and a failure it met (an unreadable settings file)', async () => {
    const target = await makeStoreTarget(kind);
    writeFileSync(join(target.dataDir, 'settings.json'), '{ not json');
    const host = await startTestHost(kind, {}, target);
    try {
      const text = readFileSync(hostLogPathOf(target.dataDir), 'utf8');
      expect(text).toMatch(new RegExp(`info host pid ${process.pid} opened ${target.dataDir}\n`));
      expect(text).toMatch(/warn settings \S+settings\.json unreadable, using the defaults: /);
      expect(statSync(hostLogPathOf(target.dataDir)).mode & 0o777).toBe(0o600);
    } finally {
      await host.stop();
      target.cleanup();
    }
  });
});
