// Cursor paging: the next page only when asked for, so a 100,000-run history stays cheap.
export function LoadMore({ shown, total, hasMore, loading, onMore }: { shown: number; total: number; hasMore: boolean; loading: boolean; onMore: () => void }) {
  return (
    <div className="load-more">
      <span className="dim">
        {shown.toLocaleString()} of {total.toLocaleString()}
      </span>
      {hasMore && (
        <button type="button" className="btn" onClick={onMore} disabled={loading}>
          {loading ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}
