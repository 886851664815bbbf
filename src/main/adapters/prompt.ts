// The prompt a coding agent (Claude Code, Codex) gets for one heartbeat run. It travels as one
// argv string, and Linux refuses any single argument over 128 KiB (MAX_ARG_STRLEN), so the issue
// body and comments are clipped to keep the whole prompt well under that.
import type { AdapterComment, AdapterIssue, AdapterRunContext } from './types';
import { clipBytes } from './text';

export const PROMPT_COMMENT_COUNT = 10;
const BODY_MAX_BYTES = 48 * 1024;
const COMMENT_MAX_BYTES = 4 * 1024;
const FREE_TEXT_MAX_BYTES = 4 * 1024;

const WAKE_REASONS: Record<string, string> = {
  issue_assigned: 'The issue below was assigned to you.',
  issue_commented: 'Someone commented on the issue below; the newest comment is the last one.',
  issue_continuation_needed: 'The issue below is still open after your last run; continue where you left off.',
  issue_assignment_recovery: 'The issue below is assigned to you and had no run working on it.',
  escalation_retry: 'A person asked Vigil to try the issue below again.',
  timer: 'Your scheduled heartbeat timer fired.',
  on_demand: 'A user started this run by hand.',
};

/** Reasons Vigil records for its own bookkeeping: the retry reason says it in words instead. */
const SILENT_WAKE_REASONS = new Set(['process_lost_retry']);

const PROCESS_LOSS_RESUMED =
  'Your previous run on this was lost before it finished (Vigil or the computer stopped while it ran). This run continues the same conversation: pick up where you left off, and check what is already done before redoing anything.';
const PROCESS_LOSS_FRESH =
  'Your previous run on this was lost before it finished (Vigil or the computer stopped while it ran), and its conversation could not be continued. Check what is already done before redoing anything.';

const RETRY_REASONS: Record<string, string> = {
  assignment_recovery: 'Vigil found this assignment without a run and is starting it now.',
  issue_continuation_needed:
    'Your last run ended while the issue was still open. Continue the work, then set the status of the issue.',
};

export function buildPrompt(ctx: AdapterRunContext): string {
  const sections = [
    `You are ${ctx.agent.name}, a coding agent supervised by Vigil (run ${ctx.runId}).`,
    ['Why you are running:', ...reasonLines(ctx)].join('\n'),
  ];
  const pending = pendingSection(ctx);
  if (pending) sections.push(pending);
  sections.push(ctx.issue ? issueSection(ctx.issue) : 'There is no issue attached to this run.');
  if (ctx.issue && ctx.issue.comments.length > 0) sections.push(commentsSection(ctx.issue));
  sections.push(reportSection(ctx.issue));
  return sections.join('\n\n');
}

function reasonLines(ctx: AdapterRunContext): string[] {
  const lines: string[] = [];
  if (ctx.retryReason === 'process_loss') lines.push(ctx.resumeSessionId ? PROCESS_LOSS_RESUMED : PROCESS_LOSS_FRESH);
  if (ctx.wakeReason && !SILENT_WAKE_REASONS.has(ctx.wakeReason)) {
    const why =
      WAKE_REASONS[ctx.wakeReason] ?? `You were woken with this request:\n${indent(clipBytes(ctx.wakeReason, FREE_TEXT_MAX_BYTES))}`;
    lines.push(ctx.retryReason === 'process_loss' ? `What the lost run was started for: ${why}` : why);
  }
  const wakeComment = ctx.input?.wakeComment;
  if (wakeComment) lines.push(`The comment that woke you:\n${quoteComment(wakeComment)}`);
  if (ctx.retryReason && ctx.retryReason !== 'process_loss') lines.push(RETRY_REASONS[ctx.retryReason] ?? `This run is a retry (${ctx.retryReason}).`);
  if (lines.length === 0) lines.push('No particular reason was given; check the issue and continue.');
  return lines.map((line) => `- ${line}`);
}

/** Input that came while the previous run worked: the reason this follow-up run exists. */
function pendingSection(ctx: AdapterRunContext): string | null {
  const pending = ctx.input?.pendingInput ?? [];
  if (pending.length === 0) return null;
  const items = pending.map((p) =>
    p.comment ? `- A new comment:\n${quoteComment(p.comment)}` : `- ${WAKE_REASONS[p.reason] ?? `A request: ${clipBytes(p.reason, FREE_TEXT_MAX_BYTES)}`}`,
  );
  return ['New input arrived while your previous run was working; it had not seen it:', ...items].join('\n');
}

function quoteComment(c: AdapterComment): string {
  return indent(`${authorLabel(c.authorType, c.authorName)}, ${c.createdAt}:\n${clipBytes(c.body, COMMENT_MAX_BYTES)}`);
}

function indent(text: string): string {
  return text.replace(/^/gm, '    ');
}

function issueSection(issue: AdapterIssue): string {
  const body = issue.body.trim() ? clipBytes(issue.body, BODY_MAX_BYTES) : '(no description)';
  return `Issue ${issue.identifier}: ${issue.title}\nStatus: ${issue.status}\n\n${body}`;
}

function commentsSection(issue: AdapterIssue): string {
  const ordered = [...issue.comments].sort((a, b) => timeOf(a.createdAt) - timeOf(b.createdAt));
  const recent = ordered.slice(-PROMPT_COMMENT_COUNT);
  const heading =
    ordered.length > recent.length
      ? `Recent comments (the last ${recent.length} of ${ordered.length}, newest last):`
      : 'Comments (newest last):';
  const rendered = recent.map(
    (c) => `--- ${authorLabel(c.authorType, c.authorName)}, ${c.createdAt}\n${clipBytes(c.body, COMMENT_MAX_BYTES)}`,
  );
  return [heading, ...rendered].join('\n');
}

function timeOf(iso: string): number {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? 0 : time;
}

function authorLabel(type: AdapterIssue['comments'][number]['authorType'], name: string | null): string {
  if (type === 'system') return 'Vigil';
  if (type === 'agent') return `agent ${name ?? '(unnamed)'}`;
  return name ?? 'a user';
}

function reportSection(issue: AdapterIssue | null): string {
  const token =
    'The `vigil` command is on your PATH and your run token is already in the environment as VIGIL_RUN_TOKEN; never print it.';
  if (!issue) return `There is no issue to report on. ${token}`;
  return [
    'How to report back:',
    `- Post progress, questions and results: vigil issue comment ${issue.identifier} "<your message>"`,
    `- When you finish or get stuck, set the status: vigil issue update ${issue.identifier} --status done|in_review|blocked`,
    '  (done: finished; in_review: a human should check your work; blocked: you cannot go on without help; say why in a comment)',
    token,
  ].join('\n');
}
