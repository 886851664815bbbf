// The process table's readers: the run cookie in an environment block, and the `ps` listing
// used where there is no /proc (macOS; its format is checked here against real procps output
// plus lines shaped like macOS `ps -E`, since this suite runs on Linux).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { psEnv, startIdentityOfLstart } from '../../../src/node/process/identity';
import { parsePsListing, runIdInEnviron } from '../../../src/node/process/process-table';

const environ = (...vars: string[]) => Buffer.from(vars.map((v) => `${v}\0`).join(''));

describe('runIdInEnviron', () => {
  it('finds the cookie first, in the middle or last, without a trailing NUL', () => {
    expect(runIdInEnviron(environ('VIGIL_RUN_ID=r1', 'PATH=/bin'))).toBe('r1');
    expect(runIdInEnviron(environ('HOME=/h', 'VIGIL_RUN_ID=r2', 'PATH=/bin'))).toBe('r2');
    expect(runIdInEnviron(Buffer.from('HOME=/h\0VIGIL_RUN_ID=r3'))).toBe('r3');
  });

  it('ignores look-alike names, values that merely mention it, and an empty cookie', () => {
    expect(runIdInEnviron(environ('MY_VIGIL_RUN_ID=x', 'NOTE=VIGIL_RUN_ID=y'))).toBeNull();
    expect(runIdInEnviron(environ('MY_VIGIL_RUN_ID=x', 'VIGIL_RUN_ID=real'))).toBe('real');
    expect(runIdInEnviron(environ('VIGIL_RUN_ID='))).toBeNull();
    expect(runIdInEnviron(Buffer.alloc(0))).toBeNull();
  });
});

describe('parsePsListing', () => {
  it('reads real procps output: pids, groups and the same start identity `ps -o lstart` gives', () => {
    const listing = execFileSync('ps', ['-A', '-ww', '-o', 'pid=,ppid=,pgid=,stat=,lstart=,command='], { encoding: 'utf8', env: psEnv() });
    const me = parsePsListing(listing).find((p) => p.pid === process.pid);
    expect(me).toBeDefined();
    expect(me!.ppid).toBe(process.ppid);
    const lstart = execFileSync('ps', ['-o', 'lstart=', '-p', String(process.pid)], { encoding: 'utf8', env: psEnv() });
    expect(me!.startId).toBe(startIdentityOfLstart(lstart));
  });

  it('reads the cookie from macOS `ps -E` lines and skips zombies', () => {
    const listing = [
      '  501     1   501 Ss   Mon Mar  3 09:05:01 2025 /usr/local/bin/claude --print VIGIL_RUN_ID=run-a HOME=/Users/me',
      '  502   501   502 S+   Mon Mar  3 09:05:02 2025 sleep 600 PATH=/usr/bin HOME=/Users/me VIGIL_RUN_ID=run-a',
      '  503   501   501 Z    Mon Mar  3 09:05:03 2025 (node)',
      '  504     1   504 S    Tue Mar 11 10:00:00 2025 /usr/sbin/cfprefsd agent MY_VIGIL_RUN_ID=run-a',
      '',
    ].join('\n');
    const rows = parsePsListing(listing);
    expect(rows.map((r) => [r.pid, r.ppid, r.pgid, r.runId, r.comm])).toEqual([
      [501, 1, 501, 'run-a', 'claude'],
      [502, 501, 502, 'run-a', 'sleep'],
      [504, 1, 504, null, 'cfprefsd'],
    ]);
    expect(rows[0].startId).toBe(startIdentityOfLstart('Mon Mar  3 09:05:01 2025'));
    expect(rows.every((r) => r.sid === 0)).toBe(true);
  });
});
