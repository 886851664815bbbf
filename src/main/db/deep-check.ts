// The deep integrity check: one for `vigil doctor` and for a backup before it is trusted. The
// folder is opened in a child process (an abort or a hang cannot reach the caller), every table is
// read through, and each count compared with what the folder is known to have held (the row
// counts of the last clean stop, or those a backup was verified with). The check replays and
// checkpoints the folder it is given: callers hand it a copy, never the user's database.
import { damageInWords, reasonOf } from './integrity';
import { probeFolder, type RowCounts } from './probe';

/** The damage found, one sentence each in words (empty: none). */
export async function deepCheckFolder(dbDir: string, expected: RowCounts | null, timeoutMs: number, countedWhen = 'when Vigil last stopped'): Promise<string[]> {
  const probe = await probeFolder(dbDir, { timeoutMs, countRows: true });
  if (!probe.ok) return [`the database cannot be read through (${reasonOf(new Error(probe.detail))})`];
  const damage = (probe.damaged ?? []).map((d) => damageInWords(d.table, reasonOf(new Error(d.message))));
  for (const [table, before] of Object.entries(expected ?? {})) {
    const now = probe.rowCounts?.[table];
    if (now !== undefined && now < before) damage.push(damageInWords(table, `${before} rows were there ${countedWhen}, ${now} can be read`));
  }
  return [...new Set(damage)];
}
