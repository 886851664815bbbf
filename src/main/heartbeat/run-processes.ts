// Where a recorded run's processes may be: its group and session (a pty leader leads both)
// and its cookie. Used wherever Vigil stops a run it holds no live handle for.
import type { RunProcessQuery } from '../../node/process/tree';
import type { RunRow } from '../views/dto';

const validId = (n: number | null) => (n && n > 1 ? n : null);

export function runProcessQuery(run: RunRow): RunProcessQuery {
  return {
    runId: run.id,
    pgid: validId(run.processGroupId),
    sid: validId(run.processGroupId),
    leaderPid: validId(run.processPid),
    leaderStartId: run.processStartId,
  };
}
