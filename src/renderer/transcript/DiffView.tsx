// A change as a unified diff (the `diff` package): an Edit's old and new text, or a Write's
// whole new content. Lines only; long unchanged stretches are folded to their context.
import { diffLines } from 'diff';
import { useMemo } from 'react';

export interface DiffLine {
  kind: 'add' | 'del' | 'same' | 'fold';
  text: string;
}

const CONTEXT = 3;

export function diffRows(before: string, after: string): DiffLine[] {
  const rows: DiffLine[] = [];
  for (const part of diffLines(before, after)) {
    const lines = part.value.replace(/\n$/, '').split('\n');
    const kind = part.added ? 'add' : part.removed ? 'del' : 'same';
    for (const text of lines) rows.push({ kind, text });
  }
  // Fold unchanged runs longer than twice the context.
  const out: DiffLine[] = [];
  for (let i = 0; i < rows.length; ) {
    if (rows[i].kind !== 'same') {
      out.push(rows[i++]);
      continue;
    }
    let j = i;
    while (j < rows.length && rows[j].kind === 'same') j++;
    const run = rows.slice(i, j);
    const keepHead = i === 0 ? 0 : CONTEXT;
    const keepTail = j === rows.length ? 0 : CONTEXT;
    if (run.length > keepHead + keepTail + 1) {
      out.push(...run.slice(0, keepHead), { kind: 'fold', text: `${run.length - keepHead - keepTail} unchanged lines` }, ...run.slice(run.length - keepTail));
    } else out.push(...run);
    i = j;
  }
  return out;
}

export function DiffView({ before, after, label }: { before: string; after: string; label: string }) {
  const rows = useMemo(() => diffRows(before, after), [before, after]);
  const added = rows.filter((r) => r.kind === 'add').length;
  const removed = rows.filter((r) => r.kind === 'del').length;
  return (
    <div className="diff" role="figure" aria-label={label}>
      <div className="diff-stat">
        <span className="text-ok">+{added}</span> <span className="text-bad">−{removed}</span>
      </div>
      <pre className="diff-body">
        {rows.map((r, i) => (
          <div key={i} className={`diff-line diff-${r.kind}`}>
            <span className="diff-sign" aria-hidden="true">
              {r.kind === 'add' ? '+' : r.kind === 'del' ? '−' : r.kind === 'fold' ? '⋯' : ' '}
            </span>
            <span className="diff-text">{r.text || ' '}</span>
          </div>
        ))}
      </pre>
    </div>
  );
}
