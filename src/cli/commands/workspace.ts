// vigil issue diff | merge | restore | discard | open, vigil workspace list: an issue's git worktree.
import type { IssueDiffDto, WorkspaceDto } from '../../shared/contract';
import { AnsweredFailure, oneCall, oneOf, UsageError, type Command } from '../command';
import { shortTime } from '../output';

const counts = (f: IssueDiffDto['files'][number]) => (f.binary ? 'binary' : `+${f.additions ?? 0} -${f.deletions ?? 0}`);

function describeWorkspace(ws: WorkspaceDto): string {
  if (ws.state !== 'active') return `${ws.branch} was ${ws.state}${ws.mergedCommit ? ` (${ws.mergedCommit.slice(0, 10)})` : ''} ${shortTime(ws.closedAt)}; its worktree is gone.`;
  if (ws.health !== 'ok') return `The worktree of ${ws.branch} cannot be read: ${ws.problem}`;
  return `${ws.branch} (from ${ws.baseBranch}) in ${ws.path}`;
}

async function confirmed(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new UsageError('refusing to discard without --yes (stdin is not a terminal to ask on)');
  const rl = process.getBuiltinModule('node:readline/promises').createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export const workspaceCommands: Command[] = [
  {
    name: 'issue diff',
    args: ['ID'],
    options: { stat: { type: 'boolean', help: 'only the changed files with their +/- counts' } },
    summary: "What the issue's worktree changed against its base branch, committed and not.",
    async run(ctx, { args, opts }) {
      const diff = await (await ctx.client()).call('issues.diff', { issue: args.ID, stat: opts.stat === true });
      if (ctx.out.json) return ctx.out.document(diff);
      if (!diff.workspace) return ctx.out.line(`${args.ID} has no worktree (its agent does not work in worktrees, or it has not run yet).`);
      ctx.out.line(describeWorkspace(diff.workspace));
      if (diff.workspace.state !== 'active' || diff.workspace.health !== 'ok') return;
      if (diff.files.length === 0) return ctx.out.line('No changes.');
      const width = Math.max(...diff.files.map((f) => counts(f).length));
      for (const f of diff.files) ctx.out.line(`  ${counts(f).padEnd(width)}  ${f.change.padEnd(8)}  ${f.oldPath ? `${f.oldPath} -> ` : ''}${f.path}`);
      const pending = diff.uncommitted ? ', with uncommitted changes' : '';
      ctx.out.line(`${diff.files.length} file(s), +${diff.additions} -${diff.deletions}; ${diff.commitsAhead} commit(s) ahead${pending}.`);
      if (diff.patch) {
        ctx.out.line();
        await ctx.out.write(Buffer.from(diff.patch));
        if (diff.patchTruncated) ctx.out.line('(diff cut at 2 MiB)');
      }
    },
  },
  {
    name: 'issue merge',
    args: ['ID'],
    options: {
      squash: { type: 'boolean', help: 'one commit with all the changes on the base branch' },
      rebase: { type: 'boolean', help: "the branch's commits replayed on the base branch (linear history)" },
      merge: { type: 'boolean', help: 'always a merge commit, even when a fast-forward is possible' },
      'ff-only': { type: 'boolean', help: 'only a fast-forward; refused when the base branch moved' },
    },
    summary: "Merge the issue's branch into its base branch (committing what the agent left first); default: the agent's --merge, else fast-forward or a merge commit.",
    async run(ctx, { args, opts }) {
      const chosen = (['squash', 'rebase', 'merge', 'ff-only'] as const).filter((k) => opts[k] === true);
      if (chosen.length > 1) throw new UsageError(`choose one of --${chosen.join(', --')}`);
      const strategy = chosen[0] === 'ff-only' ? 'fast_forward' : chosen[0];
      const result = await (await ctx.client()).call('issues.merge', { issue: args.ID, strategy });
      if (ctx.out.json) ctx.out.document(result);
      else if (result.merged) ctx.out.line(result.message);
      if (!result.merged) throw new AnsweredFailure(result.message);
    },
  },
  {
    name: 'issue pr',
    args: ['ID'],
    options: {
      'push-only': { type: 'boolean', help: 'only push the branch to the remote (any remote; gh not needed)' },
      refresh: { type: 'boolean', help: "only read the pull request's state again (gh pr view)" },
    },
    summary: "Push the issue's branch to the repository's remote and open a pull request with gh (title and body from the issue and the agent).",
    async run(ctx, { args, opts }) {
      const client = await ctx.client();
      const result = opts.refresh === true ? await client.call('issues.prRefresh', { issue: args.ID }) : await client.call('issues.pr', { issue: args.ID, pushOnly: opts['push-only'] === true });
      if (ctx.out.json) ctx.out.document(result);
      else ctx.out.line(result.message);
      if (opts['push-only'] !== true && opts.refresh !== true && !result.pr) throw new AnsweredFailure(result.message);
    },
  },
  oneCall('issue restore', ['ID'], "Make a discarded issue's branch and worktree again from its archive (kept 14 days).", { method: 'issues.restore', input: (a) => ({ issue: a.ID }) }, (ws, out) =>
    out.line(`Restored ${ws.branch} in ${ws.path}.`),
  ),
  {
    name: 'issue discard',
    args: ['ID'],
    options: { yes: { type: 'boolean', help: 'do not ask: the worktree, its branch and every change in them are deleted' } },
    summary: "Delete the issue's worktree and branch, with their changes.",
    async run(ctx, { args, opts }) {
      const client = await ctx.client();
      if (opts.yes !== true) {
        const diff = await client.call('issues.diff', { issue: args.ID, stat: true });
        const ws = diff.workspace?.state === 'active' ? diff.workspace : null;
        if (!ws) throw new AnsweredFailure(`${args.ID} has no active worktree to discard`);
        if (!(await confirmed(`Delete ${ws.path} and the branch ${ws.branch}, with ${diff.files.length} changed file(s)?`))) {
          return ctx.out.json ? ctx.out.document({ discarded: false }) : ctx.out.line('Kept.');
        }
      }
      const ws = await client.call('issues.discard', { issue: args.ID, confirm: true });
      if (ctx.out.json) return ctx.out.document(ws);
      ctx.out.line(`Discarded ${ws.branch} and its worktree.${ws.archiveBranch ? ` Kept as ${ws.archiveBranch} until ${ws.archiveExpiresAt?.slice(0, 10)} (vigil issue restore ${args.ID}).` : ''}`);
    },
  },
  {
    name: 'issue open',
    args: ['ID'],
    options: { with: { type: 'string', value: 'editor|terminal|files', help: 'what to open the worktree in (default files)' } },
    summary: "Open the issue's worktree in your editor, a terminal or the file manager.",
    async run(ctx, { args, opts }) {
      const { OpenTarget } = await import('../../shared/contract');
      const target = oneOf(opts, 'with', OpenTarget.options);
      const opened = await (await ctx.client()).call('issues.openWorkspace', { issue: args.ID, with: target });
      if (ctx.out.json) return ctx.out.document(opened);
      if (!opened.opened) throw new AnsweredFailure(`could not open ${opened.path}: ${opened.how}`);
      ctx.out.line(`Opened ${opened.path} (${opened.how}).`);
    },
  },
  {
    name: 'workspace list',
    args: [],
    options: {},
    summary: 'List the active worktrees, those whose issue is gone, and stray folders (nothing is deleted).',
    async run(ctx) {
      const list = await (await ctx.client()).call('workspaces.list', {});
      if (ctx.out.json) return ctx.out.document(list);
      if (list.workspaces.length === 0 && list.strayFolders.length === 0) return ctx.out.line('No worktrees.');
      if (list.workspaces.length > 0) {
        ctx.out.table(
          ['ISSUE', 'BRANCH', 'BASE', 'STATE', 'PATH'],
          list.workspaces.map((w) => [w.issueIdentifier ?? '(issue gone)', w.branch, w.baseBranch, w.health === 'ok' ? w.state : w.health, w.path]),
        );
      }
      for (const folder of list.strayFolders) ctx.out.line(`stray folder (no issue claims it; delete it yourself if it is not needed): ${folder}`);
    },
  },
];
