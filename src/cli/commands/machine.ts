// vigil machine list: team mode's machines (one Vigil host each on a shared PostgreSQL server).
import type { Command } from '../command';
import { shortTime } from '../output';

export const machineCommands: Command[] = [
  {
    name: 'machine list',
    args: [],
    options: {},
    summary: 'List the machines sharing this database: online while their Vigil renews its lease.',
    async run(ctx) {
      const machines = await (await ctx.client()).call('machines.list', {});
      if (ctx.out.json) return ctx.out.document(machines);
      if (machines.length === 0) return ctx.out.line('No machines.');
      ctx.out.table(
        ['MACHINE', 'ID', 'STATE', 'AGENTS', 'RUNNING', 'LAST SEEN', 'STARTED'],
        machines.map((m) => [
          m.self ? `${m.name} (this one)` : m.name,
          m.id,
          m.online ? 'online' : m.stoppedAt ? 'offline (stopped)' : 'offline (lease expired)',
          String(m.agents),
          String(m.runningRuns),
          shortTime(m.lastSeenAt),
          shortTime(m.startedAt),
        ]),
      );
    },
  },
];
