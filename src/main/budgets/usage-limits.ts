// Usage windows: an agent CLI that reports a rate or usage limit (a subscription's 5-hour or
// weekly window, an API rate limit) cannot do more work until the window resets. This reads the
// run's output beside the adapter's own parser and adds one `usage_limit` event with the reset
// time it reported (or null), so the run ends as rate_limited and waits instead of failing.
//
// Formats, read from the CLIs' bundles (not from memory):
// - Claude Code 2.x, stream-json: `{"type":"rate_limit_event","rate_limit_info":{"status":
//   "allowed"|"allowed_warning"|"rejected","resetsAt":<unix seconds>,"rateLimitType":
//   "five_hour"|"seven_day"|...}}`, and an assistant message with `"error":"rate_limit"` whose text
//   says "You've hit your ... limit · resets ...". Only "rejected" (or the error) is a limit.
// - Codex (`codex exec --json`): `{"type":"error","message":"You've hit your usage limit. ... Try
//   again at <time>."}` and `{"type":"turn.failed","error":{"message":...}}`; also "try again in
//   <n> seconds".
import type { AdapterEvent, OutputParser } from '../adapters/types';
import { LineSplitter } from '../adapters/line-splitter';
import { asNumber, asObject, asString } from '../adapters/text';

export const USAGE_LIMIT_EVENT = 'usage_limit';

export interface UsageLimitPayload {
  /** ISO time the CLI said the window resets; null when it did not say. */
  resetAt: string | null;
  /** e.g. five_hour, seven_day (Claude), usage_limit (Codex text). */
  window: string | null;
}

const LIMIT_TEXT_RE = /(you've hit your [^.\n]*limit|usage limit reached|rate limit(ed| reached| exceeded)|usage_limit_reached)/i;
const USAGE_LIMIT_TEXT_RE = /(you've hit your [^.\n]*limit|usage limit reached|usage_limit_reached)/i;
/** Lines worth parsing as JSON: cheap test before JSON.parse on every line. */
const CANDIDATE_RE = /rate_limit|limit/i;

/** Parses "try again in 30 seconds" / "try again at 3:05 PM" (local time, today or tomorrow). */
export function resetFromText(text: string, now: Date): Date | null {
  const inMatch = /try again in\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|seconds?|m|min|minutes?|h|hours?)\b/i.exec(text);
  if (inMatch) {
    const n = Number(inMatch[1]);
    const unit = inMatch[2].toLowerCase();
    const ms = unit === 'ms' ? n : unit.startsWith('s') ? n * 1000 : unit.startsWith('m') ? n * 60_000 : n * 3_600_000;
    return new Date(now.getTime() + ms);
  }
  const atMatch = /try again at\s*(\d{1,2}):(\d{2})\s*(am|pm)?/i.exec(text);
  if (atMatch) {
    let hour = Number(atMatch[1]) % 24;
    const minute = Number(atMatch[2]);
    const half = atMatch[3]?.toLowerCase();
    if (half === 'pm' && hour < 12) hour += 12;
    if (half === 'am' && hour === 12) hour = 0;
    const at = new Date(now);
    at.setHours(hour, minute, 0, 0);
    if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
    return at;
  }
  return null;
}

/** Reads one JSON line of Claude's or Codex's stream; a limit found, or null. */
function limitOfDocument(doc: Record<string, unknown>, now: Date, lastReset: { at: Date | null }): UsageLimitPayload | null {
  const type = asString(doc.type);
  if (type === 'rate_limit_event') {
    const info = asObject(doc.rate_limit_info);
    const resetsAt = asNumber(info?.resetsAt);
    if (resetsAt !== null) lastReset.at = new Date(resetsAt * 1000);
    if (asString(info?.status) !== 'rejected') return null;
    return { resetAt: lastReset.at?.toISOString() ?? null, window: asString(info?.rateLimitType) };
  }
  if (type === 'assistant' && asString(doc.error) === 'rate_limit') {
    return { resetAt: lastReset.at?.toISOString() ?? null, window: null };
  }
  // Codex's error and failed turn carry the message in words. An `error` alone may be one Codex
  // retries itself (a 429 "try again in 1.2s"): only a usage limit is final there; a failed turn is.
  const message = type === 'error' ? asString(doc.message) : type === 'turn.failed' ? asString(asObject(doc.error)?.message) : null;
  if (message && (type === 'turn.failed' ? LIMIT_TEXT_RE : USAGE_LIMIT_TEXT_RE).test(message)) {
    const reset = resetFromText(message, now);
    return { resetAt: reset?.toISOString() ?? null, window: 'usage_limit' };
  }
  return null;
}

/**
 * Wraps an adapter's parser: the same events, plus one `usage_limit` event the first time the
 * output reports a limit. `now` is injectable for tests.
 */
export function withUsageLimits(parser: OutputParser, now: () => Date = () => new Date()): OutputParser {
  const splitter = new LineSplitter(256 * 1024);
  const lastReset: { at: Date | null } = { at: null };
  let reported = false;
  const scan = (found: AdapterEvent[]) => (buf: Buffer, start: number, end: number) => {
    if (reported) return;
    const line = buf.toString('utf8', start, end).trim();
    if (!line.startsWith('{') || !CANDIDATE_RE.test(line)) return;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      return;
    }
    const obj = asObject(doc);
    const limit = obj ? limitOfDocument(obj, now(), lastReset) : null;
    if (!limit) return;
    reported = true;
    const when = limit.resetAt ? `resets at ${limit.resetAt}` : 'no reset time reported';
    found.push({ type: USAGE_LIMIT_EVENT, message: `The agent's CLI reported a usage limit (${when})`, payload: limit });
  };
  return {
    // A limit is said as the CLI gives up, so it is in the output's last bytes: an adapter that
    // parses nothing is not sent every byte for this alone (RunOutput reads the exit's last bytes).
    readsOutput: parser.readsOutput,
    push(chunk) {
      const events = parser.push(chunk);
      const found: AdapterEvent[] = [];
      splitter.push(chunk, scan(found));
      return found.length > 0 ? [...events, ...found] : events;
    },
    end() {
      const events = parser.end();
      const found: AdapterEvent[] = [];
      splitter.end(scan(found));
      return found.length > 0 ? [...events, ...found] : events;
    },
    result: () => parser.result(),
  };
}
