// Real git repositories in temp folders, for the workspace tests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function sh(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }).trim();
}

/** A repository on `main` with one commit of `files` (default: greeting.txt = "hello"). */
export function makeRepo(files: Record<string, string> = { 'greeting.txt': 'hello\n' }): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-repo-'));
  sh(dir, ['init', '--quiet', '--initial-branch', 'main']);
  sh(dir, ['config', 'user.name', 'Test User']);
  sh(dir, ['config', 'user.email', 'test@example.com']);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  sh(dir, ['add', '--all']);
  sh(dir, ['commit', '--quiet', '-m', 'initial']);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
