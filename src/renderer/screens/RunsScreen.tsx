// Every run, newest first, a page at a time; filters by agent, status and issue.
import { RUN_STATUSES, type RunStatus } from '../../shared/domain';
import { AgentSelect } from '../components/AgentSelect';
import { Empty } from '../components/Empty';
import { LoadMore } from '../components/LoadMore';
import { PageHeader } from '../components/PageHeader';
import { ErrorNote } from '../components/QueryView';
import { RunsTable } from '../components/RunsTable';
import { useDebounced } from '../components/useDebounced';
import { flatten, useRuns } from '../data/queries';
import { humanize } from '../format';
import { useHashParams } from '../router';
import { ValueOptions } from '../components/Options';

export function RunsScreen() {
  const [params, setParams] = useHashParams();
  const agent = params.get('agent') ?? '';
  const status = (RUN_STATUSES as readonly string[]).includes(params.get('status') ?? '') ? (params.get('status') as RunStatus) : undefined;
  const issueText = params.get('issue') ?? '';
  const issue = useDebounced(normalizeIssueRef(issueText));
  const query = useRuns({ agent: agent || undefined, status, issue: issue || undefined });
  const runs = flatten(query.data);
  const total = query.data?.pages[0]?.total ?? 0;
  const filtered = !!(agent || status || issue);

  return (
    <div className="page">
      <PageHeader title="Runs" sub={query.data ? `${total.toLocaleString()} ${filtered ? 'matching' : 'in total'}` : null} />
      <div className="toolbar" role="search">
        <AgentSelect value={agent} onChange={(v) => setParams({ agent: v })} />
        <label className="inline-field">
          <span>Status</span>
          <select value={status ?? ''} onChange={(e) => setParams({ status: e.target.value })}>
            <option value="">any</option>
            <ValueOptions values={RUN_STATUSES} label={humanize} />
          </select>
        </label>
        <label className="inline-field">
          <span>Issue</span>
          <input data-search className="mono" placeholder="VIG-12" size={10} value={issueText} onChange={(e) => setParams({ issue: e.target.value })} />
        </label>
        {filtered && (
          <button type="button" className="btn btn-quiet" onClick={() => setParams({ agent: undefined, status: undefined, issue: undefined })}>
            Clear filters
          </button>
        )}
      </div>
      {query.isError ? (
        <ErrorNote error={query.error} what="runs" />
      ) : query.isPending ? null : runs.length === 0 ? (
        filtered ? (
          <Empty title="No runs match these filters." />
        ) : (
          <Empty title="No runs yet.">Runs appear when an agent wakes: assign it an issue, give it an interval, or press “Wake now” on Agents.</Empty>
        )
      ) : (
        <>
          <RunsTable runs={runs} columns={['agent', 'issue', 'source', 'started', 'duration', 'result']} label="Runs" />
          <LoadMore shown={runs.length} total={total} hasMore={query.hasNextPage} loading={query.isFetchingNextPage} onMore={() => void query.fetchNextPage()} />
        </>
      )}
    </div>
  );
}

/** "vig-12" means VIG-12; anything else (an issue id) is passed as typed. */
function normalizeIssueRef(text: string): string {
  const t = text.trim();
  return /^[a-z][a-z0-9]{0,9}-\d+$/i.test(t) ? t.toUpperCase() : t;
}
