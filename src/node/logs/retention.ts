// Which run logs to delete. Pure, so the engine decides when and the store does the deleting.

/**
 * Pure policy: given an agent's finished runs newest first with their log sizes, which run ids'
 * logs to prune to keep the newest maxRuns and at most maxBytes. What is kept is always the
 * newest runs without a hole: once one run does not fit, it and every older run go.
 */
export function selectLogsToPrune(runs: { id: string; bytes: number }[], policy: { maxRuns: number; maxBytes: number }): string[] {
  let kept = 0;
  let keptBytes = 0;
  for (const run of runs) {
    if (kept >= policy.maxRuns || keptBytes + run.bytes > policy.maxBytes) break;
    kept++;
    keptBytes += run.bytes;
  }
  return runs.slice(kept).map((r) => r.id);
}
