// Routines: issues an agent gets on a schedule (cron in a time zone), each due time exactly once.
import { useState } from 'react';
import type { RoutineDto } from '../../shared/contract';
import { AgentOptions } from '../components/Options';
import { Empty } from '../components/Empty';
import { Field, FormError } from '../components/Field';
import { AgentLink } from '../components/Links';
import { PageHeader } from '../components/PageHeader';
import { plainMessage } from '../data/errors';
import { useRoutines } from '../data/limits';
import { useAction } from '../data/mutations';
import { useAgents } from '../data/queries';
import { clockTime } from './HeldAgents';
import { Form } from '../components/Form';
import { TableHead } from '../components/TableHead';

export function RoutinesScreen() {
  const routines = useRoutines();
  const [adding, setAdding] = useState(false);
  return (
    <div className="page">
      <PageHeader
        title="Routines"
        sub={<span className="dim">Each due time creates an issue assigned to the agent, which wakes it.</span>}
        actions={
          !adding && (
            <button type="button" className="btn btn-primary btn-small" onClick={() => setAdding(true)}>
              New routine
            </button>
          )
        }
      />
      {adding && <RoutineForm onDone={() => setAdding(false)} />}
      {routines.data && routines.data.length === 0 && !adding ? (
        <Empty title="No routines yet.">Add one: “Triage new bugs”, weekdays at 9.</Empty>
      ) : (
        <table className="table" aria-label="Routines">
          <TableHead columns={['Title', 'Agent', 'Schedule', 'Next', 'Last fired', '']} />
          <tbody>
            {(routines.data ?? []).map((r) => (
              <RoutineRow key={r.id} routine={r} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function RoutineRow({ routine: r }: { routine: RoutineDto }) {
  const invalidate = ['routines.list'] as const;
  const pause = useAction('routines.pause', { invalidate });
  const resume = useAction('routines.resume', { invalidate });
  const remove = useAction('routines.remove', { invalidate });
  const error = pause.error ?? resume.error ?? remove.error;
  return (
    <tr>
      <td>
        {r.title}
        {error && <FormError message={plainMessage(error)} />}
      </td>
      <td>
        <AgentLink name={r.agent} />
      </td>
      <td className="mono">
        {r.cron} <span className="dim">{r.timezone}</span>
      </td>
      <td>{r.enabled ? (r.nextDueAt ? clockTime(r.nextDueAt) : 'never') : <span className="dim">paused</span>}</td>
      <td>{r.lastFiredAt ? clockTime(r.lastFiredAt) : <span className="dim">never</span>}</td>
      <td className="row-actions">
        {r.enabled ? (
          <button type="button" className="btn btn-small" onClick={() => pause.mutate({ routine: r.id })}>
            Pause
          </button>
        ) : (
          <button type="button" className="btn btn-small" onClick={() => resume.mutate({ routine: r.id })}>
            Resume
          </button>
        )}
        <button type="button" className="btn btn-small btn-quiet" onClick={() => remove.mutate({ routine: r.id })}>
          Remove
        </button>
      </td>
    </tr>
  );
}

function RoutineForm({ onDone }: { onDone: () => void }) {
  const agents = useAgents().data ?? [];
  const [agent, setAgent] = useState('');
  const [title, setTitle] = useState('');
  const [cron, setCron] = useState('0 9 * * 1-5');
  const [timezone, setTimezone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [body, setBody] = useState('');
  const create = useAction('routines.create', { onSuccess: onDone, invalidate: ['routines.list'] });
  const field = (name: string) => (create.error && create.error.field === name ? create.error.message : null);
  return (
    <Form
      className="panel form"
      aria-label="New routine"
      onSubmit={() => create.mutate({ agent, title, cron, timezone, ...(body ? { body } : {}) })}
    >
      <h2>New routine</h2>
      <div className="form-grid">
        <Field label="Title" error={field('title')} wide>
          {(p) => <input {...p} autoFocus value={title} onChange={(e) => setTitle(e.target.value)} placeholder="Triage new bugs" />}
        </Field>
        <Field label="Agent" error={field('agent')}>
          {(p) => (
            <select {...p} value={agent} onChange={(e) => setAgent(e.target.value)}>
              <option value="">choose…</option>
              <AgentOptions agents={agents} />
            </select>
          )}
        </Field>
        <Field label="Cron" error={field('cron')} hint="minute hour day month weekday: 0 9 * * 1-5 is weekdays at 9:00">
          {(p) => <input {...p} className="mono" value={cron} onChange={(e) => setCron(e.target.value)} />}
        </Field>
        <Field label="Time zone" error={field('timezone')}>
          {(p) => <input {...p} value={timezone} onChange={(e) => setTimezone(e.target.value)} />}
        </Field>
        <Field label="Issue body" wide>
          {(p) => <textarea {...p} rows={3} value={body} onChange={(e) => setBody(e.target.value)} />}
        </Field>
      </div>
      <FormError message={create.error && !['title', 'agent', 'cron', 'timezone'].includes(create.error.field ?? '') ? plainMessage(create.error) : null} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          Add routine
        </button>
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
      </div>
    </Form>
  );
}
