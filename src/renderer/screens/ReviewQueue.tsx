// The dashboard's first section: what agents finished (in review) and what is stuck (blocked),
// each with the agent's last words. Approve marks an issue done; Request changes posts a
// comment, which wakes the agent on it. Keys: j/k move, Enter opens, a approves, r asks for changes.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ReviewItemDto } from '../../shared/contract';
import { Empty } from '../components/Empty';
import { AgentLink, IssueLink } from '../components/Links';
import { Section } from '../components/PageHeader';
import { QueryView } from '../components/QueryView';
import { Status } from '../components/Status';
import { Ago } from '../components/Time';
import { useAction } from '../data/mutations';
import { useReviewQueue } from '../data/queries';
import { href, navigate } from '../router';
import { useReviewQueueKeys } from '../shortcuts';
import { renderMarkdown } from '../transcript/Markdown';
import { Form } from '../components/Form';

/** An agent's words are Markdown; in a one-line summary its markers would only be noise. */
function plainText(markdown: string): string {
  const holder = document.createElement('div');
  holder.innerHTML = renderMarkdown(markdown);
  return (holder.textContent ?? '').replace(/\s+/g, ' ').trim();
}

export function ReviewQueue() {
  const query = useReviewQueue();
  const count = query.data?.length ?? 0;
  return (
    <Section title="Needs your review" className="span-2 review-queue" aside={count > 0 ? <span className="dim review-hint">j/k move · Enter open · a approve · r request changes</span> : undefined}>
      <QueryView query={query} what="the review queue">
        {(items) =>
          items.length === 0 ? (
            <Empty title="Nothing waits for your review.">Issues an agent finished show up here, with what it said last.</Empty>
          ) : (
            <QueueList items={items} />
          )
        }
      </QueryView>
    </Section>
  );
}

function QueueList({ items }: { items: ReviewItemDto[] }) {
  const [selected, setSelected] = useState(0);
  const [asking, setAsking] = useState<string | null>(null);
  const approve = useAction('issues.update');
  const index = Math.min(selected, items.length - 1);
  const current = items[index];
  const refs = useRef(new Map<string, HTMLLIElement>());

  useEffect(() => {
    refs.current.get(current?.issue.id ?? '')?.scrollIntoView?.({ block: 'nearest' });
  }, [current]);

  const keys = useMemo(
    () => ({
      move: (delta: 1 | -1) => setSelected(Math.max(0, Math.min(items.length - 1, index + delta))),
      open: () => current && navigate(href.issue(current.issue.identifier)),
      approve: () => current?.issue.status === 'in_review' && approve.mutate({ issue: current.issue.identifier, status: 'done' }),
      requestChanges: () => current?.issue.status === 'in_review' && setAsking(current.issue.id),
    }),
    [items.length, index, current, approve],
  );
  useReviewQueueKeys(keys);

  return (
    <>
      {approve.error && <p className="form-error">{approve.error.message}</p>}
      <ul className="review-list" aria-label="Review queue">
        {items.map((item, i) => (
          <li
            key={item.issue.id}
            ref={(el) => {
              if (el) refs.current.set(item.issue.id, el);
              else refs.current.delete(item.issue.id);
            }}
            className={`review-item${i === index ? ' review-selected' : ''}`}
            aria-current={i === index ? 'true' : undefined}
            data-issue={item.issue.identifier}
            onClick={() => setSelected(i)}
          >
            <ReviewRow
              item={item}
              asking={asking === item.issue.id}
              onAsk={() => setAsking(item.issue.id)}
              onDoneAsking={() => setAsking(null)}
              onApprove={() => approve.mutate({ issue: item.issue.identifier, status: 'done' })}
              approving={approve.isPending && approve.variables?.issue === item.issue.identifier}
            />
          </li>
        ))}
      </ul>
    </>
  );
}

function ReviewRow(props: { item: ReviewItemDto; asking: boolean; onAsk: () => void; onDoneAsking: () => void; onApprove: () => void; approving: boolean }) {
  const { item, asking } = props;
  const { issue, lastWords, changes, check } = item;
  const unblock = useAction('issues.update');
  const inReview = issue.status === 'in_review';
  return (
    <>
      <div className="review-line">
        <Status value={issue.status} />
        <IssueLink identifier={issue.identifier} />
        <span className="review-title ellipsis">{issue.title}</span>
        {issue.assigneeAgent && (
          <span className="dim nowrap">
            by <AgentLink name={issue.assigneeAgent} />
          </span>
        )}
        {changes && (
          <span className="nowrap mono review-changes" title={`${changes.files} files changed`}>
            <span className="text-ok">+{changes.additions}</span> <span className="text-bad">−{changes.deletions}</span>
          </span>
        )}
        {check && <CheckTag check={check} />}
        <Ago iso={issue.updatedAt} />
        <span className="review-actions">
          {inReview ? (
            <>
              <button type="button" className="btn btn-small btn-primary" onClick={props.onApprove} disabled={props.approving}>
                Approve
              </button>
              <button type="button" className="btn btn-small" onClick={props.onAsk} aria-expanded={asking}>
                Request changes
              </button>
            </>
          ) : (
            <button type="button" className="btn btn-small" onClick={() => unblock.mutate({ issue: issue.identifier, status: 'todo' })} disabled={unblock.isPending}>
              Back to todo
            </button>
          )}
        </span>
      </div>
      {check && check.status !== 'passed' && check.status !== 'running' && check.failingLines && (
        <pre className="review-check-lines mono small" aria-label={`Failing lines of ${issue.identifier}'s check`}>
          {check.failingLines}
        </pre>
      )}
      {lastWords ? (
        <blockquote className="review-words" aria-label="Last words">
          <span className="review-source dim">{lastWords.source === 'comment' ? 'commented' : lastWords.source === 'run' ? 'said last' : 'Vigil'}:</span> {plainText(lastWords.text)}
          {lastWords.runId && (
            <>
              {' '}
              <a href={href.run(lastWords.runId)} className="review-run">
                transcript
              </a>
            </>
          )}
        </blockquote>
      ) : (
        <p className="review-words dim">No words from the agent.</p>
      )}
      {unblock.error && <p className="form-error">{unblock.error.message}</p>}
      {asking && <RequestChanges identifier={issue.identifier} agent={issue.assigneeAgent} onDone={props.onDoneAsking} />}
    </>
  );
}

function RequestChanges({ identifier, agent, onDone }: { identifier: string; agent: string | null; onDone: () => void }) {
  const [body, setBody] = useState('');
  const comment = useAction('issues.comment', { onSuccess: onDone });
  const field = useRef<HTMLTextAreaElement>(null);
  useEffect(() => field.current?.focus(), []);
  return (
    <Form
      className="review-ask"
      aria-label={`Request changes on ${identifier}`}
      onSubmit={() => {
        if (body.trim()) comment.mutate({ issue: identifier, body });
      }}
      onKeyDown={(e) => e.key === 'Escape' && onDone()}
    >
      <label className="review-ask-label" htmlFor={`ask-${identifier}`}>
        What should {agent ?? 'the agent'} change? It is woken with your comment.
      </label>
      <textarea id={`ask-${identifier}`} ref={field} rows={3} value={body} onChange={(e) => setBody(e.target.value)} />
      {comment.error && <p className="form-error">{comment.error.message}</p>}
      <div className="review-ask-actions">
        <button type="submit" className="btn btn-small btn-primary" disabled={!body.trim() || comment.isPending}>
          Send to the agent
        </button>
        <button type="button" className="btn btn-small btn-quiet" onClick={onDone}>
          Cancel
        </button>
      </div>
    </Form>
  );
}

/** The latest check: green passed, red failed (or timed out), with its duration. */
function CheckTag({ check }: { check: NonNullable<ReviewItemDto['check']> }) {
  const bad = check.status === 'failed' || check.status === 'timed_out' || check.status === 'error';
  const label = check.status === 'timed_out' ? 'check timed out' : check.status === 'running' ? 'check running' : `check ${check.status}`;
  const secs = check.durationMs === null ? '' : ` · ${(check.durationMs / 1000).toFixed(1)} s`;
  return (
    <span className={`tag nowrap ${bad ? 'tag-bad' : check.status === 'passed' ? 'tag-ok' : ''}`} title={check.command}>
      {label}
      {secs}
    </span>
  );
}
