// Loading, error and empty states: every screen shows one of them until it has data.
import type { ReactNode } from 'react';
import type { ApiFailure } from '../api/client.ts';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function ErrorNote({ error, onRetry }: { error: ApiFailure | undefined; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div className="error-note" role="alert">
      <p>{error.message}</p>
      {onRetry ? (
        <button type="button" className="btn" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** A query's three states in one place: loading, error (with retry), or the content. */
export function Loaded<T>({
  query,
  children,
  label,
}: {
  query: { data: T | undefined; error: ApiFailure | undefined; loading: boolean; reload: () => void };
  children: (data: T) => ReactNode;
  label?: string;
}) {
  if (query.data !== undefined)
    return (
      <>
        {query.error ? <ErrorNote error={query.error} onRetry={query.reload} /> : null}
        {children(query.data)}
      </>
    );
  if (query.error) return <ErrorNote error={query.error} onRetry={query.reload} />;
  return <Loading {...(label ? { label } : {})} />;
}

/** A short confirmation that something was saved, read out by screen readers. */
export function Saved({ message }: { message: string | undefined }) {
  return (
    <p className="saved" role="status" aria-live="polite">
      {message ?? ''}
    </p>
  );
}

export function Badge({
  tone = 'neutral',
  children,
}: {
  tone?: 'ok' | 'warn' | 'bad' | 'neutral';
  children: ReactNode;
}) {
  return <span className={`badge ${tone}`}>{children}</span>;
}
