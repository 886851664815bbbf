// A new issue: title, body, who should work on it, how urgent.
import { useState } from 'react';
import { calls } from '../../shared/contract';
import { ISSUE_PRIORITIES, type IssuePriority } from '../../shared/domain';
import { Field, FormError } from '../components/Field';
import { FORM, fromHost, validate, type FieldErrors } from '../components/form-errors';
import { useAction } from '../data/mutations';
import { useAgents } from '../data/queries';
import { AgentOptions, ValueOptions } from '../components/Options';
import { Form } from '../components/Form';

const FIELDS = ['title', 'body', 'assignee', 'priority'] as const;

export function IssueForm({ onDone, onCancel }: { onDone: (identifier: string) => void; onCancel: () => void }) {
  const agents = useAgents().data ?? [];
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [assignee, setAssignee] = useState('');
  const [priority, setPriority] = useState<IssuePriority>('medium');
  const [errors, setErrors] = useState<FieldErrors>({});
  const create = useAction('issues.create', { onSuccess: (issue) => onDone(issue.identifier), invalidate: ['issues.list'] });

  const submit = () => {
    const input = { title, priority, ...(body.trim() ? { body } : {}), ...(assignee ? { assignee } : {}) };
    const invalid = validate(calls['issues.create'].input, input, FIELDS);
    setErrors(invalid ?? {});
    if (invalid) return;
    create.mutate(input, { onError: (e) => setErrors(fromHost(e, FIELDS)) });
  };

  return (
    <Form
      className="panel form"
      aria-label="New issue"
      noValidate
      onSubmit={submit}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onCancel();
        if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) submit();
      }}
    >
      <h2>New issue</h2>
      <div className="form-grid">
        <Field label="Title" error={errors.title} wide>
          {(p) => <input {...p} autoFocus value={title} onChange={(e) => setTitle(e.target.value)} placeholder="What should be done?" />}
        </Field>
        <Field label="Description" error={errors.body} wide hint="Plain text; the agent receives it with the issue.">
          {(p) => <textarea {...p} rows={4} value={body} onChange={(e) => setBody(e.target.value)} />}
        </Field>
        <Field label="Assignee" error={errors.assignee} hint={agents.length === 0 ? 'No agents yet: add one on Agents.' : 'Assigning wakes the agent.'}>
          {(p) => (
            <select {...p} value={assignee} onChange={(e) => setAssignee(e.target.value)}>
              <option value="">unassigned</option>
              <AgentOptions agents={agents} />
            </select>
          )}
        </Field>
        <Field label="Priority" error={errors.priority}>
          {(p) => (
            <select {...p} value={priority} onChange={(e) => setPriority(e.target.value as IssuePriority)}>
              <ValueOptions values={ISSUE_PRIORITIES} />
            </select>
          )}
        </Field>
      </div>
      <FormError message={errors[FORM]} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create issue'}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <span className="dim form-keys">Ctrl+Enter to create · Esc to cancel</span>
      </div>
    </Form>
  );
}
