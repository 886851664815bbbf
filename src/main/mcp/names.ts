// The names Claude Code sees Vigil's MCP server and its permission tool by (kept apart from the
// server so the host can name them without loading the MCP SDK).
export const MCP_SERVER_NAME = 'vigil';
/** The permission-prompt tool's name; Claude Code calls it as mcp__vigil__permission_prompt. */
export const PERMISSION_TOOL = 'permission_prompt';
