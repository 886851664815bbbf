// The adapters by type: how each kind of agent is started and how its output is read.
import type { AdapterType } from '../../shared/domain';
import { claudeLocalAdapter } from './claude-local';
import { codexLocalAdapter } from './codex-local';
import { processAdapter } from './process';
import type { Adapter } from './types';

export { buildPrompt } from './prompt';
export type * from './types';

const ADAPTERS: Record<AdapterType, Adapter> = {
  process: processAdapter,
  claude_local: claudeLocalAdapter,
  codex_local: codexLocalAdapter,
};

export function getAdapter(type: AdapterType): Adapter {
  const adapter = ADAPTERS[type];
  if (!adapter) throw new Error(`unknown adapter type: ${String(type)}`);
  return adapter;
}
