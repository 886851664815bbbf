// One way money reads, in the window and the CLI: $0.01, $1.24; a cost below a cent is "<$0.01"
// (never $0.0100 beside $0.01).
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.005) return '<$0.01';
  return `$${usd.toFixed(2)}`;
}

/** "1 run", "2 runs": a count with its noun. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
