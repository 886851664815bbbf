// The workspace verbs of the contract: an issue's diff against its base, merge, discard, open,
// and the list for clean-up. Nothing with unmerged work is removed without `confirm`.
import { ACTIVE_RUN_STATUSES } from '../../shared/domain';
import { and, eq, inArray } from 'drizzle-orm';
import type { CallParsedInput, IssueDiffDto, MergeResultDto } from '../../shared/contract';
import { ContractError } from '../../shared/errors';
import { agents, heartbeatRuns, issueComments, issues } from '../db/schema';
import { worktreeDiff } from '../workspaces/diff';
import type { IssueWorkspaces, WorkspaceRow } from '../workspaces/issue-workspaces';
import { existsSync } from 'node:fs';
import { archiveBranch, restoreArchive } from '../workspaces/archive';
import { mergeWorktree, type MergeOutcome } from '../workspaces/merge';
import { tipOf } from '../workspaces/merge-steps';
import type { MergeMethod, Strategy } from '../workspaces/merge-strategies';
import { mergedInto } from '../workspaces/merged-check';
import { mergeJournalDirOf, removeJournal } from '../workspaces/merge-journal';
import type { FolderOpener } from '../workspaces/open';
import { hasUncommittedChanges, removeWorktree } from '../workspaces/worktree';
import { newId, recordActivity, type ServiceContext } from '../context';
import { commentDto, type IssueRow } from '../views/dto';
import { loadIssueDto, requireIssue } from '../views/lookup';

/** An activity row, a system comment when there is something to say (null: the page says it), and the events that show them. */
async function tellIssue(ctx: ServiceContext, issue: IssueRow, action: string, body: string | null, details: Record<string, unknown>, patch: Partial<IssueRow> = {}) {
  const now = new Date();
  const comment = await ctx.db.transaction(async (tx) => {
    if (Object.keys(patch).length) await tx.update(issues).set({ ...patch, updatedAt: now }).where(eq(issues.id, issue.id));
    const [row] = body === null ? [] : await tx.insert(issueComments).values({ id: newId(), issueId: issue.id, authorType: 'system', body }).returning();
    await recordActivity(tx, ctx.workspaceId, { actor: 'user', action, entityType: 'issue', entityId: issue.id, details });
    return row;
  });
  if (comment) ctx.events.emit('comment.added', commentDto(comment, null));
  ctx.events.emit('issue.updated', await loadIssueDto(ctx.db, issue.id));
}

/** Removal after merge or a confirmed discard; a failure is said, never hidden. */
async function removeQuietly(row: WorkspaceRow): Promise<string | null> {
  try {
    await removeWorktree(row.repoPath, row.path, row.branch);
    return null;
  } catch (err) {
    return `the worktree could not be removed (${(err as Error).message}); it is listed by vigil workspace list`;
  }
}

/**
 * Why the worktree must stay after a merge, or null: its branch's changes must be in the base
 * branch (as an ancestor, or by content after a squash) and nothing may be left uncommitted.
 */
async function unmergedWork(row: WorkspaceRow): Promise<string | null> {
  try {
    const tip = await tipOf(row.repoPath, row.branch);
    const base = await tipOf(row.repoPath, row.baseBranch);
    if (tip && (!base || !(await mergedInto(row.repoPath, tip, base)))) return `${row.branch} has commits that are not in ${row.baseBranch}`;
    if (existsSync(row.path) && (await hasUncommittedChanges(row.path))) return `the worktree has changes made after the merge`;
    return null;
  } catch (err) {
    return `git could not tell whether everything was merged (${(err as Error).message})`;
  }
}

const HOW: Record<string, string> = { fast_forward: 'fast-forwarded', merge_commit: 'merged with a merge commit into', squash: 'squashed into one commit on', rebase: 'rebased onto' };

/**
 * The records of a merge that moved the base branch: the worktree closed and removed, the issue
 * done, History's line (and a comment when something is left to do); then the merge's journal is let go. Called by the merge
 * verb, and at start for a merge a killed host had finished in git but not in the database.
 */
export async function recordMerged(
  ctx: ServiceContext,
  workspaces: IssueWorkspaces,
  issue: IssueRow,
  row: WorkspaceRow,
  outcome: { kind: 'merged' | 'already_merged'; method?: MergeMethod; commit: string; committedChanges: boolean; checkout?: string | null; journalId?: string | null },
  note = '',
): Promise<{ message: string; closed: WorkspaceRow }> {
  const closed = await workspaces.close(row, 'merged', outcome.commit, outcome.kind === 'merged' ? (outcome.method ?? null) : null);
  // Removed only when everything of it is in the base branch: nothing unmerged is dropped.
  const unmerged = await unmergedWork(row);
  const leftBehind = unmerged ? `the worktree and its branch were kept: ${unmerged}` : await removeQuietly(row);
  const how = outcome.kind === 'already_merged' ? 'was already in' : HOW[outcome.method ?? 'merge_commit'];
  const message = `${row.branch} ${how} ${row.baseBranch} (${outcome.commit.slice(0, 10)})${outcome.committedChanges ? ', after committing the changes the agent left uncommitted' : ''}${outcome.kind === 'merged' && outcome.checkout ? `; the checkout at ${outcome.checkout} follows` : ''}. ${leftBehind ? `But ${leftBehind}.` : 'The worktree and its branch were removed.'}${note}`;
  // Said once: the person who merged reads it where they clicked (the issue's Changes line, or the
  // CLI's answer) and History lists it. A comment only when something is left to do (a worktree
  // kept) or nobody was watching (a merge finished at start).
  const worthAComment = !!leftBehind || note !== '';
  await tellIssue(ctx, issue, 'issue.merged', worthAComment ? `Merged: ${message}` : null, { branch: row.branch, into: row.baseBranch, commit: outcome.commit }, issue.status === 'done' ? {} : { status: 'done', completedAt: new Date() });
  if (outcome.journalId) removeJournal(mergeJournalDirOf(ctx.dataDir), outcome.journalId);
  return { message, closed };
}

export function workspaceHandlers(ctx: ServiceContext, workspaces: IssueWorkspaces, openFolder: FolderOpener) {
  /** The merge asked for, else the agent's, else auto (fast-forward, or a merge commit). */
  const strategyOf = async (row: WorkspaceRow, asked: Strategy | undefined): Promise<Strategy> => {
    if (asked) return asked;
    const [agent] = row.agentId ? await ctx.db.select({ config: agents.adapterConfig }).from(agents).where(eq(agents.id, row.agentId)) : [];
    return agent?.config.mergeStrategy ?? 'auto';
  };
  const requireActive = async (issue: IssueRow, verb: string): Promise<WorkspaceRow> => {
    const row = await workspaces.active(issue.id);
    if (!row) throw new ContractError('not_found', `${issue.identifier} has no active worktree to ${verb}`, 'issue');
    return row;
  };
  const refuseWhileRunning = async (issue: IssueRow, verb: string) => {
    const live = await ctx.db
      .select({ id: heartbeatRuns.id, status: heartbeatRuns.status })
      .from(heartbeatRuns)
      .where(and(eq(heartbeatRuns.issueId, issue.id), inArray(heartbeatRuns.status, [...ACTIVE_RUN_STATUSES])));
    if (live.length > 0) throw new ContractError('conflict', `${issue.identifier} has a ${live[0].status} run (${live[0].id}); wait for it to end or cancel it, then ${verb}`);
  };
  const requireHealthy = async (issue: IssueRow, row: WorkspaceRow) => {
    const { problem } = await workspaces.health(row);
    if (problem) throw new ContractError('conflict', `${issue.identifier}'s worktree cannot be used: ${problem}`);
  };
  const tell = (issue: IssueRow, action: string, body: string, details: Record<string, unknown>, patch: Partial<IssueRow> = {}) => tellIssue(ctx, issue, action, body, details, patch);
  const remove = removeQuietly;

  return {
    'issues.diff': async (input: CallParsedInput<'issues.diff'>): Promise<IssueDiffDto> => {
      const issue = await requireIssue(ctx.db, input.issue);
      const row = await workspaces.latest(issue.id);
      const empty = { files: [], additions: 0, deletions: 0, commitsAhead: 0, uncommitted: false, fromCommit: null, headCommit: null, patch: null, patchTruncated: false };
      if (!row) return { workspace: null, ...empty };
      const [dto] = await workspaces.dtos([row]);
      // Merged, discarded, missing or broken: no file list at all, never "every file deleted".
      if (row.state !== 'active' || dto.health !== 'ok') return { workspace: dto, ...empty };
      try {
        const diff = await worktreeDiff(row.path, { branch: row.baseBranch, commit: row.baseCommit }, { patch: !input.stat });
        return { workspace: dto, ...diff };
      } catch (err) {
        return { workspace: { ...dto, health: 'broken', problem: `git could not read the worktree: ${(err as Error).message}` }, ...empty };
      }
    },

    'issues.merge': async (input: CallParsedInput<'issues.merge'>): Promise<MergeResultDto> => {
      const issue = await requireIssue(ctx.db, input.issue);
      const row = await requireActive(issue, 'merge');
      await refuseWhileRunning(issue, 'merge');
      await requireHealthy(issue, row);
      let outcome: MergeOutcome;
      try {
        outcome = await mergeWorktree({
          repo: row.repoPath,
          worktree: row.path,
          branch: row.branch,
          baseBranch: row.baseBranch,
          commitMessage: `${issue.identifier}: ${issue.title}\n\nChanges left uncommitted in ${row.branch}, committed by Vigil when merging.`,
          mergeMessage: `Merge ${issue.identifier}: ${issue.title}\n\nBranch ${row.branch}, merged by Vigil.`,
          squashMessage: `${issue.identifier}: ${issue.title}\n\nSquashed from ${row.branch} by Vigil.`,
          strategy: await strategyOf(row, input.strategy),
          journal: { dir: mergeJournalDirOf(ctx.dataDir), issueId: issue.id, workspaceId: row.id },
        });
      } catch (err) {
        throw new ContractError('conflict', `merging ${row.branch} into ${row.baseBranch} failed; what had moved was put back: ${(err as Error).message}`);
      }
      if (outcome.kind === 'conflict' || outcome.kind === 'refused') {
        const message =
          outcome.kind === 'conflict'
            ? `Merging ${row.branch} into ${row.baseBranch} conflicts in ${outcome.files.join(', ') || 'some files'}; nothing was merged and ${row.baseBranch} is as it was. Resolve it in the worktree (or ask the agent to), then merge again.`
            : `Not merged: ${outcome.reason}. ${row.baseBranch} is as it was.`;
        await recordActivity(ctx.db, ctx.workspaceId, { actor: 'user', action: 'issue.merge_refused', entityType: 'issue', entityId: issue.id, details: { outcome: outcome.kind, files: outcome.kind === 'conflict' ? outcome.files.join(', ') : null } });
        const [dto] = await workspaces.dtos([row]);
        return { merged: false, outcome: outcome.kind, commit: null, conflicts: outcome.kind === 'conflict' ? outcome.files : [], message, workspace: dto };
      }
      const { message, closed } = await recordMerged(ctx, workspaces, issue, row, outcome);
      const [dto] = await workspaces.dtos([closed]);
      return { merged: true, outcome: outcome.kind === 'already_merged' ? 'already_merged' : outcome.method, commit: outcome.commit, conflicts: [], message, workspace: dto };
    },

    'issues.discard': async (input: CallParsedInput<'issues.discard'>) => {
      const issue = await requireIssue(ctx.db, input.issue);
      const row = await requireActive(issue, 'discard');
      if (input.confirm !== true) {
        throw new ContractError('invalid_input', `discarding deletes ${row.path} and the branch ${row.branch} with every change in them; confirm it (vigil issue discard ${issue.identifier} --yes)`, 'confirm');
      }
      await refuseWhileRunning(issue, 'discard');
      // The branch (and what is uncommitted) is kept under an archive name before anything goes.
      let kept: Awaited<ReturnType<typeof archiveBranch>>;
      try {
        kept = await archiveBranch(row.repoPath, row.path, row.branch);
      } catch (err) {
        throw new ContractError('conflict', `${row.branch} could not be archived, so nothing was discarded: ${(err as Error).message}`);
      }
      const closed = await workspaces.close(row, 'discarded', null, null, kept ? { archiveBranch: kept.archive, archiveExpiresAt: kept.expiresAt } : {});
      const leftBehind = await remove(row);
      const archived = kept ? ` The work is kept as ${kept.archive} until ${kept.expiresAt.toISOString().slice(0, 10)} (vigil issue restore ${issue.identifier}).` : '';
      await tell(issue, 'issue.discarded', `Discarded the worktree ${row.path} and its branch ${row.branch}.${archived}${leftBehind ? ` But ${leftBehind}.` : ''}`, { branch: row.branch, archive: kept?.archive ?? null });
      return (await workspaces.dtos([closed]))[0];
    },

    'issues.restore': async (input: CallParsedInput<'issues.restore'>) => {
      const issue = await requireIssue(ctx.db, input.issue);
      if (await workspaces.active(issue.id)) throw new ContractError('conflict', `${issue.identifier} already has an active worktree; nothing to restore`);
      const row = await workspaces.latest(issue.id);
      if (!row || row.state !== 'discarded' || !row.archiveBranch) throw new ContractError('not_found', `${issue.identifier} has no discarded branch kept to restore`, 'issue');
      try {
        await restoreArchive(row.repoPath, row.archiveBranch, row.branch);
      } catch (err) {
        throw new ContractError('conflict', `${issue.identifier} could not be restored: ${(err as Error).message}`);
      }
      const restored = await workspaces.reopen(row);
      await tell(issue, 'issue.restored', `Restored ${row.branch} from ${row.archiveBranch}, in the worktree ${restored.path}.`, { branch: row.branch });
      return (await workspaces.dtos([restored]))[0];
    },

    'issues.openWorkspace': async (input: CallParsedInput<'issues.openWorkspace'>) => {
      const issue = await requireIssue(ctx.db, input.issue);
      const row = await requireActive(issue, 'open');
      await requireHealthy(issue, row);
      try {
        return { path: row.path, opened: true, how: await openFolder(row.path, input.with ?? 'files') };
      } catch (err) {
        return { path: row.path, opened: false, how: (err as Error).message };
      }
    },

    'workspaces.list': async () => {
      const { rows, strayFolders } = await workspaces.list();
      return { workspaces: await workspaces.dtos(rows), strayFolders };
    },
  };
}
