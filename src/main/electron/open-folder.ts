// In the desktop app an issue's worktree opens in the file manager through Electron's shell;
// the editor and the terminal are started the way `vigil serve` starts them.
import type { Shell } from 'electron';
import { systemOpener, type FolderOpener } from '../workspaces/open';

export function electronOpener(shell: Pick<Shell, 'openPath'>, fallback: FolderOpener = systemOpener()): FolderOpener {
  return async (path, target) => {
    if (target !== 'files') return fallback(path, target);
    const error = await shell.openPath(path);
    if (error) throw new Error(error);
    return 'the file manager';
  };
}
