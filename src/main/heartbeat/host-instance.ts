// Which host process owns a run. A machine id says whose process table can judge a run; the host
// instance says which host process on that machine started it. Two hosts on one machine (two data
// folders, one database) share the process table, so each must leave the other's live runs alone:
// a run is judged only when its owning instance is gone.
//
// On one machine an instance is proved alive by the process table: the host's pid plus its start
// identity (which carries the boot id, so an instance from before a reboot is always dead).
// Across machines (team mode) the machine lease (src/main/team/machine-lease.ts) answers it.
import { isSameProcess, readStartIdentity, startIdOfThisBoot } from '../../node/process/identity';

/** `<pid>/<start identity>` of this host process. */
export function currentHostInstance(): string {
  const startId = readStartIdentity(process.pid);
  if (!startId) throw new Error(`cannot read the start identity of this host process (pid ${process.pid})`);
  return `${process.pid}/${startId}`;
}

function parse(instance: string): { pid: number; startId: string } | null {
  const slash = instance.indexOf('/');
  if (slash <= 0) return null;
  const pid = Number(instance.slice(0, slash));
  return Number.isInteger(pid) && pid > 0 ? { pid, startId: instance.slice(slash + 1) } : null;
}

/**
 * True while the host process recorded as `instance` still runs on this machine. A malformed or
 * missing instance (a run recorded before instances existed) is treated as gone.
 */
export function hostInstanceAlive(instance: string | null | undefined): boolean {
  if (!instance) return false;
  const parsed = parse(instance);
  return !!parsed && isSameProcess(parsed.pid, parsed.startId);
}


/** Recorded in this boot of this machine, so this process table can judge it (team mode's machine lease asks). */
export function hostInstanceOfThisBoot(instance: string): boolean {
  const parsed = parse(instance);
  return !!parsed && startIdOfThisBoot(parsed.startId);
}
