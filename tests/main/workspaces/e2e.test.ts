// Worktrees through the real `vigil` CLI and a real `vigil serve`: the host and the agent are
// SIGKILLed mid-run with uncommitted changes in the worktree; after the restart the retry runs
// in the same worktree and the changes are still there. Then diff, merge and discard by CLI.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import type { IssueDiffDto, RunDto } from '../../../src/shared/contract';
import { ensureBuilt, startServe, tempDataDir, vigil, type Served } from '../../helpers/serve';
import { describeEachStore, freshPgDatabase } from '../../helpers/stores';
import { pidAlive, waitFor } from '../../helpers/host';
import { makeRepo, sh } from '../../helpers/git-repo';

beforeAll(() => ensureBuilt(), 600_000);

// First run: edits a tracked file, adds an untracked one, then works "forever".
// The retry: finds that work where it left it, says where it runs, and ends.
const AGENT = [
  'if [ -e progress.txt ]; then echo "retry in $(pwd)"; echo "found: $(cat progress.txt)"; exit 0; fi',
  "printf 'edited by the agent\\n' >> greeting.txt",
  'echo half-done > progress.txt',
  'sleep 600',
].join('; ');

describeEachStore('worktrees across a host crash, by CLI', (kind) => {
  let served: Served | null = null;
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    await served?.stop();
    served = null;
    for (const c of cleanups.splice(0)) c();
  });

  it('the retry after SIGKILL runs in the same worktree with the uncommitted changes; diff, merge, discard', async () => {
    const data = tempDataDir();
    const repo = makeRepo({ 'greeting.txt': 'hello\n' });
    const plain = mkdtempSync(join(tmpdir(), 'vigil-plain-'));
    cleanups.push(data.cleanup, repo.cleanup, () => rmSync(plain, { recursive: true, force: true }));
    const env = kind === 'postgres' ? { DATABASE_URL: await freshPgDatabase() } : {};
    const run = (...args: string[]) => vigil(args, { dataDir: data.dir, env });
    const cli = async (...args: string[]) => {
      const r = await run(...args, '--json');
      if (r.code !== 0) throw new Error(`vigil ${args.join(' ')}: ${r.stderr}`);
      return JSON.parse(r.stdout);
    };
    served = await startServe({ dataDir: data.dir, env });

    const refused = await run('agent', 'add', 'nope', '--adapter', 'process', '--command', 'true', '--cwd', plain, '--workspace', 'worktree');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^vigil: .*--workspace worktree needs a git repository: .* is not a git repository/);
    expect((await run('agent', 'add', 'nope', '--adapter', 'process', '--command', 'true', '--workspace', 'elsewhere')).code).toBe(2);

    await cli('agent', 'add', 'worker', '--adapter', 'process', '--command', AGENT, '--cwd', repo.dir, '--workspace', 'worktree');
    expect((await cli('agent', 'show', 'worker')).workspace).toBe('worktree');
    const issue = (await cli('issue', 'create', 'Edit the greeting', '--assign', 'worker')).identifier as string;
    const first = await waitFor(async () => {
      const runs = (await cli('run', 'list', '--issue', issue)).items as RunDto[];
      return runs[0]?.status === 'running' ? runs[0] : null;
    }, 60_000, 'the first run to run');
    const path = join(data.dir, 'workspaces', issue);
    await waitFor(() => existsSync(join(path, 'progress.txt')), 30_000, 'the agent to write');

    // The host and the agent die at once.
    await served.kill();
    served = null;
    try {
      process.kill(-first.processGroupId!, 'SIGKILL');
    } catch {
      /* already gone with its terminal */
    }
    await waitFor(() => !pidAlive(first.processPid!), 10_000, 'the agent to die');
    expect(readFileSync(join(path, 'greeting.txt'), 'utf8')).toBe('hello\nedited by the agent\n');

    served = await startServe({ dataDir: data.dir, env });
    const retry = await waitFor(async () => {
      const runs = (await cli('run', 'list', '--issue', issue)).items as RunDto[];
      const r = runs.find((x) => x.retryOfRunId === first.id);
      return r && r.status === 'succeeded' ? r : null;
    }, 60_000, 'the retry to succeed');
    expect(retry.retryReason).toBe('process_loss');
    const log = (await run('run', 'logs', retry.id)).stdout;
    expect(log).toContain(`retry in ${path}`);
    expect(log).toContain('found: half-done');
    expect(readFileSync(join(path, 'greeting.txt'), 'utf8')).toBe('hello\nedited by the agent\n');

    // The diff, as JSON and for a person.
    const diff = (await cli('issue', 'diff', issue, '--stat')) as IssueDiffDto;
    expect(diff.files.map((f) => [f.path, f.change, f.additions, f.deletions])).toEqual([
      ['greeting.txt', 'modified', 1, 0],
      ['progress.txt', 'added', 1, 0],
    ]);
    expect(diff.patch).toBeNull();
    const text = await run('issue', 'diff', issue);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`vigil/${issue}-edit-the-greeting (from main) in ${path}`);
    expect(text.stdout).toMatch(/\+1 -0\s+modified\s+greeting\.txt/);
    expect(text.stdout).toContain('+edited by the agent');
    expect((await run('workspace', 'list')).stdout).toContain(path);

    // Discard asks first: without a terminal to ask on, --yes is required.
    const noYes = await run('issue', 'discard', issue);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain('--yes');
    expect(existsSync(path)).toBe(true);

    // Merge: the agent's uncommitted changes are committed naming the issue, then fast-forwarded.
    const merged = await run('issue', 'merge', issue);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toContain('fast-forwarded main');
    expect(sh(repo.dir, ['log', '-1', '--format=%s', 'main'])).toBe(`${issue}: Edit the greeting`);
    expect(readFileSync(join(repo.dir, 'greeting.txt'), 'utf8')).toBe('hello\nedited by the agent\n');
    expect(sh(repo.dir, ['status', '--porcelain'])).toBe('');
    expect(existsSync(path)).toBe(false);
    const again = await run('issue', 'merge', issue);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('has no active worktree');
  }, 300_000);
});
