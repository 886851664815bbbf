// What a start does with a merge journal left by a killed host: waits for the git it recorded,
// removes the locks that git left (only when the journal proves they are ours and it is dead),
// then finishes the merge (the result was computed: the checkout and the branch are moved to it)
// or, if nothing had moved yet, drops it. Either way the checkout ends byte for byte as before or
// as merged, and the caller learns which, to make the issue's records say the same.
import { applyMerge } from './merge';
import { readJournals, type MergeJournal } from './merge-journal';
import { JournaledMerge, moveCheckoutFiles, tipOf } from './merge-steps';

export type MergeRecovery =
  | { kind: 'merged'; journal: MergeJournal }
  | { kind: 'not_merged'; journal: MergeJournal; why: string }
  | { kind: 'still_running'; journal: MergeJournal }
  | { kind: 'failed'; journal: MergeJournal; why: string };

export async function finishMerge(dir: string, journal: MergeJournal): Promise<MergeRecovery> {
  const m = new JournaledMerge(dir, journal);
  if ((await m.settle()) === 'running') return { kind: 'still_running', journal };
  try {
    if (m.j.phase === 'committing') {
      m.drop();
      return { kind: 'not_merged', journal, why: 'the host stopped before the merge result was computed; nothing was moved' };
    }
    if (m.j.phase === 'applying') {
      const tip = await tipOf(m.j.repo, m.j.baseBranch);
      if (tip === m.j.oldTip) await applyMerge(m);
      else if (tip === m.j.target) m.save({ phase: 'moved' });
      else {
        // Someone moved the branch after the kill: the checkout's merged paths go back to what
        // that branch had, so the checkout matches its own branch again.
        if (m.j.checkout && tip) await moveCheckoutFiles(m, m.j.checkout, m.j.target!, tip);
        m.drop();
        return { kind: 'not_merged', journal, why: `${m.j.baseBranch} moved to ${tip?.slice(0, 10) ?? 'nothing'} while the merge was in flight; it was left there` };
      }
    }
    // Without an issue to bring up to date (git-only use) the journal has nothing left to say.
    if (m.j.issueId === null) m.drop();
    return { kind: 'merged', journal: m.j };
  } catch (err) {
    return { kind: 'failed', journal: m.j, why: (err as Error).message };
  }
}

/** Every journal in the folder, finished or dropped; unreadable journals are reported, kept. */
export async function finishMerges(dir: string): Promise<{ results: MergeRecovery[]; unreadable: { file: string; reason: string }[] }> {
  const { journals, unreadable } = readJournals(dir);
  const results: MergeRecovery[] = [];
  for (const j of journals) results.push(await finishMerge(dir, j));
  return { results, unreadable };
}
