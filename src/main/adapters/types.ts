// What the heartbeat engine and an adapter exchange: how to start an agent's run, and how to read
// what the agent prints into events, a resumable session id, usage and a summary.
import type { AdapterType } from '../../shared/domain';
import type { UsageRecord } from '../db/schema';
import { PROMPT_TEXT_BYTES } from '../../shared/run-events';
import { clipBytes, oneLine } from './text';

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
  /** The issue's git worktree, when the agent works in worktrees: the run's folder is in it. */
  workspace?: { path: string; branch: string; baseBranch: string } | null;
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
  /** The prompt the command carries (coding agents), recorded as the run's `prompt` event. */
  prompt?: string;
}

/** Becomes a heartbeat_run_events row. Transcript types and payloads: src/shared/run-events.ts. */
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
  /** What went wrong, as the CLI said it: the run's error when the run fails (failure-words.ts). */
  failure?: AdapterFailure;
}

/** A failure the parser understood from the CLI's output. */
export interface AdapterFailure {
  /** login: it has no credentials; unknown_session: it does not know the session to resume; error: anything else it reported. */
  kind: 'login' | 'unknown_session' | 'error';
  /** The CLI's own words. */
  said: string;
  /** It waits for what a headless run cannot give (a pasted login code): Vigil stops it and the run fails now. */
  stuck?: boolean;
}

export interface OutputParser {
  /**
   * false: push() ignores the bytes (nothing to parse), so a run nobody watches live is not
   * sent them at all, only the log's progress (src/main/heartbeat/run-process.ts).
   */
  readonly readsOutput?: boolean;
  /** Raw pty bytes, in order, split anywhere (mid-line, mid-UTF-8 sequence). Lines end in \r\n (pty ONLCR). */
  push(chunk: Buffer): AdapterEvent[];
  end(): AdapterEvent[];
  result(): AdapterResult;
}

/** The run's first transcript event: the prompt Vigil sent. */
export function promptEvent(prompt: string): AdapterEvent {
  const text = clipBytes(prompt, PROMPT_TEXT_BYTES);
  return { type: 'prompt', message: oneLine(prompt), payload: { text, truncated: text !== prompt } };
}

/** How Vigil talks to the agent: a terminal it reads (pty) or a protocol on stdio pipes (acp, later). */
export type AdapterTransport = 'pty' | 'acp';

/** What Vigil can show and do for an adapter's runs; the UI, `vigil agent add --help` and the docs list them. */
export interface AdapterCapabilities {
  /** Its output becomes transcript events (messages, tool calls, results). */
  transcript: boolean;
  /** It reports a session id and a later run (a retry after a crash) can continue it. */
  resume: boolean;
  /** It reports tokens used. */
  tokens: boolean;
  /** It reports a cost in dollars. */
  cost: boolean;
  /** Vigil can answer its permission requests (otherwise the headless mode's policy decides). */
  permissionRequests: boolean;
  /** Input can reach it while it runs (otherwise new input waits for the next run). */
  liveInput: boolean;
}

/** What an adapter declares about itself, besides how it runs. */
export interface AdapterInfo {
  label: string;
  /** The executable it runs when the agent names none; null when the agent must give a command. */
  command: string | null;
  transport: AdapterTransport;
  /** The command that installs it; null when it is not a CLI to install. */
  install: string | null;
  /** How to log in once, said to the person when a run fails for want of it. */
  login: string | null;
  /** The arguments that print its version (detection in the first-run card and `vigil doctor`). */
  versionArgs: string[];
  capabilities: AdapterCapabilities;
}

export interface Adapter {
  readonly type: AdapterType;
  readonly info: AdapterInfo;
  buildCommand(ctx: AdapterRunContext): AdapterCommand;
  createParser(): OutputParser;
}
