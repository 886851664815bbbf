// One run: how it ended and why, its place in a retry chain, its events and its log. A coding
// agent's run opens on its transcript, the raw terminal one tab away; a plain command's run
// shows its terminal.
import { Markdown } from '../transcript/Markdown';
import { lazy, Suspense, useState, type ReactNode } from 'react';
import type { RunDetailDto, RunDto } from '../../shared/contract';
import { ACTIVE_RUN_STATUSES, RUN_ERROR_EXPLANATIONS } from '../../shared/domain';
import { ConfirmButton } from '../components/ConfirmButton';
import { AgentLink, IssueLink, RunLink } from '../components/Links';
import { PageHeader, Section } from '../components/PageHeader';
import { RequestsPanel, WaitingBadge } from '../requests/RequestsPanel';
import { Loading, QueryView } from '../components/QueryView';
import { Status } from '../components/Status';
import { Elapsed } from '../components/Time';
import { useAction } from '../data/mutations';
import { useRun } from '../data/queries';
import { formatBytes, formatCost, formatCount, formatTime, humanize, shortId } from '../format';
import { hasTranscript } from '../transcript/model';
import { Transcript } from '../transcript/Transcript';

// xterm is the heaviest part of the bundle: only a run's page loads it.
const LogViewer = lazy(() => import('../log/LogViewer'));

export function RunDetail({ runId }: { runId: string }) {
  const query = useRun(runId);
  return (
    <div className="page">
      <QueryView query={query} what="run">
        {(run) => <RunPage run={run} />}
      </QueryView>
    </div>
  );
}

function RunPage({ run }: { run: RunDetailDto }) {
  const active = ACTIVE_RUN_STATUSES.includes(run.status);
  const cancel = useAction('runs.cancel');
  return (
    <>
      <PageHeader
        title={
          <>
            Run <span className="mono">{run.id}</span>
          </>
        }
        sub={
          <span className="meta-line">
            <Status value={run.status} />
            <WaitingBadge runId={run.id} />
            <span>
              agent <AgentLink name={run.agent} />
            </span>
            {run.issueIdentifier && (
              <span>
                issue <IssueLink identifier={run.issueIdentifier} />
              </span>
            )}
            <span className="dim">{humanize(run.invocationSource)}</span>
          </span>
        }
        actions={active && <ConfirmButton label="Cancel run" confirm="Stop this run's whole process group?" onConfirm={() => cancel.mutate({ run: run.id })} disabled={cancel.isPending} />}
      />
      {cancel.error && <p className="form-error">{cancel.error.message}</p>}
      {active && <RequestsPanel runId={run.id} />}
      <ErrorCallout run={run} />
      <Facts run={run} />
      <RetryChain run={run} />
      {readsAsTranscript(run) ? (
        <RunTabs run={run} />
      ) : (
        <>
          <Section title="Log" className="log-section">
            <Terminal run={run} />
          </Section>
          <Events run={run} />
        </>
      )}
    </>
  );
}

function readsAsTranscript(run: RunDetailDto): boolean {
  // Every adapter but `process` reads its agent's output into a transcript.
  return run.adapterType === null ? hasTranscript(run.events) : run.adapterType !== 'process';
}

function Terminal({ run }: { run: RunDetailDto }) {
  return (
    <Suspense fallback={<Loading what="the log viewer" />}>
      <LogViewer run={run} />
    </Suspense>
  );
}

type Tab = 'transcript' | 'terminal' | 'events';
const TABS: [Tab, string][] = [
  ['transcript', 'Transcript'],
  ['terminal', 'Terminal'],
  ['events', 'Events'],
];

function RunTabs({ run }: { run: RunDetailDto }) {
  const [tab, setTab] = useState<Tab>('transcript');
  return (
    <section className="section run-tabs">
      <div className="tabs" role="tablist" aria-label="Run views">
        {TABS.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`run-tab-${id}`}
            aria-selected={tab === id}
            aria-controls={`run-panel-${id}`}
            className={`tab${tab === id ? ' tab-active' : ''}`}
            onClick={() => setTab(id)}
          >
            {label}
            {id === 'events' && <span className="tab-count">{run.events.length}</span>}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`run-panel-${tab}`} aria-labelledby={`run-tab-${tab}`} className={tab === 'terminal' ? 'log-section' : undefined}>
        {tab === 'transcript' && <Transcript run={run} />}
        {tab === 'terminal' && <Terminal run={run} />}
        {tab === 'events' && <EventsTable run={run} />}
      </div>
    </section>
  );
}

function ErrorCallout({ run }: { run: RunDetailDto }) {
  if (!run.errorCode) return null;
  const explanation = run.errorExplanation ?? RUN_ERROR_EXPLANATIONS[run.errorCode];
  const tone = run.errorCode === 'process_detached' ? 'warn' : run.errorCode === 'cancelled' ? 'muted' : 'bad';
  return (
    <div className={`callout callout-${tone}`} role="note" aria-label="Why the run ended">
      <div className="callout-head">
        <code>{run.errorCode}</code>
        {explanation && <Markdown text={explanation} className="callout-text" />}
      </div>
      {run.error && <pre className="callout-detail">{run.error}</pre>}
      {/* The agent's own last words, unless the explanation already quotes them. */}
      {tone === 'bad' && run.lastOutputLine && !explanation?.includes(run.lastOutputLine.trim()) && (
        <p className="callout-said">
          Its last line: <code>{run.lastOutputLine}</code>
        </p>
      )}
    </div>
  );
}

function Facts({ run }: { run: RunDetailDto }) {
  const usage = run.usage;
  // Always shown: how it ended and when. The rest only when there is something to say.
  const always: [string, ReactNode][] = [
    ['Exit code', run.exitCode ?? '—'],
    ['Signal', run.signal ?? '—'],
    ['Started', formatTime(run.startedAt)],
    ['Finished', formatTime(run.finishedAt)],
    ['Duration', <Elapsed key="d" run={run} />],
    ['Trigger', [humanize(run.invocationSource), run.triggerDetail].filter(Boolean).join(' · ')],
  ];
  const optional: [string, ReactNode][] = [
    ['Wake reason', run.wakeReason && humanize(run.wakeReason)],
    ['Retry reason', run.retryReason && humanize(run.retryReason)],
    ['Session', run.sessionId && <code key="s">{run.sessionId}</code>],
    ['Process', run.processPid && <code key="p" title={run.processGroupId ? `process group ${run.processGroupId}` : undefined}>pid {run.processPid}</code>],
    ['Log', `${formatBytes(run.logBytes)}${run.logPruned ? ' (pruned)' : ''}`],
    ['Tokens', usage && (usage.inputTokens !== undefined || usage.outputTokens !== undefined) && `${formatCount(usage.inputTokens)} in · ${formatCount(usage.outputTokens)} out${usage.cachedInputTokens ? ` · ${formatCount(usage.cachedInputTokens)} cached` : ''}`],
    ['Cost', usage?.costUsd !== undefined && formatCost(usage.costUsd)],
    ['Model', usage?.model],
  ];
  const rows = [...always, ...optional.filter(([, v]) => v !== null && v !== undefined && v !== false && v !== '')];
  return (
    <dl className="facts" aria-label="Run facts">
      {rows.map(([k, v]) => (
        <div key={k} className="fact">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function RetryChain({ run }: { run: RunDetailDto }) {
  if (!run.retryOf && run.retriedBy.length === 0) return null;
  return (
    <div className="chain" aria-label="Retry chain">
      <span className="chain-title">Retry chain</span>
      <ol className="chain-list">
        {run.retryOf && <ChainItem run={run.retryOf} label="retry of" />}
        <li className="chain-item chain-self">
          <span className="chain-label">this run</span>
          <code>{shortId(run.id)}</code>
          <Status value={run.status} />
          {run.errorCode && <code className="text-bad">{run.errorCode}</code>}
        </li>
        {run.retriedBy.map((r) => (
          <ChainItem key={r.id} run={r} label="retried by" />
        ))}
      </ol>
    </div>
  );
}

function ChainItem({ run, label }: { run: RunDto; label: string }) {
  return (
    <li className="chain-item">
      <span className="chain-label">{label}</span>
      <RunLink id={run.id} />
      <Status value={run.status} />
      {run.errorCode && <code className="text-bad">{run.errorCode}</code>}
    </li>
  );
}

function Events({ run }: { run: RunDetailDto }) {
  return (
    <Section title={`Events (${run.events.length})`}>
      <EventsTable run={run} />
    </Section>
  );
}

function EventsTable({ run }: { run: RunDetailDto }) {
  return (
    <>
      {run.events.length === 0 ? (
        <p className="dim">No events recorded.</p>
      ) : (
        <table className="table" aria-label="Run events">
          <tbody>
            {run.events.map((e) => (
              <tr key={e.id}>
                <td className="num dim">{e.seq}</td>
                <td className="dim nowrap">{formatTime(e.createdAt)}</td>
                <td>
                  <code>{e.type}</code>
                </td>
                <td className="col-grow">{e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
