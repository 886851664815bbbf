// A pid alone is not proof: pids are reused. A process's start identity is what Vigil records
// and checks before it ever signals anything (Linux: boot id + start time in clock ticks from
// /proc/PID/stat; elsewhere: `ps -o lstart`).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

let bootIdCache: string | null = null;

export function bootId(): string {
  if (bootIdCache) return bootIdCache;
  try {
    bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // no procfs (macOS): one boot for the whole life of this process
    bootIdCache = 'noboot';
  }
  return bootIdCache;
}

/** Parsed fields of /proc/PID/stat we rely on (the comm field may hold spaces and parens). */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgid: number;
  sid: number;
  /** Field 7: the controlling terminal's device number; 0 once it is gone (its master closed and hung up). */
  ttyNr: number;
  startTicks: string;
}

export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone, or no procfs
  }
  return parseProcStat(pid, text);
}

/** Parses the text of /proc/PID/stat (for readers that fetch it their own way). */
export function parseProcStat(pid: number, text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < 0) return null;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); starttime is field 22 -> rest[19].
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid: Number(rest[1]),
    pgid: Number(rest[2]),
    sid: Number(rest[3]),
    ttyNr: Number(rest[4]),
    startTicks: rest[19],
  };
}

export const hasProcfs = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false; // macOS: ps stands in
  }
})();

/** Zombies and exiting tasks: their pid is still taken but nothing runs there any more. */
export const isDeadState = (state: string): boolean => state === 'Z' || state === 'X' || state === 'x';

/** The start identity of a process from its /proc stat (one formula for every reader). */
export const startIdentityOfStat = (stat: ProcStat): string => `${bootId()}:${stat.startTicks}`;

/** lstart is printed with the locale's date format: pin it, so every reader gets the same text. */
export const psEnv = (): NodeJS.ProcessEnv => ({ ...process.env, LC_ALL: 'C' });

/** The start identity from `ps -o lstart` text, where there is no /proc (macOS). */
export const startIdentityOfLstart = (lstart: string): string => `lstart:${lstart.trim()}`;

/** The start identity of a live pid, or null when no such process exists (or it is a zombie). */
export function readStartIdentity(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (hasProcfs) {
    const stat = readProcStat(pid);
    if (!stat || isDeadState(stat.state)) return null;
    return startIdentityOfStat(stat);
  }
  try {
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      env: psEnv(),
    }).trim();
    return out ? startIdentityOfLstart(out) : null;
  } catch {
    return null; // gone, or ps refused: no identity to compare
  }
}

/** True only when `pid` is alive and is the very process whose identity was recorded. */
export function isSameProcess(pid: number | null | undefined, startId: string | null | undefined): boolean {
  if (!pid || !startId) return false;
  return readStartIdentity(pid) === startId;
}

/**
 * Whether a recorded start identity was taken in this boot. One from another boot proves nothing
 * about today's pids, groups or sessions: after a reboot the same numbers name other processes.
 * (A macOS `lstart:` identity is a wall-clock start time: it cannot name its boot, and is only
 * ever compared whole.)
 */
export function startIdOfThisBoot(startId: string | null | undefined): boolean {
  if (!startId) return false;
  if (startId.startsWith('lstart:')) return true;
  return startId.startsWith(`${bootId()}:`);
}

/** Whether any process has this pid (identity not checked). */
export function pidExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Identifies this machine's process table, so a shared database never mixes hosts up. */
export function machineId(): string {
  let id = '';
  for (const path of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      id = readFileSync(path, 'utf8').trim();
      if (id) break;
    } catch {
      /* try the next */
    }
  }
  return `${hostname()}-${createHash('sha256').update(id || hostname()).digest('hex').slice(0, 12)}`;
}
