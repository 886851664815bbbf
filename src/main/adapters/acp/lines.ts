// What `vigil acp-client` (the ACP client running as the run's process, client.ts) prints on its
// stdout, one JSON document per line: the run's pty carries these lines to the log, and the acp
// adapter's parser (parser.ts) reads them back. The ACP protocol itself never touches the pty:
// it runs on pipes between the client and the agent.
import type { SessionUpdate, StopReason } from '@agentclientprotocol/sdk';

export type AcpLine =
  /** The session is known (created, or loaded to resume): stored at once as the run's session. */
  | { type: 'acp.session'; sessionId: string; loaded: boolean; agent: string | null }
  /** A session to resume the agent did not know (or could not load): a new one follows. */
  | { type: 'acp.session_unknown'; sessionId: string; reason: string }
  /** A `session/update` notification's update, as the agent sent it. */
  | { type: 'acp.update'; update: SessionUpdate }
  /** A permission the agent asked for, and how it was answered. */
  | { type: 'acp.permission'; toolCallId: string | null; title: string; decision: string; optionId: string | null }
  /** The prompt turn ended. */
  | { type: 'acp.end'; stopReason: StopReason }
  /** The client or the agent failed (no prompt turn, or a broken one). */
  | { type: 'acp.error'; message: string };

export function printLine(line: AcpLine, write: (text: string) => void): void {
  write(`${JSON.stringify(line)}\n`);
}
