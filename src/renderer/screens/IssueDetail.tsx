// One issue: what it asks, the conversation about it, the runs that worked on it, and how
// what happened to it, in words.
import { useState } from 'react';
import type { CommentDto, IssueDetailDto } from '../../shared/contract';
import { ISSUE_PRIORITIES, ISSUE_STATUSES, type IssuePriority, type IssueStatus } from '../../shared/domain';
import { Empty } from '../components/Empty';
import { FormError } from '../components/Field';
import { AgentLink, RunLink } from '../components/Links';
import { PageHeader, Section } from '../components/PageHeader';
import { QueryView } from '../components/QueryView';
import { RunsTable } from '../components/RunsTable';
import { Status } from '../components/Status';
import { Ago } from '../components/Time';
import { plainMessage } from '../data/errors';
import { useAction } from '../data/mutations';
import { useAgents, useIssue } from '../data/queries';
import { formatTime, humanize } from '../format';
import { AgentOptions, ValueOptions } from '../components/Options';
import { IssueWorkspace } from '../workspace/IssueWorkspace';
import { issueHistory } from '../history';
import { Markdown } from '../transcript/Markdown';
import { LiveRun } from './LiveRun';
import { Form } from '../components/Form';

export function IssueDetail({ issueRef }: { issueRef: string }) {
  const query = useIssue(issueRef);
  return (
    <div className="page">
      <QueryView query={query} what="issue">
        {(issue) => <IssuePage issue={issue} />}
      </QueryView>
    </div>
  );
}

function IssuePage({ issue }: { issue: IssueDetailDto }) {
  return (
    <>
      <PageHeader
        title={
          <>
            <span className="mono dim">{issue.identifier}</span> {issue.title}
          </>
        }
        sub={
          <span className="meta-line">
            <Status value={issue.status} />
            <span className={`priority priority-${issue.priority}`}>{issue.priority}</span>
            <span>
              assignee <AgentLink name={issue.assigneeAgent} />
            </span>
            <span className="dim">
              opened <Ago iso={issue.createdAt} />
            </span>
          </span>
        }
      />
      <div className="issue-layout">
        <div className="issue-main">
          <Section title="Description">
            {issue.body.trim() ? <Markdown text={issue.body} className="prose" /> : <p className="dim">No description.</p>}
          </Section>
          <LiveRun issue={issue} />
          <IssueWorkspace issue={issue} />
          <Section title={`Comments (${issue.comments.length})`}>
            <Comments comments={issue.comments} />
            <CommentForm issue={issue.identifier} />
          </Section>
          <Section title={`Runs (${issue.runs.length})`}>
            {issue.runs.length === 0 ? (
              <Empty title="No runs yet.">{issue.assigneeAgent ? 'The assignee wakes for it on its next heartbeat.' : 'Assign it to an agent to start one.'}</Empty>
            ) : (
              <RunsTable runs={issue.runs} columns={['agent', 'source', 'started', 'duration', 'result']} label="Runs of this issue" />
            )}
          </Section>
        </div>
        <aside className="issue-side">
          <IssueControls issue={issue} />
          <History issue={issue} />
        </aside>
      </div>
    </>
  );
}

function IssueControls({ issue }: { issue: IssueDetailDto }) {
  const agents = useAgents().data ?? [];
  const update = useAction('issues.update');
  const assign = useAction('issues.assign');
  const error = update.error ?? assign.error;
  return (
    <div className="panel side-panel" aria-label="Issue properties">
      <label className="side-field">
        <span>Status</span>
        <select value={issue.status} disabled={update.isPending} onChange={(e) => update.mutate({ issue: issue.identifier, status: e.target.value as IssueStatus })}>
          <ValueOptions values={ISSUE_STATUSES} label={humanize} />
        </select>
      </label>
      <label className="side-field">
        <span>Priority</span>
        <select value={issue.priority} disabled={update.isPending} onChange={(e) => update.mutate({ issue: issue.identifier, priority: e.target.value as IssuePriority })}>
          <ValueOptions values={ISSUE_PRIORITIES} />
        </select>
      </label>
      <label className="side-field">
        <span>Assignee</span>
        <select
          value={issue.assigneeAgent ?? ''}
          disabled={assign.isPending}
          onChange={(e) => assign.mutate({ issue: issue.identifier, agent: e.target.value || null })}
        >
          <option value="">unassigned</option>
          <AgentOptions agents={agents} />
        </select>
      </label>
      {error && <FormError message={plainMessage(error)} />}
    </div>
  );
}

function Comments({ comments }: { comments: CommentDto[] }) {
  if (comments.length === 0) return <p className="dim">No comments yet.</p>;
  return (
    <ol className="comments">
      {comments.map((c) => (
        <li key={c.id} className={`comment comment-${c.authorType}`} data-author={c.authorType}>
          <div className="comment-head">
            <span className="comment-author">{authorLabel(c)}</span>
            {c.authorType === 'system' && <span className="tag">system</span>}
            {c.runId && (
              <span className="dim">
                from run <RunLink id={c.runId} />
              </span>
            )}
            <span className="dim comment-time">
              <Ago iso={c.createdAt} />
            </span>
          </div>
          <Markdown text={c.body} className="comment-body" />
        </li>
      ))}
    </ol>
  );
}

function authorLabel(c: CommentDto): string {
  if (c.authorType === 'system') return 'Vigil';
  if (c.authorType === 'agent') return c.authorName ?? 'agent';
  return c.authorName ?? 'you';
}

function CommentForm({ issue }: { issue: string }) {
  const [body, setBody] = useState('');
  const comment = useAction('issues.comment', { onSuccess: () => setBody('') });
  const submit = () => {
    if (body.trim()) comment.mutate({ issue, body });
  };
  return (
    <Form
      className="comment-form"
      onSubmit={submit}
    >
      <textarea
        aria-label="New comment"
        placeholder="Add a comment — the assignee reads it on its next run"
        rows={3}
        value={body}
        onChange={(e) => setBody(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
            e.preventDefault();
            submit();
          } else if (e.key === 'Escape') {
            setBody('');
          }
        }}
      />
      {comment.error && <FormError message={plainMessage(comment.error)} />}
      <div className="form-actions">
        <button type="submit" className="btn" disabled={!body.trim() || comment.isPending}>
          Comment
        </button>
        <span className="dim form-keys">Ctrl+Enter</span>
      </div>
    </Form>
  );
}

function History({ issue }: { issue: IssueDetailDto }) {
  const agents = useAgents().data ?? [];
  const names = new Map(agents.map((a) => [a.id, a.name]));
  const entries = issueHistory(
    issue.identifier,
    issue.activity,
    issue.escalations,
    names,
    issue.comments.map((c) => c.body),
  );
  return (
    <Section title="History">
      {entries.length === 0 ? (
        <p className="dim">Nothing has happened yet.</p>
      ) : (
        <ol className="timeline" aria-label="History">
          {entries.map((entry) => (
            <li key={entry.key}>
              <span className="timeline-time dim" title={formatTime(entry.at)}>
                <Ago iso={entry.at} />
              </span>
              <div className="timeline-body">
                <span>
                  <strong>{entry.who}</strong> {entry.what}{' '}
                  {entry.open !== undefined && <span className={`tag ${entry.open ? 'tag-warn' : ''}`}>{entry.open ? 'open' : 'resolved'}</span>}
                </span>
                {entry.detail && <span className="timeline-detail">{entry.detail}</span>}
              </div>
            </li>
          ))}
        </ol>
      )}
    </Section>
  );
}
