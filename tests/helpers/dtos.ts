// DTOs as the host sends them, with plain defaults, for the fake hosts and the tests that seed them.
import type { Handlers } from '../../src/main/api';
import type { AgentDto, IssueDto, RunDto } from '../../src/shared/contract';
import { ContractError } from '../../src/shared/errors';

const now = () => new Date().toISOString();

/** An idle process agent with no runs yet; `fields` names it and places it. */
export function agentDto(fields: Partial<AgentDto> & Pick<AgentDto, 'id' | 'workspaceId' | 'name' | 'machineId' | 'machine' | 'createdAt' | 'updatedAt'>): AgentDto {
  return {
    role: 'engineer',
    adapterType: 'process',
    command: 'echo hi',
    cwd: null,
    model: null,
    args: [],
    workspace: 'none',
    env: {},
    envPublic: [],
    status: 'idle',
    heartbeatIntervalSec: null,
    timeoutSec: null,
    maxConcurrentRuns: 1,
    answerTimeoutSec: 1800,
    lastHeartbeatAt: null,
    totalRuns: 0,
    failedRuns: 0,
    runningRuns: 0,
    machineOnline: true,
    ...fields,
  };
}

/** A running run (no process recorded yet) of `fields.agent`. */
export function runDto(fields: Partial<RunDto> & Pick<RunDto, 'id' | 'agent'>): RunDto {
  return {
    agentId: `agent-${fields.agent}`,
    status: 'running',
    invocationSource: 'on_demand',
    triggerDetail: null,
    wakeupRequestId: null,
    issueId: null,
    issueIdentifier: null,
    wakeReason: null,
    retryReason: null,
    processPid: null,
    processGroupId: null,
    processStartId: null,
    machineId: null,
    processLossRetryCount: 0,
    retryOfRunId: null,
    exitCode: null,
    signal: null,
    errorCode: null,
    error: null,
    logBytes: 0,
    logSha256: null,
    logPruned: false,
    sessionId: null,
    usage: null,
    lastOutputLine: null,
    startedAt: now(),
    finishedAt: null,
    createdAt: now(),
    updatedAt: now(),
    ...fields,
  };
}

/** An open issue, unassigned to a person, assigned to the agent builder. */
export function issueDto(fields: Partial<IssueDto> & Pick<IssueDto, 'identifier'>): IssueDto {
  const at = now();
  return {
    id: `issue-${fields.identifier}`,
    title: `Issue ${fields.identifier}`,
    body: '',
    status: 'todo',
    priority: 'medium',
    assigneeAgentId: null,
    assigneeAgent: 'builder',
    assigneeUserId: null,
    checkoutRunId: null,
    executionRunId: null,
    startedAt: null,
    completedAt: null,
    createdAt: at,
    updatedAt: at,
    ...fields,
  };
}

/** The handlers given, and for any other call one that fails saying the fake host lacks it. */
export function onlyHandlers(implemented: Partial<Handlers>): Handlers {
  return new Proxy(implemented, {
    get: (target, name: string) =>
      target[name as keyof Handlers] ??
      (async () => {
        throw new ContractError('internal', `${name} is not in the fake host`);
      }),
  }) as Handlers;
}
