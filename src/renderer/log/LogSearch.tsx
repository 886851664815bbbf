// Find in the log: Enter for the next match, Shift+Enter for the previous one.
import type { SearchAddon } from '@xterm/addon-search';
import { useEffect, useState } from 'react';

type Decorations = { matchBackground: string; activeMatchBackground: string; matchOverviewRuler: string; activeMatchColorOverviewRuler: string };

export function LogSearch({ search, decorations }: { search: SearchAddon; decorations: Decorations }) {
  const [term, setTerm] = useState('');
  const [result, setResult] = useState<{ index: number; count: number } | null>(null);

  useEffect(() => {
    const sub = search.onDidChangeResults((r) => setResult({ index: r.resultIndex, count: r.resultCount }));
    return () => sub.dispose();
  }, [search]);

  const find = (direction: 'next' | 'previous', incremental = false) => {
    if (!term) {
      search.clearDecorations();
      setResult(null);
      return;
    }
    const options = { decorations, incremental };
    if (direction === 'next') search.findNext(term, options);
    else search.findPrevious(term, options);
  };

  return (
    <div className="log-search">
      <input
        type="search"
        placeholder="Find in log"
        aria-label="Find in log"
        value={term}
        onChange={(e) => setTerm(e.target.value)}
        onKeyUp={(e) => {
          if (e.key !== 'Enter' && e.key !== 'Escape' && e.key !== 'Shift') find('next', true);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            find(e.shiftKey ? 'previous' : 'next');
          } else if (e.key === 'Escape') {
            setTerm('');
            search.clearDecorations();
            setResult(null);
          }
        }}
      />
      <button type="button" className="btn btn-small btn-icon" onClick={() => find('previous')} aria-label="Previous match" title="Previous (Shift+Enter)">
        ↑
      </button>
      <button type="button" className="btn btn-small btn-icon" onClick={() => find('next')} aria-label="Next match" title="Next (Enter)">
        ↓
      </button>
      {result && term && (
        <span className="dim search-count">{result.count === 0 ? 'no matches' : result.index >= 0 ? `${result.index + 1} of ${result.count}` : `${result.count}+ matches`}</span>
      )}
    </div>
  );
}
