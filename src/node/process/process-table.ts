// One read of the machine's process table, queried per run. Recovery asks about hundreds of
// runs at once; scanning /proc once for all of them keeps that to a few milliseconds.
import { execFile, execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { promisify } from 'node:util';
import { basename } from 'node:path';
import { hasProcfs, isDeadState, parseProcStat, psEnv, startIdOfThisBoot, startIdentityOfLstart, startIdentityOfStat } from './identity';

/** The cookie every run's environment carries; descendants inherit it wherever they move. */
export const RUN_ID_ENV = 'VIGIL_RUN_ID';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  startId: string;
  comm: string;
}

export interface RunProcessQuery {
  runId: string;
  pgid?: number | null;
  sid?: number | null;
  leaderPid?: number | null;
  leaderStartId?: string | null;
}

/** A live process as scanned, with the run cookie from its environment when it has one. */
export interface ScannedProcess extends ProcInfo {
  runId: string | null;
}

export interface ProcessTable {
  /** Every live process seen (zombies excluded), this process included. */
  readonly processes: readonly ScannedProcess[];
  get(pid: number): ScannedProcess | undefined;
  /** The run's live processes by the safety rule (see runProcesses below); never this process. */
  runProcesses(q: RunProcessQuery): ProcInfo[];
}

const execFileAsync = promisify(execFile);

const COOKIE = Buffer.from(`${RUN_ID_ENV}=`);

/** The VIGIL_RUN_ID value in a NUL-separated environment block, or null. */
export function runIdInEnviron(environ: Buffer): string | null {
  let at = environ.indexOf(COOKIE);
  while (at > 0 && environ[at - 1] !== 0) at = environ.indexOf(COOKIE, at + 1);
  if (at < 0) return null;
  const start = at + COOKIE.length;
  const end = environ.indexOf(0, start);
  const value = environ.toString('utf8', start, end < 0 ? environ.length : end);
  return value === '' ? null : value;
}

/**
 * Reads a /proc file into one reused buffer (grown when an environment is larger): a scan reads
 * two small files per process, and readFileSync's extra calls and copies doubled its cost.
 * The view returned is valid until the next call.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);
function readProcFile(path: string): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    // Gone meanwhile, or another user's environment: it cannot be a run's, or no longer matters.
    return null;
  }
  try {
    let length = 0;
    for (;;) {
      if (length === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger, 0, 0, length);
        scratch = bigger;
      }
      const read = readSync(fd, scratch, length, scratch.length - length, null);
      if (read === 0) return scratch.subarray(0, length);
      length += read;
    }
  } catch {
    return null; // it exited mid-read
  } finally {
    closeSync(fd);
  }
}

/** One process as /proc shows it, or null when it is gone, a zombie or unreadable. */
function scannedOf(pid: number, statText: string | undefined, readEnviron: (pid: number) => Buffer | null): ScannedProcess | null {
  const stat = statText ? parseProcStat(pid, statText) : null;
  if (!stat || isDeadState(stat.state)) return null;
  // Kernel threads (children of kthreadd, pid 2) have no environment to read.
  const environ = pid === 2 || stat.ppid === 2 ? null : readEnviron(pid);
  return {
    pid,
    ppid: stat.ppid,
    pgid: stat.pgid,
    sid: stat.sid,
    startId: startIdentityOfStat(stat),
    comm: stat.comm,
    runId: environ ? runIdInEnviron(environ) : null,
  };
}

const pidsOf = (names: string[]): number[] =>
  names.filter((name) => name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57).map(Number);

function scanProcfs(): ScannedProcess[] {
  const found: ScannedProcess[] = [];
  for (const pid of pidsOf(readdirSync('/proc'))) {
    const statText = readProcFile(`/proc/${pid}/stat`)?.toString('utf8');
    const p = scannedOf(pid, statText, (pid) => readProcFile(`/proc/${pid}/environ`));
    if (p) found.push(p);
  }
  return found;
}

/**
 * Processes read per event-loop turn by the asynchronous scan. Plain synchronous reads of small
 * /proc files are cheap (a few microseconds each); what blocked the host was a whole table per
 * run end, 50 runs ending together. A slice of this size holds the loop well under a
 * millisecond; promise-based file handles cost far more per file (four round trips to the
 * thread pool and their promises for a 300-byte file: 3x the main-thread time, profiled).
 */
const SCAN_SLICE = 32;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** scanProcfs in slices, yielding to the event loop between them. */
async function scanProcfsAsync(): Promise<ScannedProcess[]> {
  const pids = pidsOf(readdirSync('/proc'));
  const found: ScannedProcess[] = [];
  for (let at = 0; at < pids.length; at += SCAN_SLICE) {
    if (at > 0) await nextTurn();
    for (const pid of pids.slice(at, at + SCAN_SLICE)) {
      const statText = readProcFile(`/proc/${pid}/stat`)?.toString('utf8');
      const p = scannedOf(pid, statText, (pid) => readProcFile(`/proc/${pid}/environ`));
      if (p) found.push(p);
    }
  }
  return found;
}

// `ps -E` appends the environment to the command line: macOS/BSD only (Linux procps has no -E).
const PS_ARGS = ['-A', '-ww', '-E', '-o', 'pid=,ppid=,pgid=,stat=,lstart=,command='];
const PS_LINE = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}) ?(.*)$/;
const PS_COOKIE = new RegExp(`(?:^|\\s)${RUN_ID_ENV}=(\\S+)`);

/**
 * Parses `ps -A -ww -E -o pid=,ppid=,pgid=,stat=,lstart=,command=` (the path where there is no
 * /proc, i.e. macOS). Two limits there: ps shows no session id (sid is 0, so only the group and
 * the cookie find a run's processes), and the environment is not told apart from the arguments,
 * so a process whose arguments spell out `VIGIL_RUN_ID=<id>` as a word counts as that run's.
 */
export function parsePsListing(text: string): ScannedProcess[] {
  const found: ScannedProcess[] = [];
  for (const line of text.split('\n')) {
    const m = PS_LINE.exec(line);
    if (!m || m[4].startsWith('Z')) continue;
    const command = m[6];
    found.push({
      pid: Number(m[1]),
      ppid: Number(m[2]),
      pgid: Number(m[3]),
      sid: 0,
      startId: startIdentityOfLstart(m[5]),
      comm: basename(command.split(' ')[0] ?? ''),
      runId: PS_COOKIE.exec(command)?.[1] ?? null,
    });
  }
  return found;
}

function scanPs(): ScannedProcess[] {
  const out = execFileSync('ps', PS_ARGS, { encoding: 'utf8', env: psEnv(), maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  return parsePsListing(out);
}

async function scanPsAsync(): Promise<ScannedProcess[]> {
  const { stdout } = await execFileAsync('ps', PS_ARGS, { encoding: 'utf8', env: psEnv(), maxBuffer: 256 * 1024 * 1024 });
  return parsePsListing(stdout);
}

function checkQuery(q: RunProcessQuery): void {
  if (typeof q.runId !== 'string' || q.runId === '') throw new TypeError('run process query: runId must be a non-empty string');
  for (const field of ['pgid', 'sid', 'leaderPid'] as const) {
    const v = q[field];
    // 0 and 1 would name "my own group" and init's session to kill(2): never a run's.
    if (v != null && (!Number.isInteger(v) || v <= 1)) throw new RangeError(`run process query for ${q.runId}: ${field} must be an integer above 1, got ${v}`);
  }
}

class Snapshot implements ProcessTable {
  private readonly byPid = new Map<number, ScannedProcess>();
  private readonly byPgid = new Map<number, ScannedProcess[]>();
  private readonly bySid = new Map<number, ScannedProcess[]>();
  private readonly byRunId = new Map<string, ScannedProcess[]>();

  constructor(
    readonly processes: readonly ScannedProcess[],
    private readonly self: number,
  ) {
    const add = <K>(map: Map<K, ScannedProcess[]>, key: K, p: ScannedProcess) => {
      const list = map.get(key);
      if (list) list.push(p);
      else map.set(key, [p]);
    };
    for (const p of processes) {
      this.byPid.set(p.pid, p);
      add(this.byPgid, p.pgid, p);
      if (p.sid > 0) add(this.bySid, p.sid, p);
      if (p.runId) add(this.byRunId, p.runId, p);
    }
  }

  get(pid: number): ScannedProcess | undefined {
    return this.byPid.get(pid);
  }

  /**
   * A process is the run's when its environment carries the run's cookie. The recorded group or
   * session counts as a whole (members that dropped the cookie included) only when something
   * vouches for it: its leader is still the very process recorded (pid + a start identity of
   * this boot), or, the leader gone, one of its members carries the run's cookie. A number alone
   * proves nothing: after a reboot, or once the id was handed out again, it names processes
   * Vigil did not start.
   */
  runProcesses(q: RunProcessQuery): ProcInfo[] {
    checkQuery(q);
    const found = new Map<number, ScannedProcess>();
    for (const p of this.byRunId.get(q.runId) ?? []) found.set(p.pid, p);
    const members: [number | null | undefined, Map<number, ScannedProcess[]>][] = [
      [q.pgid, this.byPgid],
      [q.sid, this.bySid],
    ];
    for (const [id, index] of members) {
      if (id == null) continue;
      const group = index.get(id) ?? [];
      if (!this.vouched(id, group, q)) continue;
      for (const p of group) found.set(p.pid, p);
    }
    found.delete(this.self);
    return [...found.values()].map(toProcInfo);
  }

  private vouched(id: number, group: ScannedProcess[], q: RunProcessQuery): boolean {
    const leader = this.byPid.get(id);
    if (leader) return leader.pid === q.leaderPid && startIdOfThisBoot(q.leaderStartId) && leader.startId === q.leaderStartId;
    return group.some((p) => p.runId === q.runId);
  }
}

const toProcInfo = ({ pid, ppid, pgid, sid, startId, comm }: ScannedProcess): ProcInfo => ({ pid, ppid, pgid, sid, startId, comm });

/** Reads every live process once (Linux: /proc; elsewhere: `ps`). Sync: a few ms for hundreds of processes. */
export function snapshotProcesses(): ProcessTable {
  return new Snapshot(hasProcfs ? scanProcfs() : scanPs(), process.pid);
}

/**
 * The same read without holding the event loop (what a host ending many runs at once uses:
 * see shared-scan.ts, which lets concurrent callers share one): a slice of processes per turn.
 */
export async function scanProcessesAsync(): Promise<ProcessTable> {
  return new Snapshot(hasProcfs ? await scanProcfsAsync() : await scanPsAsync(), process.pid);
}
