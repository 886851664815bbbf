// Which host process serves a machine: `<pid>/<start identity>`. On its own machine an instance
// is proved alive by the process table; the start identity carries the boot id, so an
// instance from another boot (or another machine) is never taken for a live local one.
import { bootId, isSameProcess, readStartIdentity } from '../process/identity';

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

/** True while the recorded host process still runs on this machine. */
export function hostInstanceAlive(instance: string | null | undefined): boolean {
  const parsed = instance ? parse(instance) : null;
  return !!parsed && isSameProcess(parsed.pid, parsed.startId);
}

/** Recorded in this boot of this machine, so this process table can judge it. */
export function hostInstanceOfThisBoot(instance: string): boolean {
  const parsed = parse(instance);
  return !!parsed && (parsed.startId.startsWith(`${bootId()}:`) || parsed.startId.startsWith('lstart:'));
}
