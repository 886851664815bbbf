// The agent verbs of the contract.
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { CallOutput, CallParsedInput } from '../../shared/contract';
import { ACTIVE_RUN_STATUSES, LIVE_RUN_STATUSES, MASKED_SECRET, type AdapterType } from '../../shared/domain';
import { ContractError } from '../../shared/errors';
import { agentRuntimeState, agents, heartbeatRuns, type AdapterConfig, type RuntimeConfig } from '../db/schema';
import type { HeartbeatEngine } from '../heartbeat/engine';
import { repositoryRoot, WorkspaceError } from '../workspaces/worktree';
import { checkOnItsMachine, refuseBlocking } from './agent-checks';
import { newId, recordActivity, type ServiceContext } from '../context';
import type { AgentRow } from '../views/dto';
import { agentDtos, loadAgentDto, requireAgent, requireIssue } from '../views/lookup';
import { loadMachines, offlineWords, requireMachine } from './machines';

type AgentFields = CallParsedInput<'agents.update'>['patch'];

function configOf(input: AgentFields, base: { adapter: AdapterConfig; runtime: RuntimeConfig }) {
  const adapter: AdapterConfig = { ...base.adapter };
  if (input.command !== undefined) adapter.command = input.command;
  if (input.cwd !== undefined) adapter.cwd = input.cwd;
  if (input.model !== undefined) adapter.model = input.model;
  if (input.args !== undefined) adapter.args = input.args;
  if (input.workspace !== undefined) adapter.workspace = input.workspace;
  // issue 23: null clears.
  for (const key of ['mergeStrategy', 'check', 'fixFailedChecks', 'setup'] as const) {
    if (input[key] === null) delete adapter[key];
    else if (input[key] !== undefined) (adapter as Record<string, unknown>)[key] = input[key];
  }
  const runtime: RuntimeConfig = { ...base.runtime };
  if (input.heartbeatIntervalSec !== undefined) runtime.heartbeatIntervalSec = input.heartbeatIntervalSec;
  if (input.timeoutSec !== undefined) runtime.timeoutSec = input.timeoutSec;
  if (input.maxConcurrentRuns !== undefined) runtime.maxConcurrentRuns = input.maxConcurrentRuns;
  if (input.answerTimeoutSec !== undefined) runtime.answerTimeoutSec = input.answerTimeoutSec;
  runtime.maxConcurrentRuns ??= 1;
  return { adapter, runtime };
}

/** An agent that works in worktrees needs a git repository at its folder: said now, not at its first run. */
async function checkWorkspace(adapter: AdapterConfig, field: string): Promise<void> {
  if (adapter.workspace !== 'worktree') return;
  if (!adapter.cwd) throw new ContractError('invalid_input', '--workspace worktree needs --cwd: the git repository to make worktrees of', `${field}cwd`);
  try {
    await repositoryRoot(adapter.cwd);
  } catch (err) {
    if (err instanceof WorkspaceError) throw new ContractError('invalid_input', `--workspace worktree needs a git repository: ${err.message}`, `${field}cwd`);
    throw err;
  }
}

/** A masked value sent back unchanged keeps the stored secret; anything else replaces it. */
function mergeEnv(stored: Record<string, string>, incoming: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(incoming)) out[k] = v === MASKED_SECRET && k in stored ? stored[k] : v;
  return out;
}

export function agentHandlers(ctx: ServiceContext, engine: HeartbeatEngine, onChange: () => void) {
  const refuseWithActiveRuns = async (agent: AgentRow, what: string) => {
    const active = await ctx.db
      .select({ id: heartbeatRuns.id })
      .from(heartbeatRuns)
      .where(and(eq(heartbeatRuns.agentId, agent.id), inArray(heartbeatRuns.status, [...ACTIVE_RUN_STATUSES])));
    if (active.length > 0) {
      throw new ContractError('conflict', `agent "${agent.name}" has ${active.length} queued or running run(s); cancel them or pause the agent first, then ${what}`);
    }
  };
  const emit = async (id: string) => {
    ctx.events.emit('agent.updated', await loadAgentDto(ctx.db, id));
    onChange();
  };
  const setStatus = async (ref: string, paused: boolean): Promise<CallOutput<'agents.pause'>> => {
    const agent = await requireAgent(ctx.db, ctx.workspaceId, ref);
    const running = await ctx.db
      .select({ id: heartbeatRuns.id })
      .from(heartbeatRuns)
      .where(and(eq(heartbeatRuns.agentId, agent.id), inArray(heartbeatRuns.status, [...LIVE_RUN_STATUSES])));
    const status = paused ? 'paused' : running.length > 0 ? 'running' : 'idle';
    await ctx.db.update(agents).set({ status, updatedAt: new Date() }).where(eq(agents.id, agent.id));
    await recordActivity(ctx.db, ctx.workspaceId, {
      actor: 'user',
      action: paused ? 'agent.paused' : 'agent.resumed',
      entityType: 'agent',
      entityId: agent.id,
    });
    await emit(agent.id);
    if (!paused) engine.pump();
    return loadAgentDto(ctx.db, agent.id);
  };

  return {
    'agents.list': async () => agentDtos(ctx.db, await ctx.db.select().from(agents).where(eq(agents.workspaceId, ctx.workspaceId)).orderBy(asc(agents.name))),
    'agents.get': async (input: CallParsedInput<'agents.get'>) => loadAgentDto(ctx.db, (await requireAgent(ctx.db, ctx.workspaceId, input.agent)).id),
    'agents.create': async (input: CallParsedInput<'agents.create'>) => {
      const existing = await ctx.db.select({ id: agents.id }).from(agents).where(and(eq(agents.workspaceId, ctx.workspaceId), eq(agents.name, input.name)));
      if (existing.length > 0) throw new ContractError('conflict', `an agent named "${input.name}" already exists`, 'name');
      const { adapter, runtime } = configOf(input, { adapter: {}, runtime: {} });
      const machineId = input.machine ? (await requireMachine(ctx.db, input.machine, 'machine')).id : ctx.machineId;
      // Checked where it runs (team mode: that machine's host is asked; offline, it checks when it runs).
      const local = machineId === ctx.machineId;
      const found = await checkOnItsMachine(ctx, machineId, { adapterType: input.adapterType, command: adapter.command, cwd: adapter.cwd, env: input.env, worktree: adapter.workspace === 'worktree' });
      refuseBlocking(found.checks, '', found.checkedOn);
      if (local) await checkWorkspace(adapter, '');
      const id = newId();
      await ctx.db.transaction(async (tx) => {
        await tx.insert(agents).values({
          id,
          workspaceId: ctx.workspaceId,
          name: input.name,
          role: input.role ?? 'engineer',
          adapterType: input.adapterType,
          adapterConfig: adapter,
          runtimeConfig: runtime,
          env: input.env ?? {},
          machineId,
          envPublic: input.envPublic ?? [],
        });
        await tx.insert(agentRuntimeState).values({ agentId: id });
        await recordActivity(tx, ctx.workspaceId, {
          actor: 'user',
          action: 'agent.created',
          entityType: 'agent',
          entityId: id,
          details: { name: input.name, adapterType: input.adapterType, machineId },
        });
      });
      await emit(id);
      return loadAgentDto(ctx.db, id);
    },
    'agents.update': async (input: CallParsedInput<'agents.update'>) => {
      const agent = await requireAgent(ctx.db, ctx.workspaceId, input.agent);
      const { adapter, runtime } = configOf(input.patch, { adapter: agent.adapterConfig, runtime: agent.runtimeConfig });
      if ((agent.adapterType === 'process' || agent.adapterType === 'acp') && !adapter.command) throw new ContractError('invalid_input', `the ${agent.adapterType} adapter needs a command`, 'patch.command');
      let machineId = agent.machineId;
      if (input.patch.machine) {
        machineId = (await requireMachine(ctx.db, input.patch.machine, 'patch.machine')).id;
        if (machineId !== agent.machineId) await refuseWithActiveRuns(agent, 'move it to another machine');
      }
      const touchesSetup = ['command', 'cwd', 'env', 'machine'].some((k) => k in input.patch);
      const local = !machineId || machineId === ctx.machineId;
      if (touchesSetup) {
        const env = input.patch.env ? mergeEnv(agent.env, input.patch.env) : agent.env;
        const setup = { adapterType: agent.adapterType as AdapterType, command: adapter.command, cwd: adapter.cwd, env, worktree: !local && adapter.workspace === 'worktree' };
        const found = await checkOnItsMachine(ctx, machineId, setup);
        refuseBlocking(found.checks, 'patch.', found.checkedOn);
      }
      if (local) await checkWorkspace(adapter, 'patch.');
      await ctx.db
        .update(agents)
        .set({
          role: input.patch.role ?? agent.role,
          adapterConfig: adapter,
          runtimeConfig: runtime,
          env: input.patch.env ? mergeEnv(agent.env, input.patch.env) : agent.env,
          machineId,
          envPublic: input.patch.envPublic ?? agent.envPublic,
          updatedAt: new Date(),
        })
        .where(eq(agents.id, agent.id));
      await recordActivity(ctx.db, ctx.workspaceId, {
        actor: 'user',
        action: 'agent.updated',
        entityType: 'agent',
        entityId: agent.id,
        details: { fields: Object.keys(input.patch) },
      });
      await emit(agent.id);
      return loadAgentDto(ctx.db, agent.id);
    },
    'agents.check': async (input: CallParsedInput<'agents.check'>) => {
      const agent = input.agent === undefined ? null : await requireAgent(ctx.db, ctx.workspaceId, input.agent);
      const draft = input.draft ?? {};
      const machineId = draft.machine ? (await requireMachine(ctx.db, draft.machine, 'draft.machine')).id : (agent?.machineId ?? ctx.machineId);
      const adapterType = (draft.adapterType ?? agent?.adapterType) as AdapterType;
      const setup = {
        adapterType,
        command: draft.command !== undefined ? draft.command : (agent?.adapterConfig.command ?? null),
        cwd: draft.cwd !== undefined ? draft.cwd : (agent?.adapterConfig.cwd ?? null),
        env: agent?.env,
      };
      return checkOnItsMachine(ctx, machineId, setup);
    },
    'agents.pause': async (input: CallParsedInput<'agents.pause'>) => setStatus(input.agent, true),
    'agents.resume': async (input: CallParsedInput<'agents.resume'>) => setStatus(input.agent, false),
    'agents.remove': async (input: CallParsedInput<'agents.remove'>) => {
      const agent = await requireAgent(ctx.db, ctx.workspaceId, input.agent);
      await refuseWithActiveRuns(agent, 'remove it');
      await ctx.db.transaction(async (tx) => {
        await tx.delete(agents).where(eq(agents.id, agent.id));
        await recordActivity(tx, ctx.workspaceId, { actor: 'user', action: 'agent.removed', entityType: 'agent', entityId: agent.id, details: { name: agent.name } });
      });
      ctx.events.emit('agent.removed', { id: agent.id });
      onChange();
      return { id: agent.id };
    },
    'agents.wake': async (input: CallParsedInput<'agents.wake'>) => {
      const agent = await requireAgent(ctx.db, ctx.workspaceId, input.agent);
      let issueId: string | null = null;
      if (input.issue) issueId = (await requireIssue(ctx.db, input.issue)).id;
      // Team mode: the agent's own machine runs it; a wake it cannot carry out is refused, not parked.
      if (agent.machineId && agent.machineId !== ctx.machineId) {
        const [machine] = await loadMachines(ctx.db, [agent.machineId]);
        if (!machine?.online) {
          throw new ContractError(
            'machine_offline',
            `agent "${agent.name}" runs on ${machine ? offlineWords(machine) : `machine "${agent.machineId}", which is not known here`}: it can be woken once that machine is back`,
          );
        }
      }
      return engine.wake(agent.id, { source: 'on_demand', reason: input.reason ?? 'on_demand', triggerDetail: 'user', issueId });
    },
    'host.pauseAll': async () => {
      const rows = await ctx.db
        .update(agents)
        .set({ status: 'paused', updatedAt: new Date() })
        // Team mode: "pause all" is this machine's agents (the tray's button); others pause theirs.
        .where(and(eq(agents.workspaceId, ctx.workspaceId), eq(agents.machineId, ctx.machineId), inArray(agents.status, ['idle', 'running', 'error'])))
        .returning({ id: agents.id });
      for (const r of rows) ctx.events.emit('agent.updated', await loadAgentDto(ctx.db, r.id));
      await recordActivity(ctx.db, ctx.workspaceId, { actor: 'user', action: 'agents.paused_all', entityType: 'host', entityId: ctx.machineId, details: { count: rows.length } });
      onChange();
      return { paused: rows.length };
    },
  };
}
