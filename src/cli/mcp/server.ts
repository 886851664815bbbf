// `vigil mcp`: Vigil as an MCP server on stdio (the SDK's McpServer). An agent started by Vigil
// reaches it with its run token (scoped to its run's issue); a person's own MCP client (Claude
// Desktop, Cursor) reaches it as the user. The permission-prompt tool follows Claude Code's
// `--permission-prompt-tool` exchange, checked in @anthropic-ai/claude-code 2.1.197: it is called
// with { tool_name, input, tool_use_id } and answers one text block holding
// {"behavior":"allow","updatedInput":{...}} or {"behavior":"deny","message":"..."}.
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ISSUE_STATUSES } from '../../shared/domain';
import type { RequestDto } from '../../shared/contract';
import { questionOf } from '../../main/requests/describe';
import type { HostLink } from './host-link';
import { MCP_SERVER_NAME, PERMISSION_TOOL } from '../../main/mcp/names';


export interface VigilMcpOptions {
  link: HostLink;
  /** The run's issue when an agent runs us (VIGIL_ISSUE_ID); null for a person's client. */
  runIssueId: string | null;
  /** Whether we act for a run (a run token): asking a person is only possible then. */
  forRun: boolean;
  version: string;
  /** How long one long poll waits on the host before asking again. */
  waitSliceMs?: number;
}

const text = (value: unknown): CallToolResult => ({ content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value, null, 2) }] });
const failed = (err: unknown): CallToolResult => ({ isError: true, content: [{ type: 'text', text: (err as Error).message ?? String(err) }] });

async function guarded(fn: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await fn();
  } catch (err) {
    return failed(err);
  }
}

export function createVigilMcpServer(opts: VigilMcpOptions): McpServer {
  const { link } = opts;
  const server = new McpServer({ name: MCP_SERVER_NAME, version: opts.version });
  const issueOr = (given: string | undefined): string => {
    const issue = given ?? opts.runIssueId;
    if (!issue) throw new Error('name the issue (this connection is not a run with an issue of its own)');
    return issue;
  };

  /** Opens a request and waits until it is answered or expires, across host restarts. */
  const ask = async (input: { kind: 'permission' | 'question'; tool?: string; toolUseId?: string; input: Record<string, unknown> }): Promise<RequestDto> => {
    if (!opts.forRun) throw new Error("asking a person needs a run: only an agent Vigil started (with its VIGIL_RUN_TOKEN) can ask");
    let request = await link.call('requests.open', { key: randomUUID(), ...input });
    while (request.status === 'pending') request = await link.call('requests.wait', { request: request.id, waitMs: opts.waitSliceMs ?? 25_000 });
    return request;
  };

  server.registerTool(
    PERMISSION_TOOL,
    {
      description:
        "Claude Code's --permission-prompt-tool: asks the person supervising this run whether a tool call may go ahead, and waits for the answer.",
      inputSchema: { tool_name: z.string(), input: z.record(z.string(), z.unknown()), tool_use_id: z.string().optional() },
    },
    async (args) => {
      let reply: Record<string, unknown>;
      try {
        const isQuestion = args.tool_name === 'AskUserQuestion';
        const r = await ask({ kind: isQuestion ? 'question' : 'permission', tool: args.tool_name, toolUseId: args.tool_use_id, input: args.input });
        if (r.status === 'allowed') reply = { behavior: 'allow', updatedInput: args.input };
        else if (r.status === 'answered') {
          // AskUserQuestion takes the answers in its input ("collected by the permission component").
          const { question } = questionOf(args.input);
          const answers = question ? { [question]: r.answer?.text ?? '' } : {};
          reply = { behavior: 'allow', updatedInput: { ...args.input, answers } };
        } else reply = { behavior: 'deny', message: r.answer?.message ?? `The request was ${r.status}.` };
      } catch (err) {
        reply = { behavior: 'deny', message: `Vigil could not ask the person: ${(err as Error).message}` };
      }
      return { content: [{ type: 'text', text: JSON.stringify(reply) }] };
    },
  );

  server.registerTool(
    'ask_person',
    {
      description: 'Asks the person supervising this run a question and waits for the answer (one of the options, or their own words).',
      inputSchema: { question: z.string().min(1), options: z.array(z.string()).max(20).optional() },
    },
    (args) =>
      guarded(async () => {
        const r = await ask({ kind: 'question', input: { question: args.question, options: args.options ?? [] } });
        if (r.status === 'answered') return text(r.answer?.text ?? '');
        return text(`No answer: ${r.answer?.message ?? r.status}`);
      }),
  );

  server.registerTool(
    'comment',
    { description: 'Adds a comment to an issue (default: this run\'s issue).', inputSchema: { body: z.string().min(1), issue: z.string().optional() } },
    (args) => guarded(async () => text(await link.call('issues.comment', { issue: issueOr(args.issue), body: args.body }))),
  );

  server.registerTool(
    'set_status',
    { description: "Sets an issue's status (default: this run's issue).", inputSchema: { status: z.enum(ISSUE_STATUSES), issue: z.string().optional() } },
    (args) => guarded(async () => text(await link.call('issues.update', { issue: issueOr(args.issue), status: args.status }))),
  );

  server.registerTool(
    'create_sub_issue',
    {
      description: "Files a new issue as a sub-issue of another (default: this run's issue); its body names the parent.",
      inputSchema: { title: z.string().min(1), body: z.string().optional(), parent: z.string().optional() },
    },
    (args) =>
      guarded(async () => {
        const parent = await link.call('issues.get', { issue: issueOr(args.parent) });
        const body = `Sub-issue of ${parent.identifier}.${args.body ? `\n\n${args.body}` : ''}`;
        return text(await link.call('issues.create', { title: args.title, body }));
      }),
  );

  server.registerTool(
    'list_issues',
    { description: 'Lists issues (an agent sees only its run\'s issue).', inputSchema: { status: z.enum(ISSUE_STATUSES).optional(), q: z.string().optional() } },
    (args) =>
      guarded(async () => {
        // A run's token may read its own issue only: that is its whole list.
        if (opts.forRun) return text(opts.runIssueId ? [await link.call('issues.get', { issue: opts.runIssueId })].map(({ comments: _c, ...issue }) => issue) : []);
        return text((await link.call('issues.list', { status: args.status, q: args.q })).items);
      }),
  );

  server.registerTool(
    'get_issue',
    { description: 'Reads an issue with its comments (default: this run\'s issue).', inputSchema: { issue: z.string().optional() } },
    (args) => guarded(async () => text(await link.call('issues.get', { issue: issueOr(args.issue) }))),
  );

  return server;
}
