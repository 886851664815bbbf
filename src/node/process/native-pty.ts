// node-pty's native fork, used directly. Its public UnixTerminal destroys the pty master 200 ms
// after the child exits even when reading is paused, dropping whatever output the kernel still
// holds; Vigil must stop reading for back-pressure and still never lose a byte, so it owns the
// master fd itself (see pty.ts). Loaded lazily: importing the process layer must not need it.
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';

export interface NativeForkResult {
  /** The pty master, non-blocking. */
  fd: number;
  pid: number;
  /** The slave's device path. */
  pty: string;
}

interface NativePtyModule {
  fork(
    file: string,
    args: string[],
    env: string[],
    cwd: string,
    cols: number,
    rows: number,
    uid: number,
    gid: number,
    utf8: boolean,
    helperPath: string,
    onExit: (exitCode: number, signal: number) => void,
  ): NativeForkResult;
  resize(fd: number, cols: number, rows: number): void;
}

interface NativeBinding {
  fork: NativePtyModule['fork'];
  resize: NativePtyModule['resize'];
  /** macOS spawns through this helper (posix_spawn); Linux forks in-process and ignores it. */
  helperPath: string;
}

let binding: NativeBinding | null = null;

export function nativePty(): NativeBinding {
  if (binding) return binding;
  const require = createRequire(import.meta.url);
  const utilsPath = require.resolve('node-pty/lib/utils.js');
  const utils = require(utilsPath) as { loadNativeModule(name: string): { dir: string; module: NativePtyModule } };
  const native = utils.loadNativeModule('pty');
  if (typeof native.module?.fork !== 'function') {
    throw new Error(`node-pty at ${dirname(utilsPath)} has no native fork(): unsupported node-pty version`);
  }
  // Same resolution node-pty does, including the unpacked copy inside a packaged app.
  const helperPath = resolve(dirname(utilsPath), `${native.dir}/spawn-helper`)
    .replace(/app\.asar(?!\.unpacked)/, 'app.asar.unpacked')
    .replace(/node_modules\.asar(?!\.unpacked)/, 'node_modules.asar.unpacked');
  binding = { fork: native.module.fork.bind(native.module), resize: native.module.resize.bind(native.module), helperPath };
  return binding;
}
