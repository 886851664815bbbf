// A run's "last output" as a person reads it: what the agent last said, never its wire format.
// Coding agents print stream-JSON; their own adapter's parser reads the line the pty host kept
// and the last thing it says (a message, a tool it runs, its result) stands in for it.
import type { AdapterType } from '../../shared/domain';
import { getAdapter } from '../adapters';

/** Event types that are something the agent said or did, in the order they are preferred. */
const SPOKEN = new Set(['assistant', 'result', 'tool_use', 'error', 'input_request', 'tool_error']);

export function spokenLine(adapterType: AdapterType | null, line: string | null): string | null {
  if (line === null) return null;
  const trimmed = line.trim();
  if (!adapterType || adapterType === 'process' || !trimmed.startsWith('{')) return line;
  try {
    const parser = getAdapter(adapterType).createParser();
    const events = [...parser.push(Buffer.from(`${trimmed}\r\n`)), ...parser.end()];
    const said = events.filter((e) => SPOKEN.has(e.type) && e.message?.trim()).at(-1);
    if (said?.message) return said.message.trim().split('\n')[0].slice(0, 500);
    const summary = parser.result().summary;
    return summary?.trim() ? summary.trim().split('\n')[0].slice(0, 500) : null;
  } catch {
    return null;
  }
}
