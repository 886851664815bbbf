// Writes that must land: a run's start and end are retried with backoff while the database is
// away (an outage of seconds or minutes), so no row is left live without its owner knowing.

export interface Retrying {
  /** Set at the end of a shutdown: the loops give up (the next start's recovery takes over). */
  stopped: boolean;
  notice(message: string): void;
}

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;
/** One notice per write every this often, not one per attempt. */
const NOTICE_EVERY_MS = 10_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `write` until it resolves, and returns what it resolved to; null when `giveUp()` says the
 * write no longer matters or the engine stopped retrying.
 */
export async function retryUntilLanded<T>(retrying: Retrying, what: string, write: () => Promise<T>, giveUp: () => boolean): Promise<T | null> {
  let delay = FIRST_DELAY_MS;
  let lastNotice = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await write();
      if (attempt > 1) retrying.notice(`${what}: landed after ${attempt} attempts`);
      return result;
    } catch (err) {
      if (Date.now() - lastNotice >= NOTICE_EVERY_MS) {
        lastNotice = Date.now();
        retrying.notice(`${what}: ${(err as Error).message}; retrying`);
      }
    }
    if (retrying.stopped || giveUp()) return null;
    await sleep(delay);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}
