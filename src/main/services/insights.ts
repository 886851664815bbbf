// The Insights page's calls: each chart is one aggregate query (src/main/insights/queries.ts).
import type { CallParsedInput } from '../../shared/contract';
import { agentTotals, costPerDay, runsPerDay } from '../insights/queries';
import type { ServiceContext } from '../context';

export function insightHandlers(ctx: ServiceContext, now: () => Date = () => new Date()) {
  return {
    'insights.costPerDay': async (input: CallParsedInput<'insights.costPerDay'>) => costPerDay(ctx.db, ctx.workspaceId, input.days, now()),
    'insights.runsPerDay': async (input: CallParsedInput<'insights.runsPerDay'>) => runsPerDay(ctx.db, ctx.workspaceId, input.days, now()),
    'insights.agentTotals': async (input: CallParsedInput<'insights.agentTotals'>) => agentTotals(ctx.db, ctx.workspaceId, input.days, now()),
  };
}
