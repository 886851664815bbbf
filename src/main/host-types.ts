// The host as its shells (Electron main, `vigil serve`, tests, benchmarks) see it.
import type { Api } from './api';
import type { EventBus } from './event-bus';
import type { FolderOpener } from './workspaces/open';
import type { PtyHostLaunch } from './ptyhost/launch';
import type { ContainmentProbe } from '../node/process/containment';

export interface HostOptions {
  /** Data folder: lock, logs, socket, backups, and the PGlite database unless databaseUrl. */
  dataDir: string;
  /** A PostgreSQL server instead of PGlite (DATABASE_URL). */
  databaseUrl?: string;
  /** The one global cap on concurrently running runs (default 4). */
  maxConcurrentRuns?: number;
  /** Periodic recovery sweep interval (default 60 s); 0 turns it off. */
  sweepIntervalMs?: number;
  /** A detached run silent this long is killed and failed (default 30 min). */
  detachedSilenceMs?: number;
  /** Grace between SIGTERM and SIGKILL when stopping a process group (default 3 s). */
  killGraceMs?: number;
  /** Run-log retention per agent: newest N runs (default 200) and at most M bytes (default 1 GiB). */
  logRetention?: { maxRunsPerAgent?: number; maxBytesPerAgent?: number };
  /** Start the scheduler and the timers (default true). Recovery tests drive the engine by hand. */
  startScheduler?: boolean;
  /** Run start-up recovery (default true). */
  recoverOnStart?: boolean;
  /**
   * Take a verified backup of the PGlite folder once started (default true). Not at the start
   * that made the database: an empty database needs no copy, and the next start takes one.
   */
  backupOnStart?: boolean;
  /** The database template built with the app (out/main/db-template.tar.gz): a first start without initdb. */
  dbTemplate?: string;
  /** Path to the `vigil` launcher that agents call back through (put on the run's PATH). */
  cliPath?: string;
  /** Opens an issue's worktree in the editor, a terminal or the file manager (default: xdg-open, $VISUAL, code...). */
  openFolder?: FolderOpener;
  /** Extra env names the host treats as its own secrets and strips from runs. */
  hostSecretEnv?: string[];
  /** A native folder dialog (the desktop app's); without one, folders are typed as paths. */
  pickFolder?: FolderPicker;
  /** When a silent run with a prompt on its screen counts as waiting for input (default 60 s). */
  attention?: { silenceMs?: number; checkEveryMs?: number };
  /** issue 21: how often overdue permission requests and questions are looked for. */
  requests?: { sweepEveryMs?: number };
  /** Team mode: this host's machine id (default: this machine's, from /etc/machine-id and the hostname). */
  machineId?: string;
  /** The machine's name shown to people (default: the machine id when one is given, else the hostname). */
  machineName?: string;
  /** The machine's lease: renewed every third of it; a machine silent this long is offline (default 15 s). */
  machineLeaseMs?: number;
  /**
   * Run agents in the data folder's pty host (src/ptyhost/, started if none runs), so they
   * outlive this host and the next one reattaches. Absent: agents run in this process's ptys.
   */
  ptyHost?: PtyHostLaunch;
  /** Where run containment is looked for (default: this process's /proc and PATH); tests point it elsewhere. */
  containmentProbe?: Partial<ContainmentProbe>;
}

export interface CloseOptions {
  /** Leave the agents running in the pty host for the next host to reattach (a planned restart). */
  keepAgents?: boolean;
}

/** Opens a folder dialog; resolves to the chosen folder, or null when cancelled. */
export type FolderPicker = (request: { title: string; defaultPath: string }) => Promise<string | null>;

export interface HostInfo {
  dataDir: string;
  databaseKind: 'pglite' | 'postgres';
  /** This host's machine id and name (team mode). */
  hostId: string;
  machineName: string;
  pid: number;
  startedAt: string;
  version: string;
  /** What start-up did that a user must be told (restored backup, recovery summary). */
  notices: string[];
}

export interface ShutdownSummary {
  cancelledRuns: number;
  /** Runs left running in the pty host (close with keepAgents). */
  keptRuns?: number;
}

export interface Host {
  readonly api: Api;
  readonly events: EventBus;
  readonly info: HostInfo;
  /**
   * Clean shutdown: stops the runs' process groups (cancelled, host_shutdown), checkpoints and
   * closes the database, releases the folder lock. Safe to call twice.
   */
  close(opts?: CloseOptions): Promise<ShutdownSummary>;
}

/** What a transport needs of a host. */
export type HostLike = Pick<Host, 'api' | 'events'>;
