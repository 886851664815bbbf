// An issue's git worktree on its page: what it changed against its base branch (files with
// +/- counts, the diff with syntax colours), and Merge, Discard, Open and Request changes.
// It refreshes after every run and while one writes (its run.output and run.updated events,
// at most every 1.5 s), never by polling. A missing or broken worktree is said as such.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import type { ChangedFileDto, IssueDetailDto, IssueDiffDto, LineCommentDto, MergeResultDto, MergeStrategy, OpenTarget, WorkspaceDto } from '../../shared/contract';
import { ConfirmButton } from '../components/ConfirmButton';
import { FormError } from '../components/Field';
import { Section } from '../components/PageHeader';
import { Ago } from '../components/Time';
import { useBridge } from '../data/bridge-context';
import { plainMessage, toContractError } from '../data/errors';
import { useAction } from '../data/mutations';
import './workspace.css';
import { Form } from '../components/Form';

const REFRESH_MS = 1500;
// highlight.js is big: its chunk loads with the first diff, not with the app.
const DiffView = lazy(() => import('./DiffView'));

const diffKey = (issue: string) => ['issues.diff', issue] as const;
const remarksKey = (issue: string) => ['issues.lineComments', issue] as const;

export function IssueWorkspace({ issue }: { issue: IssueDetailDto }) {
  const bridge = useBridge();
  const qc = useQueryClient();
  const ref = issue.identifier;
  const query = useQuery({ queryKey: diffKey(ref), queryFn: () => bridge.invoke('issues.diff', { issue: ref }) });
  const remarks = useQuery({ queryKey: remarksKey(ref), queryFn: () => bridge.invoke('issues.lineComments', { issue: ref }) });
  useRefreshOnRuns(issue, () => {
    void qc.invalidateQueries({ queryKey: diffKey(ref) });
    void qc.invalidateQueries({ queryKey: remarksKey(ref) });
  });
  const diff = query.data;
  if (!diff?.workspace) return null;
  return (
    <Section title="Changes" className="workspace" aside={<WorkspaceSummary diff={diff} />}>
      <WorkspaceBody issue={issue} diff={diff} workspace={diff.workspace} remarks={remarks.data ?? []} />
    </Section>
  );
}

/** Refetch while a run of this issue writes and when one ends: throttled, trailing. */
function useRefreshOnRuns(issue: IssueDetailDto, refresh: () => void) {
  const bridge = useBridge();
  const runIds = useRef(new Set<string>());
  runIds.current = new Set(issue.runs.map((r) => r.id));
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const schedule = () => {
      timer ??= setTimeout(() => {
        timer = null;
        latest.current();
      }, REFRESH_MS);
    };
    const off = bridge.onEvent((e) => {
      if (e.event === 'run.output' && runIds.current.has(e.data.runId)) schedule();
      else if ((e.event === 'run.updated' || e.event === 'run.created') && e.data.issueId === issue.id) schedule();
      else if (e.event === 'issue.updated' && e.data.id === issue.id) schedule();
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [bridge, issue.id]);
}

function WorkspaceSummary({ diff }: { diff: IssueDiffDto }) {
  const ws = diff.workspace!;
  if (ws.state !== 'active' || ws.health !== 'ok') return null;
  return (
    <span className="ws-summary dim">
      {diff.files.length} file{diff.files.length === 1 ? '' : 's'} <span className="ws-add">+{diff.additions}</span> <span className="ws-del">−{diff.deletions}</span>
    </span>
  );
}

const METHOD_WORDS: Record<string, string> = { fast_forward: 'a fast-forward', merge_commit: 'a merge commit', squash: 'squashed into one commit', rebase: 'rebased' };

function WorkspaceBody({ issue, diff, workspace: ws, remarks }: { issue: IssueDetailDto; diff: IssueDiffDto; workspace: WorkspaceDto; remarks: LineCommentDto[] }) {
  const [result, setResult] = useState<MergeResultDto | null>(null);
  if (ws.state !== 'active') {
    return (
      <>
        {/* A merge is said once, here: no banner, no comment repeating it (History lists it). */}
        {result && !result.merged && <MergeOutcome result={result} />}
        <p className="ws-closed" role="status">
        <span className={`tag ${ws.state === 'merged' ? 'tag-ok' : ''}`}>{ws.state}</span> <code>{ws.branch}</code>{' '}
        {ws.state === 'merged' ? (
          <>
            into <code>{ws.baseBranch}</code> at <code>{ws.mergedCommit?.slice(0, 10)}</code>
            {ws.mergeMethod && METHOD_WORDS[ws.mergeMethod] ? ` (${METHOD_WORDS[ws.mergeMethod]})` : ''}
          </>
        ) : (
          'was thrown away'
        )}{' '}
        {ws.closedAt && <Ago iso={ws.closedAt} />}; {ws.problem ?? 'its worktree was removed'}.
        </p>
      </>
    );
  }
  const running = issue.runs.some((r) => r.status === 'running' || r.status === 'queued');
  return (
    <>
      <BranchLine diff={diff} ws={ws} />
      {ws.health !== 'ok' ? (
        <div className="banner tone-bad ws-problem" role="alert">
          <span className="banner-text">
            The worktree {ws.health === 'missing' ? 'is missing' : 'cannot be read'}: {ws.problem}. No changes can be shown. Its branch <code>{ws.branch}</code> keeps the committed
            work; the next run of this issue makes the worktree again from it.
          </span>
        </div>
      ) : (
        <Actions issue={issue} ws={ws} diff={diff} running={running} onMerged={setResult} pending={remarks.filter((r) => r.state === 'pending').length} />
      )}
      {result && <MergeOutcome result={result} />}
      {ws.health === 'ok' && <Changes diff={diff} issue={issue.identifier} remarks={remarks} />}
    </>
  );
}

function BranchLine({ diff, ws }: { diff: IssueDiffDto; ws: WorkspaceDto }) {
  return (
    <p className="ws-branch">
      <code>{ws.branch}</code> <span className="dim">from</span> <code>{ws.baseBranch}</code>
      {ws.health === 'ok' && (
        <span className="dim">
          {' '}
          · {diff.commitsAhead} commit{diff.commitsAhead === 1 ? '' : 's'} ahead{diff.uncommitted ? ' · uncommitted changes' : ''}
        </span>
      )}
      <span className="dim mono small ws-path" title="The worktree folder">
        {ws.path}
      </span>
    </p>
  );
}

function Actions({
  issue,
  ws,
  diff,
  running,
  onMerged,
  pending,
}: {
  issue: IssueDetailDto;
  ws: WorkspaceDto;
  diff: IssueDiffDto;
  running: boolean;
  onMerged: (r: MergeResultDto) => void;
  pending: number;
}) {
  const ref = issue.identifier;
  const merge = useAction('issues.merge', { onSuccess: onMerged, invalidate: ['issues.diff', 'issues.get'] });
  const discard = useAction('issues.discard', { invalidate: ['issues.diff', 'issues.get'] });
  const open = useAction('issues.openWorkspace');
  const pr = useAction('issues.pr', { invalidate: ['issues.diff'] });
  const [strategy, setStrategy] = useState<MergeStrategy>('auto');
  const [asking, setAsking] = useState(false);
  const error = merge.error ?? discard.error ?? open.error ?? pr.error;
  const openWith = (target: OpenTarget) => open.mutate({ issue: ref, with: target });
  const empty = diff.files.length === 0 && diff.commitsAhead === 0;
  return (
    <>
      <div className="ws-actions">
        <ConfirmButton
          tone="primary"
          label={merge.isPending ? 'Merging…' : `Merge into ${ws.baseBranch}`}
          yesLabel="Yes, merge"
          confirm={`Merge ${ws.branch} into ${ws.baseBranch}${diff.uncommitted ? ', committing what the agent left' : ''}?`}
          disabled={running || merge.isPending || empty}
          title={running ? 'A run of this issue is active' : empty ? 'Nothing to merge' : `Merge ${ws.branch} into ${ws.baseBranch}`}
          onConfirm={() => merge.mutate({ issue: ref, strategy: strategy === 'auto' ? undefined : strategy })}
        />
        <label className="ws-strategy small">
          <span className="dim">as</span>{' '}
          <select aria-label="Merge strategy" value={strategy} onChange={(e) => setStrategy(e.target.value as MergeStrategy)}>
            <option value="auto">fast-forward or merge commit</option>
            <option value="merge">merge commit</option>
            <option value="squash">squash</option>
            <option value="rebase">rebase</option>
            <option value="fast_forward">fast-forward only</option>
          </select>
        </label>
        <button type="button" className="btn btn-small" onClick={() => pr.mutate({ issue: ref })} disabled={pr.isPending} title="Push the branch to the repository's remote and open a pull request with gh">
          {pr.isPending ? 'Pushing…' : ws.pr ? 'Push again' : 'Open pull request'}
        </button>
        <button type="button" className="btn btn-small" onClick={() => setAsking((v) => !v)} aria-expanded={asking}>
          {pending > 0 ? `Request changes (${pending})` : 'Request changes'}
        </button>
        <span className="ws-open" role="group" aria-label="Open the worktree">
          <span className="dim small">Open in</span>
          <button type="button" className="btn btn-small" onClick={() => openWith('editor')}>
            editor
          </button>
          <button type="button" className="btn btn-small" onClick={() => openWith('terminal')}>
            terminal
          </button>
          <button type="button" className="btn btn-small" onClick={() => openWith('files')}>
            files
          </button>
        </span>
        <span className="ws-spacer" />
        <ConfirmButton
          label="Discard"
          confirm={`Delete the worktree and ${ws.branch}${diff.files.length ? `, with ${diff.files.length} changed file${diff.files.length === 1 ? '' : 's'}` : ''}?`}
          disabled={running || discard.isPending}
          onConfirm={() => discard.mutate({ issue: ref, confirm: true })}
        />
      </div>
      {(pr.data || ws.pr) && (
        <p className="small dim" role="status">
          {pr.data ? pr.data.message : null}{' '}
          {ws.pr && (
            <>
              Pull request{' '}
              <a href={ws.pr.url} target="_blank" rel="noreferrer">
                {ws.pr.number ? `#${ws.pr.number}` : ws.pr.url}
              </a>{' '}
              <span className="tag">{(ws.pr.state ?? 'unknown').toLowerCase()}</span>
            </>
          )}
        </p>
      )}
      {ws.port !== null && ws.port !== undefined && <p className="small dim">VIGIL_PORT {ws.port} (and PORT) in this worktree's runs and checks.</p>}
      <IssueChecks issue={ref} />
      {open.data && (
        <p className={`small ${open.data.opened ? 'dim' : 'ws-warn'}`} role="status">
          {open.data.opened ? `Opened ${open.data.path} (${open.data.how}).` : `Could not open ${open.data.path}: ${open.data.how}`}
        </p>
      )}
      {error && <FormError message={plainMessage(error)} />}
      {asking && <RequestChanges issue={ref} pending={pending} onDone={() => setAsking(false)} />}
    </>
  );
}

/** Every pending line comment (and the note, if any) as one comment that wakes the assignee, which works on in the same worktree. */
function RequestChanges({ issue, pending, onDone }: { issue: string; pending: number; onDone: () => void }) {
  const [body, setBody] = useState('');
  const send = useAction('issues.requestChanges', { onSuccess: onDone, invalidate: ['issues.lineComments', 'issues.get'] });
  const ready = pending > 0 || body.trim().length > 0;
  return (
    <Form
      className="ws-request"
      aria-label="Request changes"
      onSubmit={() => {
        if (ready) send.mutate({ issue, body: body.trim() || undefined });
      }}
    >
      <textarea
        aria-label="What to change"
        rows={3}
        autoFocus
        value={body}
        placeholder={pending > 0 ? `${pending} line comment(s) go with this; add a general note if you like.` : 'What should the agent change? It works on in the same worktree.'}
        onChange={(e) => setBody(e.target.value)}
      />
      {send.error && <FormError message={plainMessage(send.error)} />}
      <div className="form-actions">
        <button type="submit" className="btn btn-small" disabled={!ready || send.isPending}>
          {pending > 0 ? `Send ${pending} remark${pending === 1 ? '' : 's'} and wake the agent` : 'Send and wake the agent'}
        </button>
      </div>
    </Form>
  );
}

function MergeOutcome({ result }: { result: MergeResultDto }) {
  return (
    <div className={`banner ${result.merged ? 'tone-live' : 'tone-warn'} ws-result`} role="status">
      <span className="banner-text">
        {result.merged ? 'Merged. ' : result.outcome === 'conflict' ? 'Conflict. ' : 'Not merged. '}
        {result.message}
      </span>
    </div>
  );
}

function Changes({ diff, issue, remarks }: { diff: IssueDiffDto; issue: string; remarks: LineCommentDto[] }) {
  const bridge = useBridge();
  const qc = useQueryClient();
  if (diff.files.length === 0) return <p className="dim">No changes yet.</p>;
  const add = async (path: string, line: number, body: string) => {
    try {
      await bridge.invoke('issues.lineComment', { issue, path, line, body });
    } catch (err) {
      throw new Error(plainMessage(toContractError(err)));
    }
    await qc.invalidateQueries({ queryKey: remarksKey(issue) });
  };
  return (
    <>
      <FileList files={diff.files} />
      <Suspense fallback={<p className="dim">Loading the diff…</p>}>
        <DiffView patch={diff.patch ?? ''} truncated={diff.patchTruncated} commenting={{ comments: remarks, add }} />
      </Suspense>
    </>
  );
}

const CHANGE_LABEL: Record<ChangedFileDto['change'], string> = { added: 'A', modified: 'M', deleted: 'D', renamed: 'R', copied: 'C', type_changed: 'T' };

function FileList({ files }: { files: ChangedFileDto[] }) {
  return (
    <ul className="ws-files" aria-label="Changed files">
      {files.map((f) => (
        <li key={f.path}>
          <span className={`ws-change ws-change-${f.change}`} title={f.change}>
            {CHANGE_LABEL[f.change]}
          </span>
          <a className="mono ws-file" href={`#diff-${encodeURIComponent(f.path)}`} onClick={(e) => jumpTo(e, f.path)}>
            {f.oldPath ? `${f.oldPath} → ` : ''}
            {f.path}
          </a>
          {f.binary ? (
            <span className="dim small">binary</span>
          ) : (
            <span className="ws-counts mono small">
              <span className="ws-add">+{f.additions}</span> <span className="ws-del">−{f.deletions}</span>
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The app's router owns the hash: scroll to the file without touching it. */
function jumpTo(e: React.MouseEvent, path: string) {
  e.preventDefault();
  document.getElementById(`diff-${path}`)?.scrollIntoView({ behavior: 'smooth', block: 'start' });
}

/** The issue's latest check: passed or failed, how long, the failing lines; Run check runs it now. */
function IssueChecks({ issue }: { issue: string }) {
  const bridge = useBridge();
  const checks = useQuery({ queryKey: ['issues.checks', issue], queryFn: () => bridge.invoke('issues.checks', { issue }) });
  const run = useAction('issues.runCheck', { invalidate: ['issues.checks', 'review.queue'] });
  const latest = checks.data?.[0];
  if (!latest) return null;
  const bad = latest.status === 'failed' || latest.status === 'timed_out' || latest.status === 'error';
  return (
    <div className={`ws-check ${bad ? 'ws-check-bad' : ''}`} aria-label="Check">
      <span className={`tag ${bad ? 'tag-bad' : latest.status === 'passed' ? 'tag-ok' : ''}`}>check {latest.status.replace('_', ' ')}</span>{' '}
      <code className="small">{latest.command}</code>
      {latest.durationMs !== null && <span className="dim small"> · {(latest.durationMs / 1000).toFixed(1)} s</span>}
      {latest.sentBack && <span className="dim small"> · sent back to the agent</span>}{' '}
      <button type="button" className="btn btn-small" disabled={run.isPending || latest.status === 'running'} onClick={() => run.mutate({ issue })}>
        {run.isPending ? 'Checking…' : 'Run check'}
      </button>
      {bad && latest.failingLines && <pre className="review-check-lines mono small">{latest.failingLines}</pre>}
    </div>
  );
}
