// Opening an issue's worktree for the user: in the editor, a terminal or the file manager. The
// desktop app passes Electron's shell for the file manager; `vigil serve` does its best with
// what the machine has: $VISUAL, else VS Code's `code`, for the editor; $TERMINAL, else
// x-terminal-emulator, for a terminal; xdg-open (open on macOS) for the file manager.
import { spawn } from 'node:child_process';
import type { OpenTarget } from '../../shared/contract';
import { findOnPath } from '../../node/process/find-on-path';

/** Opens `path`; resolves with what it launched, rejects with a sentence saying why not. */
export type FolderOpener = (path: string, target: OpenTarget) => Promise<string>;

const onPath = (name: string, env: NodeJS.ProcessEnv): string | null => findOnPath(name, env.PATH);

/** Starts a program detached from Vigil (it outlives the host); resolves once it started. */
function launch(file: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, detached: true, stdio: 'ignore' });
    child.once('error', (err) => reject(new Error(`could not start ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : err.message}`)));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

/** The command of an editor variable ("code --wait", "subl -n"): words, no shell. */
const words = (text: string) => text.trim().split(/\s+/).filter(Boolean);

export function systemOpener(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): FolderOpener {
  return async (path, target) => {
    if (target === 'files') {
      const file = platform === 'darwin' ? 'open' : 'xdg-open';
      await launch(file, [path], path);
      return file;
    }
    if (target === 'editor') {
      const chosen = env.VISUAL ? words(env.VISUAL) : onPath('code', env) ? ['code'] : null;
      if (!chosen) throw new Error('no editor found: set $VISUAL (e.g. VISUAL=code) or put VS Code\'s `code` on PATH');
      await launch(chosen[0], [...chosen.slice(1), path], path);
      return chosen.join(' ');
    }
    if (platform === 'darwin') {
      await launch('open', ['-a', 'Terminal', path], path);
      return 'open -a Terminal';
    }
    const terminal = env.TERMINAL ? words(env.TERMINAL) : onPath('x-terminal-emulator', env) ? ['x-terminal-emulator'] : null;
    if (!terminal) throw new Error('no terminal found: set $TERMINAL (e.g. TERMINAL=gnome-terminal)');
    await launch(terminal[0], terminal.slice(1), path);
    return terminal.join(' ');
  };
}
