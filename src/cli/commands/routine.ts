// vigil routine add | list | pause | resume | remove: issues an agent gets on a schedule.
import type { RoutineDto } from '../../shared/contract';
import { oneCall, str, UsageError, type Command } from '../command';
import { shortTime } from '../output';
const { readFileSync } = process.getBuiltinModule('node:fs');
const { resolve } = process.getBuiltinModule('node:path');

function readBody(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(resolve(file), 'utf8');
  } catch (err) {
    throw new UsageError(`--body-file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

const when = (r: RoutineDto) => (r.enabled ? (r.nextDueAt ? shortTime(r.nextDueAt) : 'never') : 'paused');

/** pause / resume: one routine, one call, one sentence. */
function simple(name: 'pause' | 'resume', summary: string): Command {
  const method = name === 'pause' ? 'routines.pause' : 'routines.resume';
  return oneCall(`routine ${name}`, ['ID'], summary, { method, input: (a) => ({ routine: a.ID }) }, (r, out) =>
    out.line(`${name === 'pause' ? 'Paused' : 'Resumed'} routine "${r.title}" (next: ${when(r)}).`),
  );
}

export const routineCommands: Command[] = [
  {
    name: 'routine add',
    args: [],
    options: {
      agent: { type: 'string', required: true, value: 'NAME', help: 'the agent each firing assigns an issue to (and wakes)' },
      cron: { type: 'string', required: true, value: 'EXPR', help: 'when, as a cron expression: "0 9 * * 1-5" is weekdays at 9:00' },
      title: { type: 'string', required: true, value: 'TEXT', help: 'title of the issue each firing creates' },
      'body-file': { type: 'string', value: 'FILE', help: 'the issue body, read from FILE' },
      tz: { type: 'string', value: 'ZONE', help: "IANA time zone of the cron expression (default: this machine's)" },
    },
    summary: 'Add a routine: an issue for an agent at each due time.',
    async run(ctx, { opts }) {
      const body = readBody(str(opts, 'body-file'));
      const r = await (await ctx.client()).call('routines.create', {
        agent: str(opts, 'agent')!,
        cron: str(opts, 'cron')!,
        title: str(opts, 'title')!,
        ...(body !== undefined ? { body } : {}),
        ...(str(opts, 'tz') ? { timezone: str(opts, 'tz') } : {}),
      });
      if (ctx.out.json) return ctx.out.document(r);
      ctx.out.line(`Added routine ${r.id} for ${r.agent}: "${r.title}" at "${r.cron}" (${r.timezone}); next ${r.nextDueAt}.`);
    },
  },
  {
    name: 'routine list',
    args: [],
    options: { agent: { type: 'string', value: 'NAME', help: "only this agent's routines" } },
    summary: 'List the routines.',
    async run(ctx, { opts }) {
      const agent = str(opts, 'agent');
      const rows = await (await ctx.client()).call('routines.list', agent ? { agent } : {});
      if (ctx.out.json) return ctx.out.document(rows);
      if (rows.length === 0) return ctx.out.line('No routines. Add one with: vigil routine add --agent NAME --cron "0 9 * * 1-5" --title TEXT');
      ctx.out.table(
        ['ID', 'AGENT', 'TITLE', 'CRON', 'ZONE', 'NEXT', 'LAST FIRED'],
        rows.map((r) => [r.id, r.agent, r.title, r.cron, r.timezone, when(r), shortTime(r.lastFiredAt)]),
      );
    },
  },
  simple('pause', 'Pause a routine: it does not fire until resumed (missed due times are not made up).'),
  simple('resume', 'Resume a routine: it fires next at its next due time from now.'),
  oneCall('routine remove', ['ID'], 'Remove a routine (the issues it made stay).', { method: 'routines.remove', input: (a) => ({ routine: a.ID }) }, (removed, out) =>
    out.line(`Removed routine ${removed.id}.`),
  ),
];
