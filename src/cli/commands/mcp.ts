// vigil mcp: Vigil as an MCP server on stdio, for the agents Vigil starts (their run token
// scopes it to their issue) and for a person's own MCP clients (Claude Desktop, Cursor).
// stdout carries the protocol only: everything else goes to stderr.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { hostLink } from '../mcp/host-link';
import { createVigilMcpServer } from '../mcp/server';
import { controlSocketPath } from '../../node/paths';
import type { Command } from '../command';

export const mcpCommand: Command = {
  name: 'mcp',
  args: [],
  options: {},
  summary: "Serve Vigil's issues and a person's answers over MCP on stdio (for Claude Code, Claude Desktop, Cursor...).",
  async run(ctx) {
    const runToken = process.env.VIGIL_RUN_TOKEN || undefined;
    const link = hostLink(controlSocketPath(ctx.dataDir), {
      runToken,
      onRetry: (message) => process.stderr.write(`vigil mcp: ${message}\n`),
    });
    const server = createVigilMcpServer({
      link,
      forRun: runToken !== undefined,
      runIssueId: process.env.VIGIL_ISSUE_ID || null,
      version: ctx.install.version,
    });
    const transport = new StdioServerTransport();
    const done = new Promise<void>((resolve) => {
      transport.onclose = () => resolve();
      process.stdin.once('end', () => resolve());
    });
    await server.connect(transport);
    await done;
    link.close();
    await server.close().catch(() => undefined);
  },
};
