// Every CLI failure becomes one line on stderr and an exit code: 2 for a mistake in the
// command line, 3 when no host is running, 1 for everything else.
import { isCallName } from '../shared/contract';
import { ContractError, type ContractErrorShape } from '../shared/errors';
import { NotRunningError } from './client';
import { UsageError } from './command';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_NOT_RUNNING = 3;

/** Contract field names as the CLI user knows them. */
const FIELD_NAMES: Record<string, string> = {
  adapterType: '--adapter',
  command: '--command',
  cwd: '--cwd',
  role: '--role',
  model: '--model',
  heartbeatIntervalSec: '--interval',
  timeoutSec: '--timeout',
  maxConcurrentRuns: '--max-concurrent',
  env: '--env',
  status: '--status',
  priority: '--priority',
  q: '--search',
  limit: '--limit',
  tail: '--tail',
  reason: '--reason',
};

export interface Failure {
  line: string;
  exitCode: number;
  error: ContractErrorShape | { code: 'usage' | 'not_running'; message: string };
}

export function describeFailure(err: unknown, dataDir: string): Failure {
  if (err instanceof UsageError) {
    return { line: err.message, exitCode: EXIT_USAGE, error: { code: 'usage', message: err.message } };
  }
  if (err instanceof NotRunningError) {
    const message = `Vigil is not running for ${dataDir}. Start it with: vigil serve --data-dir ${quote(dataDir)} (or open the Vigil app).`;
    return { line: message, exitCode: EXIT_NOT_RUNNING, error: { code: 'not_running', message } };
  }
  if (err instanceof ContractError) {
    const line = err.code === 'invalid_input' ? userFacingInvalid(err.message) : err.message;
    return { line, exitCode: err.code === 'not_running' ? EXIT_NOT_RUNNING : EXIT_FAILURE, error: err.toJSON() };
  }
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return { line: message, exitCode: EXIT_FAILURE, error: { code: 'internal', message } };
}

/** "agents.create: command: the process adapter needs --command" -> "--command: the process adapter needs --command". */
function userFacingInvalid(message: string): string {
  const call = /^([a-z]+\.[A-Za-z]+): /.exec(message);
  const withoutCall = call && isCallName(call[1]) ? message.slice(call[0].length) : message;
  return withoutCall
    .split('; ')
    .map((part) => {
      const colon = part.indexOf(': ');
      if (colon < 0) return part;
      const path = part.slice(0, colon).replace(/^patch\./, '');
      const [head, ...rest] = path.split('.');
      const name = FIELD_NAMES[head];
      return name ? `${[name, ...rest].join(' ')}: ${part.slice(colon + 2)}` : part;
    })
    .join('; ');
}

function quote(path: string): string {
  return /^[\w./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
