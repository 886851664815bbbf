// An adapter's capabilities as the short words the UI, the CLI's help and the docs show.
import type { AdapterCapabilities } from './contract';

const WORDS: [keyof AdapterCapabilities, string][] = [
  ['transcript', 'transcript'],
  ['resume', 'resume'],
  ['tokens', 'tokens'],
  ['cost', 'cost'],
  ['permissionRequests', 'permission requests'],
  ['liveInput', 'live input'],
];

export function capabilityWords(capabilities: AdapterCapabilities): string[] {
  return WORDS.filter(([key]) => capabilities[key]).map(([, word]) => word);
}
