// What live agents ask, waiting for you (issue 21): each pending permission request or question
// with its answers — Allow once, Allow always for this agent, Deny with a message the agent
// reads; a question's options or your own words. Shown first on the dashboard, the review queue
// and the run page; kept current by the host's request events.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { RequestDto } from '../../shared/contract';
import { FormError } from '../components/Field';
import { IssueLink, RunLink } from '../components/Links';
import { Ago } from '../components/Time';
import { useBridge } from '../data/bridge-context';
import { useAction } from '../data/mutations';
import { plainMessage } from '../data/errors';
import { formatTime } from '../format';

const KEY = 'requests.list';

/** The pending requests (of one run, or all), refetched when the host says one opened or settled. */
export function usePendingRequests(runId?: string) {
  const bridge = useBridge();
  const qc = useQueryClient();
  useEffect(
    () =>
      bridge.onEvent((event) => {
        if (event.event === 'request.opened' || event.event === 'request.updated') void qc.invalidateQueries({ queryKey: [KEY] });
      }),
    [bridge, qc],
  );
  return useQuery({ queryKey: [KEY, runId ?? null], queryFn: () => bridge.invoke(KEY, runId ? { run: runId, pendingOnly: true } : { pendingOnly: true }) });
}

export function RequestsPanel({ runId }: { runId?: string }) {
  const list = usePendingRequests(runId).data ?? [];
  if (list.length === 0) return null;
  return (
    <section className="requests-panel" aria-label="Waiting for you">
      <h2 className="requests-title">
        Waiting for you <span className="tag tag-warn">{list.length}</span>
      </h2>
      <ul className="cards">
        {list.map((r) => (
          <RequestCard key={r.id} request={r} showRun={!runId} />
        ))}
      </ul>
    </section>
  );
}

function RequestCard({ request: r, showRun }: { request: RequestDto; showRun: boolean }) {
  const answer = useAction('requests.answer', { invalidate: [KEY] });
  const [message, setMessage] = useState('');
  const [text, setText] = useState('');
  const busy = answer.isPending;
  const send = (input: Omit<Parameters<typeof answer.mutate>[0], 'request'>) => answer.mutate({ request: r.id, ...input });
  return (
    <li className="card request-card" data-request={r.id}>
      <div className="card-head">
        <span className="tag tag-warn">{r.kind === 'question' ? 'question' : 'permission'}</span>
        <strong>{r.agent}</strong>
        {r.issueIdentifier && <IssueLink identifier={r.issueIdentifier} />}
        {showRun && <RunLink id={r.runId} />}
        <span className="dim card-time">
          <Ago iso={r.createdAt} />
        </span>
      </div>
      {r.kind === 'question' ? (
        <p className="card-why request-question">{r.question ?? r.summary}</p>
      ) : (
        <>
          <p className="card-why">
            {r.tool ?? 'A tool'} wants to {r.command ? 'run' : 'act'}:
          </p>
          {r.command ? <pre className="request-command">{r.command}</pre> : <p className="request-summary">{r.summary}</p>}
          {r.diff && <pre className="request-diff">{r.diff.slice(0, 4000)}</pre>}
        </>
      )}
      <div className="card-actions">
        {r.kind === 'question' ? (
          <>
            {r.options.map((o, i) => (
              <button key={o} type="button" disabled={busy} onClick={() => send({ decision: 'answer', option: i + 1 })}>
                {o}
              </button>
            ))}
            <input aria-label="Your answer" placeholder="Your answer" value={text} onChange={(e) => setText(e.target.value)} />
            <button type="button" disabled={busy || !text.trim()} onClick={() => send({ decision: 'answer', text: text.trim() })}>
              Answer
            </button>
          </>
        ) : (
          <>
            <button type="button" className="primary" disabled={busy} onClick={() => send({ decision: 'allow' })}>
              Allow once
            </button>
            <button type="button" disabled={busy} onClick={() => send({ decision: 'allow_always' })} title={`Keep a rule on ${r.agent}: ${r.command ? 'this command' : `every ${r.tool ?? 'use'}`} without asking`}>
              Allow always
            </button>
          </>
        )}
        <input aria-label="Message to the agent" placeholder="Why not (the agent reads it)" value={message} onChange={(e) => setMessage(e.target.value)} />
        <button type="button" className="danger" disabled={busy} onClick={() => send(message.trim() ? { decision: 'deny', message: message.trim() } : { decision: 'deny' })}>
          Deny
        </button>
      </div>
      <p className="dim small">
        Denied automatically at {formatTime(r.expiresAt)} if nobody answers.
      </p>
      <FormError message={answer.error ? plainMessage(answer.error) : null} />
    </li>
  );
}

/** "waiting for you" beside a run's status while its agent waits on a request. */
export function WaitingBadge({ runId }: { runId: string }) {
  const count = usePendingRequests(runId).data?.length ?? 0;
  return count > 0 ? <span className="tag tag-warn waiting-badge">waiting for you</span> : null;
}
