import type { ReactNode } from 'react';
import { errorText } from './api.ts';

/**
 * A list's states before its rows: loading, its error in words, or that it has none; `children`
 * draws the rows once there are some.
 */
export function ListState({
  query,
  count,
  empty,
  children,
}: {
  query: { isPending: boolean; error: unknown };
  count: number;
  empty: ReactNode;
  children: () => ReactNode;
}) {
  if (query.isPending) return <p className="loading">Loading…</p>;
  if (query.error)
    return (
      <p className="error-banner" role="alert">
        {errorText(query.error)}
      </p>
    );
  if (count === 0) return <p className="muted">{empty}</p>;
  return <>{children()}</>;
}
