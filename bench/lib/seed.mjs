// Rows written straight into the store (as tests/main/recovery/seed.test.ts does, but in bulk):
// a crash's leftovers for recovery, and a long-lived database for cold start and paging.
import { randomUUID } from 'node:crypto';

/** `n` agents of the process adapter; returns their ids. */
export async function seedAgents(db, { workspaceId, n, prefix, status = 'idle', command = 'true' }) {
  const rows = Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    name: `${prefix}-${String(i + 1).padStart(3, '0')}`,
  }));
  await db.query(
    `insert into agents (id, workspace_id, name, role, status, adapter_type, adapter_config, runtime_config, env)
     select r.id, $2, r.name, 'engineer', $3, 'process', jsonb_build_object('command', $4::text), '{}'::jsonb, '{}'::jsonb
     from json_to_recordset($1::json) as r(id text, name text)`,
    [JSON.stringify(rows), workspaceId, status, command],
  );
  return rows.map((r) => r.id);
}

/**
 * Runs left `running` by a host that died: each with its claimed wakeup and an in-progress issue
 * it checked out, spread over `agentIds`. runs: [{ pid, pgid, startId, runId? }] (a run id
 * given is the one its processes carry as their cookie). Returns the run ids.
 */
export async function seedStaleRuns(db, { workspaceId, hostId, agentIds, runs }) {
  const [{ issue_counter: counter }] = (await db.query('select issue_counter from workspaces where id = $1', [workspaceId])).rows;
  const [{ issue_prefix: prefix }] = (await db.query('select issue_prefix from workspaces where id = $1', [workspaceId])).rows;
  const startedAt = new Date(Date.now() - 10 * 60_000).toISOString();
  const rows = runs.map((r, i) => ({
    run_id: r.runId ?? randomUUID(),
    wakeup_id: randomUUID(),
    issue_id: randomUUID(),
    agent_id: agentIds[i % agentIds.length],
    number: counter + i + 1,
    pid: r.pid,
    pgid: r.pgid,
    start_id: r.startId,
  }));
  const json = JSON.stringify(rows);
  await db.transaction(async (tx) => {
    await tx.query(
      `insert into issues (id, workspace_id, number, identifier, title, status, assignee_agent_id, checkout_run_id, execution_run_id, started_at)
       select r.issue_id, $2, r.number, $3 || '-' || r.number, 'Work that was running when the host died', 'in_progress', r.agent_id, r.run_id, r.run_id, $4::timestamptz
       from json_to_recordset($1::json) as r(issue_id text, number int, agent_id text, run_id text)`,
      [json, workspaceId, prefix, startedAt],
    );
    await tx.query('update workspaces set issue_counter = $2 where id = $1', [workspaceId, counter + rows.length]);
    await tx.query(
      `insert into agent_wakeup_requests (id, workspace_id, agent_id, source, trigger_detail, reason, payload, status, run_id, claimed_at)
       select r.wakeup_id, $2, r.agent_id, 'assignment', 'system', 'issue_assigned', jsonb_build_object('issueId', r.issue_id), 'claimed', r.run_id, $3::timestamptz
       from json_to_recordset($1::json) as r(wakeup_id text, agent_id text, issue_id text, run_id text)`,
      [json, workspaceId, startedAt],
    );
    await tx.query(
      `insert into heartbeat_runs (id, workspace_id, agent_id, status, invocation_source, trigger_detail, wakeup_request_id, issue_id,
         context_snapshot, host_id, process_pid, process_group_id, process_start_id, started_at, last_activity_at, created_at, updated_at)
       select r.run_id, $2, r.agent_id, 'running', 'assignment', 'system', r.wakeup_id, r.issue_id,
         jsonb_build_object('issueId', r.issue_id, 'wakeReason', 'issue_assigned'), $3, r.pid, r.pgid, r.start_id,
         $4::timestamptz, $4::timestamptz, $4::timestamptz, $4::timestamptz
       from json_to_recordset($1::json) as r(run_id text, agent_id text, wakeup_id text, issue_id text, pid int, pgid int, start_id text)`,
      [json, workspaceId, hostId, startedAt],
    );
    await tx.query(
      `insert into heartbeat_run_events (id, run_id, seq, type, message, payload)
       select gen_random_uuid()::text, r.run_id, 1, 'started', 'pid ' || r.pid, jsonb_build_object('pid', r.pid, 'pgid', r.pgid)
       from json_to_recordset($1::json) as r(run_id text, pid int, pgid int)`,
      [json],
    );
  });
  return rows.map((r) => r.run_id);
}

/**
 * A database that has been used for a long time: `runs` finished runs over `agents` agents (one
 * run in two on one of `issues` issues), each with its wakeup, three run events and two
 * activity rows, created over the last 90 days. Bulk statements; one transaction per table.
 */
export async function seedHistory(db, { workspaceId, agents, runs, issues }) {
  const agentIds = await seedAgents(db, { workspaceId, n: agents, prefix: 'history' });
  await db.query(`create temp table bench_agents as select row_number() over () - 1 as k, id from json_to_recordset($1::json) as r(id text)`, [
    JSON.stringify(agentIds.map((id) => ({ id }))),
  ]);
  const [{ issue_prefix: prefix }] = (await db.query('select issue_prefix from workspaces where id = $1', [workspaceId])).rows;
  const span = 90 * 24 * 3600; // seconds
  await db.exec(`
    insert into issues (id, workspace_id, number, identifier, title, body, status, priority, assignee_agent_id, created_at, updated_at, completed_at)
    select 'issue-' || g, '${workspaceId}', g, '${prefix}-' || g, 'Historical issue number ' || g, repeat('Some description of the work. ', 8),
      case when g % 10 = 0 then 'todo' when g % 10 = 1 then 'in_review' else 'done' end,
      (array['low','medium','high','urgent'])[1 + g % 4],
      -- A long-lived folder at rest: open work waits for a person (no agent), the rest was done by agents.
      case when g % 10 = 0 then null else (select id from bench_agents where k = g % ${agents}) end,
      now() - make_interval(secs => ${span} - g * ${span / issues}), now() - make_interval(secs => ${span} - g * ${span / issues}),
      case when g % 10 > 1 then now() - make_interval(secs => ${span} - g * ${span / issues} - 600) end
    from generate_series(1, ${issues}) g;
    update workspaces set issue_counter = ${issues} where id = '${workspaceId}';
  `);
  await db.exec(`
    create temp table bench_runs as
    select g,
      'run-' || lpad(g::text, 7, '0') as id,
      'wake-' || g as wakeup_id,
      (select id from bench_agents where k = g % ${agents}) as agent_id,
      case when g % 2 = 0 then 'issue-' || (1 + (g / 2) % ${issues}) end as issue_id,
      case when g % 50 = 7 then 'failed' when g % 50 = 13 then 'cancelled' when g % 50 = 21 then 'timed_out' else 'succeeded' end as status,
      now() - make_interval(secs => ${span} - g * ${span / runs}) as created_at
    from generate_series(1, ${runs}) g;
  `);
  await db.exec(`
    insert into agent_wakeup_requests (id, workspace_id, agent_id, source, trigger_detail, reason, payload, status, run_id, claimed_at, finished_at, created_at, updated_at)
    select wakeup_id, '${workspaceId}', agent_id, case when issue_id is null then 'timer' else 'assignment' end, 'system',
      case when issue_id is null then 'heartbeat_timer' else 'issue_assigned' end,
      case when issue_id is null then '{}'::jsonb else jsonb_build_object('issueId', issue_id) end,
      case status when 'succeeded' then 'finished' when 'cancelled' then 'cancelled' else 'failed' end,
      id, created_at, created_at + interval '3 minutes', created_at, created_at + interval '3 minutes'
    from bench_runs;
  `);
  await db.exec(`
    insert into heartbeat_runs (id, workspace_id, agent_id, status, invocation_source, trigger_detail, wakeup_request_id, issue_id, context_snapshot,
      host_id, process_pid, process_group_id, process_start_id, exit_code, error_code, error, log_path, log_bytes, log_sha256, log_pruned,
      last_output_line, usage, last_activity_at, started_at, finished_at, created_at, updated_at)
    select id, '${workspaceId}', agent_id, status, case when issue_id is null then 'timer' else 'assignment' end, 'system', wakeup_id, issue_id,
      case when issue_id is null then jsonb_build_object('wakeReason', 'heartbeat_timer') else jsonb_build_object('issueId', issue_id, 'wakeReason', 'issue_assigned') end,
      'bench-history-host', 1000 + g % 30000, 1000 + g % 30000, 'history:' || g,
      case status when 'succeeded' then 0 when 'failed' then 1 end,
      case status when 'failed' then 'adapter_failed' when 'cancelled' then 'cancelled' when 'timed_out' then 'timeout' end,
      case status when 'failed' then 'the agent process exited with code 1' end,
      '/nonexistent/logs/' || id || '.log', 20000 + (g * 7919) % 2000000, md5(id) || md5(id), g < ${runs - 200 * agents},
      'Finished step ' || g || ': updated 3 files, all tests pass',
      jsonb_build_object('inputTokens', g % 90000, 'outputTokens', g % 7000, 'costUsd', (g % 300) / 100.0),
      created_at + interval '3 minutes', created_at + interval '1 second', created_at + interval '3 minutes', created_at, created_at + interval '3 minutes'
    from bench_runs;
  `);
  await db.exec(`
    insert into heartbeat_run_events (id, run_id, seq, type, message, payload, created_at)
    select id || ':' || s, id, s, (array['queued','started','finished'])[s],
      (array['queued by assignment: issue_assigned', 'pid 4242 (process group 4242)', status])[s], '{}'::jsonb,
      created_at + make_interval(secs => (s - 1) * 60)
    from bench_runs, generate_series(1, 3) s;
  `);
  await db.exec(`
    insert into activity_log (id, workspace_id, actor, action, entity_type, entity_id, details, created_at)
    select id || ':a' || s, '${workspaceId}', 'system', case s when 1 then 'run.started' else 'run.' || status end, 'run', id,
      jsonb_build_object('agentId', agent_id, 'issueId', issue_id), created_at + make_interval(secs => (s - 1) * 180)
    from bench_runs, generate_series(1, 2) s;
  `);
  await db.exec(`
    insert into agent_runtime_state (agent_id, last_heartbeat_at, last_run_id, last_run_status, total_runs, failed_runs)
    select r.agent_id, max(r.created_at), max(r.id), 'succeeded', count(*), count(*) filter (where r.status in ('failed', 'timed_out'))
    from bench_runs r group by r.agent_id;
    drop table bench_runs;
    drop table bench_agents;
  `);
  return agentIds;
}
