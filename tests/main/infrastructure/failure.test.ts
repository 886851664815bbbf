// Infrastructure failures in words, and the rule that they never cost an issue its retry.
import { describe, expect, it } from 'vitest';
import { diskFullWords, failureInWords, isInfrastructureFailure } from '../../../src/main/infrastructure/failure';

describe('failures in words', () => {
  it('says a full disk with the folder and the fix, whatever form it comes in', () => {
    const node = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    expect(failureInWords(node, '/home/me/.vigil')).toBe('the disk holding /home/me/.vigil is full: free space there and Vigil resumes by itself');
    const pg = new Error('Failed query: insert into ...', { cause: new Error('could not extend file "base/5/16384": No space left on device') });
    expect(failureInWords(pg)).toBe(diskFullWords(null));
    expect(failureInWords(pg)).not.toMatch(/base\/5|insert/);
  });

  it('never shows SQL or PostgreSQL file paths', () => {
    expect(failureInWords(new Error('Failed query: select secret from t'))).toBe('a database query failed');
    expect(failureInWords(new Error('could not read block 0 in file "base/5/16390": read only 0 of 8192 bytes'))).toBe('could not read block 0 in file a database file: read only 0 of 8192 bytes');
  });
});

describe('infrastructure failures do not spend a retry', () => {
  it('classifies the machine\'s failures as infrastructure and the agent\'s as its own', () => {
    expect(isInfrastructureFailure({ errorCode: 'log_write_failed', error: 'Could not write the run log: the disk is full' })).toBe(true);
    expect(isInfrastructureFailure({ errorCode: 'spawn_failed', error: 'ENOSPC: no space left on device, write' })).toBe(true);
    expect(isInfrastructureFailure({ errorCode: 'process_lost', error: 'the pty host died' })).toBe(true);
    expect(isInfrastructureFailure({ errorCode: 'host_shutdown' })).toBe(true);
    expect(isInfrastructureFailure({ errorCode: 'adapter_failed', error: 'write /tmp/x: no space left on device' })).toBe(true);
    expect(isInfrastructureFailure({ errorCode: 'adapter_failed', error: 'exit code 1' })).toBe(false);
    expect(isInfrastructureFailure({ errorCode: 'timeout', error: null })).toBe(false);
    expect(isInfrastructureFailure({ errorCode: 'cancelled', error: null })).toBe(false);
    expect(isInfrastructureFailure({ errorCode: null })).toBe(false);
  });
});
