// vigil serve: the host in the foreground, without Electron, reachable through the control
// socket and the web UI. Stops cleanly on SIGINT/SIGTERM/SIGHUP.
import { controlSocketPath } from '../../node/paths';
import type { ControlSocket } from '../../main/transports/control-socket';
import type { WebServer } from '../../main/transports/web-server';
import { removeWebAddress, writeWebAddress } from '../web-address';
import { str, UsageError, wholeNumber, type Command } from '../command';
const { existsSync } = process.getBuiltinModule('node:fs');
const { join } = process.getBuiltinModule('node:path');

export const DEFAULT_PORT = 4777;
/** If something still holds the event loop after a clean shutdown, exit anyway after this. */
const EXIT_GRACE_MS = 5000;

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export const serveCommand: Command = {
  name: 'serve',
  args: [],
  options: {
    port: { type: 'string', value: 'N', help: `web UI port (default ${DEFAULT_PORT}; 0 picks a free one)` },
    host: { type: 'string', value: 'ADDR', help: 'web UI address, loopback only (default 127.0.0.1)' },
    'max-concurrent': { type: 'string', value: 'N', help: 'runs at once across all agents (default 4)' },
    'keep-logs': { type: 'string', value: 'N', help: "keep the newest N run logs per agent (default 200); older runs say their log was pruned" },
    'keep-log-mb': { type: 'string', value: 'MB', help: 'keep at most MB of run logs per agent (default 1024)' },
    'machine-id': { type: 'string', value: 'ID', help: "team mode: this machine's id (default $VIGIL_MACHINE_ID, else one derived from /etc/machine-id and the hostname)" },
    'machine-name': { type: 'string', value: 'NAME', help: 'team mode: the name people see (default $VIGIL_MACHINE_NAME, else the machine id if given, else the hostname)' },
    'keep-agents': {
      type: 'boolean',
      help: 'on stop, leave running agents in the pty host for the next `vigil serve` to take back (a planned restart)',
    },
  },
  summary: 'Run the Vigil host in the foreground (no desktop app needed).',
  async run(ctx, { opts }) {
    const port = wholeNumber(opts, 'port', 'a port number (0 picks a free one)') ?? DEFAULT_PORT;
    if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
    const bindHost = str(opts, 'host') ?? '127.0.0.1';
    // Loaded here, not at the top: the other commands start faster without the host's modules.
    const [{ startControlSocket }, { isLoopbackHost }, { startWebServer }] = await Promise.all([
      import('../../main/transports/control-socket'),
      import('../../main/transports/web-auth'),
      import('../../main/transports/web-server'),
    ]);
    if (!isLoopbackHost(bindHost)) throw new UsageError(`--host must be a loopback address (127.0.0.1, ::1 or localhost), got '${bindHost}'`);
    const maxConcurrentRuns = wholeNumber(opts, 'max-concurrent', 'a whole number of at least 1', 1);
    const keepLogs = wholeNumber(opts, 'keep-logs', 'a whole number of at least 1', 1);
    const keepLogMb = wholeNumber(opts, 'keep-log-mb', 'a whole number of at least 1', 1);
    const machineId = str(opts, 'machine-id') ?? (process.env.VIGIL_MACHINE_ID || undefined);
    const machineName = str(opts, 'machine-name') ?? (process.env.VIGIL_MACHINE_NAME || undefined);
    for (const [option, value] of [['--machine-id', machineId], ['--machine-name', machineName]] as const) {
      if (value !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/.test(value)) {
        throw new UsageError(`${option} must be 1-100 letters, digits, _ . : or - (starting with a letter or digit), got '${value}'`);
      }
    }
    // Tests use a short lease; people keep the default.
    const leaseMs = process.env.VIGIL_MACHINE_LEASE_MS ? Number(process.env.VIGIL_MACHINE_LEASE_MS) : undefined;
    if (leaseMs !== undefined && (!Number.isInteger(leaseMs) || leaseMs < 300)) throw new UsageError(`VIGIL_MACHINE_LEASE_MS must be a whole number of milliseconds of at least 300`);
    const { out } = ctx;
    const { startHost } = await import('../../main/host');
    const { diskFullAtStartWords, isDiskFull } = await import('../../main/infrastructure/failure');
    const host = await startHost({
      dataDir: ctx.dataDir,
      databaseUrl: process.env.DATABASE_URL || undefined,
      maxConcurrentRuns,
      cliPath: ctx.install.cliPath,
      machineId,
      machineName,
      machineLeaseMs: leaseMs,
      // Agents run in the data folder's pty host, a process of its own, so they outlive this one.
      ptyHost: { runtime: process.execPath, script: ctx.install.ptyHostScript },
      dbTemplate: ctx.install.dbTemplate,
      logRetention: { maxRunsPerAgent: keepLogs, maxBytesPerAgent: keepLogMb === undefined ? undefined : keepLogMb * 1024 * 1024 },
    }).catch((err: unknown) => {
      // A full disk at start said with the folder and the fix, not `ENOSPC: ..., write`.
      // (It exits: "resumes by itself" would not be true here.)
      throw isDiskFull(err) ? new Error(`Vigil cannot start: ${diskFullAtStartWords(ctx.dataDir)}`) : err;
    });

    const socketPath = controlSocketPath(host.info.dataDir);
    const token = process.getBuiltinModule('node:crypto').randomBytes(32).toString('base64url');
    let socket: ControlSocket | null = null;
    let web: WebServer | null = null;
    try {
      socket = await startControlSocket(host, socketPath);
      const staticDir = existsSync(join(ctx.install.rendererDir, 'index.html')) ? ctx.install.rendererDir : null;
      web = await startWebServer(host, { host: bindHost, port, token, staticDir });
    } catch (err) {
      await socket?.close();
      await host.close();
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new Error(`port ${port} on ${bindHost} is in use: pick another with --port N (0 picks a free one)`);
      }
      throw err;
    }

    const log = (text: string) => process.stderr.write(`${text}\n`);
    host.events.subscribe(
      (event) => {
        if (event.event === 'host.notice') log(`[${event.data.level}] ${event.data.message}`);
      },
      { events: ['host.notice'] },
    );
    // The token rides in the fragment: a browser never sends it to any server; the page keeps it.
    const readyUrl = `${web.url}#token=${token}`;
    writeWebAddress(host.info.dataDir, { url: readyUrl, pid: process.pid });
    if (out.json) {
      out.document({ url: readyUrl, socketPath, dataDir: host.info.dataDir, database: host.info.databaseKind, machineId: host.info.hostId, machineName: host.info.machineName, pid: process.pid, notices: host.info.notices });
    } else {
      // The one place the token is ever printed; one write, so a reader gets the block whole.
      out.line(
        [
          `Vigil ready: ${readyUrl}`,
          `  socket:   ${socketPath}`,
          `  data dir: ${host.info.dataDir}`,
          `  database: ${host.info.databaseKind}`,
          `  machine:  ${host.info.machineName} (${host.info.hostId})`,
          ...host.info.notices.map((notice) => `notice: ${notice}`),
        ].join('\n'),
      );
    }

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      for (const name of STOP_SIGNALS) process.once(name, resolve);
    });
    // A second signal while stopping means "now": skip the clean shutdown.
    for (const name of STOP_SIGNALS) process.once(name, () => process.exit(130));
    log(`Vigil stopping (${signal})...`);
    removeWebAddress(host.info.dataDir, process.pid);
    await web.close();
    await socket.close();
    const summary = await host.close({ keepAgents: opts['keep-agents'] === true });
    const parts = [
      summary.cancelledRuns ? `${summary.cancelledRuns} active run(s) cancelled` : '',
      summary.keptRuns ? `${summary.keptRuns} run(s) left running for the next start` : '',
    ].filter(Boolean);
    log(`Vigil stopped${parts.length ? ` (${parts.join('; ')})` : ''}.`);
    setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
  },
};
