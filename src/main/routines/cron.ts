// Cron expressions in a time zone (croner): when a routine is due next.
import { Cron } from 'croner';

export class CronError extends Error {
  override readonly name = 'CronError';
}

/** Throws CronError naming what is wrong with the expression or the time zone. */
export function checkCron(cron: string, timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new CronError(`unknown time zone "${timezone}" (use an IANA name such as Europe/Paris)`);
  }
  try {
    new Cron(cron, { timezone, paused: true });
  } catch (err) {
    throw new CronError(`"${cron}" is not a cron expression croner reads: ${(err as Error).message}`);
  }
}

/** The first due time strictly after `after` (null: the expression never fires again). */
export function nextDue(cron: string, timezone: string, after: Date): Date | null {
  return new Cron(cron, { timezone, paused: true }).nextRun(after);
}

/** This host's time zone, the default of a routine made without --tz. */
export function localTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
