// vigil issue create | list | show | comment | request-changes | assign | update
import type { CallInput, IssueDto } from '../../shared/contract';
import { ISSUE_PRIORITIES, ISSUE_STATUSES } from '../../shared/domain-values';
import { oneCall, oneOf, str, UsageError, wholeNumber, type Command } from '../command';
import { bodyFileOption, bodyText } from '../body';
import { readable, shortTime, truncate } from '../output';

const statusOption = { type: 'string', value: 'S', help: `one of ${ISSUE_STATUSES.join(', ')}` } as const;
const priorityOption = { type: 'string', value: 'P', help: `one of ${ISSUE_PRIORITIES.join(', ')}` } as const;

const assigneeOf = (issue: IssueDto) => issue.assigneeAgent ?? issue.assigneeUserId ?? '-';

export const issueCommands: Command[] = [
  {
    name: 'issue create',
    args: ['TITLE...'],
    options: {
      body: { type: 'string', value: 'TEXT', help: 'the description (at most 100,000 characters)' },
      'body-file': bodyFileOption,
      assign: { type: 'string', value: 'AGENT', help: 'assign it to an agent (which wakes it)' },
      priority: priorityOption,
    },
    summary: 'Create an issue.',
    async run(ctx, { args, opts }) {
      const issue = await (await ctx.client()).call('issues.create', {
        title: args.TITLE,
        body: await bodyText(opts, str(opts, 'body'), '--body'),
        assignee: str(opts, 'assign'),
        priority: oneOf(opts, 'priority', ISSUE_PRIORITIES),
      });
      if (ctx.out.json) return ctx.out.document(issue);
      const assigned = issue.assigneeAgent ? `, assigned to ${issue.assigneeAgent}` : '';
      ctx.out.line(`Created ${issue.identifier}: ${issue.title} (${readable(issue.status)}${assigned}).`);
    },
  },
  {
    name: 'issue list',
    args: [],
    options: {
      status: statusOption,
      assignee: { type: 'string', value: 'AGENT', help: 'only issues assigned to this agent' },
      search: { type: 'string', value: 'Q', help: 'only issues whose title or body contains Q' },
      limit: { type: 'string', value: 'N', help: 'at most N issues (default 50, at most 500)' },
    },
    summary: 'List issues, most recently updated first.',
    async run(ctx, { opts }) {
      const page = await (await ctx.client()).call('issues.list', {
        status: oneOf(opts, 'status', ISSUE_STATUSES),
        assignee: str(opts, 'assignee'),
        q: str(opts, 'search'),
        limit: wholeNumber(opts, 'limit', 'a whole number from 1 to 500', 1) ?? 50,
      });
      if (ctx.out.json) return ctx.out.document(page);
      if (page.items.length === 0) return ctx.out.line('No issues.');
      ctx.out.table(
        ['ID', 'STATUS', 'PRIORITY', 'ASSIGNEE', 'UPDATED', 'TITLE'],
        page.items.map((i) => [i.identifier, readable(i.status), i.priority, assigneeOf(i), shortTime(i.updatedAt), truncate(i.title, 60)]),
      );
      if (page.total > page.items.length) ctx.out.line(`(${page.items.length} of ${page.total}; use --limit or filters for more)`);
    },
  },
  oneCall('issue show', ['ID'], 'Show an issue with its comments, runs and escalations.', { method: 'issues.get', input: (a) => ({ issue: a.ID }) }, (issue, out) => {
    out.fields([
      ['Issue', `${issue.identifier}: ${issue.title}`],
      ['Status', readable(issue.status)],
      ['Priority', issue.priority],
      ['Assignee', assigneeOf(issue)],
      ['Run', issue.executionRunId],
      ['Created', shortTime(issue.createdAt)],
      ['Updated', shortTime(issue.updatedAt)],
      ['Completed', issue.completedAt ? shortTime(issue.completedAt) : null],
    ]);
    if (issue.body.trim()) out.line(`\n${issue.body.trimEnd()}`);
    if (issue.escalations.length > 0) {
      out.line('\nEscalations:');
      for (const e of issue.escalations) out.line(`  ${shortTime(e.createdAt)}  ${readable(e.kind)}${e.resolvedAt ? ' (resolved)' : ''}: ${e.message}`);
    }
    if (issue.runs.length > 0) {
      out.line('\nRuns:');
      out.table(
        ['  RUN', 'STATUS', 'AGENT', 'EXIT', 'STARTED'],
        issue.runs.map((r) => [`  ${r.id}`, readable(r.status), r.agent, r.exitCode === null ? '-' : String(r.exitCode), shortTime(r.startedAt)]),
      );
    }
    if (issue.comments.length > 0) {
      out.line('\nComments:');
      for (const c of issue.comments) {
        out.line(`  ${shortTime(c.createdAt)}  ${c.authorName ?? c.authorType}:`);
        for (const text of c.body.trimEnd().split('\n')) out.line(`    ${text}`);
      }
    }
  }),
  {
    name: 'issue comment',
    args: ['ID', '[TEXT...]'],
    options: {
      'body-file': bodyFileOption,
      file: { type: 'string', value: 'PATH', help: "a line comment: the file in the issue's worktree (with --line)" },
      line: { type: 'string', value: 'N', help: 'a line comment: the line of --file, as the worktree has it now' },
    },
    summary: 'Comment on an issue, or on one line of its diff with --file and --line (sent to the agent by request-changes).',
    async run(ctx, { args, opts }) {
      const body = await bodyText(opts, args.TEXT, 'TEXT');
      if (body === undefined) throw new UsageError('missing the comment: give it as TEXT or with --body-file PATH (- reads stdin)');
      const file = str(opts, 'file');
      const line = wholeNumber(opts, 'line', 'a line number (1 or more)', 1);
      if ((file === undefined) !== (line === undefined)) throw new UsageError('a line comment needs both --file PATH and --line N');
      if (file !== undefined && line !== undefined) {
        const remark = await (await ctx.client()).call('issues.lineComment', { issue: args.ID, path: file, line, body });
        if (ctx.out.json) return ctx.out.document(remark);
        return ctx.out.line(`Commented on ${remark.path}:${remark.line} of ${args.ID} (pending: vigil issue request-changes ${args.ID} sends it).`);
      }
      const comment = await (await ctx.client()).call('issues.comment', { issue: args.ID, body });
      if (ctx.out.json) return ctx.out.document(comment);
      ctx.out.line(`Commented on ${args.ID}.`);
    },
  },
  {
    name: 'issue request-changes',
    args: ['ID', '[TEXT...]'],
    options: { 'body-file': bodyFileOption },
    summary: "Send every pending line comment (and TEXT) to the issue's agent as one follow-up turn.",
    async run(ctx, { args, opts }) {
      const body = await bodyText(opts, args.TEXT, 'TEXT');
      const result = await (await ctx.client()).call('issues.requestChanges', { issue: args.ID, body });
      if (ctx.out.json) return ctx.out.document(result);
      ctx.out.line(result.message);
    },
  },
  oneCall('issue assign', ['ID', 'AGENT'], "Assign an issue to an agent (which wakes it); '-' unassigns.", { method: 'issues.assign', input: (a) => ({ issue: a.ID, agent: a.AGENT === '-' ? null : a.AGENT }) }, (issue, out) =>
    out.line(issue.assigneeAgent ? `Assigned ${issue.identifier} to ${issue.assigneeAgent}.` : `Unassigned ${issue.identifier}.`),
  ),
  {
    name: 'issue update',
    args: ['ID'],
    options: {
      status: statusOption,
      title: { type: 'string', value: 'T', help: 'a new title' },
      priority: priorityOption,
      body: { type: 'string', value: 'TEXT', help: 'a new description (at most 100,000 characters)' },
      'body-file': bodyFileOption,
    },
    summary: "Change an issue's status, title, priority or description.",
    async run(ctx, { args, opts }) {
      const change: Omit<CallInput<'issues.update'>, 'issue'> = {
        status: oneOf(opts, 'status', ISSUE_STATUSES),
        title: str(opts, 'title'),
        priority: oneOf(opts, 'priority', ISSUE_PRIORITIES),
        body: await bodyText(opts, str(opts, 'body'), '--body'),
      };
      if (Object.values(change).every((v) => v === undefined)) throw new UsageError('nothing to update: give --status, --title, --priority, --body or --body-file');
      const issue = await (await ctx.client()).call('issues.update', { issue: args.ID, ...change });
      if (ctx.out.json) return ctx.out.document(issue);
      ctx.out.line(`Updated ${issue.identifier} (${readable(issue.status)}, ${issue.priority}).`);
    },
  },
];
