// vigil mcp: Vigil as an MCP server on stdio, for the agents Vigil starts (their run token
// scopes it to their issue) and for a person's own MCP clients (Claude Desktop, Cursor).
// stdout carries the protocol only: everything else goes to stderr.
import { controlSocketPath } from '../../node/paths';
import type { Command } from '../command';

export const mcpCommand: Command = {
  name: 'mcp',
  args: [],
  options: {},
  summary: "Serve Vigil's issues and a person's answers over MCP on stdio (for Claude Code, Claude Desktop, Cursor...).",
  async run(ctx) {
    // Loaded here: the MCP SDK and zod are for this verb only, not every `vigil` call.
    const [{ StdioServerTransport }, { hostLink }, { createVigilMcpServer }] = await Promise.all([
      import('@modelcontextprotocol/sdk/server/stdio.js'),
      import('../mcp/host-link'),
      import('../mcp/server'),
    ]);
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
