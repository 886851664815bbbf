// Binds every contract call to a handler, validating its input on the way in. Every transport
// (IPC, control socket, WebSocket) calls `invoke`; nothing else reaches the services.
import { AGENT_CALLS, calls, isCallName, type CallName, type CallOutput, type CallParsedInput } from '../shared/contract';
import { ContractError, invalidInput } from '../shared/errors';
import { hasUnstorableText } from './db/storable-text';

/** Who is calling: the user (UI, CLI) or an agent holding its run's token. */
export type Caller = { kind: 'user' } | { kind: 'agent'; runToken: string };
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
  /** Resolves an issue reference (id or identifier) to its id, or null. */
  resolveIssueId(ref: string): Promise<string | null>;
  /** The agent did something: clears a detached warning, feeds the silence watchdog. */
  reportActivity(runId: string): Promise<void>;
}

export interface Api {
  invoke(method: unknown, params: unknown, caller?: Caller): Promise<unknown>;
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
      if (!parsed.success) throw invalidInput(method, parsed.error);
      const agent = caller.kind === 'agent' ? await authorizeAgent(method, parsed.data, caller.runToken, auth) : null;
      try {
        const handler = handlers[method] as (input: unknown, ctx: CallContext) => Promise<unknown>;
        return await handler(parsed.data, { caller, agent });
      } catch (err) {
        if (err instanceof ContractError) throw err;
        throw new ContractError('internal', `${method} failed: ${describe(err)}`);
      }
    },
  };
}

async function authorizeAgent(method: CallName, input: unknown, token: string, auth: AgentAuth): Promise<AgentScope> {
  const scope = await auth.resolveRunToken(token);
  if (!scope) throw new ContractError('unauthorized', 'the run token is unknown or its run has ended');
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

/**
 * What an unexpected failure may say to a client: the database's own reason when there is one
 * (the query layer's message repeats the SQL and its parameters, which may hold secrets), one line.
 */
function describe(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : null;
  const message = cause?.message ?? (err instanceof Error ? err.message : String(err));
  if (message.startsWith('Failed query')) return 'a database query failed';
  return message.split('\n')[0].slice(0, 300);
}
