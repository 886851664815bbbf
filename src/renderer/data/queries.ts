// Query keys start with the call's name, so one call's caches can be found and updated
// together when an event arrives. Lists are cursor pages: nothing ever loads them whole.
import { useInfiniteQuery, useQuery, type InfiniteData } from '@tanstack/react-query';
import type { CallInput, CallName, CallOutput } from '../../shared/contract';
import type { IssueStatus, RunStatus } from '../../shared/domain';
import { useBridge } from './bridge-context';

export interface RunFilters {
  agent?: string;
  status?: RunStatus;
  issue?: string;
}

export interface IssueFilters {
  status?: IssueStatus;
  assignee?: string;
  q?: string;
}

export type RunsPage = CallOutput<'runs.list'>;
export type IssuesPage = CallOutput<'issues.list'>;
export type PagedData<P> = InfiniteData<P, string | null>;

export const keys = {
  status: () => ['host.status'] as const,
  agents: () => ['agents.list'] as const,
  agent: (ref: string) => ['agents.get', ref] as const,
  issues: (filters: IssueFilters) => ['issues.list', clean(filters)] as const,
  issue: (ref: string) => ['issues.get', ref] as const,
  runs: (filters: RunFilters, pageSize: number) => ['runs.list', clean(filters), pageSize] as const,
  run: (id: string) => ['runs.get', id] as const,
  escalations: (open: boolean) => ['escalations.list', { open }] as const,
  setup: () => ['setup.detect'] as const,
  folder: (path: string) => ['setup.checkFolder', path] as const,
  reviewQueue: () => ['review.queue'] as const,
  settings: () => ['settings.get'] as const,
  machines: () => ['machines.list'] as const,
};

/** Drops empty filters so `{status: undefined}` and `{}` share a cache entry. */
function clean<T extends object>(filters: T): T {
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined && v !== '')) as T;
}

function useCall<N extends CallName>(method: N, params: CallInput<N>, key: readonly unknown[], enabled = true) {
  const bridge = useBridge();
  return useQuery({ queryKey: key, queryFn: () => bridge.invoke(method, params), enabled });
}

export const useHostStatus = () => useCall('host.status', {}, keys.status());
export const useAgents = () => useCall('agents.list', {}, keys.agents());
/** Whether the agent can start (folder, command, CLI): asked on each mount, the disk changes under it. */
export const useAgentCheck = (ref: string, updatedAt: string) => useCall('agents.check', { agent: ref }, ['agents.check', ref, updatedAt]);
export const useAgent = (ref: string) => useCall('agents.get', { agent: ref }, keys.agent(ref));
export const useIssue = (ref: string) => useCall('issues.get', { issue: ref }, keys.issue(ref));
export const useRun = (id: string) => useCall('runs.get', { run: id }, keys.run(id));
export const useReviewQueue = () => useCall('review.queue', {}, keys.reviewQueue());
export const useSettings = () => useCall('settings.get', {}, keys.settings());
export const useMachines = () => useCall('machines.list', {}, keys.machines());
export const useEscalations = (open: boolean) => useCall('escalations.list', open ? { open } : {}, keys.escalations(open));

/** The agent CLIs on the host's PATH: asked again on each mount, since one may be installed meanwhile. */
export function useSetupInfo() {
  const bridge = useBridge();
  return useQuery({ queryKey: keys.setup(), queryFn: () => bridge.invoke('setup.detect', {}), staleTime: 0, retry: false });
}

/** Whether a typed path is a folder an agent can work in (empty: not asked). */
export function useFolderCheck(path: string) {
  const bridge = useBridge();
  return useQuery({ queryKey: keys.folder(path), queryFn: () => bridge.invoke('setup.checkFolder', { path }), enabled: path.trim() !== '', staleTime: 0, retry: false });
}

export function useRuns(filters: RunFilters, pageSize = 50) {
  const bridge = useBridge();
  const f = clean(filters);
  return useInfiniteQuery({
    queryKey: keys.runs(f, pageSize),
    queryFn: ({ pageParam }) => bridge.invoke('runs.list', { ...f, limit: pageSize, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: null as string | null,
    getNextPageParam: (last: RunsPage) => last.nextCursor,
  });
}

export function useIssues(filters: IssueFilters, pageSize = 50) {
  const bridge = useBridge();
  const f = clean(filters);
  return useInfiniteQuery({
    queryKey: keys.issues(f),
    queryFn: ({ pageParam }) => bridge.invoke('issues.list', { ...f, limit: pageSize, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: null as string | null,
    getNextPageParam: (last: IssuesPage) => last.nextCursor,
  });
}

export function flatten<T>(data: { pages: { items: T[] }[] } | undefined): T[] {
  return data ? data.pages.flatMap((p) => p.items) : [];
}
