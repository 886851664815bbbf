// Issues: search, filter by status and assignee, create one.
import { useState } from 'react';
import { ISSUE_STATUSES, type IssueStatus } from '../../shared/domain';
import { AgentSelect } from '../components/AgentSelect';
import { Empty } from '../components/Empty';
import { AgentLink, IssueLink } from '../components/Links';
import { LoadMore } from '../components/LoadMore';
import { PageHeader } from '../components/PageHeader';
import { ErrorNote } from '../components/QueryView';
import { Status } from '../components/Status';
import { Ago } from '../components/Time';
import { useDebounced } from '../components/useDebounced';
import { flatten, useIssues } from '../data/queries';
import { humanize } from '../format';
import { href, navigate, useHashParams } from '../router';
import { IssueForm } from './IssueForm';
import { ValueOptions } from '../components/Options';
import { TableHead } from '../components/TableHead';

export function IssuesScreen() {
  const [params, setParams] = useHashParams();
  const [creating, setCreating] = useState(false);
  const status = (ISSUE_STATUSES as readonly string[]).includes(params.get('status') ?? '') ? (params.get('status') as IssueStatus) : undefined;
  const assignee = params.get('assignee') ?? '';
  const qText = params.get('q') ?? '';
  const q = useDebounced(qText.trim());
  const query = useIssues({ status, assignee: assignee || undefined, q: q || undefined });
  const issues = flatten(query.data);
  const total = query.data?.pages[0]?.total ?? 0;
  const filtered = !!(status || assignee || q);

  return (
    <div className="page">
      <PageHeader
        title="Issues"
        sub={query.data ? `${total.toLocaleString()} ${filtered ? 'matching' : 'in total'}` : null}
        actions={
          !creating && (
            <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
              New issue
            </button>
          )
        }
      />
      {creating && <IssueForm onCancel={() => setCreating(false)} onDone={(identifier) => navigate(href.issue(identifier))} />}
      <div className="toolbar" role="search">
        <input data-search type="search" className="search" placeholder="Search issues  ( / )" aria-label="Search issues" value={qText} onChange={(e) => setParams({ q: e.target.value })} />
        <label className="inline-field">
          <span>Status</span>
          <select value={status ?? ''} onChange={(e) => setParams({ status: e.target.value })}>
            <option value="">any</option>
            <ValueOptions values={ISSUE_STATUSES} label={humanize} />
          </select>
        </label>
        <AgentSelect label="Assignee" value={assignee} onChange={(v) => setParams({ assignee: v })} />
        {filtered && (
          <button type="button" className="btn btn-quiet" onClick={() => setParams({ q: undefined, status: undefined, assignee: undefined })}>
            Clear filters
          </button>
        )}
      </div>
      {query.isError ? (
        <ErrorNote error={query.error} what="issues" />
      ) : query.isPending ? null : issues.length === 0 ? (
        filtered ? (
          <Empty title="No issues match." />
        ) : (
          <Empty title="No issues yet.">
            Create one with “New issue”, or run <code>vigil issue create</code>. Assign it to an agent and Vigil wakes the agent.
          </Empty>
        )
      ) : (
        <>
          <table className="table table-rows-link" aria-label="Issues">
            <TableHead columns={['Issue', ['Title', 'col-grow'], 'Status', 'Priority', 'Assignee', 'Updated']} />
            <tbody>
              {issues.map((issue) => (
                <tr key={issue.id} data-issue={issue.identifier}>
                  <td>
                    <IssueLink identifier={issue.identifier} />
                  </td>
                  <td className="col-grow">
                    <a className="row-title" href={href.issue(issue.identifier)}>
                      {issue.title}
                    </a>
                  </td>
                  <td>
                    <Status value={issue.status} />
                  </td>
                  <td>
                    <span className={`priority priority-${issue.priority}`}>{issue.priority}</span>
                  </td>
                  <td>
                    <AgentLink name={issue.assigneeAgent} />
                  </td>
                  <td className="dim">
                    <Ago iso={issue.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <LoadMore shown={issues.length} total={total} hasMore={query.hasNextPage} loading={query.isFetchingNextPage} onMore={() => void query.fetchNextPage()} />
        </>
      )}
    </div>
  );
}
