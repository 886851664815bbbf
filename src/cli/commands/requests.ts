// vigil run requests | answer, vigil agent rules | unrule (issue 21): what live agents ask, and
// the answers a person gives from the shell.
import type { CallInput, RequestDto } from '../../shared/contract';
import { oneCall, str, UsageError, wholeNumber, type Command } from '../command';
import { readable, shortTime, truncate } from '../output';

/** The one decision the flags name; exactly one is required. */
export function decisionOf(opts: Record<string, unknown>): Omit<CallInput<'requests.answer'>, 'request' | 'run'> {
  const given = ['allow', 'allow-always', 'deny', 'text', 'option'].filter((k) => opts[k] !== undefined && opts[k] !== false);
  if (given.length !== 1) {
    throw new UsageError(given.length === 0 ? 'say how to answer: --allow, --allow-always, --deny MSG, --text T or --option N' : `give one answer, not ${given.map((g) => `--${g}`).join(' and ')}`);
  }
  switch (given[0]) {
    case 'allow':
      return { decision: 'allow' };
    case 'allow-always':
      return { decision: 'allow_always' };
    case 'deny':
      return { decision: 'deny', message: opts.deny as string };
    case 'text':
      return { decision: 'answer', text: opts.text as string };
    default:
      return { decision: 'answer', option: wholeNumber(opts as never, 'option', 'an option number from 1', 1) };
  }
}

function describe(r: RequestDto): string[] {
  const lines = [`${r.kind === 'question' ? 'Question' : 'Permission'} ${r.id} from ${r.agent}${r.issueIdentifier ? ` on ${r.issueIdentifier}` : ''} (run ${r.runId}): ${readable(r.status)}`];
  if (r.question) lines.push(`  ${r.question}`);
  r.options.forEach((o, i) => lines.push(`    ${i + 1}. ${o}`));
  if (r.command) lines.push(`  $ ${r.command}`);
  else if (r.kind === 'permission') lines.push(`  ${r.summary}`);
  if (r.filePath && !r.command) lines.push(`  file: ${r.filePath}`);
  if (r.answer) lines.push(`  answer: ${r.answer.text ?? readable(r.answer.decision)}${r.answer.message ? ` (${r.answer.message})` : ''}`);
  else lines.push(`  expires ${shortTime(r.expiresAt)}`);
  return lines;
}

export const requestCommands: Command[] = [
  {
    name: 'run requests',
    args: [],
    options: {
      run: { type: 'string', value: 'RUN', help: "only this run's requests" },
      all: { type: 'boolean', help: 'answered and expired ones too (newest first, after those waiting)' },
    },
    summary: 'List what live agents ask: permissions and questions waiting for you, oldest first.',
    async run(ctx, { opts }) {
      const items = await (await ctx.client()).call('requests.list', { run: str(opts, 'run'), pendingOnly: opts.all !== true });
      if (ctx.out.json) return ctx.out.document(items);
      if (items.length === 0) return ctx.out.line(opts.all ? 'No requests.' : 'Nothing waits for you.');
      ctx.out.table(
        ['REQUEST', 'STATUS', 'AGENT', 'ISSUE', 'RUN', 'ASKS', 'SINCE'],
        items.map((r) => [r.id, readable(r.status), r.agent, r.issueIdentifier ?? '-', r.runId, truncate(r.summary, 60), shortTime(r.createdAt)]),
      );
    },
  },
  {
    name: 'run answer',
    args: ['RUN'],
    options: {
      request: { type: 'string', value: 'ID', help: 'this request (default: the oldest one RUN waits on)' },
      allow: { type: 'boolean', help: 'allow it once' },
      'allow-always': { type: 'boolean', help: "allow it, and keep a rule on the agent so it is not asked again (see 'vigil agent rules')" },
      deny: { type: 'string', value: 'MSG', help: 'deny it; the agent reads MSG' },
      text: { type: 'string', value: 'T', help: "a question's answer in your words" },
      option: { type: 'string', value: 'N', help: "a question's option, by its number" },
    },
    summary: "Answer what a live run's agent asks (a permission or a question); the agent goes on at once.",
    async run(ctx, { args, opts }) {
      const decision = decisionOf(opts);
      const request = str(opts, 'request');
      const answered = await (await ctx.client()).call('requests.answer', { ...decision, ...(request ? { request } : { run: args.RUN }) });
      if (ctx.out.json) return ctx.out.document(answered);
      for (const line of describe(answered)) ctx.out.line(line);
    },
  },
  {
    name: 'agent rules',
    args: [],
    options: { agent: { type: 'string', value: 'NAME', help: "only this agent's rules" } },
    summary: 'List the "allow always" rules kept on agents.',
    async run(ctx, { opts }) {
      const rules = await (await ctx.client()).call('agentRules.list', { agent: str(opts, 'agent') });
      if (ctx.out.json) return ctx.out.document(rules);
      if (rules.length === 0) return ctx.out.line('No rules: every tool call that needs approval is asked.');
      ctx.out.table(
        ['RULE', 'AGENT', 'TOOL', 'ALLOWS', 'SINCE'],
        rules.map((r) => [r.id, r.agent, r.tool, r.command ?? 'every use', shortTime(r.createdAt)]),
      );
    },
  },
  oneCall('agent unrule', ['RULE'], 'Remove an "allow always" rule: the agent is asked again.', { method: 'agentRules.remove', input: (a) => ({ rule: a.RULE }) }, (removed, out) =>
    out.line(`Removed rule ${removed.id}.`),
  ),
];
