// A run's life, every step durable and conditional. This module is the only writer of a run's
// row (its status, its marks, its progress); check it against this table:
//
//   queued   --claimRun-->       starting   a host took it (before anything is spawned)
//   starting --markRunning-->    running    its process exists: pid, group, start identity written here
//   queued   --endRuns-->        cancelled  cancelled before a host took it
//   starting --endRuns-->        failed | cancelled   spawn failed, cancel during start, owner host died
//   running  --endRuns-->        succeeded | failed | timed_out | cancelled
//   live     --adoptRun-->       live       owned by a new host instance (its process lived on in the
//                                           pty host; the new host took it back); a detached mark cleared
//
// Marks: a live run's status stays, its errorCode says what is in doubt (shown, never an outcome):
//   running  --markDetached-->   process_detached  its host is gone, its process alive: this host watches it
//   active   --noteActivity-->   (detached cleared) the agent called with its token: alive, and heard
//   live     --markHostOffline-->  host_offline    its machine's lease expired (said by another machine)
//   running  --clearHostOffline--> (cleared)       its own host holds it still (a late renewal)
// Data on a live run (no status, no mark): recordSession, addPendingInput, recordProgress,
// recordEvents; on an ended one: markLogPruned.
//
// Each transition is one `update ... where status = <expected>` (endRuns: and the owner host
// instance recorded when it was read): whoever gets there second (another host, a cancel,
// recovery) changes nothing and is told so (null / missing from the result). Because the claim
// commits before the spawn, a run's command starts at most once across every host sharing the
// database. Alongside the run row each step writes what belongs with it, in the same transaction.
import { and, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { ACTIVE_RUN_STATUSES, LIVE_RUN_STATUSES, type RunErrorCode, type RunStatus } from '../../shared/domain';
import type { Db } from '../db/client';
import { agentRuntimeState, agentWakeupRequests, agents, heartbeatRunEvents, heartbeatRuns, type PendingInput } from '../db/schema';
import { jsonbParam, storableText } from '../db/storable-text';
import { newId, recordActivities, type Q, type Tx } from '../context';
import type { CommentRow, RunEventRow, RunRow } from '../views/dto';
import { appendRunEvents, lockAgent, type QueuedRun } from './queue';
import { handBackIssues, queueFollowUps, updateRuntime, wantsFollowUp, type RunOutcome } from './run-end';

export type { RunOutcome } from './run-end';

/** Who owns a claimed run: the machine whose process table judges it, and the host process on it. */
export interface RunOwner {
  machineId: string;
  hostInstanceId: string;
}

/** The statuses in which a run is live (shared/domain.ts): it holds a slot and its owner answers for it. */
export const LIVE_STATUSES: RunStatus[] = [...LIVE_RUN_STATUSES];
/** The same lists inside raw SQL (constants, so inlined): `status in (${LIVE_SQL})`. */
export const LIVE_SQL = sql.raw(LIVE_RUN_STATUSES.map((s) => `'${s}'`).join(', '));
export const ACTIVE_SQL = sql.raw(ACTIVE_RUN_STATUSES.map((s) => `'${s}'`).join(', '));
export const TERMINAL_STATUSES: RunStatus[] = ['succeeded', 'failed', 'timed_out', 'cancelled'];

/** The run's owner instance is still the one read (null: none recorded). */
const ownedBy = (hostInstanceId: string | null) =>
  hostInstanceId === null ? sql`${heartbeatRuns.hostInstanceId} is null` : eq(heartbeatRuns.hostInstanceId, hostInstanceId);

/** Clears a mark (errorCode and its words) if the run carries that one, else leaves both. */
const withoutMark = (code: RunErrorCode) => ({
  errorCode: sql`case when ${heartbeatRuns.errorCode} = ${code} then null else ${heartbeatRuns.errorCode} end`,
  error: sql`case when ${heartbeatRuns.errorCode} = ${code} then null else ${heartbeatRuns.error} end`,
});

/** The rows a raw statement returned, whichever driver ran it. */
const rowsOf = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? []) as T[];

/**
 * queued -> starting. Under the agent's lock (or as the database's only writer), and only while
 * the agent is not paused and has a free slot (its maxConcurrentRuns, counted across every
 * host): two hosts can never both start the run, nor overfill an agent. The run token hash is
 * recorded here so an agent calling back at once is recognised. One statement: the run, its
 * wakeup, and the session to resume read back with it. The answer is the queued row with what
 * was just written.
 */
export async function claimRun(
  db: Db,
  run: RunRow,
  owner: RunOwner,
  start: { tokenHash: string; logPath: string; exclusiveWriter?: boolean },
): Promise<{ row: RunRow; resumeSessionId: string | null } | null> {
  const now = new Date();
  const at = now.toISOString();
  const claim = async (q: Q) => {
    const [claimed] = rowsOf<{ id: string; resume: string | null }>(
      await q.execute(sql`
        with claimed as (
          update heartbeat_runs
          set status = 'starting', host_id = ${owner.machineId}, host_instance_id = ${owner.hostInstanceId},
              run_token_hash = ${start.tokenHash}, log_path = ${start.logPath}, updated_at = ${at}::timestamptz
          where id = ${run.id} and status = 'queued'
            and exists (select 1 from agents a where a.id = heartbeat_runs.agent_id and a.status <> 'paused'
              and (select count(*) from heartbeat_runs r where r.agent_id = a.id and r.status in (${LIVE_SQL}))
                < coalesce((a.runtime_config->>'maxConcurrentRuns')::int, 1))
          returning id, agent_id, issue_id, wakeup_request_id
        ), woken as (
          update agent_wakeup_requests set status = 'claimed', claimed_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
          where id = (select wakeup_request_id from claimed)
        )
        select c.id, (select s.sessions ->> c.issue_id from agent_runtime_state s where s.agent_id = c.agent_id) as resume
        from claimed c`),
    );
    if (!claimed) return null;
    const row: RunRow = { ...run, status: 'starting', hostId: owner.machineId, hostInstanceId: owner.hostInstanceId, runTokenHash: start.tokenHash, logPath: start.logPath, updatedAt: now };
    return { row, resumeSessionId: claimed.resume ?? null };
  };
  // The only writer of its database (PGlite: one process, one connection) runs each statement
  // alone, so the one statement is the whole claim: no other statement can count the agent's
  // live runs between its check and its update. A shared server needs the agent's lock first,
  // in a transaction (another host may be claiming for the same agent at the same moment).
  if (start.exclusiveWriter) return claim(db);
  return db.transaction(async (tx) => {
    await lockAgent(tx, run.agentId);
    return claim(tx);
  });
}

/**
 * starting -> running, with the process's pid, group and start identity in the same statement;
 * the issue is checked out to the run, the agent marked running, the start recorded (event and
 * activity): one statement, so atomic without a transaction. Returns the row (built from what
 * was written) and the sequence number of its `started` event, or null when the run is no
 * longer this owner's starting run (it was ended meanwhile).
 */
export async function markRunning(
  db: Db,
  run: RunRow,
  proc: { pid: number; pgid: number; startId: string },
): Promise<{ row: RunRow; seq: number } | null> {
  const now = new Date();
  const at = now.toISOString();
  const owned = run.hostInstanceId === null ? sql`host_instance_id is null` : sql`host_instance_id = ${run.hostInstanceId}`;
  const payload = JSON.stringify({ pid: proc.pid, pgid: proc.pgid });
  const details = JSON.stringify({ pid: proc.pid, pgid: proc.pgid, agentId: run.agentId, issueId: run.issueId });
  const [marked] = rowsOf<{ seq: number }>(
    await db.execute(sql`
      with r as (
        update heartbeat_runs
        set status = 'running', process_pid = ${proc.pid}, process_group_id = ${proc.pgid}, process_start_id = ${proc.startId},
            started_at = ${at}::timestamptz, last_activity_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
        where id = ${run.id} and status = 'starting' and ${owned}
        returning id, issue_id, agent_id, workspace_id
      ), checked_out as (
        update issues set status = 'in_progress', checkout_run_id = r.id, execution_run_id = r.id,
            started_at = coalesce(issues.started_at, ${at}::timestamptz), updated_at = ${at}::timestamptz
        from r where issues.id = r.issue_id and issues.status in ('backlog', 'todo', 'in_progress', 'in_review', 'blocked')
      ), busy as (
        update agents set status = 'running', updated_at = ${at}::timestamptz from r where agents.id = r.agent_id and agents.status <> 'paused'
      ), started as (
        insert into heartbeat_run_events (id, run_id, seq, type, message, payload, created_at)
        select ${newId()}, r.id, (select coalesce(max(seq), 0) + 1 from heartbeat_run_events where run_id = r.id), 'started',
            ${`pid ${proc.pid} (process group ${proc.pgid})`}, ${payload}::jsonb, ${at}::timestamptz
        from r returning seq
      ), logged as (
        insert into activity_log (id, workspace_id, actor, action, entity_type, entity_id, details, created_at)
        select ${newId()}, r.workspace_id, 'system', 'run.started', 'run', r.id, ${details}::jsonb, ${at}::timestamptz from r
      )
      select (select seq from started) as seq from r`),
  );
  if (!marked) return null;
  const row: RunRow = { ...run, status: 'running', processPid: proc.pid, processGroupId: proc.pgid, processStartId: proc.startId, startedAt: now, lastActivityAt: now, updatedAt: now };
  return { row, seq: Number(marked.seq) };
}

/**
 * A live run taken back after a restart: its process outlived the host in the pty host, so the
 * run stays live and only its owner instance moves to this host (a detached warning is cleared:
 * the host holds its pty again). Null when it is no longer the live run of the owner recorded in
 * `run` (ended or taken meanwhile).
 */
export async function adoptRun(db: Db, run: RunRow, owner: RunOwner): Promise<RunRow | null> {
  const [row] = await db
    .update(heartbeatRuns)
    .set({
      hostId: owner.machineId,
      hostInstanceId: owner.hostInstanceId,
      ...withoutMark('process_detached'),
      updatedAt: new Date(),
    })
    .where(and(eq(heartbeatRuns.id, run.id), inArray(heartbeatRuns.status, LIVE_STATUSES), ownedBy(run.hostInstanceId)))
    .returning();
  return row ?? null;
}

export interface EndItem {
  /** The run as the caller read it: its status (or `from`) and owner instance are the condition. */
  run: RunRow;
  outcome: RunOutcome;
  /** The statuses the caller accepts to end from; default: the status it read. */
  from?: RunStatus[];
}

export interface EndResult {
  rows: RunRow[];
  /** Comments the hand-back wrote (a success moved to review). */
  comments: CommentRow[];
  /** Follow-up runs queued for input that arrived while a run was live. */
  followUps: QueuedRun[];
}

/**
 * -> succeeded | failed | timed_out | cancelled, for many runs in one transaction and a fixed
 * number of statements (recovery ends hundreds of lost runs at once): run rows, wakeups, runtime
 * totals and sessions, issue hand-back, pending input's follow-up, agent state, events. A run
 * that is no longer in the expected status for the expected owner is left alone and missing
 * from the result; `within` sees only the runs ended here.
 */
export async function endRuns(db: Db, items: EndItem[], within?: (tx: Tx, rows: RunRow[]) => Promise<void>): Promise<EndResult | null> {
  if (items.length === 0) return null;
  const now = new Date();
  const outcomes = new Map(items.map((i) => [i.run.id, i.outcome]));
  return db.transaction(async (tx) => {
    const values = items.map(({ run, outcome: f, from }) => ({
      id: run.id,
      expected: from ?? [run.status],
      host_instance_id: run.hostInstanceId,
      status: f.status,
      error_code: f.errorCode,
      error: f.error,
      exit_code: f.exitCode,
      signal: f.signal,
      log_bytes: f.logBytes ?? null,
      log_sha256: f.logSha256 ?? null,
      last_output_line: f.lastOutputLine ?? null,
      session_id: f.sessionId || null,
      usage: f.usage ?? null,
    }));
    const rows = await tx
      .update(heartbeatRuns)
      .set({
        status: sql`v.status`,
        errorCode: sql`v.error_code`,
        error: sql`v.error`,
        exitCode: sql`v.exit_code`,
        signal: sql`v.signal`,
        finishedAt: now,
        updatedAt: now,
        logBytes: sql`coalesce(v.log_bytes, ${heartbeatRuns.logBytes})`,
        logSha256: sql`case when v.log_bytes is null then ${heartbeatRuns.logSha256} else v.log_sha256 end`,
        lastOutputLine: sql`coalesce(v.last_output_line, ${heartbeatRuns.lastOutputLine})`,
        sessionId: sql`coalesce(v.session_id, ${heartbeatRuns.sessionId})`,
        usage: sql`coalesce(v.usage, ${heartbeatRuns.usage})`,
      })
      .from(
        sql`jsonb_to_recordset(${jsonbParam(values)}::jsonb) as v(id text, expected jsonb, host_instance_id text, status text, error_code text, error text, exit_code integer, signal text, log_bytes bigint, log_sha256 text, last_output_line text, session_id text, usage jsonb)`,
      )
      .where(
        and(
          sql`${heartbeatRuns.id} = v.id`,
          sql`${heartbeatRuns.status} in (select jsonb_array_elements_text(v.expected))`,
          sql`${heartbeatRuns.hostInstanceId} is not distinct from v.host_instance_id`,
        ),
      )
      .returning(getTableColumns(heartbeatRuns));
    if (rows.length === 0) return null;
    const ended = rows.map((row) => ({ row, f: outcomes.get(row.id)! }));
    const wakeups = ended
      .filter(({ row }) => row.wakeupRequestId)
      .map(({ row, f }) => ({ id: row.wakeupRequestId, status: f.status === 'succeeded' ? 'finished' : f.status === 'cancelled' ? 'cancelled' : 'failed', error: f.error }));
    if (wakeups.length > 0) {
      await tx
        .update(agentWakeupRequests)
        .set({ status: sql`v.status`, finishedAt: now, error: sql`v.error`, updatedAt: now })
        .from(sql`jsonb_to_recordset(${jsonbParam(wakeups)}::jsonb) as v(id text, status text, error text)`)
        .where(sql`${agentWakeupRequests.id} = v.id`);
    }
    await updateRuntime(tx, ended, now);
    const followed = ended.filter(({ row, f }) => wantsFollowUp(row, f)).map(({ row }) => row);
    const comments = await handBackIssues(tx, rows, new Set(followed.map((r) => r.id)), now);
    const followUps = await queueFollowUps(tx, followed);
    await tx
      .update(agents)
      .set({ status: 'idle', updatedAt: now })
      .where(
        and(
          inArray(agents.id, [...new Set(rows.map((r) => r.agentId))]),
          eq(agents.status, 'running'),
          sql`not exists (select 1 from ${heartbeatRuns} where ${heartbeatRuns.agentId} = ${agents.id} and ${heartbeatRuns.status} in (${LIVE_SQL}))`,
        ),
      );
    await appendRunEvents(
      tx,
      ended.map(({ row, f }) => ({
        runId: row.id,
        type: 'finished',
        message: `${f.status}${f.errorCode ? ` (${f.errorCode})` : ''}`,
        payload: { exitCode: f.exitCode, signal: f.signal, errorCode: f.errorCode },
      })),
    );
    if (within) await within(tx, rows);
    await recordActivities(
      tx,
      ended.map(({ row, f }) => ({
        workspaceId: row.workspaceId,
        actor: 'system',
        action: `run.${f.status}`,
        entityType: 'run' as const,
        entityId: row.id,
        details: { errorCode: f.errorCode, exitCode: f.exitCode, issueId: row.issueId },
      })),
    );
    return { rows, comments, followUps };
  });
}

/**
 * The adapter reported its session: kept on the run and as the issue's session at once, so a run
 * that is lost before it ends still leaves the conversation to resume.
 */
export async function recordSession(db: Db, run: RunRow, sessionId: string): Promise<void> {
  const session = storableText(sessionId);
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(heartbeatRuns)
      .set({ sessionId: session, updatedAt: new Date() })
      .where(and(eq(heartbeatRuns.id, run.id), inArray(heartbeatRuns.status, LIVE_STATUSES)))
      .returning({ id: heartbeatRuns.id });
    if (!row || !run.issueId) return;
    await tx
      .insert(agentRuntimeState)
      .values({ agentId: run.agentId, sessions: { [run.issueId]: session } })
      .onConflictDoUpdate({
        target: agentRuntimeState.agentId,
        set: { sessions: sql`${agentRuntimeState.sessions} || ${jsonbParam({ [run.issueId]: session })}::jsonb`, updatedAt: new Date() },
      });
  });
}

/**
 * Input (a comment, a wake) for a live run: kept on the run, so its end queues one follow-up that
 * carries it. False when the run is no longer live (its end committed first): the caller then
 * queues work the ordinary way.
 */
export async function addPendingInput(q: Q, runId: string, input: PendingInput): Promise<boolean> {
  const rows = await q
    .update(heartbeatRuns)
    .set({ pendingInput: sql`${heartbeatRuns.pendingInput} || ${jsonbParam([input])}::jsonb`, updatedAt: new Date() })
    .where(and(eq(heartbeatRuns.id, runId), inArray(heartbeatRuns.status, LIVE_STATUSES)))
    .returning({ id: heartbeatRuns.id });
  return rows.length > 0;
}

// ------------------------------------------------------------------ marks

/** running -> running + process_detached, owner moved to this host instance; null when it was not the run read. */
export async function markDetached(db: Db, run: RunRow, hostInstanceId: string, error: string): Promise<RunRow | null> {
  const [row] = await db
    .update(heartbeatRuns)
    .set({ errorCode: 'process_detached', error, hostInstanceId, updatedAt: new Date() })
    .where(and(eq(heartbeatRuns.id, run.id), eq(heartbeatRuns.status, 'running'), ownedBy(run.hostInstanceId)))
    .returning();
  return row ?? null;
}

/** The agent called with its token: its activity feeds the detached watchdog and clears that warning. Null once ended. */
export async function noteActivity(db: Db, runId: string): Promise<RunRow | null> {
  const now = new Date();
  const [row] = await db
    .update(heartbeatRuns)
    .set({ lastActivityAt: now, updatedAt: now, ...withoutMark('process_detached') })
    .where(and(eq(heartbeatRuns.id, runId), inArray(heartbeatRuns.status, [...ACTIVE_RUN_STATUSES])))
    .returning();
  return row ?? null;
}

/** Live runs of a machine whose lease expired: marked host_offline (not ended: they may run on there). */
export async function markHostOffline(db: Db, machineId: string, error: string): Promise<RunRow[]> {
  return db
    .update(heartbeatRuns)
    .set({ errorCode: 'host_offline', error, updatedAt: new Date() })
    .where(and(inArray(heartbeatRuns.status, LIVE_STATUSES), eq(heartbeatRuns.hostId, machineId), sql`${heartbeatRuns.errorCode} is distinct from 'host_offline'`))
    .returning();
}

/** Running runs this host still holds, marked host_offline by a peer while it renewed late: the mark is taken back. */
export async function clearHostOffline(db: Db, runIds: string[]): Promise<RunRow[]> {
  if (runIds.length === 0) return [];
  return db
    .update(heartbeatRuns)
    .set({ errorCode: null, error: null, updatedAt: new Date() })
    .where(and(inArray(heartbeatRuns.id, runIds), eq(heartbeatRuns.status, 'running'), eq(heartbeatRuns.errorCode, 'host_offline')))
    .returning();
}

// ------------------------------------------------------------------ data on a live run

/** One running run's progress: its last output line, and the log bytes whose events are stored. */
export interface RunProgress {
  runId: string;
  line: string | null;
  through: number;
}

/**
 * The last output line and the log bytes handled (where a host taking the run back parses on
 * from: only once the events of those bytes are stored), of many runs in one statement. Running
 * runs only: the rows of those written (a run that ended meanwhile is left as its end wrote it).
 */
export async function recordProgress(db: Db, progress: RunProgress[]): Promise<RunRow[]> {
  if (progress.length === 0) return [];
  const values = progress.map((p) => ({ id: p.runId, line: p.line, through: p.through }));
  return db
    .update(heartbeatRuns)
    .set({ lastOutputLine: sql`v.line`, logBytes: sql`greatest(${heartbeatRuns.logBytes}, v.through)`, updatedAt: new Date() })
    .from(sql`jsonb_to_recordset(${jsonbParam(values)}::jsonb) as v(id text, line text, through bigint)`)
    .where(and(sql`${heartbeatRuns.id} = v.id`, eq(heartbeatRuns.status, 'running')))
    .returning(getTableColumns(heartbeatRuns));
}

/**
 * Parsed events with the log offset they were parsed through, in one transaction: a host that
 * takes the run back (after a crash) parses from there on for new events, none lost, none twice.
 */
export async function recordEvents(db: Db, runId: string, events: (typeof heartbeatRunEvents.$inferInsert)[], through: number): Promise<RunEventRow[]> {
  return db.transaction(async (tx) => {
    const stored: RunEventRow[] = [];
    for (let i = 0; i < events.length; i += 200) stored.push(...(await tx.insert(heartbeatRunEvents).values(events.slice(i, i + 200)).returning()));
    await tx
      .update(heartbeatRuns)
      .set({ logBytes: sql`greatest(${heartbeatRuns.logBytes}, ${through})` })
      .where(eq(heartbeatRuns.id, runId));
    return stored;
  });
}

/** An ended run's log was removed by retention. */
export async function markLogPruned(db: Db, runId: string): Promise<void> {
  await db.update(heartbeatRuns).set({ logPruned: true }).where(eq(heartbeatRuns.id, runId));
}
