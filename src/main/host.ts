// The host: composes the store, the engine, recovery, the scheduler and the API. The same in
// the desktop app and in `vigil serve`. A relaunch walks: lock the folder -> open and migrate
// -> reattach to the pty host (runs whose agents lived continue) -> recovery reaps what is really
// orphaned and reconciles stranded issues -> the scheduler starts.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import { createApi, type AgentAuth, type Handlers } from './api';
import { openStore, type Store } from './db/client';
import { openDataDirStore } from './db/safe-open';
import { acquireDataDirLock } from './db/lock';
import { makeDataDirPrivate } from './db/private-folder';
import { heartbeatRuns, workspaces } from './db/schema';
import { EventBus } from './event-bus';
import { HeartbeatEngine } from './heartbeat/engine';
import { localPtySpawner, type RunSpawner } from './heartbeat/run-process';
import { LIVE_STATUSES } from './heartbeat/run-state';
import { currentHostInstance } from './heartbeat/host-instance';
import { TimerScheduler } from './heartbeat/scheduler';
import type { Host, HostInfo, HostOptions, ShutdownSummary } from './host-types';
import { hostLog, useHostLogFile } from './host-log';
import { RunLogStore } from '../node/logs/run-log';
import { logsDirOf } from '../node/paths';
import { machineId as thisMachineId } from '../node/process/identity';
import { detectContainment } from '../node/process/containment';
import { ContainedSpawner } from './heartbeat/contained-spawner';
import { answerAgentCheck } from './services/agent-checks';
import { machineHandlers } from './services/machines';
import { DEFAULT_LEASE_MS, MachineLease, SOLO_LEASE_MS } from './team/machine-lease';
import { startTeam, type Team } from './team/team';
import { reattachRuns } from './ptyhost/reattach';
import { PtyHostSpawner } from './ptyhost/spawner';
import { Recovery } from './recovery/recovery';
import { isActiveStatus } from '../shared/domain';
import { RunLimits } from './budgets/run-limits';
import { RoutineScheduler } from './routines/scheduler';
import { budgetHandlers } from './services/budgets';
import { routineHandlers } from './services/routines';
import { insightHandlers } from './services/insights';
import { reconcileMerges } from './services/merge-reconcile';
import { agentHandlers } from './services/agents';
import type { Db } from './db/client';
import type { ServiceContext } from './context';
import { hostHandlers } from './services/host-calls';
import { issueHandlers } from './services/issues';
import { findIssue } from './views/lookup';
import { runHandlers } from './services/runs';
import { setupHandlers } from './services/setup';
import { workspaceHandlers } from './services/workspaces';
import { IssueWorkspaces } from './workspaces/issue-workspaces';
import { systemOpener } from './workspaces/open';
import { checkHandlers } from './checks/check-handlers';
import { pullRequestHandlers } from './services/pull-requests';
import { IssueChecks } from './checks/issue-checks';
import { portEnv } from './workspaces/worktree-setup';
import { engineWaker, lineCommentHandlers } from './services/line-comments';
import { reviewHandlers } from './services/review';
import { SettingsStore, settingsHandlers } from './services/settings';
import { AttentionWatcher } from './attention';
import { BusyTimers } from './busy-timers';
import { trimFreedMemory } from './memory-trim';
import { logFailure } from './host-log';
import { Requests } from './requests/service';
import { runNotes } from './requests/run-notes';
import { terminalHandlers } from './terminal/wheel';
import { startWebhook } from './requests/webhook';

export type { Host, HostOptions } from './host-types';
export { DataDirLockedError } from './db/lock';
// The library entry (out/main/host.js) also carries the control socket, so the benchmarks can
// put `vigil` CLI calls against a host they started in-process (bench/cases/agents.mjs).
export { startControlSocket } from './transports/control-socket';
export { controlSocketPath } from '../node/paths';

export const VIGIL_VERSION = '0.1.0';
const DEFAULT_ISSUE_PREFIX = 'VIG';

async function ensureWorkspace(db: Db): Promise<string> {
  const [existing] = await db.select().from(workspaces).limit(1);
  if (existing) return existing.id;
  await db.insert(workspaces).values({ id: 'default', name: 'Default', issuePrefix: DEFAULT_ISSUE_PREFIX }).onConflictDoNothing();
  const [row] = await db.select().from(workspaces).limit(1);
  return row.id;
}

export async function startHost(opts: HostOptions): Promise<Host> {
  const dataDir = resolve(opts.dataDir);
  // Before anything is written there: the lock, the database, logs and backups come out private.
  const privacyNotice = makeDataDirPrivate(dataDir);
  const lock = acquireDataDirLock(dataDir);
  useHostLogFile(dataDir);
  const timers: NodeJS.Timeout[] = [];
  let busy: BusyTimers | null = null;
  let store: Store | null = null;
  let teamOnFailure: Team | null = null;
  let ptyHostOnFailure: PtyHostSpawner | null = null;
  try {
    const opened: { store: Store; notices: string[]; created: boolean; backup: (() => Promise<void>) | null } = opts.databaseUrl
      ? { store: await openStore({ databaseUrl: opts.databaseUrl }), notices: [], created: false, backup: null }
      : await openDataDirStore(dataDir, { template: opts.dbTemplate });
    const openedStore = opened.store;
    store = openedStore;
    const notices = [...(privacyNotice ? [privacyNotice] : []), ...opened.notices];
    // A database made just now holds nothing a copy would keep.
    const backup = opened.created ? null : opened.backup;
    const db = openedStore.db;
    const events = new EventBus();
    const workspaceId = await ensureWorkspace(db);
    const machineId = opts.machineId ?? thisMachineId();
    const machineName = opts.machineName ?? (opts.machineId ? opts.machineId : hostname());
    const hostInstance = currentHostInstance();
    const ctx: ServiceContext = {
      db,
      events,
      machineId,
      hostInstanceId: hostInstance,
      dataDir,
      workspaceId,
      remote: null,
      exclusiveWriter: openedStore.kind === 'pglite',
    };
    const logs = new RunLogStore(logsDirOf(dataDir));
    const worktrees = new IssueWorkspaces(ctx);
    const maxConcurrentRuns = opts.maxConcurrentRuns ?? 4;
    const killGraceMs = opts.killGraceMs ?? 3000;
    // Where agents run: the data folder's pty host, so they outlive this host; else this process.
    let ptyHost: PtyHostSpawner | null = null;
    let spawner: RunSpawner | undefined;
    if (opts.ptyHost) {
      // Started for the first run, not now: an idle Vigil is one process. One that a crash left
      // running is connected now, so its agents are taken back before recovery judges their runs.
      const candidate = new PtyHostSpawner(dataDir, opts.ptyHost, {
        lingerMs: opts.ptyHost.lingerMs,
        fallback: localPtySpawner(logs),
        onFallback: (message) => events.emit('host.notice', { level: 'warning', message }),
        onHung: (message) => {
          events.emit('host.notice', { level: 'error', message });
          hostLog('error', 'ptyhost', message);
        },
      });
      try {
        await candidate.connectExisting();
        ptyHost = candidate;
        ptyHostOnFailure = candidate;
        spawner = candidate;
      } catch (err) {
        notices.push(`Agents run inside this Vigil process this time, so a crash of Vigil stops them: ${(err as Error).message}`);
      }
    }
    // Run containment, decided once: a cgroup per run where cgroup2 is writable, else a systemd
    // user scope per run, else the older rules. Said once in host.log; a banner only when it fell
    // back to the older rules, since then the person lost something.
    const containment = detectContainment(dataDir, opts.containmentProbe);
    hostLog('info', 'host', containment.said);
    if (containment.kind === 'none') notices.push(containment.said);
    const contained = containment.kind !== 'none' ? new ContainedSpawner(spawner ?? localPtySpawner(logs), containment.containers) : null;
    if (contained) spawner = contained;
    const recoveryOptions = {
      killGraceMs,
      detachedSilenceMs: opts.detachedSilenceMs ?? 30 * 60_000,
      containers: contained?.containers ?? null,
      logsDir: logsDirOf(dataDir),
    };
    // A budget hold lifted (raised, or its next period began) unpauses an agent: its heartbeat
    // timer is armed again (agentsChanged, bound below) and the scheduler runs.
    let agentsChanged: () => void = () => undefined;
    const afterHoldChange = {
      pump: () => {
        agentsChanged();
        engine.pump();
      },
    };
    const limits = new RunLimits(ctx, afterHoldChange);
    let recovery!: Recovery;
    // Recovery is the engine's end policy, built with it (each needs the other).
    const engine = new HeartbeatEngine(ctx, logs, {
      spawner,
      maxConcurrentRuns,
      killGraceMs,
      cliPath: opts.cliPath ?? null,
      hostSecretEnv: opts.hostSecretEnv ?? [],
      workspaces: worktrees,
      limits,
      logRetention: {
        maxRunsPerAgent: opts.logRetention?.maxRunsPerAgent ?? 200,
        maxBytesPerAgent: opts.logRetention?.maxBytesPerAgent ?? 1 << 30,
      },
      safetyPumpMs: 0, // armed below only while runs are active (busy)
    }, (e) => {
      recovery = new Recovery(ctx, e, recoveryOptions);
      // Budgets and usage windows first: a run they stopped is queued again before recovery looks at its issue.
      return {
        settled: async (run) => {
          await limits.settled(run).catch(logFailure('budgets', `settling run ${run.id}`));
          await recovery.settled(run);
        },
        runsLost: (runIds) => recovery.runsLost(runIds),
      };
    });
    const scheduler = new TimerScheduler(ctx, engine);

    // Team mode: this machine's row and lease (PGlite too: one machine, shown the same way).
    // Without team mode the folder lock is the lease: one host, renewed about weekly, not every 5 s.
    const leaseMs = opts.machineLeaseMs ?? (opts.databaseUrl ? DEFAULT_LEASE_MS : SOLO_LEASE_MS);
    const lease = new MachineLease(db, events, { id: machineId, name: machineName, leaseMs, hostInstance }, (id) =>
      engine.holds(id),
    );
    await lease.register();
    let team: Team | null = null;
    if (opts.databaseUrl) {
      team = await startTeam({ url: opts.databaseUrl, db, events, lease });
      ctx.remote = team.requests;
      teamOnFailure = team;
    }

    const info: HostInfo = {
      dataDir,
      databaseKind: openedStore.kind,
      hostId: machineId,
      machineName,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      version: VIGIL_VERSION,
      notices,
    };

    // Before recovery: runs whose agents lived on in the pty host are taken back, not judged lost.
    if (ptyHost) {
      const back = await reattachRuns(ctx, ptyHost, (run, handle) => engine.adopt(run, contained ? contained.contain(run.id, handle) : handle), killGraceMs);
      const parts: string[] = [];
      if (back.adopted.length) parts.push(`${back.adopted.length} run(s) whose agents kept running were taken back`);
      if (back.endedMeanwhile.length) parts.push(`${back.endedMeanwhile.length} run(s) that ended meanwhile were recorded with their exit`);
      if (back.strays.length) parts.push(`${back.strays.length} agent(s) without a live run were stopped`);
      if (parts.length) notices.push(`Reattached to the pty host: ${parts.join('; ')}.`);
    }

    if (opts.recoverOnStart !== false) {
      const reaped = await recovery.reapOrphanedRuns();
      const stranded = await recovery.reconcileStrandedAssignedIssues();
      const abandoned = await recovery.stopAbandoned();
      const parts: string[] = [];
      if (reaped.reaped) parts.push(`${reaped.reaped} lost run(s) failed and retried once where allowed`);
      if (reaped.detached.length) parts.push(`${reaped.detached.length} run(s) still alive and watched as detached`);
      if (reaped.terminatedProcesses) parts.push(`${reaped.terminatedProcesses} orphaned process(es) stopped`);
      if (abandoned) parts.push(`${abandoned} process(es) of runs cancelled while this machine was offline stopped`);
      if (stranded.dispatchRequeued + stranded.continuationRequeued) {
        parts.push(`${stranded.dispatchRequeued + stranded.continuationRequeued} stranded issue(s) dispatched again`);
      }
      if (stranded.escalated) parts.push(`${stranded.escalated} issue(s) blocked and escalated`);
      if (parts.length) notices.push(`Recovered after an unclean stop: ${parts.join('; ')}.`);
    }
    await reconcileMerges(ctx, worktrees, notices); // reliability: finish or drop merges a killed host left in flight
    const strayWorktrees = await worktrees.sweep().catch((err: Error) => `Worktree clean-up failed: ${err.message}`);
    if (strayWorktrees) notices.push(strayWorktrees);

    const settings = new SettingsStore(dataDir);
    // Periodic checks run only while runs are active: an idle host arms no timer (issue 26).
    // Going idle gives the C heap's free pages back (memory-trim.ts), as start-up's end does below.
    busy = new BusyTimers(db, events, { alwaysBusy: team !== null, onIdle: () => void trimFreedMemory() });
    const attention = await AttentionWatcher.start(ctx, settings, { ...opts.attention, checkEveryMs: 0 });
    busy.every(opts.attention?.checkEveryMs ?? 5000, 'attention: checking runs for silence', () => attention.checkSilent());
    // Routines: each firing creates an issue assigned to the agent, which wakes it (src/main/routines).
    const routinesTimer = new RoutineScheduler(ctx, {
      onFired: async ({ issueId, routine }) => {
        await engine.wake(routine.agentId, { source: 'assignment', reason: 'issue_assigned', triggerDetail: 'system', issueId });
      },
    });
    const onRoutinesChanged = () => void routinesTimer.arm().catch(logFailure('routines', 're-arming the routines\' timer'));
    const onAgentsChanged = () => {
      void scheduler.sync().catch(logFailure('scheduler', 're-arming the agents\' timers'));
      onRoutinesChanged();
      // Another machine may have paused or resumed one of ours for its budget.
      void limits.timer.arm().catch(logFailure('budgets', 're-arming the hold timer'));
    };
    agentsChanged = () => void scheduler.sync().catch(logFailure('scheduler', 're-arming the agents\' timers'));
    const runs = runHandlers(ctx, engine, logs);
    // issue 21 (reach a live agent): requests, the live terminal's wheel, the webhook.
    const notes = runNotes(ctx, engine);
    const requests = new Requests(ctx, notes, { sweepEveryMs: 0 });
    busy.every(opts.requests?.sweepEveryMs ?? 5000, 'requests: the overdue sweep', () => requests.sweep());
    const webhook = startWebhook(settings, events);
    // issue 23: a run of an issue that ended and changed its worktree gets the issue's check.
    const checks = new IssueChecks(ctx, worktrees, engineWaker(ctx, engine), async (issueId) => portEnv((await worktrees.active(issueId))?.portBase ?? null));
    events.subscribe((event, origin) => origin !== 'peer' && event.event === 'run.updated' && checks.runEnded(event.data), { events: ['run.updated'] });
    const handlers: Handlers = {
      ...hostHandlers(ctx, engine, info, maxConcurrentRuns),
      ...agentHandlers(ctx, engine, onAgentsChanged),
      ...issueHandlers(ctx, engine),
      ...runs.handlers,
      ...setupHandlers(ctx, opts.pickFolder ?? null),
      ...workspaceHandlers(ctx, worktrees, opts.openFolder ?? systemOpener()),
      ...reviewHandlers(ctx, worktrees, checks),
      // issue 23: line comments and Request changes (one follow-up turn through the engine's wake).
      ...lineCommentHandlers(ctx, worktrees, engineWaker(ctx, engine)),
      ...checkHandlers(ctx, checks),
      ...pullRequestHandlers(ctx, worktrees),
      ...settingsHandlers(settings, events),
      ...machineHandlers(ctx),
      ...requests.handlers(),
      ...terminalHandlers(ctx, engine, notes),
      ...budgetHandlers(ctx, limits, afterHoldChange),
      ...routineHandlers(ctx, onRoutinesChanged),
      ...insightHandlers(ctx),
    };
    // Another machine's changes, arriving live: an agent changed there (re-arm timers, maybe
    // resume), work queued there for an agent of this machine (start it).
    // Only in team mode, and only these events: a catch-all listener would make every emitter
    // pay for payloads nobody reads (live output encoded, ended runs read back).
    if (team) {
      events.subscribe(
        (event, origin) => {
          if (origin !== 'peer') return;
          if (event.event === 'agent.updated' || event.event === 'agent.removed') {
            onAgentsChanged();
            engine.pump();
          } else if (event.event === 'run.created' || (event.event === 'run.updated' && event.data.status !== 'running' && event.data.status !== 'queued')) {
            engine.pump();
          }
        },
        { events: ['agent.updated', 'agent.removed', 'run.created', 'run.updated'] },
      );
    }
    const auth: AgentAuth = {
      async resolveRunToken(token) {
        const hash = createHash('sha256').update(token).digest('hex');
        const live = await engine.liveRunOfToken(hash);
        if (live) return live;
        const [run] = await db
          .select()
          .from(heartbeatRuns)
          .where(and(eq(heartbeatRuns.runTokenHash, hash), inArray(heartbeatRuns.status, LIVE_STATUSES)));
        return run ? { runId: run.id, agentId: run.agentId, issueId: run.issueId } : null;
      },
      async resolveRunId(runId) {
        const [run] = await db.select().from(heartbeatRuns).where(eq(heartbeatRuns.id, runId));
        if (!run) return null;
        // Not ended: a `starting` run's process may call before the host recorded it.
        return { scope: isActiveStatus(run.status) ? { runId: run.id, agentId: run.agentId, issueId: run.issueId } : null };
      },
      resolveIssueId: async (ref) => (await findIssue(db, ref))?.id ?? null,
      reportActivity: async (runId) => void (await engine.reportActivity(runId)),
    };
    const api = createApi(handlers, auth);

    const noticeOf = (message: string) => events.emit('host.notice', { level: 'warning', message });
    lease.start(noticeOf);
    if (team) {
      const t = team;
      t.onReconnect(() => {
        // Notifications sent while the listener was down are gone: catch up from the tables.
        onAgentsChanged();
        engine.pump();
      });
      timers.push(setInterval(() => void t.prune().catch(logFailure('team', 'pruning answered machine requests')), 60_000));
    }

    if (opts.startScheduler !== false) {
      await scheduler.sync();
      await limits.timer.arm();
      engine.start();
      // After the gate opened: a due time missed while Vigil was down fires once now.
      await routinesTimer.arm().catch((err: Error) => events.emit('host.notice', { level: 'error', message: `routines: ${err.message}` }));
      team?.requests.serve({ ...runs.requestHandlers, 'agent.check': answerAgentCheck });
      // The sweep is the net for what no event told this host (a run left live, an issue
      // stranded): every minute while runs are active (always, in team mode: other writers), and
      // while idle once a minute after a run, an issue or an agent changed, never on an idle
      // host left alone (issue 26: nothing can change what it reads but this host's own writes).
      busy.everyAndAfterChanges(opts.sweepIntervalMs ?? 60_000, 'recovery: the periodic sweep', async () => {
        await recovery.reapOrphanedRuns();
        await recovery.reconcileStrandedAssignedIssues();
        engine.pump();
      });
      busy.every(Math.min(5000, opts.detachedSilenceMs ?? 5000), 'recovery: watching detached runs', () => recovery.watchDetached());
      // The gate's safety net (a pump a missed event did not start): only while runs wait or run.
      busy.every(30_000, 'the safety pump', () => engine.pump());
      await busy.seed();
      for (const t of timers) t.unref();
    }
    // The verified backup copies the folder: after start-up, so it never delays readiness.
    let backingUp: Promise<void> = Promise.resolve();
    if (backup && opts.backupOnStart !== false) {
      const takeBackup = backup;
      backingUp = new Promise<void>((resolveBackup) =>
        setImmediate(() =>
          void takeBackup()
            .catch((err) => events.emit('host.notice', { level: 'warning', message: `backup failed: ${(err as Error).message}` }))
            .finally(resolveBackup),
        ),
      );
    }
    // Start-up is over once its backup is: what it freed goes back to the system (memory-trim.ts).
    void backingUp.then(() => setImmediate(() => trimFreedMemory()));

    let closing: Promise<ShutdownSummary> | null = null;
    const host: HostInternals = {
      api,
      events,
      info,
      engine,
      recovery,
      ctx,
      busy,
      close(closeOpts = {}) {
        closing ??= (async () => {
          for (const t of timers) clearInterval(t);
          recovery.infrastructure.stop();
          busy?.dispose();
          attention.dispose();
          requests.dispose();
          webhook.dispose();
          scheduler.stop();
          limits.timer.stop();
          routinesTimer.stop();
          // Kept only where they can outlive this process: in the pty host.
          const keep = closeOpts.keepAgents === true && ptyHost !== null;
          const keptRuns = keep ? await engine.leave() : 0;
          const cancelledRuns = keep ? 0 : await engine.shutdown();
          // After a quit that stopped its agents, the pty host exits once they are recorded.
          ptyHost?.close(!keep);
          await lease.stop();
          await team?.close();
          await backingUp;
          await openedStore.close();
          lock.release();
          return { cancelledRuns, keptRuns };
        })();
        return closing;
      },
    };
    return host;
  } catch (err) {
    for (const t of timers) clearInterval(t);
    busy?.dispose();
    // Start-up failed: `err` is what the caller must see; a failing clean-up is only logged.
    await teamOnFailure?.close().catch(logFailure('host', 'closing team mode after a failed start'));
    ptyHostOnFailure?.close(false);
    await store?.close().catch(logFailure('host', 'closing the database after a failed start'));
    lock.release();
    throw err;
  }
}

/** The host with its inner parts, for tests and benchmarks that drive recovery by hand. */
export type HostInternals = Host & { engine: HeartbeatEngine; recovery: Recovery; ctx: ServiceContext; busy: BusyTimers };
