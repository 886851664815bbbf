// What the CLI prints: one JSON document with --json, else compact aligned tables and short
// times for a person. Raw bytes (run logs) go through `write`, which honours backpressure.
// Text for a person is shown with its control characters escaped (unless --raw): comments,
// titles, errors and last lines are written by agents, and an escape sequence in them could
// clear the screen, retitle the window or write the clipboard (OSC 52).

export interface Output {
  readonly json: boolean;
  line(text?: string): void;
  /** The one JSON document of a --json invocation. */
  document(value: unknown): void;
  table(headers: string[], rows: string[][]): void;
  /** `label: value` lines with the labels aligned; null values are left out. */
  fields(pairs: Array<[string, string | number | null | undefined]>): void;
  write(bytes: Buffer): Promise<void>;
}

export function createOutput(json: boolean, stream: NodeJS.WritableStream = process.stdout, raw = false): Output {
  const line = (text = '') => {
    stream.write(`${raw ? text : escapeControls(text)}\n`);
  };
  return {
    json,
    line,
    document(value) {
      stream.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    table(headers, rows) {
      for (const text of formatTable(headers, rows)) line(text);
    },
    fields(pairs) {
      const shown = pairs.filter(([, value]) => value !== null && value !== undefined && value !== '');
      const width = Math.max(0, ...shown.map(([label]) => label.length));
      for (const [label, value] of shown) line(`${`${label}:`.padEnd(width + 2)}${value}`);
    },
    write(bytes) {
      return new Promise((resolve, reject) => {
        stream.write(bytes, (err) => (err ? reject(err) : resolve()));
      });
    },
  };
}

/**
 * Control characters made visible: C0 (but newline and tab), DEL, C1, and the bidirectional
 * overrides that reorder what a reader sees. `\x1b[31m` prints as the six characters it is.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export function formatTable(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const render = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [render(headers), ...rows.map(render)];
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Today: 14:03:22; this year: Nov 25 14:03; older: 2023-11-25. Local time. */
export function shortTime(iso: string | null, now = new Date()): string {
  if (!iso) return '-';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  if (t.toDateString() === now.toDateString()) return `${pad2(t.getHours())}:${pad2(t.getMinutes())}:${pad2(t.getSeconds())}`;
  if (t.getFullYear() === now.getFullYear()) return `${MONTHS[t.getMonth()]} ${t.getDate()} ${pad2(t.getHours())}:${pad2(t.getMinutes())}`;
  return `${t.getFullYear()}-${pad2(t.getMonth() + 1)}-${pad2(t.getDate())}`;
}

/** 850ms, 12s, 3m 04s, 2h 05m. */
export function duration(startIso: string | null, endIso: string | null, now = new Date()): string {
  if (!startIso) return '-';
  const ms = (endIso ? new Date(endIso) : now).getTime() - new Date(startIso).getTime();
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${ms}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad2(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad2(Math.floor(s / 60) % 60)}m`;
}

/** timed_out -> timed out. */
export const readable = (value: string) => value.replace(/_/g, ' ');

export function seconds(value: number | null): string {
  if (value === null) return '-';
  if (value % 3600 === 0) return `${value / 3600}h`;
  if (value % 60 === 0) return `${value / 60}m`;
  return `${value}s`;
}

export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${(n / (1 << 30)).toFixed(1)} GiB`;
}
