// A HostLike for the transport tests: the real API dispatcher (so validation and agent
// authorization are the real ones) over a few fake handlers, and a real EventBus.
import { createApi, type AgentAuth, type Handlers } from '../../src/main/api';
import { EventBus } from '../../src/main/event-bus';
import type { HostLike } from '../../src/main/host-types';
import type { AgentDto, HostStatusDto } from '../../src/shared/contract';
import { notFound } from '../../src/shared/errors';
import { agentDto, onlyHandlers } from './dtos';

export const AGENT_TOKEN = 'run-token-of-r1';

const now = new Date(0).toISOString();

export const echoAgent: AgentDto = agentDto({ id: 'a1', workspaceId: 'w1', name: 'echo', command: 'echo hello', machineId: 'h1', machine: 'h1', createdAt: now, updatedAt: now });

const status: HostStatusDto = {
  version: '0.0.0-test',
  pid: process.pid,
  hostId: 'h1',
  machineName: 'h1',
  dataDir: '/nowhere',
  database: 'pglite',
  startedAt: now,
  globalMaxConcurrentRuns: 4,
  agents: { total: 1, paused: 0, running: 0 },
  runs: { queued: 0, running: 0, detached: 0 },
  issues: { open: 0, blocked: 0 },
  openEscalations: 0,
  notices: [],
};

export interface FakeHost extends HostLike {
  events: EventBus;
  /** Resolves the pending `agents.pause` calls (a slow call). */
  releaseSlowCalls(): void;
}

export function fakeHost(): FakeHost {
  const slow: Array<() => void> = [];
  const implemented: Partial<Handlers> = {
    'host.status': async () => status,
    'agents.list': async () => [echoAgent],
    'agents.get': async ({ agent }) => {
      if (agent !== 'echo' && agent !== 'a1') throw notFound('agent', agent);
      return echoAgent;
    },
    'agents.pause': async () => {
      await new Promise<void>((resolve) => slow.push(resolve));
      return { ...echoAgent, status: 'paused' };
    },
    'issues.get': async ({ issue }) => ({
      id: 'i1', identifier: issue, title: 'T', body: '', status: 'todo', priority: 'medium',
      assigneeAgentId: 'a1', assigneeAgent: 'echo', assigneeUserId: null, checkoutRunId: null, executionRunId: null,
      startedAt: null, completedAt: null, createdAt: now, updatedAt: now, comments: [], runs: [], escalations: [], activity: [],
    }),
  };
  const handlers = onlyHandlers(implemented);
  const auth: AgentAuth = {
    resolveRunToken: async (token) => (token === AGENT_TOKEN ? { runId: 'r1', agentId: 'a1', issueId: 'i1' } : null),
    resolveRunId: async (runId) => (runId === 'r1' ? { scope: { runId: 'r1', agentId: 'a1', issueId: 'i1' } } : runId === 'r-ended' ? { scope: null } : null),
    resolveIssueId: async (ref) => (ref === 'VIG-1' || ref === 'i1' ? 'i1' : ref),
    reportActivity: async () => undefined,
  };
  return {
    api: createApi(handlers, auth),
    events: new EventBus(),
    releaseSlowCalls: () => slow.splice(0).forEach((resolve) => resolve()),
  };
}

/**
 * A host that works like one database connection: calls are handled one after another, each
 * taking a turn of the event loop, in the order they reached the API. Whoever gets many calls
 * in first makes everyone behind wait: the shape a request flood has on the real host.
 */
export function serializedHost(): HostLike & { handled: () => number } {
  let chain: Promise<unknown> = Promise.resolve();
  let handled = 0;
  return {
    api: {
      invoke(method) {
        const call = chain.then(
          () =>
            new Promise((resolve) =>
              setImmediate(() => {
                handled++;
                resolve({ method });
              }),
            ),
        );
        chain = call;
        return call;
      },
      scopeOf: async () => null,
    },
    events: new EventBus(),
    handled: () => handled,
  };
}
