// Vigil as an ACP client (https://agentclientprotocol.com), with the SDK's client side. It runs
// as the run's process in the pty host (`vigil acp-client`, started by the acp adapter): the
// agent is its child on pipes (stdin/stdout carry JSON-RPC, never a pty: no echo, no \r\n), the
// agent's stderr goes to the run log, and what happens is printed as lines (lines.ts) the
// adapter's parser reads. Living in the pty host, the run survives a host crash like any other.
import { spawn, type ChildProcess } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import {
  client as acpClient,
  ndJsonStream,
  PROTOCOL_VERSION,
  RequestError,
  type ClientContext,
  type PermissionOption,
  type RequestPermissionRequest,
  type RequestPermissionResponse,
  type SendRequestOptions,
  type StopReason,
} from '@agentclientprotocol/sdk';
import { RunFolder } from './folder';
import { printLine, type AcpLine } from './lines';

/** A person's answer to a permission request (src/main/requests: allow | allow_always | deny | expired). */
export interface PermissionAnswer {
  decision: string;
  message?: string;
}

export interface PermissionAsk {
  toolCallId: string | null;
  title: string;
  kind: string | null;
  input: Record<string, unknown>;
  options: PermissionOption[];
}

export interface AcpClientOptions {
  /** The agent's command line, run by /bin/sh in `cwd` (e.g. `gemini --experimental-acp`). */
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  prompt: string;
  /** A session to continue (session/load) when the agent offers it. */
  resumeSessionId: string | null;
  /** Asks the person (a stored request); resolves with their answer. */
  ask(request: PermissionAsk, signal: AbortSignal): Promise<PermissionAnswer>;
  /** Where the lines go (the run's stdout: the pty). */
  write(text: string): void;
  /** Typed lines (the run's terminal) to send as further prompts, if any. */
  input?: AsyncIterable<string>;
  version: string;
  /** Every request to the agent but the prompt turn has this deadline (default 2 min). */
  requestTimeoutMs?: number;
  /** After the turn: how long the agent may take to exit once its stdin closes (default 3 s). */
  exitGraceMs?: number;
}

/** Exit code of the run: 0 when the turn ended normally (end_turn), 1 otherwise. */
export async function runAcpClient(opts: AcpClientOptions): Promise<number> {
  const emit = (line: AcpLine) => printLine(line, opts.write);
  const folder = new RunFolder(opts.cwd);
  const child = spawn('/bin/sh', ['-c', opts.command], { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'inherit'] });
  // A write to an agent that died is not our death (EPIPE): its exit is reported below.
  child.stdin!.on('error', () => undefined);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (err) => {
      emit({ type: 'acp.error', message: `could not start the agent (${opts.command}): ${err.message}` });
      resolve({ code: 127, signal: null });
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  let loading = false;
  const app = acpClient({ name: 'vigil' })
    .onNotification('session/update', ({ params }) => {
      // A loaded session replays its history: already in the earlier run's transcript.
      if (!loading) emit({ type: 'acp.update', update: params.update });
    })
    .onRequest('session/request_permission', ({ params, signal }) => permission(opts, emit, params, signal))
    .onRequest('fs/read_text_file', ({ params }) => folder.readTextFile(params))
    .onRequest('fs/write_text_file', ({ params }) => folder.writeTextFile(params))
    .onRequest('terminal/create', ({ params }) => folder.createTerminal(params))
    .onRequest('terminal/output', ({ params }) => folder.output(params.terminalId))
    .onRequest('terminal/wait_for_exit', ({ params }) => folder.waitForExit(params.terminalId))
    .onRequest('terminal/kill', ({ params }) => folder.kill(params.terminalId))
    .onRequest('terminal/release', ({ params }) => folder.release(params.terminalId));
  const connection = app.connect(ndJsonStream(Writable.toWeb(child.stdin!) as WritableStream<Uint8Array>, Readable.toWeb(child.stdout!) as ReadableStream<Uint8Array>));
  const agentGone = exited.then(({ code, signal }) => {
    throw new Error(`the agent exited${signal ? ` (killed by ${signal})` : ` with code ${code}`} before its turn ended`);
  });
  agentGone.catch(() => undefined);
  const ms = opts.requestTimeoutMs ?? 120_000;
  let stopReason: StopReason | null = null;
  try {
    const agent = connection.agent;
    const init = await Promise.race([
      deadline(ms, 'initialize', (o) => agent.request('initialize', {
        protocolVersion: PROTOCOL_VERSION,
        clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: true },
        clientInfo: { name: 'vigil', version: opts.version },
      }, o)),
      agentGone,
    ]);
    const agentName = init.agentInfo ? `${init.agentInfo.name}${init.agentInfo.version ? ` ${init.agentInfo.version}` : ''}` : null;
    const sessionId = await Promise.race([openSession(agent, opts, Boolean(init.agentCapabilities?.loadSession), agentName, emit, ms, (v) => (loading = v)), agentGone]);
    stopReason = await Promise.race([turns(agent, sessionId, opts), agentGone]);
    emit({ type: 'acp.end', stopReason });
  } catch (err) {
    emit({ type: 'acp.error', message: describe(err) });
  } finally {
    folder.closeAll();
    connection.close();
    await stopAgent(child, exited, opts.exitGraceMs ?? 3000);
  }
  return stopReason === 'end_turn' ? 0 : 1;
}

/** session/load when asked to resume and offered (replayed history dropped); else session/new. */
async function openSession(
  agent: ClientContext,
  opts: AcpClientOptions,
  canLoad: boolean,
  agentName: string | null,
  emit: (line: AcpLine) => void,
  ms: number,
  setLoading: (v: boolean) => void,
): Promise<string> {
  const resume = opts.resumeSessionId;
  if (resume && !canLoad) emit({ type: 'acp.session_unknown', sessionId: resume, reason: 'the agent does not offer session/load' });
  if (resume && canLoad) {
    setLoading(true);
    try {
      await deadline(ms, 'session/load', (o) => agent.request('session/load', { sessionId: resume, cwd: opts.cwd, mcpServers: [] }, o));
      emit({ type: 'acp.session', sessionId: resume, loaded: true, agent: agentName });
      return resume;
    } catch (err) {
      emit({ type: 'acp.session_unknown', sessionId: resume, reason: describe(err) });
    } finally {
      setLoading(false);
    }
  }
  const created = await deadline(ms, 'session/new', (o) => agent.request('session/new', { cwd: opts.cwd, mcpServers: [] }, o));
  emit({ type: 'acp.session', sessionId: created.sessionId, loaded: false, agent: agentName });
  return created.sessionId;
}

/**
 * The heartbeat prompt, then each typed line as a further prompt. A turn has no deadline of its
 * own: it is the agent's work, bounded by the run's timeout (the engine stops the whole run).
 */
async function turns(agent: ClientContext, sessionId: string, opts: AcpClientOptions): Promise<StopReason> {
  const queued: string[] = [];
  void (async () => {
    for await (const line of opts.input ?? []) if (line.trim()) queued.push(line);
  })().catch(() => undefined);
  let text = opts.prompt;
  for (;;) {
    const { stopReason } = await agent.request('session/prompt', { sessionId, prompt: [{ type: 'text', text }] });
    // Input typed during the turn is taken at once (no wait): the run ends when nothing is queued.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const next = queued.shift();
    if (next === undefined || stopReason !== 'end_turn') return stopReason;
    text = next;
  }
}

/** Maps the person's answer onto the options the agent offered. */
async function permission(opts: AcpClientOptions, emit: (line: AcpLine) => void, params: RequestPermissionRequest, signal: AbortSignal): Promise<RequestPermissionResponse> {
  const tc = params.toolCall;
  const title = tc.title ?? tc.kind ?? 'a tool call';
  const input: Record<string, unknown> = {
    title,
    ...(typeof tc.rawInput === 'object' && tc.rawInput !== null && !Array.isArray(tc.rawInput) ? (tc.rawInput as Record<string, unknown>) : {}),
    ...(tc.locations?.length ? { locations: tc.locations.map((l) => l.path) } : {}),
    options: params.options.map((o) => ({ name: o.name, kind: o.kind })),
  };
  let answer: PermissionAnswer;
  try {
    answer = await opts.ask({ toolCallId: tc.toolCallId ?? null, title, kind: tc.kind ?? null, input, options: params.options }, signal);
  } catch (err) {
    emit({ type: 'acp.error', message: `the permission request for ${title} could not be asked: ${describe(err)}` });
    return { outcome: { outcome: 'cancelled' } };
  }
  const order = answer.decision === 'allow' ? ['allow_once', 'allow_always'] : answer.decision === 'allow_always' ? ['allow_always', 'allow_once'] : ['reject_once', 'reject_always'];
  const option = order.map((k) => params.options.find((o) => o.kind === k)).find(Boolean) ?? null;
  emit({ type: 'acp.permission', toolCallId: tc.toolCallId ?? null, title, decision: answer.decision, optionId: option?.optionId ?? null });
  return option ? { outcome: { outcome: 'selected', optionId: option.optionId } } : { outcome: { outcome: 'cancelled' } };
}

/** A request to the agent that must be answered within `ms`, or fails naming what was not answered. */
async function deadline<T>(ms: number, method: string, send: (o: SendRequestOptions) => Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(ms);
  try {
    return await send({ cancellationSignal: signal, stopWaitingOnCancel: true } as SendRequestOptions);
  } catch (err) {
    if (signal.aborted) throw new Error(`the agent did not answer ${method} within ${Math.round(ms / 1000)} s`);
    throw err;
  }
}

function describe(err: unknown): string {
  if (err instanceof RequestError) return `${err.message}${err.data ? ` (${JSON.stringify(err.data).slice(0, 500)})` : ''}`;
  return err instanceof Error ? err.message : String(err);
}

/** Its stdin closed (the ACP way to end), then SIGTERM, then SIGKILL: no agent outlives its run. */
async function stopAgent(child: ChildProcess, exited: Promise<unknown>, graceMs: number): Promise<void> {
  const wait = (ms: number) => Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
  child.stdin?.end();
  if (child.exitCode !== null || child.signalCode !== null || (await wait(graceMs))) return;
  child.kill('SIGTERM');
  if (await wait(graceMs)) return;
  child.kill('SIGKILL');
  await wait(graceMs);
}
