// Team mode with two real `vigil serve` hosts, machines "alpha" and "beta", on one fresh
// PostgreSQL database (standing in for two machines), driven through the real CLI.
import { afterAll, beforeAll, expect } from 'vitest';
import { ensureBuilt, READY_TIMEOUT_MS, startServe, tempDataDir, vigil, type Served } from './serve';
import { freshPgDatabase } from './stores';

/** Short, so an offline machine is noticed in seconds (renewed every third of it). */
export const TEAM_LEASE_MS = 3000;

export type TeamMachine = 'alpha' | 'beta';

export interface TeamHost {
  dir: string;
  /** The running serve (null before the start, or where the test stopped it and said so). */
  served: Served | null;
  /** Starts this machine's serve again on its folder (after a kill or a stop). */
  start(): Promise<Served>;
  run(...args: string[]): ReturnType<typeof vigil>;
  /** `vigil --json ...`, expected to succeed. */
  json<T>(...args: string[]): Promise<T>;
}

/**
 * For a describe block: before its tests, `setup` then both serves on one fresh database (each
 * with `--machine-id`, `args`, and `env(machine)` over the database url and the short lease);
 * after them, both stopped and every folder removed.
 */
export function twoHostTeam(
  prefix: string,
  opts: { args?: string[]; env?: (machine: TeamMachine) => NodeJS.ProcessEnv; setup?: () => void; beforeAllMs: number },
): { work: string; alpha: TeamHost; beta: TeamHost } {
  const work = tempDataDir(`${prefix}work-`);
  let url = '';
  const host = (machine: TeamMachine): TeamHost & { cleanup(): void } => {
    const data = tempDataDir(`${prefix}${machine[0]}-`);
    const h: TeamHost & { cleanup(): void } = {
      dir: data.dir,
      served: null,
      start: async () => {
        h.served = await startServe({
          dataDir: data.dir,
          args: ['--machine-id', machine, ...(opts.args ?? [])],
          env: { DATABASE_URL: url, VIGIL_MACHINE_LEASE_MS: String(TEAM_LEASE_MS), ...opts.env?.(machine) },
        });
        return h.served;
      },
      run: (...args) => vigil(args, { dataDir: data.dir }),
      async json<T>(...args: string[]): Promise<T> {
        const r = await vigil(['--json', ...args], { dataDir: data.dir });
        expect(r.code, `vigil ${args.join(' ')}: ${r.stderr}`).toBe(0);
        return JSON.parse(r.stdout) as T;
      },
      cleanup: data.cleanup,
    };
    return h;
  };
  const alpha = host('alpha');
  const beta = host('beta');

  beforeAll(async () => {
    ensureBuilt();
    opts.setup?.();
    url = await freshPgDatabase();
    await alpha.start();
    await beta.start();
  }, READY_TIMEOUT_MS * 2 + opts.beforeAllMs);

  afterAll(async () => {
    await alpha.served?.stop();
    await beta.served?.stop();
    alpha.cleanup();
    beta.cleanup();
    work.cleanup();
  });

  return { work: work.dir, alpha, beta };
}
