// An in-memory double of the host for the renderer's tests: enough of the contract to drive
// the screens, the same input validation (so errors name their field like the real host's),
// and an event emitter. Test-only: the shipped bundle never imports it.
import { calls, type SetupInfoDto, type AgentDto, type IssueDiffDto, type CallInput, type CallName, type CallOutput, type CommentDto, type EscalationDto, type IssueDto, type RunDetailDto, type RunDto, type RunEventDto, type SettingsDto } from '../../src/shared/contract';
import { MASKED_SECRET, RUN_ERROR_EXPLANATIONS } from '../../src/shared/domain';
import { ContractError, invalidInput, notFound } from '../../src/shared/errors';
import type { EventName, EventPayload, HostEvent } from '../../src/shared/events';
import type { VigilBridge } from '../../src/shared/bridge';
import { agentDto, issueDto, runDto } from './dtos';

type Handler = (params: never) => unknown;

const nextId = () => crypto.randomUUID();

export class FakeHost implements VigilBridge {
  agents: AgentDto[] = [];
  secrets = new Map<string, Record<string, string>>();
  issues: IssueDto[] = [];
  comments: CommentDto[] = [];
  runs: RunDto[] = [];
  runEvents = new Map<string, RunEventDto[]>();
  escalations: EscalationDto[] = [];
  settings: SettingsDto = { notifications: { in_review: true, blocked: true, waiting_input: true, escalation: true } };
  logs = new Map<string, Uint8Array>();
  prunedRuns = new Set<string>();
  /** What setup.detect answers: no CLIs and typed paths unless a test says otherwise. */
  setupInfo: SetupInfoDto = { clis: [], folderPicker: 'path', home: '/home/dev', suggestedFolders: ['/home/dev'] };
  /** Folders setup.checkFolder accepts (anything else: "there is no such folder"). */
  folders = new Set<string>(['/home/dev']);
  /** Programs on the fake host's PATH (agents.check). */
  programs = new Set<string>(['echo', 'claude']);
  /** What the native folder dialog answers (null: cancelled). */
  pickedFolder: string | null = null;
  /** issues.diff answers by issue identifier; an issue without one has no worktree. */
  diffs = new Map<string, IssueDiffDto>();
  /** What start-up would have told the user (host.status notices). */
  startupNotices: string[] = [];
  /** Every call made, in order, with its params: what a test asserts the UI sent. */
  readonly log: { method: CallName; params: unknown }[] = [];
  private listeners = new Set<(e: HostEvent) => void>();
  private issueSeq = 0;
  clock = Date.parse('2026-05-01T12:00:00Z');

  now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  onEvent(listener: (event: HostEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<N extends EventName>(event: N, data: EventPayload<N>): void {
    for (const l of [...this.listeners]) l({ event, data } as HostEvent);
  }

  async invoke<N extends CallName>(method: N, params: CallInput<N>): Promise<CallOutput<N>> {
    this.log.push({ method, params });
    const parsed = calls[method].input.safeParse(params ?? {});
    if (!parsed.success) throw invalidInput(method, parsed.error);
    const handler = this.handlers[method];
    if (!handler) throw new ContractError('unknown_call', `the fake host does not answer ${method}`);
    return structuredClone(handler(parsed.data as never)) as CallOutput<N>;
  }

  calls(method: CallName): unknown[] {
    return this.log.filter((c) => c.method === method).map((c) => c.params);
  }

  // ---------------------------------------------------------------- seeding helpers

  addAgent(partial: Partial<AgentDto> & { name: string }, secretEnv: Record<string, string> = {}): AgentDto {
    const at = this.now();
    const agent = agentDto({ id: nextId(), workspaceId: 'ws-1', envPublic: Object.keys(partial.env ?? {}), machineId: 'm1', machine: 'laptop', createdAt: at, updatedAt: at, ...partial });

    this.secrets.set(agent.id, { ...secretEnv });
    agent.env = { ...agent.env, ...Object.fromEntries(Object.keys(secretEnv).map((k) => [k, MASKED_SECRET])) };
    this.agents.push(agent);
    return agent;
  }

  addIssue(partial: Partial<IssueDto> & { title: string }): IssueDto {
    const at = this.now();
    const issue = issueDto({ id: nextId(), identifier: `VIG-${++this.issueSeq}`, assigneeAgent: null, createdAt: at, updatedAt: at, ...partial });

    this.issues.push(issue);
    return issue;
  }

  addRun(agent: AgentDto, partial: Partial<RunDto> = {}): RunDto {
    const at = this.now();
    const issue = partial.issueId ? this.issues.find((i) => i.id === partial.issueId) : undefined;
    const run = runDto({
      id: nextId(),
      agentId: agent.id,
      agent: agent.name,
      status: 'succeeded',
      invocationSource: 'assignment',
      issueIdentifier: issue?.identifier ?? null,
      machineId: 'm1',
      exitCode: 0,
      startedAt: at,
      finishedAt: at,
      createdAt: at,
      updatedAt: at,
      ...partial,
    });

    this.runs.push(run);
    return run;
  }

  addComment(issue: IssueDto, partial: Partial<CommentDto> & { body: string }): CommentDto {
    const comment: CommentDto = { id: nextId(), issueId: issue.id, authorType: 'user', authorAgentId: null, authorName: null, runId: null, createdAt: this.now(), ...partial };
    this.comments.push(comment);
    return comment;
  }

  addEscalation(issue: IssueDto, partial: Partial<EscalationDto> = {}): EscalationDto {
    const e: EscalationDto = {
      id: nextId(),
      issueId: issue.id,
      issueIdentifier: issue.identifier,
      issueTitle: issue.title,
      runId: null,
      kind: 'run_failed_after_retry',
      message: 'The run failed and its retry failed too.',
      createdAt: this.now(),
      resolvedAt: null,
      ...partial,
    };
    this.escalations.push(e);
    return e;
  }

  setLog(runId: string, text: string | Uint8Array): void {
    const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    this.logs.set(runId, bytes);
    const run = this.runs.find((r) => r.id === runId);
    if (run) run.logBytes = bytes.length;
  }

  // ---------------------------------------------------------------- lookups

  private agent(ref: string): AgentDto {
    const a = this.agents.find((x) => x.id === ref || x.name === ref);
    if (!a) throw notFound('agent', ref);
    return a;
  }

  private issue(ref: string): IssueDto {
    const i = this.issues.find((x) => x.id === ref || x.identifier === ref);
    if (!i) throw notFound('issue', ref);
    return i;
  }

  private run(ref: string): RunDto {
    const r = this.runs.find((x) => x.id === ref);
    if (!r) throw notFound('run', ref);
    return r;
  }

  private page<T>(items: T[], limit = 50, cursor?: string) {
    const start = cursor ? Number(cursor) : 0;
    const slice = items.slice(start, start + limit);
    const next = start + limit < items.length ? String(start + limit) : null;
    return { items: slice, nextCursor: next, total: items.length };
  }

  private updateAgent(agent: AgentDto, patch: Partial<AgentDto>): AgentDto {
    Object.assign(agent, patch, { updatedAt: this.now() });
    this.emit('agent.updated', structuredClone(agent));
    return agent;
  }

  private updateIssue(issue: IssueDto, patch: Partial<IssueDto>): IssueDto {
    Object.assign(issue, patch, { updatedAt: this.now() });
    this.emit('issue.updated', structuredClone(issue));
    return issue;
  }

  private readonly handlers: Partial<Record<CallName, Handler>> = {
    'host.status': () => ({
      version: '0.1.0',
      pid: 4242,
      hostId: 'fake-host',
      machineName: 'laptop',
      dataDir: '/home/dev/.config/Vigil',
      database: 'pglite',
      startedAt: new Date(this.clock - 3_600_000).toISOString(),
      globalMaxConcurrentRuns: 4,
      agents: { total: this.agents.length, paused: this.agents.filter((a) => a.status === 'paused').length, running: this.agents.filter((a) => a.status === 'running').length },
      runs: { queued: this.runs.filter((r) => r.status === 'queued').length, running: this.runs.filter((r) => r.status === 'running').length, detached: 0 },
      issues: { open: this.issues.filter((i) => !['done', 'cancelled'].includes(i.status)).length, blocked: this.issues.filter((i) => i.status === 'blocked').length },
      openEscalations: this.escalations.filter((e) => !e.resolvedAt).length,
      notices: this.startupNotices,
    }),

    'setup.detect': () => this.setupInfo,
    'setup.pickFolder': () => {
      if (this.setupInfo.folderPicker !== 'native') throw new ContractError('unsupported', 'there is no native folder dialog here');
      return { path: this.pickedFolder };
    },
    'setup.checkFolder': (p: { path: string }) => {
      const path = p.path.replace(/^~(?=\/|$)/, this.setupInfo.home).replace(/\/+$/, '') || '/';
      if (!path.startsWith('/')) return { path, ok: false, problem: 'give the full path of the folder (starting with / or ~/)', gitRepo: false };
      return this.folders.has(path) ? { path, ok: true, problem: null, gitRepo: path.includes('src') } : { path, ok: false, problem: 'there is no such folder', gitRepo: false };
    },

    'agents.check': (p: { agent?: string; draft?: { adapterType?: string; command?: string | null; cwd?: string | null } }) => {
      const saved = p.agent ? this.agents.find((a) => a.id === p.agent || a.name === p.agent) : undefined;
      const command = p.draft?.command !== undefined ? p.draft.command : (saved?.command ?? null);
      const cwd = p.draft?.cwd !== undefined ? p.draft.cwd : (saved?.cwd ?? null);
      const checks: { field: 'cwd' | 'command'; problem: string; fix: string; blocking: boolean }[] = [];
      if (cwd && !this.folders.has(cwd)) checks.push({ field: 'cwd', problem: `the folder ${cwd}: there is no such folder`, fix: `create it (mkdir -p ${cwd}) or choose another folder`, blocking: true });
      const program = command?.trim().split(/\s+/)[0];
      if (program && !this.programs.has(program)) checks.push({ field: 'command', problem: `the command "${program}" was not found on PATH`, fix: "install it, give its full path, or add its folder to PATH in the agent's env", blocking: true });
      return { checks, deferredTo: null, checkedOn: null, offline: null };
    },

    'machines.list': () => [
      {
        id: 'm1',
        name: 'laptop',
        hostInstance: '4242/boot:1',
        leaseMs: 15_000,
        startedAt: new Date(this.clock - 3_600_000).toISOString(),
        lastSeenAt: new Date(this.clock).toISOString(),
        stoppedAt: null,
        online: true,
        self: true,
        agents: this.agents.length,
        runningRuns: this.runs.filter((r) => r.status === 'running').length,
      },
    ],
    'agents.list': () => [...this.agents].sort((a, b) => a.name.localeCompare(b.name)),
    'agents.get': (p: { agent: string }) => this.agent(p.agent),
    'agents.create': (p: CallInput<'agents.create'>) => {
      if (this.agents.some((a) => a.name === p.name)) throw new ContractError('conflict', `an agent named "${p.name}" already exists`, 'name');
      // Like the host: every value is a secret unless its name is marked public.
      const isPublic = (k: string) => (p.envPublic ?? []).includes(k);
      const secretEnv = Object.fromEntries(Object.entries(p.env ?? {}).filter(([k]) => !isPublic(k)));
      const plainEnv = Object.fromEntries(Object.entries(p.env ?? {}).filter(([k]) => isPublic(k)));
      const agent = this.addAgent(
        {
          name: p.name,
          adapterType: p.adapterType,
          command: p.command ?? null,
          cwd: p.cwd ?? null,
          model: p.model ?? null,
          env: plainEnv,
          heartbeatIntervalSec: p.heartbeatIntervalSec ?? null,
          timeoutSec: p.timeoutSec ?? null,
          maxConcurrentRuns: p.maxConcurrentRuns ?? 1,
        },
        secretEnv,
      );
      this.emit('agent.updated', structuredClone(agent));
      return agent;
    },
    'agents.update': (p: CallInput<'agents.update'>) => {
      const agent = this.agent(p.agent);
      const { env: given, ...rest } = p.patch;
      const patch: Partial<AgentDto> = { ...(rest as Partial<AgentDto>) };
      const publicNames = p.patch.envPublic ?? agent.envPublic;
      // A change of public names alone re-sorts the stored values too.
      const stored0 = this.secrets.get(agent.id) ?? {};
      const env = given ?? (p.patch.envPublic ? { ...agent.env, ...Object.fromEntries(Object.keys(stored0).map((k) => [k, MASKED_SECRET])) } : undefined);
      if (env) {
        // Like the host: env is replaced whole, and a mask sent back for a stored secret keeps it.
        const stored = this.secrets.get(agent.id) ?? {};
        const secrets: Record<string, string> = {};
        const plain: Record<string, string> = {};
        for (const [k, v] of Object.entries(env)) {
          const value = v === MASKED_SECRET && k in stored ? stored[k] : v;
          if (!publicNames.includes(k)) secrets[k] = value;
          else plain[k] = value;
        }
        this.secrets.set(agent.id, secrets);
        patch.env = { ...plain, ...Object.fromEntries(Object.keys(secrets).map((k) => [k, MASKED_SECRET])) };
      }
      return this.updateAgent(agent, patch);
    },
    'agents.pause': (p: { agent: string }) => this.updateAgent(this.agent(p.agent), { status: 'paused' }),
    'agents.resume': (p: { agent: string }) => this.updateAgent(this.agent(p.agent), { status: 'idle' }),
    'agents.remove': (p: { agent: string }) => {
      const agent = this.agent(p.agent);
      this.agents = this.agents.filter((a) => a !== agent);
      this.emit('agent.removed', { id: agent.id });
      return { id: agent.id };
    },
    'agents.wake': (p: { agent: string }) => {
      const agent = this.agent(p.agent);
      const run = this.addRun(agent, { status: 'queued', invocationSource: 'on_demand', startedAt: null, finishedAt: null, exitCode: null });
      this.emit('run.created', structuredClone(run));
      return { wakeupId: nextId(), status: 'queued', runId: run.id, reason: null };
    },

    'issues.diff': (p: CallInput<'issues.diff'>) =>
      this.diffs.get(p.issue) ?? { workspace: null, files: [], additions: 0, deletions: 0, commitsAhead: 0, uncommitted: false, fromCommit: null, headCommit: null, patch: null, patchTruncated: false },
    'issues.discard': (p: CallInput<'issues.discard'>) => {
      const diff = this.diffs.get(p.issue);
      if (!diff?.workspace || !p.confirm) throw new ContractError('invalid_input', 'confirm it', 'confirm');
      diff.workspace = { ...diff.workspace, state: 'discarded', closedAt: this.now() };
      return diff.workspace;
    },
    'issues.list': (p: CallInput<'issues.list'>) => {
      let items = [...this.issues].reverse();
      if (p.status) items = items.filter((i) => i.status === p.status);
      if (p.assignee) items = items.filter((i) => i.assigneeAgent === p.assignee || i.assigneeAgentId === p.assignee);
      if (p.q) items = items.filter((i) => `${i.identifier} ${i.title} ${i.body}`.toLowerCase().includes(p.q!.toLowerCase()));
      return this.page(items, p.limit, p.cursor);
    },
    'issues.get': (p: { issue: string }) => {
      const issue = this.issue(p.issue);
      return {
        ...issue,
        comments: this.comments.filter((c) => c.issueId === issue.id),
        runs: this.runs.filter((r) => r.issueId === issue.id).reverse(),
        escalations: this.escalations.filter((e) => e.issueId === issue.id),
        activity: [],
      };
    },
    'issues.create': (p: CallInput<'issues.create'>) => {
      const agent = p.assignee ? this.agent(p.assignee) : null;
      const issue = this.addIssue({ title: p.title, body: p.body ?? '', priority: p.priority ?? 'medium', status: p.status ?? 'todo', assigneeAgentId: agent?.id ?? null, assigneeAgent: agent?.name ?? null });
      this.emit('issue.updated', structuredClone(issue));
      return issue;
    },
    'issues.update': (p: CallInput<'issues.update'>) => {
      const { issue: ref, ...patch } = p;
      return this.updateIssue(this.issue(ref), patch);
    },
    'issues.assign': (p: CallInput<'issues.assign'>) => {
      const agent = p.agent ? this.agent(p.agent) : null;
      return this.updateIssue(this.issue(p.issue), { assigneeAgentId: agent?.id ?? null, assigneeAgent: agent?.name ?? null });
    },
    'issues.comment': (p: CallInput<'issues.comment'>) => {
      const comment = this.addComment(this.issue(p.issue), { body: p.body });
      this.emit('comment.added', structuredClone(comment));
      return comment;
    },

    'runs.list': (p: CallInput<'runs.list'>) => {
      let items = [...this.runs].reverse();
      if (p.agent) items = items.filter((r) => r.agent === p.agent || r.agentId === p.agent);
      if (p.status) items = items.filter((r) => r.status === p.status);
      if (p.issue) items = items.filter((r) => r.issueIdentifier === p.issue || r.issueId === p.issue);
      return this.page(items, p.limit, p.cursor);
    },
    'runs.get': (p: { run: string }): RunDetailDto => {
      const run = this.run(p.run);
      return {
        ...run,
        adapterType: this.agents.find((a) => a.id === run.agentId)?.adapterType ?? null,
        retryOf: run.retryOfRunId ? this.run(run.retryOfRunId) : null,
        retriedBy: this.runs.filter((r) => r.retryOfRunId === run.id),
        events: this.runEvents.get(run.id) ?? [],
        errorExplanation: run.errorCode ? RUN_ERROR_EXPLANATIONS[run.errorCode] : null,
      };
    },
    'runs.cancel': (p: { run: string }) => {
      const run = this.run(p.run);
      Object.assign(run, { status: 'cancelled', errorCode: 'cancelled', finishedAt: this.now() });
      this.emit('run.updated', structuredClone(run));
      return run;
    },
    'runs.log': (p: CallInput<'runs.log'>) => {
      const run = this.run(p.run);
      const bytes = this.logs.get(run.id) ?? new Uint8Array();
      const pruned = this.prunedRuns.has(run.id);
      const max = 1 << 20;
      const offset = p.tail !== undefined ? Math.max(0, bytes.length - p.tail) : Math.min(p.offset ?? 0, bytes.length);
      const length = Math.min(p.tail ?? p.length ?? max, max);
      const slice = pruned ? new Uint8Array() : bytes.subarray(offset, offset + length);
      return { runId: run.id, offset, data: encodeBase64(slice), totalBytes: bytes.length, live: run.status === 'running', pruned };
    },

    'review.queue': () =>
      (['in_review', 'blocked'] as const).flatMap((status) =>
        [...this.issues]
          .filter((i) => i.status === status)
          .reverse()
          .map((issue) => {
            const said = [...this.comments].reverse().find((c) => c.issueId === issue.id && c.authorType === 'agent');
            const lastRun = [...this.runs].reverse().find((r) => r.issueId === issue.id);
            return {
              issue,
              lastWords: said ? { text: said.body, source: 'comment' as const, runId: said.runId, at: said.createdAt } : null,
              lastRunId: lastRun?.id ?? null,
              changes: null,
            };
          }),
      ),
    'settings.get': () => this.settings,
    'settings.update': (p: CallInput<'settings.update'>) => {
      this.settings = { notifications: { ...this.settings.notifications, ...p.notifications } };
      this.emit('settings.updated', structuredClone(this.settings));
      return this.settings;
    },

    'escalations.list': (p: { open?: boolean }) => [...this.escalations].filter((e) => !p.open || !e.resolvedAt).reverse(),
    'escalations.retry': (p: { escalation: string }) => this.resolveEscalation(p.escalation),
    'escalations.dismiss': (p: { escalation: string }) => this.resolveEscalation(p.escalation),
  };

  private resolveEscalation(id: string): EscalationDto {
    const e = this.escalations.find((x) => x.id === id);
    if (!e) throw notFound('escalation', id);
    e.resolvedAt = this.now();
    this.emit('escalation.updated', structuredClone(e));
    return e;
  }
}

export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
