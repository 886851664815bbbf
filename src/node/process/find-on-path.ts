// Where a command name leads, as a shell would find it: the first executable file of that name in
// PATH's folders. One lookup for every part that asks (agent checks, doctor, the folder opener,
// containment's systemd tools, the spawn).
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The executable `name` resolves to on `pathVar`, or null (first match wins; an absolute name is checked as it is). */
export function findOnPath(name: string, pathVar: string | undefined = process.env.PATH): string | null {
  if (isAbsolute(name)) return isExecutableFile(name) ? name : null;
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}
