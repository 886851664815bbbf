// Stacked bar charts drawn with uPlot (small, fast, canvas): stacking is done here by drawing
// cumulative sums tallest first, each series over the one before. Colours follow the theme.
// uPlot is loaded when a chart first shows: it reads the screen (matchMedia) as it loads, and
// only the Insights page needs it.
import { useEffect, useRef } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffectiveTheme } from '../theme';

export interface StackedSeries {
  name: string;
  values: number[];
  color: string;
}

const PALETTE = {
  light: ['#2563d9', '#1a7f37', '#c2410c', '#7048c8', '#0e7490', '#b4237a', '#946200', '#5a6370'],
  dark: ['#6ea4ff', '#3fb950', '#fb8c4a', '#b392f0', '#38bdf8', '#f472b6', '#d9a53a', '#9aa3ae'],
};

export function seriesColor(theme: 'light' | 'dark', i: number): string {
  const p = PALETTE[theme];
  return p[i % p.length];
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export function StackedBars({
  label,
  x,
  xKind,
  categories,
  series,
  format,
  height = 220,
}: {
  label: string;
  /** Day starts (unix seconds) for a time axis, or 0..n-1 with `categories` for named bars. */
  x: number[];
  xKind: 'time' | 'category';
  categories?: string[];
  series: StackedSeries[];
  format: (n: number) => string;
  height?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const theme = useEffectiveTheme();
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let dispose: (() => void) | null = null;
    let cancelled = false;
    void import('uplot').then(({ default: UPlot }) => {
      if (cancelled) return;
      dispose = drawChart(UPlot, el, { x, xKind, categories, series, format, height });
    });
    return () => {
      cancelled = true;
      dispose?.();
    };
  }, [x, xKind, categories, series, format, height, theme]);
  return (
    <figure className="chart">
      <div ref={box} className="chart-canvas" role="img" aria-label={label} />
      <figcaption className="chart-legend">
        {series.map((s) => (
          <span key={s.name} className="chart-key">
            <i style={{ background: s.color }} aria-hidden="true" />
            {s.name} <b className="mono">{format(s.values.reduce((a, b) => a + b, 0))}</b>
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

interface ChartData {
  x: number[];
  xKind: 'time' | 'category';
  categories?: string[];
  series: StackedSeries[];
  format: (n: number) => string;
  height: number;
}

/** Draws the chart into `el`; returns its disposal. */
function drawChart(UPlot: typeof uPlot, el: HTMLDivElement, { x, xKind, categories, series, format, height }: ChartData): () => void {
  const text = cssVar('--text-2', '#4a525d');
  const grid = cssVar('--border', '#e1e4e9');
  // Tallest first: series k is drawn as the sum of series 0..k.
  const cumulative: number[][] = [];
  series.forEach((s, k) => cumulative.push(s.values.map((v, i) => v + (k > 0 ? cumulative[k - 1][i] : 0))));
  const order = series.map((_, k) => k).reverse();
  const bars = UPlot.paths.bars!({ size: [0.7, 48], gap: 1 });
  const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif' };
  const opts: uPlot.Options = {
    width: Math.max(200, el.clientWidth),
    height,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    scales: {
      x: xKind === 'time' ? { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] } : { time: false, range: () => [-0.5, x.length - 0.5] },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      xKind === 'time'
        ? { ...axis, values: (_u, splits) => splits.map((s) => new Date(s * 1000).toLocaleDateString([], { month: 'short', day: 'numeric', timeZone: 'UTC' })) }
        : { ...axis, splits: () => x, values: (_u, splits) => splits.map((s) => categories?.[s] ?? '') },
      { ...axis, size: 56, values: (_u, splits) => splits.map(format) },
    ],
    series: [{}, ...order.map((k) => ({ label: series[k].name, fill: series[k].color, stroke: series[k].color, width: 0, paths: bars, points: { show: false } }))],
  };
  const data = [x, ...order.map((k) => cumulative[k])] as uPlot.AlignedData;
  const plot = new UPlot(opts, data, el);
  const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
  resize.observe(el);
  return () => {
    resize.disconnect();
    plot.destroy();
  };
}
