// What the heartbeat engine and an adapter exchange: how to start an agent's run, and how to read
// what the agent prints into events, a resumable session id, usage and a summary.
import type { AdapterType } from '../../shared/domain';
import type { UsageRecord } from '../db/schema';

export interface AdapterComment {
  authorType: 'agent' | 'user' | 'system';
  authorName: string | null;
  body: string;
  createdAt: string;
}

export interface AdapterIssue {
  id: string;
  identifier: string;
  title: string;
  body: string;
  status: string;
  comments: AdapterComment[];
}

/** What reached the agent besides the issue: the comment that woke it, and input that came during its last run. */
export interface AdapterRunInput {
  /** The comment whose wake caused this run (kept across retries of it). */
  wakeComment: AdapterComment | null;
  /** Wakes and comments that arrived while the previous run was live, oldest first. */
  pendingInput: { reason: string; comment: AdapterComment | null }[];
}

export interface AdapterRunContext {
  runId: string;
  agent: {
    id: string;
    name: string;
    adapterType: AdapterType;
    command: string | null;
    cwd: string | null;
    model: string | null;
    args: string[];
  };
  issue: AdapterIssue | null;
  /** issue_assigned, issue_commented, on_demand text, timer, issue_continuation_needed ... */
  wakeReason: string | null;
  /** process_loss | assignment_recovery | issue_continuation_needed */
  retryReason: string | null;
  /** The session this agent had on this issue, to resume. */
  resumeSessionId: string | null;
  /** The comment that woke it and the input that arrived during its last run (none when absent). */
  input?: AdapterRunInput;
  /** The full environment, already prepared by the host (cookie, run token, agent env). */
  env: Record<string, string>;
  /** Used when agent.cwd is null. */
  defaultCwd: string;
}

export interface AdapterCommand {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/** Becomes a heartbeat_run_events row. */
export interface AdapterEvent {
  type: string;
  message: string | null;
  payload?: unknown;
}

export interface AdapterResult {
  sessionId: string | null;
  /** The CLI said it does not know the session it was asked to resume (then, and only then, it is forgotten). */
  sessionUnknown: boolean;
  usage: UsageRecord | null;
  summary: string | null;
}

export interface OutputParser {
  /** Raw pty bytes, in order, split anywhere (mid-line, mid-UTF-8 sequence). Lines end in \r\n (pty ONLCR). */
  push(chunk: Buffer): AdapterEvent[];
  end(): AdapterEvent[];
  result(): AdapterResult;
}

export interface Adapter {
  readonly type: AdapterType;
  buildCommand(ctx: AdapterRunContext): AdapterCommand;
  createParser(): OutputParser;
}
