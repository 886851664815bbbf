// Where Vigil keeps its data: --data-dir, else $VIGIL_HOME, else the desktop app's userData
// folder, so the CLI and the app share one database by default.
const { join, resolve } = process.getBuiltinModule('node:path');

// `vigil` loads this file on every call: crypto and os are taken only when a path needs them
// (each built-in module costs the CLI milliseconds to load; see docs/performance.md).
const homedir = () => process.getBuiltinModule('node:os').homedir();
const tmpdir = () => process.getBuiltinModule('node:os').tmpdir();
const shortKey = (dataDir: string) => process.getBuiltinModule('node:crypto').createHash('sha256').update(dataDir).digest('hex').slice(0, 16);

export const APP_NAME = 'Vigil';

export function defaultUserDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_NAME);
}

export function resolveDataDir(flag?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.VIGIL_HOME) return resolve(env.VIGIL_HOME);
  return defaultUserDataDir(process.platform, env);
}

/**
 * The control socket lives in the data folder; a unix socket path is limited to ~104 bytes,
 * so a deep folder gets a per-user private folder in the temp dir instead, keyed by its path.
 */
export function controlSocketPath(dataDir: string): string {
  return socketPathIn(dataDir, 'vigil');
}

/** The pty host's socket (src/ptyhost/): the same placement rules as the control socket. */
export function ptyHostSocketPath(dataDir: string): string {
  return socketPathIn(dataDir, 'ptyhost');
}

function socketPathIn(dataDir: string, name: string): string {
  if (process.platform === 'win32') {
    return `\\\\.\\pipe\\${name}-${shortKey(dataDir)}`;
  }
  const inDir = join(dataDir, `${name}.sock`);
  if (Buffer.byteLength(inDir) <= 100) return inDir;
  const uid = process.getuid?.() ?? 0;
  const key = shortKey(dataDir);
  return join(tmpdir(), `vigil-${uid}`, name === 'vigil' ? `${key}.sock` : `${key}.${name}.sock`);
}

export const logsDirOf = (dataDir: string) => join(dataDir, 'logs');
export const backupsDirOf = (dataDir: string) => join(dataDir, 'backups');
export const lockPathOf = (dataDir: string) => join(dataDir, 'vigil.lock');
/** The pty host's identity file: pid, start identity, boot id, protocol version (a lock file). */
export const ptyHostIdentityPathOf = (dataDir: string) => join(dataDir, 'ptyhost.json');
/** Where a pty host writes what it has to say when no host is there to hear it. */
export const ptyHostLogPathOf = (dataDir: string) => join(dataDir, 'ptyhost.log');
/** The host's own log (src/main/host-log.ts): failures of background loops, rotated to host.log.1. */
export const hostLogPathOf = (dataDir: string) => join(dataDir, 'host.log');
