// The sentence a lost run's error carries: only what was seen. Recovery judges runs at start, when
// the pty host is lost and in its periodic sweep, so nothing here says "restarted"; leftovers are
// named by how they were found (in the run's process group, in its session outside the group, or
// elsewhere by the run's cookie), never all as members of a group they were not in.
import type { ProcInfo } from '../../node/process/tree';

export interface LostRun {
  processPid: number | null;
  processGroupId: number | null;
}

const pids = (ps: ProcInfo[]) => ps.map((p) => p.pid).join(', ');

export function lostProcessWords(run: LostRun, terminated: ProcInfo[]): string {
  if (terminated.length === 0) {
    return run.processPid
      ? `Process lost: pid ${run.processPid} had ended without Vigil seeing it end (its exit was never reported to a host).`
      : 'Process lost: the Vigil host that claimed this run stopped before it recorded its process.';
  }
  const group = run.processGroupId && run.processGroupId > 1 ? run.processGroupId : null;
  const inGroup = terminated.filter((p) => group !== null && p.pgid === group);
  const inSession = terminated.filter((p) => group !== null && p.pgid !== group && p.sid === group);
  const elsewhere = terminated.filter((p) => !inGroup.includes(p) && !inSession.includes(p));
  const parts: string[] = [];
  if (inGroup.length) parts.push(`${inGroup.length} in its process group ${group} (pids ${pids(inGroup)})`);
  if (inSession.length) parts.push(`${inSession.length} in its session ${group} outside that group (pids ${pids(inSession)})`);
  if (elsewhere.length) parts.push(`${elsewhere.length} that had left its group and session, found by the run's cookie (pids ${pids(elsewhere)})`);
  // The leader among what was stopped: it had not ended (an agent that outlived its terminal).
  const leaderStopped = run.processPid !== null && terminated.some((p) => p.pid === run.processPid);
  if (leaderStopped) return `Process lost: pid ${run.processPid} was still running; stopped ${terminated.length} process(es): ${parts.join('; ')}.`;
  const leader = run.processPid ? `pid ${run.processPid} had ended` : 'its process was never recorded';
  return `Process lost: ${leader}; stopped ${terminated.length} leftover process(es): ${parts.join('; ')}.`;
}
