// Costs at a glance: cost per day per agent (stacked), runs per day by outcome, tokens per agent,
// median run time; over 7, 30 or 90 days. Each chart is one aggregate query on the host.
import { useMemo, useState } from 'react';
import type { AgentTotalsDto, DailySeriesDto } from '../../shared/contract';
import { Empty } from '../components/Empty';
import { PageHeader, Section } from '../components/PageHeader';
import { useInsights, type InsightDays } from '../data/limits';
import { formatDuration } from '../format';
import { useEffectiveTheme } from '../theme';
import { seriesColor, StackedBars, type StackedSeries } from './Chart';
import { TableHead } from '../components/TableHead';

const OUTCOME_COLORS: Record<string, string> = { succeeded: '--ok', failed: '--bad', timed_out: '--warn', cancelled: '--neutral' };
const usd = (n: number) => (n >= 100 ? `$${Math.round(n)}` : `$${n.toFixed(2)}`);
const count = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const compact = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : String(Math.round(n)));

function dayX(d: DailySeriesDto): number[] {
  return d.days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
}

/** `theme` only ties the read to the theme showing (the CSS variables change with it). */
function cssVar(name: string, theme: 'light' | 'dark'): string {
  void theme;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

export function InsightsScreen() {
  const [days, setDays] = useState<InsightDays>(30);
  const { cost, runs, totals } = useInsights(days);
  return (
    <div className="page insights">
      <PageHeader
        title="Insights"
        sub={<span className="dim">Every machine's runs, by UTC day.</span>}
        actions={
          <div className="segmented" role="group" aria-label="Period">
            {([7, 30, 90] as const).map((d) => (
              <button key={d} type="button" className={`btn btn-small${d === days ? ' active' : ''}`} aria-pressed={d === days} onClick={() => setDays(d)}>
                {d} days
              </button>
            ))}
          </div>
        }
      />
      <div className="insights-grid">
        <Section title="Cost per day, by agent">{cost.data ? <CostChart data={cost.data} /> : null}</Section>
        <Section title="Runs per day, by outcome">{runs.data ? <RunsChart data={runs.data} /> : null}</Section>
        <Section title="Tokens per agent">{totals.data ? <TokensChart data={totals.data} /> : null}</Section>
        <Section title="Per agent">{totals.data ? <TotalsTable data={totals.data} /> : null}</Section>
      </div>
    </div>
  );
}

function CostChart({ data }: { data: DailySeriesDto }) {
  const theme = useEffectiveTheme();
  const x = useMemo(() => dayX(data), [data]);
  const series = useMemo<StackedSeries[]>(() => data.series.map((s, i) => ({ ...s, color: seriesColor(theme, i) })), [data, theme]);
  if (series.length === 0) return <Empty title="No runs in this period." />;
  return <StackedBars label="Cost per day, stacked by agent" x={x} xKind="time" series={series} format={usd} />;
}

function RunsChart({ data }: { data: DailySeriesDto }) {
  const theme = useEffectiveTheme();
  const x = useMemo(() => dayX(data), [data]);
  // The theme's own status colours, read again when the theme changes.
  const series = useMemo<StackedSeries[]>(
    () => data.series.map((s) => ({ ...s, name: s.name.replace('_', ' '), color: cssVar(OUTCOME_COLORS[s.name] ?? '--neutral', theme) })),
    [data, theme],
  );
  if (series.every((s) => s.values.every((v) => v === 0))) return <Empty title="No runs ended in this period." />;
  return <StackedBars label="Runs per day, stacked by outcome" x={x} xKind="time" series={series} format={count} />;
}

function TokensChart({ data }: { data: AgentTotalsDto }) {
  const theme = useEffectiveTheme();
  const x = useMemo(() => data.map((_, i) => i), [data]);
  const categories = useMemo(() => data.map((a) => a.agent), [data]);
  const series = useMemo<StackedSeries[]>(
    () => [
      { name: 'input', values: data.map((a) => a.inputTokens), color: seriesColor(theme, 0) },
      { name: 'output', values: data.map((a) => a.outputTokens), color: seriesColor(theme, 2) },
    ],
    [data, theme],
  );
  if (data.length === 0) return <Empty title="No runs in this period." />;
  return <StackedBars label="Tokens per agent, input and output" x={x} xKind="category" categories={categories} series={series} format={compact} />;
}

function TotalsTable({ data }: { data: AgentTotalsDto }) {
  if (data.length === 0) return <Empty title="No runs in this period." />;
  return (
    <table className="table" aria-label="Per agent">
      <TableHead columns={['Agent', ['Runs', 'num'], ['Cost', 'num'], ['Tokens', 'num'], ['Median run', 'num']]} />
      <tbody>
        {data.map((a) => (
          <tr key={a.agent}>
            <td>{a.agent}</td>
            <td className="num">{a.runs}</td>
            <td className="num mono">{`$${a.costUsd.toFixed(2)}`}</td>
            <td className="num mono">{compact(a.inputTokens + a.outputTokens)}</td>
            <td className="num">{a.medianRunSec === null ? '—' : formatDuration(a.medianRunSec * 1000)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
