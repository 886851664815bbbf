// The rotating log file both processes write (src/node/log-file.ts): lines appended in order,
// the file private, rotated by rename to `.1` before passing its limit, and a write that fails
// neither throws nor loses the line.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLogFile } from '../../src/node/log-file';
import { hostLogPathOf } from '../../src/node/paths';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-log-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const line = (n: number) => `line ${String(n).padStart(3, '0')} ${'x'.repeat(20)}\n`; // 30 bytes

describe('openLogFile', () => {
  it('appends lines to a file only its owner can read', () => {
    const path = hostLogPathOf(dir);
    const log = openLogFile(path);
    log.write(line(1));
    log.write(line(2));
    log.close();
    expect(readFileSync(path, 'utf8')).toBe(line(1) + line(2));
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('narrows an existing, looser file to 0600 and keeps what it held', () => {
    const path = join(dir, 'ptyhost.log');
    writeFileSync(path, 'before\n');
    chmodSync(path, 0o644);
    const log = openLogFile(path);
    log.write('after\n');
    log.close();
    expect(readFileSync(path, 'utf8')).toBe('before\nafter\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('rotates to .1 before passing its limit, keeping one older file', () => {
    const path = hostLogPathOf(dir);
    const log = openLogFile(path, { maxBytes: 100 }); // three 30-byte lines fit, a fourth does not
    for (let n = 1; n <= 7; n++) log.write(line(n));
    log.close();
    // 1-3, then 4-6 (1-3 renamed to .1), then 7 (4-6 renamed to .1, replacing 1-3).
    expect(readFileSync(path, 'utf8')).toBe(line(7));
    expect(readFileSync(`${path}.1`, 'utf8')).toBe(line(4) + line(5) + line(6));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(`${path}.1`).size).toBeLessThanOrEqual(100);
  });

  it('counts what another writer appended to the same file', () => {
    const path = join(dir, 'ptyhost.log');
    const log = openLogFile(path, { maxBytes: 100 });
    log.write(line(1));
    // The launcher's stderr descriptor appends to the same file behind the writer's back.
    writeFileSync(path, 'y'.repeat(60) + '\n', { flag: 'a' });
    log.write(line(2));
    log.close();
    expect(readFileSync(path, 'utf8')).toBe(line(2));
    expect(readFileSync(`${path}.1`, 'utf8')).toBe(line(1) + 'y'.repeat(60) + '\n');
  });

  it('does not throw when a write fails: the line goes to the fallback, and the file is tried again', () => {
    const folder = join(dir, 'not-yet');
    const path = hostLogPathOf(folder);
    const fellBack: string[] = [];
    const log = openLogFile(path, { fallback: (text) => fellBack.push(text) });
    expect(() => log.write(line(1))).not.toThrow();
    expect(fellBack).toHaveLength(1);
    expect(fellBack[0]).toContain(path);
    expect(fellBack[0]).toContain('ENOENT');
    expect(fellBack[0]).toContain(line(1));
    mkdirSync(folder);
    log.write(line(2));
    log.close();
    expect(readFileSync(path, 'utf8')).toBe(line(2));
    expect(fellBack).toHaveLength(1);
  });

  it('does not throw when the file is a folder, or after it is closed', () => {
    const path = join(dir, 'host.log');
    mkdirSync(path);
    const fellBack: string[] = [];
    const log = openLogFile(path, { fallback: (text) => fellBack.push(text) });
    expect(() => log.write(line(1))).not.toThrow();
    expect(fellBack[0]).toContain('EISDIR');
    expect(() => log.close()).not.toThrow();
    expect(() => log.close()).not.toThrow();
  });
});
