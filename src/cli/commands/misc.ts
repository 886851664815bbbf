// vigil status | wake | escalation list | retry | dismiss
import { controlSocketPath } from '../../node/paths';
import { oneCall, str, type Command } from '../command';
import { currentWebUrl } from './open';
import { readable, shortTime, truncate } from '../output';

export const miscCommands: Command[] = [
  {
    name: 'status',
    args: [],
    options: {},
    summary: 'Show the running host: database, agents, runs, issues, escalations.',
    async run(ctx) {
      const s = await (await ctx.client()).call('host.status', {});
      const web = await currentWebUrl(ctx, s.pid);
      if (ctx.out.json) return ctx.out.document({ ...s, webUrl: web });
      ctx.out.fields([
        ['Vigil', `${s.version}, pid ${s.pid}, up since ${shortTime(s.startedAt)}`],
        ['Open', web ?? 'the desktop app (no browser page)'],
        ['Data dir', s.dataDir],
        ['Socket', controlSocketPath(ctx.dataDir)],
        ['Database', s.database],
        ['Machine', `${s.machineName} (${s.hostId})`],
        ['Agents', `${s.agents.total} (${s.agents.running} running, ${s.agents.paused} paused)`],
        ['Runs', `${s.runs.running} running, ${s.runs.queued} queued${s.runs.detached ? `, ${s.runs.detached} detached` : ''} (at most ${s.globalMaxConcurrentRuns} at once)`],
        ['Issues', `${s.issues.open} open, ${s.issues.blocked} blocked`],
        ['Escalations', `${s.openEscalations} open`],
      ]);
      for (const notice of s.notices) ctx.out.line(`notice: ${notice}`);
    },
  },
  {
    name: 'wake',
    args: ['AGENT'],
    options: {
      reason: { type: 'string', value: 'TEXT', help: 'why (shown in the run)' },
      issue: { type: 'string', value: 'ID', help: 'the issue to work on' },
    },
    summary: 'Wake an agent now (an on-demand heartbeat run).',
    async run(ctx, { args, opts }) {
      const wake = await (await ctx.client()).call('agents.wake', { agent: args.AGENT, reason: str(opts, 'reason'), issue: str(opts, 'issue') });
      if (ctx.out.json) return ctx.out.document(wake);
      const run = wake.runId ? `: run ${wake.runId}` : '';
      ctx.out.line(`Wakeup of ${args.AGENT} ${readable(wake.status)}${run}${wake.reason ? ` (${wake.reason})` : ''}.`);
    },
  },
  {
    name: 'escalation list',
    args: [],
    options: { all: { type: 'boolean', help: 'include resolved escalations' } },
    summary: 'List open escalations: issues Vigil gave up retrying and needs you for.',
    async run(ctx, { opts }) {
      const list = await (await ctx.client()).call('escalations.list', { open: opts.all !== true });
      if (ctx.out.json) return ctx.out.document(list);
      if (list.length === 0) return ctx.out.line(opts.all === true ? 'No escalations.' : 'No open escalations.');
      ctx.out.table(
        ['ESCALATION', 'ISSUE', 'KIND', 'OPENED', 'STATE', 'MESSAGE'],
        list.map((e) => [e.id, e.issueIdentifier, readable(e.kind), shortTime(e.createdAt), e.resolvedAt ? 'resolved' : 'open', truncate(e.message, 70)]),
      );
    },
  },
  oneCall('escalation retry', ['ID'], 'Unblock the issue and dispatch it again with a fresh retry budget.', { method: 'escalations.retry', input: (a) => ({ escalation: a.ID }) }, (e, out) =>
    out.line(`Retrying ${e.issueIdentifier}.`),
  ),
  oneCall('escalation dismiss', ['ID'], 'Close an escalation without retrying.', { method: 'escalations.dismiss', input: (a) => ({ escalation: a.ID }) }, (e, out) =>
    out.line(`Dismissed the escalation of ${e.issueIdentifier}.`),
  ),
];
