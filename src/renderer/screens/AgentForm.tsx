// Add or edit an agent. Every env value is a secret unless its row is marked public: secrets
// arrive masked from the host, they are shown masked, and only a value the user typed replaces one. The mask is never a new value: it only
// goes back, for the name it came with, as the host's "keep the stored secret" marker.
import { useState } from 'react';
import { AgentCreateInput, calls, type AgentCliDto, type AgentDto } from '../../shared/contract';
import { capabilityWords } from '../../shared/adapter-capabilities';
import { ADAPTER_TYPES, MASKED_SECRET, type AdapterType, type WorkspaceMode } from '../../shared/domain';
import { Field, FormError } from '../components/Field';
import { PickFolderButton } from '../components/FolderChooser';
import { FORM, fromHost, validate, type FieldErrors } from '../components/form-errors';
import { useAction } from '../data/mutations';
import { useMachines, useSetupInfo } from '../data/queries';
import { ValueOptions } from '../components/Options';
import { Form } from '../components/Form';
import { checkWords, useDraftCheck } from './agent-draft-check';

const FIELDS = ['name', 'adapterType', 'command', 'cwd', 'workspace', 'model', 'heartbeatIntervalSec', 'timeoutSec', 'maxConcurrentRuns', 'env', 'machine'] as const;

const ACP_HINT = 'Any agent that speaks the Agent Client Protocol: give its ACP command (gemini --experimental-acp, claude-agent-acp, codex-acp, opencode acp, qwen --acp). Transcript, resume, permission requests.';
const PROCESS_HINT = 'Any command, run in a terminal each heartbeat (no transcript: its terminal is what you see).';

/** What the adapter is and what Vigil can do with it, from the host's list of adapters. */
function adapterHint(type: AdapterType, clis: AgentCliDto[] | undefined): string {
  const cli = clis?.find((c) => c.adapterType === type);
  if (!cli) return type === 'process' ? PROCESS_HINT : type === 'acp' ? ACP_HINT : type;
  const words = capabilityWords(cli.capabilities);
  return `${cli.label} (command defaults to ${cli.command})${words.length ? `: ${words.join(', ')}` : ''}.`;
}

export interface EnvRow {
  key: string;
  value: string;
  /** The host sent a mask for this value and the user has not replaced it. */
  masked: boolean;
  /** Not a secret: shown in answers and left in logs. */
  public: boolean;
}

export function envRowsOf(env: Record<string, string>, publicNames: readonly string[] = []): EnvRow[] {
  return Object.entries(env).map(([key, value]) => ({
    key,
    value: value === MASKED_SECRET ? '' : value,
    masked: value === MASKED_SECRET,
    public: publicNames.includes(key),
  }));
}

/** The names marked public, among the rows that will be sent. */
export function envPublicToSend(rows: EnvRow[]): string[] {
  return rows.filter((r) => r.key.trim() && r.public).map((r) => r.key.trim());
}

const sameNames = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((n) => b.includes(n));

/** The env to send. It replaces the stored one whole, so a secret left alone goes back as its mask. */
export function envToSend(rows: EnvRow[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const row of rows) if (row.key.trim()) env[row.key.trim()] = row.masked ? MASKED_SECRET : row.value;
  return env;
}

function sameEnv(rows: EnvRow[], original: Record<string, string>): boolean {
  const current = rows.filter((r) => r.key.trim());
  if (current.length !== Object.keys(original).length) return false;
  return current.every((r) => (r.masked ? original[r.key] === MASKED_SECRET : original[r.key] === r.value));
}

const num = (s: string): number | null => (s.trim() === '' ? null : Number(s));

export function AgentForm({ agent, onDone, onCancel }: { agent?: AgentDto; onDone: (agent: AgentDto) => void; onCancel: () => void }) {
  const editing = !!agent;
  const [name, setName] = useState(agent?.name ?? '');
  // A new agent defaults to the first agent CLI found on the host's PATH, until the user picks.
  const setup = useSetupInfo();
  const firstCli = setup.data?.clis.find((c) => c.path && !c.problem);
  const [chosenAdapter, setAdapterType] = useState<AdapterType | null>(agent?.adapterType ?? null);
  const adapterType: AdapterType = chosenAdapter ?? firstCli?.adapterType ?? 'process';
  const foundCli = setup.data?.clis.find((c) => c.adapterType === adapterType && c.path);
  const [command, setCommand] = useState(agent?.command ?? '');
  const [cwd, setCwd] = useState(agent?.cwd ?? '');
  const [workspace, setWorkspace] = useState<WorkspaceMode>(agent?.workspace ?? 'none');
  const [model, setModel] = useState(agent?.model ?? '');
  const [intervalSec, setIntervalSec] = useState(agent?.heartbeatIntervalSec?.toString() ?? '');
  const [timeoutSec, setTimeoutSec] = useState(agent?.timeoutSec?.toString() ?? '');
  const [maxConcurrent, setMaxConcurrent] = useState((agent?.maxConcurrentRuns ?? 1).toString());
  const [env, setEnv] = useState<EnvRow[]>(() => envRowsOf(agent?.env ?? {}, agent?.envPublic ?? []));
  // Team mode: which machine's Vigil runs it ('' = the host's own, or the agent's current one).
  const [machine, setMachine] = useState(agent?.machineId ?? '');
  const machines = useMachines().data ?? [];
  const [errors, setErrors] = useState<FieldErrors>({});
  // Checked as typed, on the machine that will run it: the folder, the command, the adapter's CLI.
  const check = useDraftCheck({ agent: agent?.id, adapterType, command, cwd, machine });
  const [pickError, setPickError] = useState<string | null>(null);
  const create = useAction('agents.create', { onSuccess: onDone, invalidate: ['agents.list'] });
  const update = useAction('agents.update', { onSuccess: onDone, invalidate: ['agents.get', 'agents.list'] });
  const pending = create.isPending || update.isPending;

  const submit = () => {
    const onError = (e: Parameters<typeof fromHost>[0]) => setErrors(fromHost(e, FIELDS));
    if (!agent) {
      const input = {
        name: name.trim(),
        adapterType,
        ...(command.trim() ? { command: command.trim() } : {}),
        ...(cwd.trim() ? { cwd: cwd.trim() } : {}),
        ...(workspace === 'worktree' ? { workspace } : {}),
        ...(model.trim() ? { model: model.trim() } : {}),
        ...(num(intervalSec) !== null ? { heartbeatIntervalSec: num(intervalSec) } : {}),
        ...(num(timeoutSec) !== null ? { timeoutSec: num(timeoutSec) } : {}),
        maxConcurrentRuns: num(maxConcurrent) ?? 1,
        ...(env.some((r) => r.key.trim()) ? { env: envToSend(env) } : {}),
        ...(machine ? { machine } : {}),
        ...(envPublicToSend(env).length ? { envPublic: envPublicToSend(env) } : {}),
      };
      const invalid = validate(AgentCreateInput, input, FIELDS);
      setErrors(invalid ?? {});
      if (!invalid) create.mutate(input, { onError });
      return;
    }
    const patch = {
      ...(command.trim() !== (agent.command ?? '') && command.trim() ? { command: command.trim() } : {}),
      ...(cwd.trim() !== (agent.cwd ?? '') && cwd.trim() ? { cwd: cwd.trim() } : {}),
      ...(workspace !== agent.workspace ? { workspace } : {}),
      ...(model.trim() !== (agent.model ?? '') && model.trim() ? { model: model.trim() } : {}),
      ...(num(intervalSec) !== agent.heartbeatIntervalSec ? { heartbeatIntervalSec: num(intervalSec) } : {}),
      ...(num(timeoutSec) !== agent.timeoutSec ? { timeoutSec: num(timeoutSec) } : {}),
      ...(num(maxConcurrent) !== agent.maxConcurrentRuns ? { maxConcurrentRuns: num(maxConcurrent) ?? 1 } : {}),
      ...(sameEnv(env, agent.env) ? {} : { env: envToSend(env) }),
      ...(machine && machine !== agent.machineId ? { machine } : {}),
      ...(sameNames(envPublicToSend(env), agent.envPublic ?? []) ? {} : { envPublic: envPublicToSend(env) }),
    };
    const input = { agent: agent.id, patch };
    const invalid = validate(calls['agents.update'].input, input, FIELDS);
    setErrors(invalid ?? {});
    if (invalid) return;
    if (Object.keys(patch).length === 0) onCancel();
    else update.mutate(input, { onError });
  };

  return (
    <Form
      className="panel form"
      aria-label={editing ? `Edit agent ${agent.name}` : 'New agent'}
      noValidate
      onSubmit={submit}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onCancel();
      }}
    >
      <h2>{editing ? `Edit ${agent.name}` : 'New agent'}</h2>
      <div className="form-grid">
        {!editing && (
          <Field label="Name" error={errors.name} hint="Letters, digits, _ . and -">
            {(p) => <input {...p} autoFocus className="mono" value={name} onChange={(e) => setName(e.target.value)} placeholder="reviewer" />}
          </Field>
        )}
        <Field
          label="Adapter"
          error={errors.adapterType}
          hint={
            foundCli && !editing ? (
              <>
                <span title={foundCli.path ?? undefined}>Found on this machine: {foundCli.version ?? foundCli.command}.</span>{' '}
                <span className="adapter-capabilities">{capabilityWords(foundCli.capabilities).join(', ')}</span>
              </>
            ) : (
              adapterHint(adapterType, setup.data?.clis)
            )
          }
        >
          {(p) => (
            <select {...p} value={adapterType} disabled={editing} onChange={(e) => setAdapterType(e.target.value as AdapterType)}>
              <ValueOptions values={ADAPTER_TYPES} />
            </select>
          )}
        </Field>
        <Field label="Command" error={errors.command} warning={checkWords(check, 'command')} wide hint="Run through the shell, in a pty.">
          {(p) => (
            <input
              {...p}
              autoFocus={editing}
              className="mono"
              value={command}
              onChange={(e) => setCommand(e.target.value)}
              placeholder={adapterType === 'process' ? './agent.sh' : adapterType === 'acp' ? 'gemini --experimental-acp' : (setup.data?.clis.find((c) => c.adapterType === adapterType)?.command ?? '')}
            />
          )}
        </Field>
        <Field label="Working folder" error={errors.cwd ?? pickError} warning={cwd.trim() ? checkWords(check, 'cwd') : null} wide>
          {(p) => (
            <div className="folder-row">
              <input {...p} className="mono" value={cwd} onChange={(e) => setCwd(e.target.value)} placeholder="/path/to/repo" />
              {setup.data?.folderPicker === 'native' && <PickFolderButton defaultPath={cwd} onPicked={setCwd} onError={setPickError} />}
            </div>
          )}
        </Field>
        <Field
          label="Workspace"
          error={errors.workspace}
          wide
          hint={
            workspace === 'worktree'
              ? 'A git worktree per issue: agents on one repository never edit under each other, and you review and merge each diff.'
              : 'The agent works in the folder itself, on whatever is checked out there; its changes land directly in it.'
          }
        >
          {(p) => (
            <select {...p} value={workspace} onChange={(e) => setWorkspace(e.target.value as WorkspaceMode)}>
              <option value="none">the working folder as it is</option>
              <option value="worktree">a git worktree per issue (the folder must be a git repository)</option>
            </select>
          )}
        </Field>
        <Field label="Heartbeat interval (s)" error={errors.heartbeatIntervalSec} hint="Empty: wake only on assignment or by hand.">
          {(p) => <input {...p} inputMode="numeric" value={intervalSec} onChange={(e) => setIntervalSec(e.target.value)} placeholder="none" />}
        </Field>
        <Field label="Timeout (s)" error={errors.timeoutSec} hint="Empty: no limit.">
          {(p) => <input {...p} inputMode="numeric" value={timeoutSec} onChange={(e) => setTimeoutSec(e.target.value)} placeholder="none" />}
        </Field>
        <Field label="Max concurrent runs" error={errors.maxConcurrentRuns}>
          {(p) => <input {...p} inputMode="numeric" value={maxConcurrent} onChange={(e) => setMaxConcurrent(e.target.value)} />}
        </Field>
        {adapterType !== 'process' && (
          <Field label="Model" error={errors.model}>
            {(p) => <input {...p} className="mono" value={model} onChange={(e) => setModel(e.target.value)} placeholder="adapter default" />}
          </Field>
        )}
        {machines.length > 1 && (
          <Field label="Machine" error={errors.machine} warning={check?.offline ? `Not checked: ${check.offline}.` : null} hint="Team mode: whose Vigil runs it, in that machine's folders.">
            {(p) => (
              <select {...p} value={machine || machines.find((m) => m.self)?.id || ''} onChange={(e) => setMachine(e.target.value)}>
                {machines.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                    {m.online ? '' : ' (offline)'}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <div className="field field-wide">
          <span className="label">Environment</span>
          <EnvRows rows={env} onChange={setEnv} />
          {errors.env && (
            <p className="field-error" role="alert">
              {errors.env}
            </p>
          )}
        </div>
      </div>
      <FormError message={errors[FORM]} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? 'Saving…' : editing ? 'Save' : 'Add agent'}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <span className="dim form-keys">Enter to save · Esc to cancel</span>
      </div>
    </Form>
  );
}

function EnvRows({ rows, onChange }: { rows: EnvRow[]; onChange: (rows: EnvRow[]) => void }) {
  const set = (i: number, patch: Partial<EnvRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="env-rows">
      {rows.map((row, i) => (
        <div key={i} className="env-row">
          <input aria-label={`Variable ${i + 1} name`} className="mono" value={row.key} placeholder="NAME" onChange={(e) => set(i, { key: e.target.value })} readOnly={row.masked} />
          <span className="env-eq">=</span>
          {row.masked ? (
            <>
              <span className="env-masked mono" aria-label={`${row.key} is set (hidden)`}>
                {MASKED_SECRET}
              </span>
              <button type="button" className="btn btn-small" onClick={() => set(i, { masked: false, value: '' })}>
                Replace
              </button>
            </>
          ) : (
            <input
              aria-label={`Variable ${i + 1} value`}
              className="mono"
              type={row.public ? 'text' : 'password'}
              autoComplete="off"
              value={row.value}
              placeholder="value"
              onChange={(e) => set(i, { value: e.target.value })}
            />
          )}
          <label className="env-public" title="A public value is shown in answers and not masked in logs">
            <input type="checkbox" aria-label={`${row.key || `Variable ${i + 1}`} is public`} checked={row.public} onChange={(e) => set(i, { public: e.target.checked })} />
            public
          </label>
          <button type="button" className="btn btn-small btn-quiet" aria-label={`Remove ${row.key || `variable ${i + 1}`}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            ✕
          </button>
        </div>
      ))}
      <button type="button" className="btn btn-small" onClick={() => onChange([...rows, { key: '', value: '', masked: false, public: false }])}>
        Add variable
      </button>
      <p className="field-hint">Every value is a secret (hidden, masked in logs) unless marked public.{rows.some((r) => r.masked) ? ' Hidden values stay as they are unless you replace them.' : ''}</p>
    </div>
  );
}
