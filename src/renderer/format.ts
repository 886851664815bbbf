// How numbers and times read in a dense table.
import { formatUsd } from '../shared/money';

export { plural } from '../shared/money';

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function runDuration(run: { startedAt: string | null; finishedAt: string | null }, now: number): number | null {
  if (!run.startedAt) return null;
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  return end - Date.parse(run.startedAt);
}

export function timeAgo(iso: string | null, now: number = Date.now()): string {
  if (!iso) return '—';
  const diff = now - Date.parse(iso);
  if (!Number.isFinite(diff)) return '—';
  if (diff < 45_000) return 'just now';
  if (diff < 3_600_000) return `${Math.round(diff / 60_000)}m ago`;
  if (diff < 86_400_000) return `${Math.round(diff / 3_600_000)}h ago`;
  if (diff < 30 * 86_400_000) return `${Math.round(diff / 86_400_000)}d ago`;
  return new Date(iso).toLocaleDateString();
}

const TIME = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** "Nov 25, 17:12:06": short enough for a table cell, exact enough for a log. */
export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : TIME.format(d);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatCount(n: number | undefined): string {
  return n === undefined ? '—' : n.toLocaleString();
}

export function formatCost(usd: number | undefined): string {
  return usd === undefined ? '—' : formatUsd(usd);
}

/** Ids are long; the first 8 characters tell runs apart at a glance. */
export function shortId(id: string): string {
  return id.replace(/-/g, '').slice(0, 8);
}

export function humanize(value: string): string {
  return value.replace(/_/g, ' ');
}
