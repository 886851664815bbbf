// vigil run list | show | logs | cancel
import type { RunDto } from '../../shared/contract';
import { RUN_ERROR_EXPLANATIONS, RUN_STATUSES } from '../../shared/domain-values';
import { oneCall, oneOf, str, wholeNumber, type Command } from '../command';
import { bytes, duration, readable, shortTime, truncate } from '../output';
import { streamRunLog } from '../run-log-stream';
import { formatUsd } from '../../shared/money';

const exitOf = (run: RunDto) => (run.exitCode !== null ? String(run.exitCode) : (run.signal ?? '-'));

export const runCommands: Command[] = [
  {
    name: 'run list',
    args: [],
    options: {
      agent: { type: 'string', value: 'NAME', help: "only this agent's runs" },
      status: { type: 'string', value: 'S', help: `one of ${RUN_STATUSES.join(', ')}` },
      issue: { type: 'string', value: 'ID', help: "only this issue's runs" },
      limit: { type: 'string', value: 'N', help: 'at most N runs (default 50, at most 500)' },
    },
    summary: 'List runs, newest first.',
    async run(ctx, { opts }) {
      const page = await (await ctx.client()).call('runs.list', {
        agent: str(opts, 'agent'),
        status: oneOf(opts, 'status', RUN_STATUSES),
        issue: str(opts, 'issue'),
        limit: wholeNumber(opts, 'limit', 'a whole number from 1 to 500', 1) ?? 50,
      });
      if (ctx.out.json) return ctx.out.document(page);
      if (page.items.length === 0) return ctx.out.line('No runs.');
      ctx.out.table(
        ['RUN', 'STATUS', 'AGENT', 'ISSUE', 'SOURCE', 'EXIT', 'STARTED', 'DURATION'],
        page.items.map((r) => [
          r.id,
          readable(r.status),
          r.agent,
          r.issueIdentifier ?? '-',
          readable(r.invocationSource),
          exitOf(r),
          shortTime(r.startedAt ?? r.createdAt),
          duration(r.startedAt, r.finishedAt),
        ]),
      );
      if (page.total > page.items.length) ctx.out.line(`(${page.items.length} of ${page.total}; use --limit or filters for more)`);
    },
  },
  oneCall('run show', ['RUN'], 'Show a run: its outcome in plain words, its retries and its events.', { method: 'runs.get', input: (a) => ({ run: a.RUN }) }, (run, out) => {
    const usage = run.usage;
    out.fields([
      ['Run', run.id],
      ['Status', readable(run.status)],
      ['Agent', run.agent],
      ['Issue', run.issueIdentifier],
      ['Source', `${readable(run.invocationSource)}${run.triggerDetail ? ` (${run.triggerDetail})` : ''}`],
      ['Wake reason', run.wakeReason],
      ['Retry reason', run.retryReason ? readable(run.retryReason) : null],
      ['Exit code', run.exitCode],
      ['Signal', run.signal],
      ['Error code', run.errorCode],
      ['Explanation', run.errorExplanation ?? (run.errorCode ? RUN_ERROR_EXPLANATIONS[run.errorCode] : null)],
      ['Error', run.error],
      ['Pid', run.processPid],
      ['Started', shortTime(run.startedAt)],
      ['Finished', run.finishedAt ? shortTime(run.finishedAt) : null],
      ['Duration', duration(run.startedAt, run.finishedAt)],
      ['Log', run.logPruned ? 'pruned (log retention)' : bytes(run.logBytes)],
      ['Last output', run.lastOutputLine ? truncate(run.lastOutputLine, 100) : null],
      ['Usage', usage ? [usage.model, usage.inputTokens !== undefined ? `${usage.inputTokens} in` : null, usage.outputTokens !== undefined ? `${usage.outputTokens} out` : null, usage.costUsd !== undefined ? formatUsd(usage.costUsd) : null].filter(Boolean).join(', ') : null],
      ['Retry of', run.retryOf ? `${run.retryOf.id} (${readable(run.retryOf.status)})` : null],
      ['Retried by', run.retriedBy.length ? run.retriedBy.map((r) => `${r.id} (${readable(r.status)})`).join(', ') : null],
    ]);
    if (run.events.length > 0) {
      out.line('\nEvents:');
      out.table(
        ['  TIME', 'EVENT', 'MESSAGE'],
        run.events.map((e) => [`  ${shortTime(e.createdAt)}`, e.type, e.message ? truncate(e.message, 100) : '']),
      );
    }
  }),
  {
    name: 'run logs',
    args: ['RUN'],
    options: {
      follow: { type: 'boolean', help: 'keep printing live output until the run ends' },
      tail: { type: 'string', value: 'BYTES', help: 'start BYTES before the end' },
    },
    summary: "Print a run's raw output (terminal bytes, ANSI included).",
    async run(ctx, { args, opts }) {
      const client = await ctx.client();
      const tail = wholeNumber(opts, 'tail', 'a whole number of bytes', 1);
      const collected: Buffer[] = [];
      // --json gathers everything into one document; otherwise bytes go out as they come.
      const write = ctx.out.json ? async (b: Buffer) => void collected.push(Buffer.from(b)) : (b: Buffer) => ctx.out.write(b);
      const result = await streamRunLog(client, args.RUN, { follow: opts.follow === true, tail }, write);
      if (result.pruned && !ctx.out.json) {
        throw new Error(`the log of run ${result.runId} was pruned by log retention`);
      }
      if (ctx.out.json) {
        ctx.out.document({ runId: result.runId, offset: result.offset, totalBytes: result.end, pruned: result.pruned, data: Buffer.concat(collected).toString('base64') });
      }
    },
  },
  oneCall('run cancel', ['RUN'], 'Cancel a queued or running run (stops its whole process group).', { method: 'runs.cancel', input: (a) => ({ run: a.RUN }) }, (run, out) =>
    out.line(`Run ${run.id}: ${readable(run.status)}.`),
  ),
];
