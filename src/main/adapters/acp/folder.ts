// The agent's file-system and terminal requests (fs/*, terminal/*), served inside the run's
// folder only: a path that leaves it (`..`, an absolute path elsewhere, a symlink out) is refused
// with an error that names the path and the folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type {
  CreateTerminalRequest,
  ReadTextFileRequest,
  TerminalExitStatus,
  TerminalOutputResponse,
  WriteTextFileRequest,
} from '@agentclientprotocol/sdk';
import { RequestError } from '@agentclientprotocol/sdk';

const DEFAULT_OUTPUT_LIMIT = 1 << 20;

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The real path of `path`, or of its nearest existing parent joined with the rest (a file to create). */
async function realish(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    if (parent === path) return path;
    return resolve(await realish(parent), relative(parent, path));
  }
}

interface Terminal {
  child: ChildProcess;
  output: string;
  truncated: boolean;
  limit: number;
  exit: TerminalExitStatus | null;
  exited: Promise<TerminalExitStatus>;
}

export class RunFolder {
  private readonly terminals = new Map<string, Terminal>();

  constructor(readonly root: string) {}

  /** The absolute path inside the folder, or a JSON-RPC error saying why not. */
  async resolvePath(path: string): Promise<string> {
    if (!isAbsolute(path)) throw RequestError.invalidParams({ path }, `the path must be absolute (ACP): ${path}`);
    const root = await realish(this.root);
    const target = await realish(resolve(path));
    if (!inside(root, target)) throw RequestError.invalidParams({ path }, `refused: ${path} is outside the run's folder ${this.root}`);
    return target;
  }

  async readTextFile(req: ReadTextFileRequest): Promise<{ content: string }> {
    const path = await this.resolvePath(req.path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw RequestError.resourceNotFound(`${req.path}: ${(err as Error).message}`);
    }
    if (req.line == null && req.limit == null) return { content: text };
    const lines = text.split('\n');
    const start = Math.max(0, (req.line ?? 1) - 1);
    return { content: lines.slice(start, req.limit == null ? undefined : start + req.limit).join('\n') };
  }

  async writeTextFile(req: WriteTextFileRequest): Promise<Record<string, never>> {
    const path = await this.resolvePath(req.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, req.content, 'utf8');
    return {};
  }

  async createTerminal(req: CreateTerminalRequest): Promise<{ terminalId: string }> {
    const cwd = req.cwd ? await this.resolvePath(req.cwd) : this.root;
    const env = { ...process.env, ...Object.fromEntries((req.env ?? []).map((e) => [e.name, e.value])) };
    // Its own pipes (never our stdout: that is the run's record); stdin closed.
    const child = spawn(req.command, req.args ?? [], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const id = randomUUID();
    const term: Terminal = { child, output: '', truncated: false, limit: req.outputByteLimit ?? DEFAULT_OUTPUT_LIMIT, exit: null, exited: null as never };
    const take = (chunk: Buffer) => {
      term.output += chunk.toString('utf8');
      if (Buffer.byteLength(term.output) > term.limit) {
        // Kept from the end, at a character boundary (the spec: truncate from the beginning).
        const buf = Buffer.from(term.output);
        let from = buf.length - term.limit;
        while (from < buf.length && (buf[from] & 0xc0) === 0x80) from++;
        term.output = buf.subarray(from).toString('utf8');
        term.truncated = true;
      }
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    term.exited = new Promise((done) => {
      child.on('error', (err) => {
        take(Buffer.from(`${err.message}\n`));
        term.exit = { exitCode: 127, signal: null };
        done(term.exit);
      });
      child.on('close', (code, signal) => {
        term.exit ??= { exitCode: code, signal };
        done(term.exit);
      });
    });
    this.terminals.set(id, term);
    return { terminalId: id };
  }

  private terminal(id: string): Terminal {
    const t = this.terminals.get(id);
    if (!t) throw RequestError.resourceNotFound(`no terminal ${id}`);
    return t;
  }

  output(id: string): TerminalOutputResponse {
    const t = this.terminal(id);
    return { output: t.output, truncated: t.truncated, exitStatus: t.exit };
  }

  waitForExit(id: string): Promise<TerminalExitStatus> {
    return this.terminal(id).exited;
  }

  kill(id: string): Record<string, never> {
    const t = this.terminal(id);
    if (!t.exit) t.child.kill('SIGKILL');
    return {};
  }

  release(id: string): Record<string, never> {
    const t = this.terminals.get(id);
    if (t && !t.exit) t.child.kill('SIGKILL');
    this.terminals.delete(id);
    return {};
  }

  /** The run is over: no terminal outlives it. */
  closeAll(): void {
    for (const id of [...this.terminals.keys()]) this.release(id);
  }
}
