// Budgets, holds (paused over budget, waiting for a usage window), routines and insights: their
// queries, kept fresh by the events that change them (an agent updated, a run ended, an issue made).
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useBridge } from './bridge-context';

export const limitKeys = {
  holds: () => ['holds.list'] as const,
  budgets: (agent?: string) => ['budgets.list', agent ?? null] as const,
  routines: () => ['routines.list'] as const,
  insights: (what: string, days: number) => [what, days] as const,
};

export function useHolds() {
  const bridge = useBridge();
  return useQuery({ queryKey: limitKeys.holds(), queryFn: () => bridge.invoke('holds.list', {}) });
}

export function useBudgets(agent?: string) {
  const bridge = useBridge();
  return useQuery({ queryKey: limitKeys.budgets(agent), queryFn: () => bridge.invoke('budgets.list', agent ? { agent } : {}) });
}

export function useRoutines() {
  const bridge = useBridge();
  return useQuery({ queryKey: limitKeys.routines(), queryFn: () => bridge.invoke('routines.list', {}) });
}

export type InsightDays = 7 | 30 | 90;

export function useInsights(days: InsightDays) {
  const bridge = useBridge();
  const cost = useQuery({ queryKey: limitKeys.insights('insights.costPerDay', days), queryFn: () => bridge.invoke('insights.costPerDay', { days }) });
  const runs = useQuery({ queryKey: limitKeys.insights('insights.runsPerDay', days), queryFn: () => bridge.invoke('insights.runsPerDay', { days }) });
  const totals = useQuery({ queryKey: limitKeys.insights('insights.agentTotals', days), queryFn: () => bridge.invoke('insights.agentTotals', { days }) });
  return { cost, runs, totals };
}

/** Once, in the app: the events after which these answers may have changed. */
export function useLimitsLive(): void {
  const bridge = useBridge();
  const qc = useQueryClient();
  useEffect(
    () =>
      bridge.onEvent((event) => {
        if (event.event === 'agent.updated' || event.event === 'agent.removed') {
          void qc.invalidateQueries({ queryKey: ['holds.list'] });
          void qc.invalidateQueries({ queryKey: ['budgets.list'] });
        } else if (event.event === 'run.updated' && !['queued', 'starting', 'running'].includes(event.data.status)) {
          void qc.invalidateQueries({ queryKey: ['budgets.list'] });
        } else if (event.event === 'issue.updated') {
          void qc.invalidateQueries({ queryKey: ['routines.list'] });
        }
      }),
    [bridge, qc],
  );
}
