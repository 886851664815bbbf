// A lived-in fake host for looking at the UI without a real one: bundled into the page as
// `window.vigil` by tests/e2e/preview.ts. Agents, issues with comments and escalations, a
// thousand runs, ANSI logs, and a run that keeps printing.
import '../../src/renderer/zod-jitless';
import { FakeHost } from '../helpers/renderer-fake-host';

export function seededHost(): FakeHost {
  const h = new FakeHost();
  h.clock = Date.now() - 50 * 3_600_000;
  const builder = h.addAgent(
    { name: 'builder', command: 'claude -p "$VIGIL_PROMPT"', adapterType: 'claude_local', cwd: '/home/dev/src/shop', heartbeatIntervalSec: 900, timeoutSec: 3600, env: { NODE_ENV: 'development' } },
    { ANTHROPIC_API_KEY: 'sk-secret' },
  );
  const reviewer = h.addAgent({ name: 'reviewer', adapterType: 'codex_local', command: 'codex exec', cwd: '/home/dev/src/shop', heartbeatIntervalSec: 1800 });
  const nightly = h.addAgent({ name: 'nightly-tests', command: './scripts/nightly.sh', cwd: '/home/dev/src/shop', status: 'paused', heartbeatIntervalSec: 86400 });
  const flaky = h.addAgent({ name: 'docs-writer', command: 'node tools/docs-agent.js', cwd: '/home/dev/src/docs', status: 'error' });

  const titles = [
    'Checkout fails when the cart has more than 99 items',
    'Migrate the payments client to the v3 API',
    'Flaky test: orders/refund.spec.ts times out on CI',
    'Add a dark theme to the admin dashboard',
    'Rate-limit the password reset endpoint',
    'Document the release process',
    'Bump TypeScript to 5.9 and fix new errors',
    'Search results ignore diacritics',
  ];
  const statuses = ['in_progress', 'todo', 'blocked', 'in_review', 'done', 'blocked', 'todo', 'backlog'] as const;
  const priorities = ['urgent', 'high', 'medium', 'low', 'high', 'medium', 'low', 'medium'] as const;
  const owners = [builder, builder, reviewer, builder, reviewer, flaky, builder, null];
  const issues = titles.map((title, i) =>
    h.addIssue({
      title,
      body: i === 0 ? 'Customers with large carts see a 500 on /checkout.\n\nSteps:\n1. Add 100 items\n2. Press "Pay"\n\nExpected: the order goes through.' : '',
      status: statuses[i],
      priority: priorities[i],
      assigneeAgentId: owners[i]?.id ?? null,
      assigneeAgent: owners[i]?.name ?? null,
    }),
  );

  // A history to page through.
  const agents = [builder, reviewer, nightly, flaky];
  const ends = ['succeeded', 'succeeded', 'succeeded', 'failed', 'succeeded', 'timed_out', 'succeeded', 'cancelled'] as const;
  for (let i = 0; i < 1000; i++) {
    const agent = agents[i % agents.length];
    const status = ends[i % ends.length];
    const issue = issues[i % issues.length];
    h.clock += 11_000;
    const started = new Date(h.clock).toISOString();
    h.clock += 30_000 + (i % 7) * 41_000;
    h.addRun(agent, {
      status,
      issueId: issue.id,
      issueIdentifier: issue.identifier,
      invocationSource: i % 3 === 0 ? 'timer' : 'assignment',
      startedAt: started,
      finishedAt: new Date(h.clock).toISOString(),
      exitCode: status === 'succeeded' ? 0 : status === 'failed' ? 1 : null,
      signal: status === 'timed_out' || status === 'cancelled' ? 'SIGTERM' : null,
      errorCode: status === 'failed' ? 'adapter_failed' : status === 'timed_out' ? 'timeout' : status === 'cancelled' ? 'cancelled' : null,
      logBytes: 20_000 + i * 13,
    });
  }

  const failedFirst = h.addRun(flaky, {
    status: 'failed',
    issueId: issues[5].id,
    issueIdentifier: issues[5].identifier,
    exitCode: null,
    errorCode: 'process_lost',
    error: 'The process (pid 48211) was gone when Vigil started again.',
    processPid: 48211,
    processGroupId: 48211,
  });
  const failedRetry = h.addRun(flaky, {
    status: 'failed',
    issueId: issues[5].id,
    issueIdentifier: issues[5].identifier,
    invocationSource: 'automation',
    retryReason: 'process_loss',
    retryOfRunId: failedFirst.id,
    exitCode: 2,
    errorCode: 'adapter_failed',
    error: 'exit code 2',
    sessionId: 'sess_01HZX3K9V2',
    usage: { inputTokens: 18_234, outputTokens: 2_113, cachedInputTokens: 12_000, costUsd: 0.0841, model: 'claude-sonnet-4-5' },
    processPid: 50112,
    processGroupId: 50112,
  });
  h.setLog(
    failedRetry.id,
    [
      '\x1b[2m$ node tools/docs-agent.js\x1b[0m',
      '\x1b[36minfo\x1b[0m  reading docs/release.md',
      '\x1b[36minfo\x1b[0m  planning 4 edits',
      '\x1b[33mwarn\x1b[0m  docs/release.md: heading levels skip from h2 to h4',
      '\x1b[31merror\x1b[0m ENOENT: no such file or directory, open \'docs/ci.md\'',
      '    at Object.openSync (node:fs:573:3)',
      '    at main (tools/docs-agent.js:88:14)',
      '\x1b[1;31mexiting with code 2\x1b[0m',
      '',
    ].join('\r\n'),
  );
  h.runEvents.set(failedRetry.id, [
    { id: 'ev1', runId: failedRetry.id, seq: 1, type: 'run.queued', message: 'retry of a lost process', payload: null, createdAt: failedRetry.createdAt },
    { id: 'ev2', runId: failedRetry.id, seq: 2, type: 'run.started', message: 'pid 50112', payload: null, createdAt: failedRetry.createdAt },
    { id: 'ev3', runId: failedRetry.id, seq: 3, type: 'run.finished', message: 'exit code 2', payload: null, createdAt: failedRetry.createdAt },
  ]);
  h.addEscalation(issues[5], { runId: failedRetry.id, message: 'Run failed after its automatic retry (adapter_failed, exit code 2).' });
  h.addEscalation(issues[2], { kind: 'continuation_exhausted', message: 'Three runs ended with the issue still open; Vigil stopped dispatching it.' });

  h.addComment(issues[0], { body: 'Reproduced locally with 120 items; looking at the order total rounding.' , authorType: 'agent', authorName: 'builder', authorAgentId: builder.id });
  h.addComment(issues[0], { body: 'Run 3f2a91c0 was lost when Vigil stopped; queued one automatic retry.', authorType: 'system' });
  h.addComment(issues[0], { body: 'The cap is in cart/limits.ts — please keep the 99 limit for guests.', authorType: 'user', authorName: 'you' });

  const live = h.addRun(builder, {
    status: 'running',
    issueId: issues[0].id,
    issueIdentifier: issues[0].identifier,
    finishedAt: null,
    exitCode: null,
    processPid: 61234,
    processGroupId: 61234,
    startedAt: new Date(Date.now() - 252_000).toISOString(),
    lastOutputLine: 'Running cart tests (41/120)…',
  });
  h.addRun(reviewer, {
    status: 'running',
    issueId: issues[3].id,
    issueIdentifier: issues[3].identifier,
    finishedAt: null,
    exitCode: null,
    startedAt: new Date(Date.now() - 61_000).toISOString(),
    lastOutputLine: 'Reading src/admin/theme.ts',
  });
  const lines: string[] = [];
  for (let i = 1; i <= 40; i++) lines.push(`\x1b[32m✓\x1b[0m cart ${i.toString().padStart(3, '0')} adds item and updates totals \x1b[2m(${(i * 7) % 90}ms)\x1b[0m`);
  h.setLog(live.id, `\x1b[1mvitest\x1b[0m run cart\r\n${lines.join('\r\n')}\r\n`);

  let n = 41;
  setInterval(() => {
    const bytes = new TextEncoder().encode(`\x1b[32m✓\x1b[0m cart ${String(n).padStart(3, '0')} adds item and updates totals\r\n`);
    const prev = h.logs.get(live.id) ?? new Uint8Array();
    const next = new Uint8Array(prev.length + bytes.length);
    next.set(prev);
    next.set(bytes, prev.length);
    h.logs.set(live.id, next);
    live.logBytes = next.length;
    live.lastOutputLine = `Running cart tests (${n}/120)…`;
    let binary = '';
    for (const b of bytes) binary += String.fromCharCode(b);
    h.emit('run.output', { runId: live.id, offset: prev.length, data: btoa(binary) });
    h.emit('run.updated', structuredClone(live));
    n++;
  }, 1500);
  return h;
}

declare global {
  interface Window {
    __vigilFake?: FakeHost;
  }
}

/** A first start in the desktop app (`?fresh`): no agents yet, Claude Code on PATH, a native folder dialog. */
export function freshHost(): FakeHost {
  const h = new FakeHost();
  h.setupInfo = {
    clis: [
      { adapterType: 'claude_local', command: 'claude', label: 'Claude Code', install: 'npm install -g @anthropic-ai/claude-code', login: 'run `claude` once', transport: 'pty', capabilities: { transcript: true, resume: true, tokens: true, cost: true, permissionRequests: false, liveInput: false }, path: '/home/dev/.local/bin/claude', version: '2.1.197 (Claude Code)', problem: null },
      { adapterType: 'codex_local', command: 'codex', label: 'Codex CLI', install: 'npm install -g @openai/codex', login: 'run `codex login` once', transport: 'pty', capabilities: { transcript: true, resume: true, tokens: true, cost: false, permissionRequests: false, liveInput: false }, path: null, version: null, problem: null },
    ],
    folderPicker: 'native',
    home: '/home/dev',
    suggestedFolders: ['/home/dev'],
  };
  h.folders = new Set(['/home/dev', '/home/dev/src/shop']);
  h.pickedFolder = '/home/dev/src/shop';
  return h;
}

const host = new URLSearchParams(window.location.search).has('fresh') ? freshHost() : seededHost();
window.vigil = host;
window.__vigilFake = host;
