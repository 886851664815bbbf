// Binds every contract call to a handler, validating its input on the way in. Every transport
// (IPC, control socket, WebSocket) calls `invoke`; nothing else reaches the services.
import { AGENT_CALLS, calls, isCallName, type CallName, type CallOutput, type CallParsedInput } from '../shared/contract';
import { ContractError, invalidInput } from '../shared/errors';
import { hasUnstorableText } from './db/storable-text';
import { failureInWords } from './infrastructure/failure';

/**
 * Who is calling: the user (UI, CLI) or an agent holding its run's token. `processRunId` is the
 * run cookie (VIGIL_RUN_ID) the control socket found on the calling process or one of its
 * ancestors: such a caller is that run's agent whatever token it sends, or none.
 */
export type Caller = { kind: 'user'; processRunId?: string } | { kind: 'agent'; runToken: string; processRunId?: string };
export const USER: Caller = { kind: 'user' };

/** An agent caller, once its token was resolved to a live run. */
export interface AgentScope {
  runId: string;
  agentId: string;
  issueId: string | null;
}

export interface CallContext {
  caller: Caller;
  agent: AgentScope | null;
}

export type Handlers = { [N in CallName]: (input: CallParsedInput<N>, ctx: CallContext) => Promise<CallOutput<N>> };

export interface AgentAuth {
  /** Resolves a run token to its run, or null when unknown or the run is over. */
  resolveRunToken(token: string): Promise<AgentScope | null>;
  /** A run of this database by id: its scope while it lives, `ended` after, null when unknown here. */
  resolveRunId(runId: string): Promise<{ scope: AgentScope | null } | null>;
  /** Resolves an issue reference (id or identifier) to its id, or null. */
  resolveIssueId(ref: string): Promise<string | null>;
  /** The agent did something: clears a detached warning, feeds the silence watchdog. */
  reportActivity(runId: string): Promise<void>;
}

export interface Api {
  invoke(method: unknown, params: unknown, caller?: Caller): Promise<unknown>;
  /** The run a caller acts for (null: the user); throws `unauthorized` for a token or cookie that is no live run's. */
  scopeOf(caller: Caller): Promise<AgentScope | null>;
}

export function createApi(handlers: Handlers, auth: AgentAuth): Api {
  return {
    async invoke(method, params, caller = USER) {
      if (!isCallName(method)) {
        throw new ContractError('unknown_call', `unknown call "${typeof method === 'string' ? method.slice(0, 100) : typeof method}"`, 'method');
      }
      const unstorable = findUnstorableText(params, []);
      if (unstorable) {
        throw new ContractError('invalid_input', `${method}: ${unstorable.join('.') || '(input)'}: text may not contain NUL characters or unpaired surrogates`, unstorable.join('.') || undefined);
      }
      const parsed = calls[method].input.safeParse(params ?? {});
      if (!parsed.success) throw invalidInput(method, parsed.error, params);
      const scope = await resolveScope(caller, auth);
      const agent = scope ? await authorizeAgent(method, parsed.data, scope, auth) : null;
      try {
        const handler = handlers[method] as (input: unknown, ctx: CallContext) => Promise<unknown>;
        return await handler(parsed.data, { caller, agent });
      } catch (err) {
        if (err instanceof ContractError) throw err;
        throw new ContractError('internal', `${method} failed: ${describe(err)}`);
      }
    },
    scopeOf: (caller) => resolveScope(caller, auth),
  };
}

/**
 * The run a caller acts for. A process carrying a run's cookie is that run's agent, whichever
 * token it sends (or it is refused when it sends none): dropping VIGIL_RUN_TOKEN does not make
 * an agent the user. A cookie of a run this database does not know (a nested Vigil) is ignored.
 */
async function resolveScope(caller: Caller, auth: AgentAuth): Promise<AgentScope | null> {
  if (caller.processRunId !== undefined) {
    const run = await auth.resolveRunId(caller.processRunId);
    if (run) {
      if (!run.scope) throw new ContractError('unauthorized', `this process belongs to run ${caller.processRunId}, which has ended`);
      if (caller.kind !== 'agent') {
        throw new ContractError('unauthorized', `this process belongs to run ${caller.processRunId}: an agent's calls must carry its run token (VIGIL_RUN_TOKEN)`);
      }
      return run.scope;
    }
  }
  if (caller.kind !== 'agent') return null;
  const scope = await auth.resolveRunToken(caller.runToken);
  if (!scope) throw new ContractError('unauthorized', 'the run token is unknown or its run has ended');
  return scope;
}

async function authorizeAgent(method: CallName, input: unknown, scope: AgentScope, auth: AgentAuth): Promise<AgentScope> {
  if (!AGENT_CALLS.has(method)) throw new ContractError('forbidden', `an agent's run token cannot call ${method}`);
  const ref = (input as { issue?: string }).issue;
  if (ref !== undefined) {
    const issueId = await auth.resolveIssueId(ref);
    if (!issueId || issueId !== scope.issueId) {
      throw new ContractError('forbidden', `this run's token may only act on its own issue, not "${ref}"`, 'issue');
    }
  }
  await auth.reportActivity(scope.runId);
  return scope;
}

/**
 * PostgreSQL cannot store a NUL character in text and JSON cannot carry an unpaired surrogate:
 * refuse such input up front, naming where it is, instead of failing deep in a query.
 * Returns the path of the first bad string (or key), or null.
 */
function findUnstorableText(value: unknown, path: string[], depth = 0): string[] | null {
  if (typeof value === 'string') return hasUnstorableText(value) ? path : null;
  if (depth > 32 || value === null || typeof value !== 'object') return null;
  for (const [key, inner] of Object.entries(value)) {
    if (hasUnstorableText(key)) return [...path, key];
    const found = findUnstorableText(inner, [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}

/** What an unexpected failure may say to a client: in words, never SQL or PostgreSQL file paths. */
const describe = (err: unknown): string => failureInWords(err);
