// Pushed events keep every cached query current, so nothing polls. Frequent events (a run's
// last output line) patch caches in place; rare ones (an issue changing) refetch what they
// touch, because some of what they change (activity, counts) only the host can compute.
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import type { AgentDto, CommentDto, EscalationDto, IssueDetailDto, IssueDto, RunDetailDto, RunDto, RunEventDto } from '../../shared/contract';
import type { HostEvent } from '../../shared/events';
import type { IssueFilters, IssuesPage, PagedData, RunFilters, RunsPage } from './queries';

export function applyEvent(qc: QueryClient, event: HostEvent): void {
  switch (event.event) {
    case 'run.created':
    case 'run.updated':
      return applyRun(qc, event.data, event.event === 'run.created');
    case 'issue.updated':
      return applyIssue(qc, event.data);
    case 'comment.added':
      return applyComment(qc, event.data);
    case 'agent.updated':
      return applyAgent(qc, event.data);
    case 'agent.removed':
      qc.setQueryData<AgentDto[]>(['agents.list'], (list) => list?.filter((a) => a.id !== event.data.id));
      qc.removeQueries({ queryKey: ['agents.get'], predicate: (q) => (q.state.data as AgentDto | undefined)?.id === event.data.id });
      void qc.invalidateQueries({ queryKey: ['host.status'] });
      return;
    case 'escalation.opened':
    case 'escalation.updated':
      return applyEscalation(qc, event.data);
    case 'run.event':
      return applyRunEvents(qc, event.data.runId, event.data.events);
    case 'machine.updated':
      // Team mode: a machine came or went; its agents' "offline" marks change with it.
      void qc.invalidateQueries({ queryKey: ['machines.list'] });
      void qc.invalidateQueries({ queryKey: ['agents.list'] });
      void qc.invalidateQueries({ queryKey: ['agents.get'] });
      return;
    case 'run.output':
    case 'host.notice':
    case 'attention.needed':
      return; // the log viewer, the notices and the notifier listen to these themselves
    case 'settings.updated':
      qc.setQueryData(['settings.get'], event.data);
      return;
  }
}

// ---------------------------------------------------------------- runs

function runMatches(run: RunDto, f: RunFilters): boolean {
  if (f.status && run.status !== f.status) return false;
  if (f.agent && f.agent !== run.agent && f.agent !== run.agentId) return false;
  if (f.issue && f.issue !== run.issueIdentifier && f.issue !== run.issueId) return false;
  return true;
}

function applyRun(qc: QueryClient, run: RunDto, created: boolean): void {
  const previous = findCachedRun(qc, run.id);
  const statusChanged = created || (previous !== undefined && previous.status !== run.status);

  for (const [key, data] of qc.getQueriesData<PagedData<RunsPage>>({ queryKey: ['runs.list'] })) {
    if (!data) continue;
    const filters = (key[1] ?? {}) as RunFilters;
    qc.setQueryData<PagedData<RunsPage>>(key, upsertInPages(data, run, runMatches(run, filters), byCreatedDesc));
  }

  qc.setQueryData<RunDetailDto>(['runs.get', run.id], (detail) => (detail ? { ...detail, ...run } : detail));
  if (statusChanged) {
    // A finished run gains events and an explanation; a retry changes its parent's chain.
    void qc.invalidateQueries({ queryKey: ['runs.get', run.id] });
    if (run.retryOfRunId) void qc.invalidateQueries({ queryKey: ['runs.get', run.retryOfRunId] });
    void qc.invalidateQueries({ queryKey: ['host.status'] });
    void qc.invalidateQueries({ queryKey: ['agents.list'] });
    void qc.invalidateQueries({ queryKey: ['machines.list'] });
  }

  if (run.issueId) {
    updateIssueDetails(qc, run.issueId, (issue) => ({ ...issue, runs: upsertSorted(issue.runs, run, byCreatedDesc) }));
  }
}

/** A transcript grows in place: new rows appended in seq order, a row seen twice kept once. */
function applyRunEvents(qc: QueryClient, runId: string, events: RunEventDto[]): void {
  qc.setQueryData<RunDetailDto>(['runs.get', runId], (detail) => {
    if (!detail) return detail;
    const known = new Set(detail.events.map((e) => e.id));
    const fresh = events.filter((e) => !known.has(e.id));
    if (fresh.length === 0) return detail;
    return { ...detail, events: [...detail.events, ...fresh].sort((a, b) => a.seq - b.seq) };
  });
}

function findCachedRun(qc: QueryClient, id: string): RunDto | undefined {
  const detail = qc.getQueryData<RunDetailDto>(['runs.get', id]);
  if (detail) return detail;
  for (const [, data] of qc.getQueriesData<PagedData<RunsPage>>({ queryKey: ['runs.list'] })) {
    const found = data?.pages.flatMap((p) => p.items).find((r) => r.id === id);
    if (found) return found;
  }
  return undefined;
}

// ---------------------------------------------------------------- issues

function issueMatches(issue: IssueDto, f: IssueFilters): boolean {
  if (f.status && issue.status !== f.status) return false;
  if (f.assignee && f.assignee !== issue.assigneeAgent && f.assignee !== issue.assigneeAgentId) return false;
  if (f.q) {
    const q = f.q.toLowerCase();
    if (![issue.identifier, issue.title, issue.body].some((s) => s.toLowerCase().includes(q))) return false;
  }
  return true;
}

function applyIssue(qc: QueryClient, issue: IssueDto): void {
  for (const [key, data] of qc.getQueriesData<PagedData<IssuesPage>>({ queryKey: ['issues.list'] })) {
    if (!data) continue;
    const matches = issueMatches(issue, (key[1] ?? {}) as IssueFilters);
    const present = data.pages.some((p) => p.items.some((i) => i.id === issue.id));
    // The list's order is the host's to decide: a newcomer refetches rather than guess a place.
    if (matches && !present) void qc.invalidateQueries({ queryKey: key, exact: true });
    else qc.setQueryData<PagedData<IssuesPage>>(key, upsertInPages(data, issue, matches, null));
  }
  updateIssueDetails(qc, issue.id, (detail) => ({ ...detail, ...issue }));
  invalidateIssueDetails(qc, issue.id);
  void qc.invalidateQueries({ queryKey: ['host.status'] });
  void qc.invalidateQueries({ queryKey: ['review.queue'] });
}

function applyComment(qc: QueryClient, comment: CommentDto): void {
  // An agent's comment is its last words in the review queue.
  if (comment.authorType !== 'user') void qc.invalidateQueries({ queryKey: ['review.queue'] });
  updateIssueDetails(qc, comment.issueId, (issue) =>
    issue.comments.some((c) => c.id === comment.id) ? issue : { ...issue, comments: [...issue.comments, comment] },
  );
}

function issueDetailKeys(qc: QueryClient, issueId: string): QueryKey[] {
  return qc
    .getQueriesData<IssueDetailDto>({ queryKey: ['issues.get'] })
    .filter(([, data]) => data?.id === issueId)
    .map(([key]) => key);
}

function updateIssueDetails(qc: QueryClient, issueId: string, update: (issue: IssueDetailDto) => IssueDetailDto): void {
  for (const key of issueDetailKeys(qc, issueId)) qc.setQueryData<IssueDetailDto>(key, (d) => (d ? update(d) : d));
}

function invalidateIssueDetails(qc: QueryClient, issueId: string): void {
  for (const key of issueDetailKeys(qc, issueId)) void qc.invalidateQueries({ queryKey: key, exact: true });
}

// ---------------------------------------------------------------- agents, escalations

function applyAgent(qc: QueryClient, agent: AgentDto): void {
  void qc.invalidateQueries({ queryKey: ['machines.list'] });
  qc.setQueryData<AgentDto[]>(['agents.list'], (list) => {
    if (!list) return list;
    const next = list.some((a) => a.id === agent.id) ? list.map((a) => (a.id === agent.id ? agent : a)) : [...list, agent];
    return next.sort((a, b) => a.name.localeCompare(b.name));
  });
  for (const [key, data] of qc.getQueriesData<AgentDto>({ queryKey: ['agents.get'] })) {
    if (data?.id === agent.id) qc.setQueryData(key, agent);
  }
  void qc.invalidateQueries({ queryKey: ['host.status'] });
}

function applyEscalation(qc: QueryClient, escalation: EscalationDto): void {
  for (const [key, list] of qc.getQueriesData<EscalationDto[]>({ queryKey: ['escalations.list'] })) {
    if (!list) continue;
    const onlyOpen = (key[1] as { open?: boolean } | undefined)?.open === true;
    const keep = !onlyOpen || escalation.resolvedAt === null;
    const rest = list.filter((e) => e.id !== escalation.id);
    qc.setQueryData(key, keep ? [escalation, ...rest].sort(byCreatedDesc) : rest);
  }
  invalidateIssueDetails(qc, escalation.issueId);
  void qc.invalidateQueries({ queryKey: ['host.status'] });
}

// ---------------------------------------------------------------- list helpers

type Dated = { id: string; createdAt: string };
const byCreatedDesc = (a: { createdAt: string }, b: { createdAt: string }) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0);

function upsertSorted<T extends Dated>(list: T[], item: T, order: (a: T, b: T) => number): T[] {
  const rest = list.filter((x) => x.id !== item.id);
  return [...rest, item].sort(order);
}

/**
 * Replaces, removes or inserts `item` in a paged list. A newcomer goes where `order` puts it
 * among the loaded items, unless that lies past the last loaded item of a list with more
 * pages: then it arrives with its page, not twice.
 */
export function upsertInPages<T extends { id: string }, P extends { items: T[]; total: number; nextCursor: string | null }>(
  data: PagedData<P>,
  item: T,
  matches: boolean,
  order: ((a: T, b: T) => number) | null,
): PagedData<P> {
  const present = data.pages.some((p) => p.items.some((x) => x.id === item.id));
  if (present) {
    const pages = data.pages.map((p) => {
      if (!p.items.some((x) => x.id === item.id)) return p;
      const items = matches ? p.items.map((x) => (x.id === item.id ? item : x)) : p.items.filter((x) => x.id !== item.id);
      return { ...p, items };
    });
    return { ...data, pages: matches ? pages : withTotal(pages, -1) };
  }
  if (!matches || !order) return data;
  const last = data.pages[data.pages.length - 1];
  const loaded = data.pages.flatMap((p) => p.items);
  const index = loaded.findIndex((x) => order(item, x) < 0);
  if (index === -1 && last?.nextCursor) return data;
  // Insert into the page holding the item it goes before (or the last page).
  let remaining = index === -1 ? loaded.length : index;
  const pages = data.pages.map((p, i) => {
    if (remaining < 0) return p;
    if (remaining <= p.items.length && (remaining < p.items.length || i === data.pages.length - 1)) {
      const items = [...p.items.slice(0, remaining), item, ...p.items.slice(remaining)];
      remaining = -1;
      return { ...p, items };
    }
    remaining -= p.items.length;
    return p;
  });
  return { ...data, pages: withTotal(pages, +1) };
}

function withTotal<P extends { total: number }>(pages: P[], delta: number): P[] {
  return pages.map((p) => ({ ...p, total: Math.max(0, p.total + delta) }));
}
