// Runs spawned in the data folder's pty host: the pty host writes the log (redacted, byte-exact,
// sha256) and streams the logged bytes with their offsets; the engine parses them and records
// the end. A lost connection (the pty host died too) is reported per run, so recovery takes over.
// The pty host is started for the first run and let go once no run needs it.
import type { RunSession, RunSpawner, SpawnSpec } from '../heartbeat/run-process';
import { SpawnError } from '../../node/process/pty';
import type { PtySessionInfo } from '../../shared/ptyhost-protocol';
import { PtyHostRequestError, type PtyHostClient, type PtyHostSession } from './client';
import { connectOrStartPtyHost, connectPtyHost, type PtyHostLaunch } from './launch';
import { isSameProcess } from '../../node/process/identity';

export type { PtySessionInfo } from '../../shared/ptyhost-protocol';

/** A pty host session handed out: the spawner counts it held until its end is acknowledged. */
function held(s: PtyHostSession, release: () => void): RunSession {
  s.whenAcknowledged(release);
  return s;
}

export interface PtyHostSpawnerOptions {
  /**
   * With no session held for this long the host lets go of its pty host, which then exits on
   * its own (default 30 s): an idle Vigil is one process, the pty host lives while agents do.
   */
  lingerMs?: number;
  /** Where runs go when no pty host can be had (it cannot start): this process's ptys. */
  fallback?: RunSpawner;
  /** Told once why runs went to the fallback. */
  onFallback?: (message: string) => void;
  /** The watchdog pings the pty host this often, each ping answered within it (default 1 s). */
  pingMs?: number;
  /** Pings missed in a row after which the pty host is declared hung and replaced (default 3). */
  hungAfterMisses?: number;
  /** Told when a hung pty host was stopped (its runs are lost: recovery stops their agents and retries them). */
  onHung?: (message: string) => void;
}

/**
 * The host's connection to its pty host, made when a run needs it (a pty host that died, or that
 * was let go while idle, is started anew for the next run; the runs a dead one held are recovery's).
 */
export class PtyHostSpawner implements RunSpawner {
  private client: PtyHostClient | null = null;
  private connecting: Promise<PtyHostClient> | null = null;
  /** Sessions handed out and not yet acknowledged or lost. */
  private held = 0;
  private lingerTimer: NodeJS.Timeout | null = null;
  /** Bumped when a connection is lost: releases of its sessions no longer count. */
  private generation = 0;
  private fellBack = false;
  private watchdog: NodeJS.Timeout | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly launch: PtyHostLaunch,
    private readonly opts: PtyHostSpawnerOptions = {},
  ) {}

  /** Connects (or starts the pty host): throws PtyHostVersionError or a start failure. */
  connect(): Promise<PtyHostClient> {
    if (this.client && !this.client.closed) return Promise.resolve(this.client);
    this.connecting ??= connectOrStartPtyHost(this.dataDir, this.launch).then(
      (client) => this.connected(client),
      (err: unknown) => {
        this.connecting = null;
        throw err;
      },
    );
    return this.connecting;
  }

  /**
   * Connects to the pty host only if one runs (a host that crashed left agents in it): true when
   * connected. Never starts one. Throws PtyHostVersionError when the one running speaks another version.
   */
  async connectExisting(): Promise<boolean> {
    if (this.client && !this.client.closed) return true;
    const client = await connectPtyHost(this.dataDir);
    if (!client) return false;
    this.connected(client);
    return true;
  }

  private connected(client: PtyHostClient): PtyHostClient {
    this.client = client;
    this.connecting = null;
    // A lost connection loses every session it carried: none is held any more.
    client.onClose(() => {
      this.stopWatchdog(client);
      if (this.client !== client) return;
      this.held = 0;
      this.generation++;
    });
    this.watch(client);
    this.lingerIfIdle();
    return client;
  }

  /**
   * The watchdog: a `list` every pingMs, each with a deadline of pingMs. hungAfterMisses misses
   * in a row and the pty host is declared hung: SIGKILLed (if still the process that answered
   * hello), its connection dropped so its runs are lost (recovery stops their agents through
   * their cgroups or groups, and retries them once); the next run starts a new pty host.
   */
  private watch(client: PtyHostClient): void {
    const pingMs = this.opts.pingMs ?? 1000;
    const limit = this.opts.hungAfterMisses ?? 3;
    let misses = 0;
    let inFlight = false;
    this.stopWatchdog(null);
    this.watchdog = setInterval(() => {
      if (inFlight || client.closed) return;
      inFlight = true;
      client.list(pingMs).then(
        () => {
          inFlight = false;
          misses = 0;
        },
        () => {
          inFlight = false;
          // Output arriving meanwhile proves it alive, only slow to answer: not a miss.
          if (client.closed || Date.now() - client.lastHeardAt < pingMs) return;
          if (++misses < limit) return;
          this.replaceHung(client, misses * pingMs);
        },
      );
    }, pingMs);
    this.watchdog.unref();
  }

  private stopWatchdog(client: PtyHostClient | null): void {
    if (client && this.client !== client) return;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  private replaceHung(client: PtyHostClient, silentMs: number): void {
    this.stopWatchdog(null);
    const pid = client.ptyHostPid;
    if (pid > 1 && client.ptyHostStartId && isSameProcess(pid, client.ptyHostStartId)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile: nothing to stop
      }
    }
    const reason = `the pty host (pid ${pid}) stopped answering for ${Math.round(silentMs / 1000)} s and was stopped; the next run starts a new one`;
    if (this.client === client) this.client = null;
    client.abandon(reason);
    this.opts.onHung?.(`The pty host ${reason.slice('the pty host '.length)}; its runs are stopped and retried once.`);
  }

  /** The pty host's pid while connected. */
  get pid(): number | null {
    return this.client && !this.client.closed ? this.client.ptyHostPid : null;
  }

  async spawn(runId: string, spec: SpawnSpec, secrets: string[]): Promise<RunSession> {
    this.hold();
    let client: PtyHostClient;
    try {
      client = await this.connect();
    } catch (err) {
      this.release();
      if (!this.opts.fallback) throw err;
      if (!this.fellBack) {
        this.fellBack = true;
        this.opts.onFallback?.(`Agents run inside this Vigil process for now, so a crash of Vigil stops them: ${(err as Error).message}`);
      }
      return this.opts.fallback.spawn(runId, spec, secrets);
    }
    try {
      const s = await client.spawn({ session: runId, file: spec.file, args: spec.args, cwd: spec.cwd, env: spec.env, cols: spec.cols, rows: spec.rows, secrets, ...(spec.cgroup ? { cgroup: spec.cgroup } : {}) });
      return held(s, this.releaser());
    } catch (err) {
      this.release();
      // The same refusals as a local spawn (missing executable or folder): the run never started.
      if (err instanceof PtyHostRequestError && err.code === 'spawn_failed') throw new SpawnError(err.message);
      throw err;
    }
  }

  /** The sessions the pty host holds (live, and ended but not yet acknowledged); none when no pty host is connected. */
  async sessions(): Promise<PtySessionInfo[]> {
    if (!this.client || this.client.closed) return [];
    return this.client.list();
  }

  /** Takes a session back, its output streaming from log offset `from`. */
  async attach(runId: string, from: number): Promise<RunSession> {
    this.hold();
    try {
      const s = await (await this.connect()).attach(runId, from);
      return held(s, this.releaser());
    } catch (err) {
      this.release();
      throw err;
    }
  }

  private hold(): void {
    this.held++;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
  }

  private releaser(): () => void {
    const generation = this.generation;
    return () => {
      if (generation === this.generation) this.release();
    };
  }

  private release(): void {
    this.held = Math.max(0, this.held - 1);
    this.lingerIfIdle();
  }

  /** With nothing held, the connection goes after lingerMs; the pty host, left without hosts or sessions, exits. */
  private lingerIfIdle(): void {
    if (this.held > 0 || !this.client || this.lingerTimer) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = null;
      if (this.held > 0 || !this.client) return;
      const client = this.client;
      this.client = null;
      this.stopWatchdog(null);
      client.close();
    }, this.opts.lingerMs ?? 30_000);
    this.lingerTimer.unref();
  }

  /**
   * Leaves: with `stopPtyHost` the pty host is asked to exit once its (stopped) sessions are
   * acknowledged; without, it keeps the agents for the next host.
   */
  close(stopPtyHost: boolean): void {
    this.stopWatchdog(null);
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    const client = this.client;
    this.client = null;
    if (!client || client.closed) return;
    if (stopPtyHost) client.exitWhenIdle();
    client.close();
  }
}
