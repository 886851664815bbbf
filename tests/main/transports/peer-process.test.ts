// How the control socket learns who is calling: SO_PEERCRED through the native addon (built by
// `npm ci`), `ss` where the addon is missing, and what neither lets a run's process do.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { controlSocketPath } from '../../../src/node/paths';
import { startControlSocket, type ControlSocket } from '../../../src/main/transports/control-socket';
import { peerLookupMethod, peerPids, usePeerCredAddon } from '../../../src/main/transports/peer-process';
import { fakeHost } from '../../helpers/transports-fake-host';

const linux = process.platform === 'linux';

describe.runIf(linux)('the peer of a control-socket connection (Linux)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-peer-'));
  });
  afterEach(() => {
    usePeerCredAddon(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is read with SO_PEERCRED through the addon npm ci builds, not by spawning ss', () => {
    expect(peerLookupMethod()).toBe('peercred');
  });

  /** A server; a child process connects and stays until told to go. Resolves with both ends. */
  const acceptFromChild = async (): Promise<{ server: Server; accepted: Socket; child: ReturnType<typeof spawn> }> => {
    const path = join(dir, 's');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const child = spawn(process.execPath, ['-e', "require('node:net').createConnection(process.argv[1]); process.stdin.resume(); process.stdin.on('end', () => process.exit(0))", path], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    return { server, accepted: await accepted, child };
  };

  for (const method of ['peercred', 'ss'] as const) {
    it(`names the process that connected (${method})`, async () => {
      usePeerCredAddon(method === 'peercred');
      expect(peerLookupMethod()).toBe(method);
      const { server, accepted, child } = await acceptFromChild();
      try {
        const found = await peerPids(accepted);
        expect(found).toEqual({ kind: 'found', pids: [child.pid] });
      } finally {
        child.stdin!.end();
        accepted.destroy();
        server.close();
      }
    }, 30_000);
  }

  describe('through the control socket', () => {
    let server: ControlSocket;
    let path: string;
    beforeEach(async () => {
      path = controlSocketPath(dir);
      server = await startControlSocket(fakeHost(), path);
    });
    afterEach(async () => {
      await server.close();
    });

    /**
     * A run's process (VIGIL_RUN_ID=r1) connects, hands the connection to a detached process
     * without the cookie, and exits before the host accepts (spawnSync holds this event loop, where
     * the host runs, until then). The heir then asks as the user. Returns its answer.
     */
    const handOff = async (): Promise<{ ok: boolean; error?: { code: string; message: string } }> => {
      const answerFile = join(dir, 'answer.json');
      const heir = `
        const s = new (require('node:net').Socket)({ fd: 3, readable: true, writable: true });
        let buf = '';
        // Written whole, then renamed: the test reads the file as soon as it exists.
        const answer = (text) => { require('node:fs').writeFileSync(process.argv[1] + '.tmp', text); require('node:fs').renameSync(process.argv[1] + '.tmp', process.argv[1]); process.exit(0); };
        s.on('data', (d) => { buf += d; if (buf.includes('\\n')) answer(buf.split('\\n')[0]); });
        s.on('close', () => answer(buf || '{"closed":true}'));
        s.write(JSON.stringify({ id: 1, method: 'agents.list', params: {} }) + '\\n');`;
      const runProcess = `
        const c = require('node:net').createConnection(process.argv[1]);
        c.on('connect', () => {
          const env = { ...process.env }; delete env.VIGIL_RUN_ID;
          const child = require('node:child_process').spawn(process.execPath, ['-e', process.env.HEIR, process.argv[2]], { detached: true, env, stdio: ['ignore', 'ignore', 'ignore', c] });
          child.unref(); process.exit(0);
        });`;
      const r = spawnSync(process.execPath, ['-e', runProcess, path, answerFile], {
        env: { PATH: process.env.PATH ?? '', VIGIL_RUN_ID: 'r1', HEIR: heir },
        stdio: ['ignore', 'ignore', 'inherit'],
        timeout: 20_000,
      });
      expect(r.status).toBe(0);
      const deadline = Date.now() + 20_000;
      while (!existsSync(answerFile) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      return JSON.parse(readFileSync(answerFile, 'utf8'));
    };

    it("refuses a connection a run's process handed to a process outside its run before exiting", async () => {
      expect(peerLookupMethod()).toBe('peercred');
      const answer = await handOff();
      expect(answer).toMatchObject({ ok: false, error: { code: 'unauthorized', message: expect.stringContaining('could not identify') } });
    }, 60_000);
  });
});
