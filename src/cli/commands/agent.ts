// vigil agent add | list | show | pause | resume | remove | update
import type { Client } from '../client';
import type { AgentDto, CallInput } from '../../shared/contract';
import { ADAPTER_TYPES, WORKSPACE_MODES } from '../../shared/domain-values';
import { defined, envNames, envPairs, oneCall, oneOf, secondsOrOff, str, UsageError, wholeNumber, type Command, type Context, type OptionSpec, type OptionValues } from '../command';
import { readable, seconds, shortTime } from '../output';
import { applyBudget, BUDGET_OPTIONS, budgetFields, budgetInput, budgetWords } from './budget-options';
const { resolve } = process.getBuiltinModule('node:path');

const FIELD_OPTIONS: Record<string, OptionSpec> = {
  command: { type: 'string', value: 'CMD', help: 'shell command of a process agent (run with sh -c in a pty)' },
  cwd: { type: 'string', value: 'DIR', help: 'working folder of its runs' },
  workspace: { type: 'string', value: 'worktree|none', help: 'worktree: each issue in a git worktree of the repository at --cwd (default none)' },
  merge: { type: 'string', value: 'S', help: "how its issues merge: auto (fast-forward, else a merge commit), fast-forward, merge, squash or rebase ('-' clears)" },
  check: { type: 'string', value: 'CMD', help: "a check run in the worktree after each run that changed files, e.g. \"npm test\" ('-' clears)" },
  'fix-failed-checks': { type: 'string', value: 'N', help: 'send a failed check back to the agent with its output, at most N times per issue' },
  setup: { type: 'string', value: 'CMD', help: "run in a new worktree before its first run, e.g. \"npm ci\" ('-' clears)" },
  role: { type: 'string', value: 'ROLE', help: 'role shown to the agent (default engineer)' },
  interval: { type: 'string', value: 'SECONDS', help: "heartbeat timer: wake every SECONDS ('off': never)" },
  timeout: { type: 'string', value: 'SECONDS', help: "kill a run after SECONDS ('off': no timeout)" },
  'max-concurrent': { type: 'string', value: 'N', help: 'runs of this agent at once (default 1)' },
  'answer-timeout': { type: 'string', value: 'SEC', help: 'deny a request of its runs nobody answers within SEC seconds (default 1800)' },
  model: { type: 'string', value: 'M', help: "model for a coding agent's CLI (its --model; amp_local: its --mode)" },
  env: { type: 'string', multiple: true, value: 'KEY=VALUE', help: 'environment of its runs; every value is a secret, masked and redacted (repeatable; update replaces the whole set)' },
  'env-public': { type: 'string', multiple: true, value: 'NAME', help: 'this env name is not a secret: shown and not redacted (repeatable; update replaces the set)' },
  machine: { type: 'string', value: 'NAME', help: "team mode: the machine whose Vigil runs it (default: the one it is added on; see vigil machine list)" },
};

type AgentFields = Omit<CallInput<'agents.create'>, 'name' | 'adapterType'>;

function agentFields(opts: OptionValues): AgentFields {
  const cwd = str(opts, 'cwd');
  const fields: AgentFields = {
    command: str(opts, 'command'),
    // The host runs elsewhere: a relative folder means relative to where the user typed it.
    cwd: cwd === undefined ? undefined : resolve(cwd),
    role: str(opts, 'role'),
    heartbeatIntervalSec: secondsOrOff(opts, 'interval'),
    timeoutSec: secondsOrOff(opts, 'timeout'),
    maxConcurrentRuns: wholeNumber(opts, 'max-concurrent', 'a whole number of at least 1', 1),
    answerTimeoutSec: wholeNumber(opts, 'answer-timeout', 'a whole number of seconds, at least 10', 10),
    model: str(opts, 'model'),
    env: envPairs(opts),
    workspace: oneOf(opts, 'workspace', WORKSPACE_MODES),
    machine: str(opts, 'machine'),
    envPublic: envNames(opts, 'env-public'),
    mergeStrategy: mergeStrategyOf(str(opts, 'merge')),
    check: clearable(str(opts, 'check')),
    fixFailedChecks: wholeNumber(opts, 'fix-failed-checks', 'a whole number from 0 to 20'),
    setup: clearable(str(opts, 'setup')),
  };
  return defined(fields);
}

const clearable = (v: string | undefined) => (v === '-' ? null : v);

const STRATEGIES = ['auto', 'fast-forward', 'merge', 'squash', 'rebase'] as const;
function mergeStrategyOf(v: string | undefined): AgentFields['mergeStrategy'] {
  if (v === undefined) return undefined;
  if (v === '-') return null;
  if (!(STRATEGIES as readonly string[]).includes(v)) throw new UsageError(`--merge must be one of ${STRATEGIES.join(', ')}, got '${v}'`);
  return v === 'fast-forward' ? 'fast_forward' : (v as Exclude<AgentFields['mergeStrategy'], null | undefined>);
}

function showAgent(ctx: Context, agent: AgentDto): void {
  const env = Object.entries(agent.env).map(([k, v]) => `${k}=${v}${agent.envPublic.includes(k) ? '' : ' (secret)'}`);
  ctx.out.fields([
    ['Agent', agent.name],
    ['Id', agent.id],
    ['Status', readable(agent.status)],
    ['Adapter', agent.adapterType],
    ['Role', agent.role],
    ['Command', agent.command],
    ['Args', agent.args.length ? agent.args.join(' ') : null],
    ['Cwd', agent.cwd],
    ['Workspace', agent.workspace === 'worktree' ? 'a git worktree per issue' : null],
    ['Model', agent.model],
    ['Env', env.length ? env.join(' ') : null],
    ['Interval', agent.heartbeatIntervalSec === null ? 'off' : seconds(agent.heartbeatIntervalSec)],
    ['Timeout', agent.timeoutSec === null ? 'none' : seconds(agent.timeoutSec)],
    ['Max concurrent', agent.maxConcurrentRuns],
    ['Answer timeout', seconds(agent.answerTimeoutSec)],
    ['Machine', machineWords(agent)],
    ['Runs', `${agent.totalRuns} total, ${agent.failedRuns} failed, ${agent.runningRuns} running`],
    ['Last heartbeat', shortTime(agent.lastHeartbeatAt)],
    ['Created', shortTime(agent.createdAt)],
  ]);
}

const machineWords = (a: AgentDto) => (a.machine ?? a.machineId ?? '-') + (a.machineId && !a.machineOnline ? ' (offline)' : '');

/** pause / resume: one agent, one call, one sentence. */
function simple(name: 'pause' | 'resume', summary: string, done: string): Command {
  const method = name === 'pause' ? 'agents.pause' : 'agents.resume';
  return oneCall(`agent ${name}`, ['NAME'], summary, { method, input: (a) => ({ agent: a.NAME }) }, (agent, out) => {
    // Pausing is a record every host reads: it holds for an offline machine when it is back.
    const offline = agent.machineId && !agent.machineOnline ? `; its machine ${agent.machine ?? agent.machineId} is offline and picks this up when it is back` : '';
    out.line(`${done} agent ${agent.name} (${readable(agent.status)}${offline}).`);
  });
}

/**
 * agent add's --adapter option. Its full help (each adapter with what Vigil can do for it) needs
 * the adapters' modules: main.ts fills it in from adapter-help.ts only when help is asked for.
 */
export const ADAPTER_OPTION: OptionSpec = { type: 'string', required: true, value: 'TYPE', help: `how its runs start, one of: ${ADAPTER_TYPES.join(', ')}` };

export const agentCommands: Command[] = [
  {
    name: 'agent add',
    args: ['NAME'],
    options: {
      adapter: ADAPTER_OPTION,
      ...FIELD_OPTIONS,
      ...BUDGET_OPTIONS,
    },
    summary: 'Add an agent.',
    async run(ctx, { args, opts }) {
      const adapterType = oneOf(opts, 'adapter', ADAPTER_TYPES) as (typeof ADAPTER_TYPES)[number];
      if (adapterType === 'process' && str(opts, 'command') === undefined) throw new UsageError('missing --command: the process adapter needs --command CMD');
      if (adapterType === 'acp' && str(opts, 'command') === undefined) throw new UsageError("missing --command: the acp adapter needs the agent's ACP command line, e.g. --command 'gemini --experimental-acp'");
      const budget = budgetInput(opts);
      const client = await ctx.client();
      const agent = await client.call('agents.create', { name: args.NAME, adapterType, ...agentFields(opts) });
      const set = budget ? await applyBudget(client, agent.name, budget) : null;
      if (ctx.out.json) return ctx.out.document(agent);
      ctx.out.line(`Added agent ${agent.name} (${agent.adapterType}${agent.command ? `: ${agent.command}` : ''}) on machine ${agent.machine ?? agent.machineId}.`);
      if (set) ctx.out.line(`Budget: ${budgetWords(set)}.`);
      await printChecks(ctx, client, agent.name);
    },
  },
  {
    name: 'agent list',
    args: [],
    options: {},
    summary: 'List the agents.',
    async run(ctx) {
      const agents = await (await ctx.client()).call('agents.list', {});
      if (ctx.out.json) return ctx.out.document(agents);
      if (agents.length === 0) return ctx.out.line('No agents. Add one with: vigil agent add NAME --adapter process --command CMD');
      ctx.out.table(
        ['NAME', 'STATUS', 'MACHINE', 'ADAPTER', 'RUNS', 'FAILED', 'RUNNING', 'INTERVAL', 'LAST HEARTBEAT'],
        agents.map((a) => [
          a.name,
          readable(a.status),
          machineWords(a),
          a.adapterType,
          String(a.totalRuns),
          String(a.failedRuns),
          String(a.runningRuns),
          a.heartbeatIntervalSec === null ? 'off' : seconds(a.heartbeatIntervalSec),
          shortTime(a.lastHeartbeatAt),
        ]),
      );
    },
  },
  {
    name: 'agent show',
    args: ['NAME'],
    options: {},
    summary: 'Show one agent.',
    async run(ctx, { args }) {
      const client = await ctx.client();
      const agent = await client.call('agents.get', { agent: args.NAME });
      if (ctx.out.json) return ctx.out.document(agent);
      showAgent(ctx, agent);
      ctx.out.fields(await budgetFields(client, agent));
    },
  },
  simple('pause', 'Pause an agent: no new runs start (running ones finish).', 'Paused'),
  simple('resume', 'Resume a paused agent.', 'Resumed'),
  oneCall('agent remove', ['NAME'], 'Remove an agent (its runs stay in the history).', { method: 'agents.remove', input: (a) => ({ agent: a.NAME }) }, (_removed, out, a) =>
    out.line(`Removed agent ${a.NAME}.`),
  ),
  {
    name: 'agent update',
    args: ['NAME'],
    options: { ...FIELD_OPTIONS, ...BUDGET_OPTIONS },
    summary: 'Change an agent: only the options given change.',
    async run(ctx, { args, opts }) {
      const patch = agentFields(opts);
      const budget = budgetInput(opts);
      if (Object.keys(patch).length === 0 && !budget) {
        throw new UsageError(`nothing to update: give at least one of ${Object.keys({ ...FIELD_OPTIONS, ...BUDGET_OPTIONS }).map((o) => `--${o}`).join(', ')}`);
      }
      const client = await ctx.client();
      let agent = Object.keys(patch).length > 0 ? await client.call('agents.update', { agent: args.NAME, patch }) : null;
      // Raising a budget may resume the agent: the answer shows it as it is after.
      const set = budget ? await applyBudget(client, args.NAME, budget) : null;
      if (set) agent = await client.call('agents.get', { agent: args.NAME });
      if (ctx.out.json) return ctx.out.document(agent);
      ctx.out.line(`Updated agent ${agent!.name}${set ? ` (budget: ${budgetWords(set)}; ${readable(agent!.status)})` : ''}.`);
      await printChecks(ctx, client, agent!.name);
    },
  },
];

/** What the host found about the agent's setup that does not stop it from being saved. */
async function printChecks(ctx: Context, client: Client, agent: string): Promise<void> {
  const result = await client.call('agents.check', { agent });
  if (result.offline) ctx.out.line(`Not checked: ${result.offline}.`);
  const where = result.checkedOn ? ` (checked on ${result.checkedOn}, the machine that runs it)` : '';
  for (const check of result.checks) ctx.out.line(`warning: ${check.problem}; ${check.fix}${where}.`);
}
