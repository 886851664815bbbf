// The desktop app's folder picker for `setup.pickFolder`: Electron's native dialog, attached to
// the app window when there is one (so it is modal to it and comes up in front).
import { dialog, type BrowserWindow, type OpenDialogOptions } from 'electron';
import type { FolderPicker } from '../host-types';

export function nativeFolderPicker(parent: () => BrowserWindow | null): FolderPicker {
  return async ({ title, defaultPath }) => {
    const options: OpenDialogOptions = { title, defaultPath, buttonLabel: 'Use this folder', properties: ['openDirectory', 'createDirectory'] };
    const window = parent();
    const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
    return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
  };
}
