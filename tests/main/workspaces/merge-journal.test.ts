// A host killed (SIGKILL, with or without its git) at chosen steps of a merge of thousands of
// changed files, then the start-up reconcile: the user's checkout is byte for byte as before or as
// merged, matching its branch, no lock of ours is left, and the user's own local file is intact.
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishMerges } from '../../../src/main/workspaces/merge-recovery';
import { makeRepo, sh } from '../../helpers/git-repo';

const FIXTURES = new URL('../../fixtures/workspaces/', import.meta.url).pathname;
const REAL_GIT = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let root = '';
let template = '';

/** Every file of a folder (outside .git) and its content hash. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === '.git') continue;
      if (e.isDirectory()) walk(r);
      else out.set(r, createHash('sha1').update(readFileSync(join(dir, r))).digest('hex'));
    }
  };
  walk('');
  return out;
}

function locksUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.lock')) found.push(join(d, e.name));
    }
  };
  walk(dir);
  return found;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'vigil-merge-kill-'));
  // A repository of 1,500 files and an issue worktree that changes 1,000, deletes 100, adds 200
  // (the additions left uncommitted, as agents do).
  const files: Record<string, string> = {};
  for (let i = 0; i < 1500; i++) files[`src/d${i % 30}/f${i}.txt`] = `file ${i}\n`.repeat(20);
  const repo = makeRepo(files);
  template = join(root, 'template');
  cpSync(repo.dir, join(template, 'repo'), { recursive: true });
  repo.cleanup();
  const r = join(template, 'repo');
  sh(r, ['worktree', 'add', '--quiet', '-b', 'vigil/VIG-1', join(template, 'wt')]);
  const wt = join(template, 'wt');
  for (let i = 0; i < 1000; i++) writeFileSync(join(wt, `src/d${i % 30}/f${i}.txt`), `changed by the agent ${i}\n`.repeat(20));
  for (let i = 1000; i < 1100; i++) unlinkSync(join(wt, `src/d${i % 30}/f${i}.txt`));
  sh(wt, ['add', '--all']);
  sh(wt, ['commit', '--quiet', '-m', 'agent work']);
  for (let i = 0; i < 200; i++) {
    mkdirSync(join(wt, `new/n${i % 10}`), { recursive: true });
    writeFileSync(join(wt, `new/n${i % 10}/a${i}.txt`), `added ${i}\n`);
  }
  // The user's own work in progress, on a path the merge does not touch.
  writeFileSync(join(r, 'my-notes.txt'), 'mine\n');
}, 300_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

type Kill = 'host' | 'host+git';

async function killAt(step: string, kill: Kill, delayMs: number) {
  const dir = join(root, `${step}-${kill.replace('+', '-')}`);
  cpSync(template, dir, { recursive: true });
  const repo = join(dir, 'repo');
  const wt = join(dir, 'wt');
  // cpSync keeps absolute worktree links pointing at the template: repoint them.
  writeFileSync(join(wt, '.git'), `gitdir: ${join(repo, '.git/worktrees/wt')}\n`);
  writeFileSync(join(repo, '.git/worktrees/wt/gitdir'), `${join(wt, '.git')}\n`);
  const before = snapshot(repo);
  const after = new Map([...snapshot(wt)].filter(([p]) => p !== '.git'));
  after.set('my-notes.txt', before.get('my-notes.txt')!);
  const oldTip = sh(repo, ['rev-parse', 'main']);
  const journal = join(dir, 'merges');
  const mark = join(dir, 'mark');
  const host = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, 'merge-host.ts'), repo, wt, 'vigil/VIG-1', journal], {
    env: { ...process.env, PATH: `${FIXTURES}:${process.env.PATH}`, VIGIL_TEST_REAL_GIT: REAL_GIT, VIGIL_TEST_GIT_STEP: step, VIGIL_TEST_GIT_MARK: mark },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  host.stdout.on('data', (d: Buffer) => (out += d.toString()));
  host.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => host.on('exit', r));
  const deadline = Date.now() + 30_000;
  while (!existsSync(mark) && Date.now() < deadline && host.exitCode === null) await sleep(5);
  expect(existsSync(mark), `the merge never ran git ${step}: ${out}`).toBe(true);
  await sleep(delayMs);
  const gitPid = Number(readFileSync(mark, 'utf8').split('\n')[0]);
  host.kill('SIGKILL');
  if (kill === 'host+git') {
    try {
      process.kill(gitPid, 'SIGKILL');
    } catch {
      // already done
    }
  }
  await exited;

  const { results } = await finishMerges(journal);
  const tip = sh(repo, ['rev-parse', 'main']);
  const now = snapshot(repo);
  const state = tip === oldTip ? 'before' : 'after';
  const expected = state === 'before' ? before : after;
  const differing = [...new Set([...now.keys(), ...expected.keys()])].filter((p) => now.get(p) !== expected.get(p));
  expect(differing.slice(0, 5), `${step}/${kill}: checkout is neither before nor after (${differing.length} paths differ, main ${state})`).toEqual([]);
  expect(locksUnder(join(repo, '.git'))).toEqual([]);
  expect(sh(repo, ['status', '--porcelain', '--untracked-files=all'])).toBe('?? my-notes.txt');
  if (state === 'after') expect(sh(repo, ['merge-base', '--is-ancestor', 'vigil/VIG-1', 'main'])).toBe('');
  expect(existsSync(journal) ? readdirSync(journal).filter((f) => f.endsWith('.json')) : []).toEqual([]);
  return { state, results: results.map((r) => r.kind) };
}

describe('a merge killed at any step leaves the checkout before or after', () => {
  const cases: [string, Kill, number][] = [
    ['add', 'host+git', 0],
    ['commit', 'host+git', 0],
    ['checkout-index', 'host', 30],
    ['checkout-index', 'host+git', 60],
    ['update-ref', 'host+git', 0],
  ];
  for (const [step, kill, delay] of cases) {
    it(`killed during git ${step} (${kill})`, async () => {
      const { state, results } = await killAt(step, kill, delay);
      console.log(`${step}/${kill}: ${state}, reconcile: ${results.join(',') || 'nothing'}`);
    }, 60_000);
  }
});
