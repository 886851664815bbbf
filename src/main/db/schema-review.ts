// The review loop's records (docs/workspaces.md): a reviewer's line comments and the check runs
// on an issue's worktree. Part of the schema: exported again by schema.ts.
import { boolean, index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { belongsTo, created, idKey, ts } from './schema-columns';
import { issues } from './schema';

/**
 * A reviewer's remark on one line of an issue's diff (issue 23). Anchored to the path, the line
 * in the worktree as it was, the commit and the snapshot tree it was made on (the tree has the
 * uncommitted changes too), and the line's text; where it stands now is computed by diffing that
 * tree with the worktree's current one. `pending` until Request changes sends it (in the issue
 * comment `sentCommentId`); kept after, outdated or not, for the record.
 */
export const reviewComments = pgTable(
  'review_comments',
  {
    id: idKey(),
    issueId: belongsTo('issue_id', () => issues.id),
    /** The issue_workspaces row whose worktree it was made on. */
    worktreeId: text('worktree_id').notNull(),
    path: text('path').notNull(),
    line: integer('line').notNull(),
    commit: text('commit_sha').notNull(),
    tree: text('tree_sha').notNull(),
    lineText: text('line_text').notNull(),
    body: text('body').notNull(),
    /** pending | sent */
    state: text('state').notNull().default('pending'),
    sentCommentId: text('sent_comment_id'),
    sentAt: ts('sent_at'),
    createdAt: created(),
  },
  (t) => [index('review_comments_issue_idx').on(t.issueId, t.createdAt)],
);

/**
 * One run of an issue's check command in its worktree (issue 23): after a run that changed files.
 * The log is a file in the data folder; the failing lines are kept here for the review queue.
 */
export const checkRuns = pgTable(
  'check_runs',
  {
    id: idKey(),
    issueId: belongsTo('issue_id', () => issues.id),
    /** The agent run whose changes it checked. */
    runId: text('run_id'),
    command: text('command').notNull(),
    /** The worktree's snapshot tree it checked: a run that changed nothing is not checked again. */
    treeSha: text('tree_sha'),
    /** running | passed | failed | timed_out | error */
    status: text('status').notNull().default('running'),
    exitCode: integer('exit_code'),
    logPath: text('log_path'),
    failingLines: text('failing_lines'),
    /** Whether this failure was sent back to the agent (--fix-failed-checks). */
    sentBack: boolean('sent_back').notNull().default(false),
    startedAt: created(),
    finishedAt: ts('finished_at'),
  },
  (t) => [index('check_runs_issue_idx').on(t.issueId, t.startedAt)],
);
