// The adapters by type: how each kind of agent is started and how its output is read. Adding an
// adapter: its module (info, command line, parser), its name in ADAPTER_TYPES (src/shared/domain.ts)
// and one line here; the first-run card, `vigil doctor`, the agent form and `vigil agent add --help`
// read this list.
import type { AdapterType } from '../../shared/domain';
export { capabilityWords } from '../../shared/adapter-capabilities';
import { acpAdapter } from './acp/adapter';
import { ampLocalAdapter } from './amp-local';
import { claudeLocalAdapter } from './claude-local';
import { codexLocalAdapter } from './codex-local';
import { copilotLocalAdapter } from './copilot-local';
import { cursorLocalAdapter } from './cursor-local';
import { droidLocalAdapter } from './droid-local';
import { geminiLocalAdapter } from './gemini-local';
import { opencodeLocalAdapter } from './opencode-local';
import { processAdapter } from './process';
import { qwenLocalAdapter } from './qwen-local';
import type { Adapter } from './types';

export { buildPrompt } from './prompt';
export type * from './types';

const ADAPTERS: Record<AdapterType, Adapter> = {
  process: processAdapter,
  claude_local: claudeLocalAdapter,
  codex_local: codexLocalAdapter,
  gemini_local: geminiLocalAdapter,
  qwen_local: qwenLocalAdapter,
  opencode_local: opencodeLocalAdapter,
  cursor_local: cursorLocalAdapter,
  copilot_local: copilotLocalAdapter,
  amp_local: ampLocalAdapter,
  droid_local: droidLocalAdapter,
  acp: acpAdapter,
};

export function getAdapter(type: AdapterType): Adapter {
  const adapter = ADAPTERS[type];
  if (!adapter) throw new Error(`unknown adapter type: ${String(type)}`);
  return adapter;
}

/** Every adapter, in the order they are offered. */
export function listAdapters(): Adapter[] {
  return Object.values(ADAPTERS);
}
