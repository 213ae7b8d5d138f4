// Data hooks over the API client: a query with loading, error and reload; an action with
// its pending state and the API's error, for forms.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiFailure, type CallOptions, call, type Op, type Response } from './client.ts';

export interface QueryState<T> {
  data: T | undefined;
  error: ApiFailure | undefined;
  loading: boolean;
  reload: () => void;
  /** Replace the data locally (after a change the server confirmed). */
  set: (data: T) => void;
}

const asFailure = (err: unknown): ApiFailure =>
  err instanceof ApiFailure ? err : new ApiFailure(0, 'client', (err as Error)?.message ?? String(err));

/** Loads with `load` whenever `key` changes; a newer load cancels an older one. */
export function useQuery<T>(load: (signal: AbortSignal) => Promise<T>, key: unknown[]): QueryState<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiFailure; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const depKey = JSON.stringify(key);
  // biome-ignore lint/correctness/useExhaustiveDependencies: depKey and tick are the inputs.
  useEffect(() => {
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    loadRef.current(abort.signal).then(
      (data) => {
        if (!abort.signal.aborted) setState({ data, loading: false });
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        setState((s) => ({ data: s.data, error: asFailure(err), loading: false }));
      },
    );
    return () => abort.abort();
  }, [depKey, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const set = useCallback((data: T) => setState({ data, loading: false }), []);
  return { data: state.data, error: state.error, loading: state.loading, reload, set };
}

/** One API operation as a query. */
export function useApi<K extends Op>(op: K, options: CallOptions<K>, extraKey: unknown[] = []) {
  return useQuery<Response<K>>(
    (signal) => call(op, { ...options, signal } as CallOptions<K>),
    [op, options, ...extraKey],
  );
}

export interface ActionState {
  pending: boolean;
  error: ApiFailure | undefined;
  /** Runs `fn`; its error is kept for display and the result is undefined on failure. */
  run: <T>(fn: () => Promise<T>) => Promise<T | undefined>;
  clear: () => void;
}

export function useAction(): ActionState {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiFailure>();
  const run = useCallback(async <T>(fn: () => Promise<T>) => {
    setPending(true);
    setError(undefined);
    try {
      return await fn();
    } catch (err) {
      setError(asFailure(err));
      return undefined;
    } finally {
      setPending(false);
    }
  }, []);
  const clear = useCallback(() => setError(undefined), []);
  return { pending, error, run, clear };
}

/** The API's message for one form field, when the error names it (or a field inside it). */
export function fieldError(error: ApiFailure | undefined, field: string): string | undefined {
  if (!error?.field) return undefined;
  return error.field === field || error.field.startsWith(`${field}.`) ? error.message : undefined;
}
