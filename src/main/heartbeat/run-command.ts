// The command a claimed run starts with: its issue and input read, its environment (run token,
// cookie, the host's secrets left out), its workspace, the adapter's command line.
import { homedir } from 'node:os';
import type { ServiceContext } from '../context';
import { getAdapter } from '../adapters/index';
import type { AdapterCommand, OutputParser } from '../adapters/types';
import type { RunWorkspace } from '../workspaces/issue-workspaces';
import type { AgentRow, RunRow } from '../views/dto';
import { loadAdapterIssue } from './adapter-issue';
import { retryUntilLanded, type Retrying } from './durable';
import { buildRunEnv } from './run-env';
import { withUsageLimits } from '../budgets/usage-limits';

export interface CommandOptions {
  cliPath: string | null;
  hostSecretEnv: string[];
  /** The issue's git worktree a run works in, for agents with `workspace: worktree`. */
  workspaces?: { forRun(run: RunRow, agent: AgentRow): Promise<RunWorkspace | null> };
}

export interface RunCommand {
  command: AdapterCommand;
  parser: OutputParser;
}

/**
 * Null when the run was stopped while its command was being built (`stopped()`): its process
 * never starts. A read that fails for the database's sake is retried: no reason to fail the run.
 */
export async function buildRunCommand(
  ctx: ServiceContext,
  opts: CommandOptions,
  retrying: Retrying,
  target: { run: RunRow; agent: AgentRow; token: string; resumeSessionId: string | null; stopped(): boolean },
): Promise<RunCommand | null> {
  const { run, agent } = target;
  const issueId = run.issueId;
  const loaded = issueId
    ? await retryUntilLanded(retrying, `reading the issue of run ${run.id}`, () => loadAdapterIssue(ctx.db, issueId, run.contextSnapshot), target.stopped)
    : { issue: null, input: undefined };
  if (!loaded) return null;
  const { issue, input } = loaded;
  const snapshot = run.contextSnapshot;
  const wakeReason = typeof snapshot.wakeReason === 'string' ? snapshot.wakeReason : null;
  const env = buildRunEnv({
    base: process.env,
    agentEnv: agent.env,
    runId: run.id,
    agentId: agent.id,
    issueId: run.issueId,
    issueIdentifier: issue?.identifier ?? null,
    wakeReason,
    dataDir: ctx.dataDir,
    runToken: target.token,
    cliPath: opts.cliPath,
    hostSecretEnv: opts.hostSecretEnv,
  });
  const adapterType = agent.adapterType as Parameters<typeof getAdapter>[0];
  const adapter = getAdapter(adapterType);
  const workspace = (await opts.workspaces?.forRun(run, agent)) ?? null;
  // issue 23: the worktree's own environment (its port range: VIGIL_PORT, PORT).
  if (workspace?.env) Object.assign(env, workspace.env);
  const command = adapter.buildCommand({
    runId: run.id,
    agent: {
      id: agent.id,
      name: agent.name,
      adapterType,
      command: agent.adapterConfig.command ?? null,
      cwd: workspace?.cwd ?? agent.adapterConfig.cwd ?? null,
      model: agent.adapterConfig.model ?? null,
      args: agent.adapterConfig.args ?? [],
    },
    issue,
    wakeReason,
    retryReason: typeof snapshot.retryReason === 'string' ? snapshot.retryReason : null,
    resumeSessionId: run.issueId ? target.resumeSessionId : null,
    input,
    workspace,
    env,
    defaultCwd: homedir(),
  });
  return { command, parser: withUsageLimits(adapter.createParser()) };
}

/** A parser for a run taken back after a restart (its command was built by an earlier host). */
export function parserOf(agent: AgentRow): OutputParser {
  return withUsageLimits(getAdapter(agent.adapterType as Parameters<typeof getAdapter>[0]).createParser());
}
