// Budget flags of `vigil agent add` / `vigil agent update`: --budget-usd, --budget-tokens,
// --budget-period. They go to budgets.set (the agent's own budget), after the agent call.
import type { AgentDto, BudgetDto, CallInput } from '../../shared/contract';
import { BUDGET_PERIODS } from '../../shared/domain-values';
import type { Client } from '../client';
import { oneOf, str, UsageError, type OptionSpec, type OptionValues } from '../command';

export const BUDGET_OPTIONS: Record<string, OptionSpec> = {
  'budget-usd': { type: 'string', value: 'USD', help: "stop its runs and pause it once it spent USD dollars in the period ('off': no dollar limit)" },
  'budget-tokens': { type: 'string', value: 'N', help: "the same in tokens, input plus output ('off': no token limit)" },
  'budget-period': { type: 'string', value: BUDGET_PERIODS.join('|'), help: 'what the budget counts: this calendar month (UTC, the default) or all time' },
};

type BudgetInput = Omit<CallInput<'budgets.set'>, 'agent'>;

/** The budget part of the options; null when none was given. */
export function budgetInput(opts: OptionValues): BudgetInput | null {
  const out: BudgetInput = {};
  const usd = str(opts, 'budget-usd');
  if (usd !== undefined) {
    if (usd === 'off') out.usd = null;
    else if (/^\d+(\.\d+)?$/.test(usd) && Number(usd) > 0) out.usd = Number(usd);
    else throw new UsageError(`--budget-usd must be a positive number of dollars (or 'off'), got '${usd}'`);
  }
  const tokens = str(opts, 'budget-tokens');
  if (tokens !== undefined) {
    if (tokens === 'off') out.tokens = null;
    else if (/^\d+$/.test(tokens) && Number(tokens) > 0) out.tokens = Number(tokens);
    else throw new UsageError(`--budget-tokens must be a whole number of tokens (or 'off'), got '${tokens}'`);
  }
  const period = oneOf(opts, 'budget-period', BUDGET_PERIODS);
  if (period !== undefined) out.period = period;
  return Object.keys(out).length > 0 ? out : null;
}

export async function applyBudget(client: Client, agent: string, input: BudgetInput): Promise<BudgetDto> {
  return client.call('budgets.set', { agent, ...input });
}

/** "$12.40 of $50.00 this month (paused: over budget)" */
export function budgetWords(b: BudgetDto): string {
  const parts: string[] = [];
  if (b.limitUsd !== null) parts.push(`$${b.spentUsd.toFixed(2)} of $${b.limitUsd.toFixed(2)}`);
  if (b.limitTokens !== null) parts.push(`${b.spentTokens.toLocaleString('en-US')} of ${b.limitTokens.toLocaleString('en-US')} tokens`);
  if (parts.length === 0) return 'no limit';
  return `${parts.join(', ')} ${b.period === 'month' ? 'this month' : 'in total'}${b.over ? ' (over budget)' : ''}`;
}

/** `vigil agent show`'s budget and hold lines. */
export async function budgetFields(client: Client, agent: AgentDto): Promise<[string, string | null][]> {
  const [budgets, holds] = await Promise.all([client.call('budgets.list', { agent: agent.id }), client.call('holds.list', {})]);
  const own = budgets.find((b) => b.issueId === null);
  const hold = holds.find((h) => h.agentId === agent.id);
  const held = hold ? `${hold.kind === 'budget' ? 'paused over budget' : 'waiting for its usage window'}${hold.until ? ` until ${hold.until}` : ''}: ${hold.reason}` : null;
  return [
    ['Budget', own ? budgetWords(own) : 'none'],
    ['Held', held],
  ];
}
