// Folders this browser (or window) made agents for, newest first: offered again by the folder
// chooser. Kept on this machine only, like the theme.
const KEY = 'vigil.recentFolders';
const MAX = 5;

export function recentFolders(): string[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string').slice(0, MAX) : [];
  } catch {
    return [];
  }
}

export function rememberFolder(path: string): void {
  try {
    localStorage.setItem(KEY, JSON.stringify([path, ...recentFolders().filter((p) => p !== path)].slice(0, MAX)));
  } catch {
    // storage may be off (private mode): nothing to remember then
  }
}
