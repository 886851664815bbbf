// The end of a JSON stream that has no final document of its own (OpenCode, Copilot): one `result`
// event from what was summed along the way, and the parse's result (session, usage, summary,
// failure), alike for every CLI whose parser keeps a Failures.
import type { UsageRecord } from '../db/schema';
import type { Failures } from './failures';
import { clipChars, oneLine } from './text';
import type { AdapterEvent, AdapterResult } from './types';

const SUMMARY_CHARS = 4000;

/** The run's `result` event: "Failed: <the CLI's error>" or the `finished` words, with its usage. */
export function endEvent(failures: Failures, finished: string, payload: Record<string, unknown>): AdapterEvent {
  const error = failures.streamError;
  return {
    type: 'result',
    message: error ? oneLine(`Failed: ${error}`) : finished,
    payload: { isError: error !== null, ...payload, errors: error ? [error] : undefined },
  };
}

/** Session (forgotten when the CLI did not know it), usage, the last text or the failure's words as the summary. */
export function streamResult(sessionId: string | null, lastText: string | null, usage: UsageRecord | null, failures: Failures): AdapterResult {
  const summary = lastText?.trim() || failures.said;
  return {
    sessionId: failures.sessionUnknown ? null : sessionId,
    sessionUnknown: failures.sessionUnknown,
    usage,
    summary: summary ? clipChars(summary, SUMMARY_CHARS) : null,
    failure: failures.failure,
  };
}
