// The words of a lost run: no restart claimed, leftovers named by how they were found.
import { describe, expect, it } from 'vitest';
import { lostProcessWords } from '../../../src/main/infrastructure/lost-process';

const proc = (pid: number, pgid: number, sid: number) => ({ pid, ppid: 1, pgid, sid, startId: `b:${pid}`, comm: 'sleep' });

describe('lost process words', () => {
  it('never says Vigil restarted: the same reap runs when the pty host is lost and in the sweep', () => {
    const said = lostProcessWords({ processPid: 4242, processGroupId: 4242 }, []);
    expect(said).not.toMatch(/restart/i);
    expect(said).toBe('Process lost: pid 4242 had ended without Vigil seeing it end (its exit was never reported to a host).');
  });

  it('lists pids by where they were found: the group, the session, or by cookie in another session', () => {
    const said = lostProcessWords({ processPid: 100, processGroupId: 100 }, [proc(101, 100, 100), proc(102, 150, 100), proc(300, 300, 300)]);
    expect(said).toBe(
      "Process lost: pid 100 had ended; stopped 3 leftover process(es): 1 in its process group 100 (pids 101); 1 in its session 100 outside that group (pids 102); 1 that had left its group and session, found by the run's cookie (pids 300).",
    );
    expect(said).not.toMatch(/group 100 \(pids [^)]*300/);
  });

  it('does not say the leader had ended when it was among the processes stopped (it outlived its terminal)', () => {
    const said = lostProcessWords({ processPid: 100, processGroupId: 100 }, [proc(100, 100, 100), proc(101, 100, 100)]);
    expect(said).not.toContain('had ended');
    expect(said).toBe('Process lost: pid 100 was still running; stopped 2 process(es): 2 in its process group 100 (pids 100, 101).');
  });
});
