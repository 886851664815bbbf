// Loading and failure for a query, so each screen only renders its data.
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { toContractError } from '../data/errors';

export function QueryView<T>({ query, children, what }: { query: UseQueryResult<T>; children: (data: T) => ReactNode; what: string }) {
  if (query.data !== undefined) return <>{children(query.data)}</>;
  if (query.isError) return <ErrorNote error={query.error} what={what} />;
  return <Loading what={what} />;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorNote({ error, what }: { error: unknown; what: string }) {
  const e = toContractError(error);
  return (
    <div className="error-note" role="alert">
      <strong>{e.code === 'not_found' ? `No such ${what}.` : `Could not load ${what}.`}</strong> <span>{e.message}</span>
    </div>
  );
}
