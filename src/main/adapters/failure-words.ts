// A failed run's error in words: what its CLI said went wrong and, for a login it lacks, which CLI
// it is and how to log in once (its adapter's hint), rather than only an exit code.
import type { AdapterType } from '../../shared/domain';
import { getAdapter } from './index';
import { oneLine } from './text';
import type { AdapterFailure } from './types';

const SAID_CHARS = 1000;

export function failureWords(adapterType: AdapterType, failure: AdapterFailure): string {
  const said = oneLine(failure.said, SAID_CHARS);
  if (failure.kind !== 'login') return said;
  const { label, login } = getAdapter(adapterType).info;
  return `${label} is not logged in: ${login ?? 'log in once with its own CLI'}. It said: ${said}`;
}
