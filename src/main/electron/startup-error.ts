// What the user reads when Vigil cannot start: why, and what Vigil did (or did not) do.
import { DataDirLockedError } from '../db/lock';
import { diskFullAtStartWords, isDiskFull } from '../infrastructure/failure';

export interface StartupErrorText {
  title: string;
  content: string;
}

export function startupErrorText(err: unknown, dataDir: string, usesDatabaseUrl: boolean): StartupErrorText {
  if (err instanceof DataDirLockedError) {
    return {
      title: 'Vigil is already running',
      content: [
        `Another Vigil process (pid ${err.ownerPid}) is using the data folder:`,
        dataDir,
        '',
        'Vigil did not open it and changed nothing. Quit the other Vigil (the app, or a `vigil serve` in a terminal) and start Vigil again, or set VIGIL_HOME to use another folder.',
      ].join('\n'),
    };
  }
  if (isDiskFull(err)) {
    // Not `ENOSPC: no space left on device, write`: what failed, where, and the fix.
    return {
      title: 'Vigil could not start: the disk is full',
      content: [
        `Vigil could not write to its data folder: ${diskFullAtStartWords(dataDir)}.`,
        '',
        'No agent was started and Vigil released the folder; nothing was lost. Vigil quits now.',
      ].join('\n'),
    };
  }
  const reason = err instanceof Error ? err.message : String(err);
  // Never echo DATABASE_URL: it usually carries a password.
  const where = usesDatabaseUrl ? 'the PostgreSQL database named by DATABASE_URL' : 'its database in the data folder';
  return {
    title: 'Vigil could not start',
    content: [
      `Vigil could not open ${where}.`,
      '',
      reason,
      '',
      `Data folder: ${dataDir}`,
      'No agent was started and Vigil released the folder; nothing else was changed unless the message above says so. Vigil quits now.',
    ].join('\n'),
  };
}
