// The agent page's budget: spent / budget as a bar (dollars and tokens), and a small form to set
// or raise it. Raising it above what was spent resumes an agent the budget paused.
import { useState } from 'react';
import type { AgentDto, BudgetDto } from '../../shared/contract';
import { BUDGET_PERIODS, type BudgetPeriod } from '../../shared/domain';
import { FormError } from '../components/Field';
import { Section } from '../components/PageHeader';
import { plainMessage } from '../data/errors';
import { useBudgets, useHolds } from '../data/limits';
import { useAction } from '../data/mutations';
import { holdWords } from './HeldAgents';
import { Form } from '../components/Form';

function Bar({ label, spent, limit, format }: { label: string; spent: number; limit: number; format: (n: number) => string }) {
  const ratio = limit > 0 ? spent / limit : 1;
  const level = ratio >= 1 ? 'over' : ratio >= 0.8 ? 'near' : 'ok';
  return (
    <div className="budget-bar-row">
      <div className="budget-bar-label">
        <span>{label}</span>
        <span className="mono">
          {format(spent)} / {format(limit)}
        </span>
      </div>
      <div className={`budget-bar budget-${level}`} role="meter" aria-label={`${label} spent`} aria-valuemin={0} aria-valuemax={limit} aria-valuenow={Math.min(spent, limit)}>
        <div className="budget-bar-fill" style={{ width: `${Math.min(100, ratio * 100)}%` }} />
      </div>
    </div>
  );
}

const usd = (n: number) => `$${n.toFixed(2)}`;
const tokens = (n: number) => n.toLocaleString();

export function BudgetPanel({ agent }: { agent: AgentDto }) {
  const budget = (useBudgets(agent.name).data ?? []).find((b) => b.issueId === null) ?? null;
  const hold = (useHolds().data ?? []).find((h) => h.agentId === agent.id) ?? null;
  const [editing, setEditing] = useState(false);
  return (
    <Section
      title="Budget"
      className="budget-section"
      aside={
        !editing && (
          <button type="button" className="btn btn-small" onClick={() => setEditing(true)}>
            {budget ? 'Change budget' : 'Set a budget'}
          </button>
        )
      }
    >
      {hold && <p className={`held held-${hold.kind}`}>{`${agent.name} is ${holdWords(hold)}: ${hold.reason}`}</p>}
      {budget && (budget.limitUsd !== null || budget.limitTokens !== null) ? (
        <div className="budget-bars">
          <p className="dim">{budget.period === 'month' ? 'This calendar month (UTC), all machines' : 'In total, all machines'}</p>
          {budget.limitUsd !== null && <Bar label="Cost" spent={budget.spentUsd} limit={budget.limitUsd} format={usd} />}
          {budget.limitTokens !== null && <Bar label="Tokens" spent={budget.spentTokens} limit={budget.limitTokens} format={tokens} />}
        </div>
      ) : (
        !editing && <p className="dim">No budget: its runs may spend without limit.</p>
      )}
      {editing && <BudgetForm agent={agent} budget={budget} onDone={() => setEditing(false)} />}
    </Section>
  );
}

function BudgetForm({ agent, budget, onDone }: { agent: AgentDto; budget: BudgetDto | null; onDone: () => void }) {
  const [dollars, setDollars] = useState(budget?.limitUsd?.toString() ?? '');
  const [tokenLimit, setTokenLimit] = useState(budget?.limitTokens?.toString() ?? '');
  const [period, setPeriod] = useState<BudgetPeriod>(budget?.period ?? 'month');
  const [error, setError] = useState<string | null>(null);
  const set = useAction('budgets.set', { onSuccess: onDone, invalidate: ['budgets.list', 'holds.list', 'agents.get'] });
  const submit = () => {
    const d = dollars.trim() === '' ? null : Number(dollars);
    const t = tokenLimit.trim() === '' ? null : Number(tokenLimit);
    if (d !== null && !(d > 0)) return setError('Dollars: a positive amount, or empty for no dollar limit.');
    if (t !== null && !(Number.isInteger(t) && t > 0)) return setError('Tokens: a whole number, or empty for no token limit.');
    setError(null);
    set.mutate({ agent: agent.id, usd: d, tokens: t, period });
  };
  return (
    <Form
      className="form budget-form"
      aria-label="Budget"
      onSubmit={submit}
    >
      <label>
        Dollars <input inputMode="decimal" value={dollars} onChange={(e) => setDollars(e.target.value)} placeholder="no limit" aria-label="Budget in dollars" />
      </label>
      <label>
        Tokens <input inputMode="numeric" value={tokenLimit} onChange={(e) => setTokenLimit(e.target.value)} placeholder="no limit" aria-label="Budget in tokens" />
      </label>
      <label>
        Per{' '}
        <select value={period} onChange={(e) => setPeriod(e.target.value as BudgetPeriod)} aria-label="Budget period">
          {BUDGET_PERIODS.map((p) => (
            <option key={p} value={p}>
              {p === 'month' ? 'calendar month' : 'all time'}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="btn btn-primary btn-small" disabled={set.isPending}>
        Save
      </button>
      <button type="button" className="btn btn-small" onClick={onDone}>
        Cancel
      </button>
      <FormError message={error ?? (set.error ? plainMessage(set.error) : null)} />
    </Form>
  );
}
