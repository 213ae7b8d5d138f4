// The company's live events (GET /api/events, Server-Sent Events) for the pages that show
// live state: one EventSource per tab however many components listen, reopened with backoff
// when it drops, closed a little after the last listener leaves (so moving between pages
// keeps it). Administrators and supervisors only: the API refuses agents, who poll instead.
import { useCallback, useEffect, useRef, useSyncExternalStore } from 'react';
import { type QueryState, useQuery } from './hooks.ts';

/** off: nobody listens; connecting: the first attempt; reconnecting: it dropped or failed. */
export type LiveStatus = 'off' | 'connecting' | 'live' | 'reconnecting';

/**
 * The fields of the stream's events that the console reads. The stream has no schema in the
 * OpenAPI document (it is not JSON); the full shapes are PbxEvent in src/pbx/events.ts.
 */
export type LiveEvent =
  | {
      type: 'call';
      state: 'ringing' | 'answered' | 'connected' | 'ended';
      callId: string;
      direction: string;
      caller: string;
      callee: string;
    }
  | {
      type: 'registration';
      change: 'added' | 'refreshed' | 'removed' | 'expired';
      lineId: string;
      contact: string;
      expiresAt: string;
    }
  | {
      type: 'queue';
      queueId: string;
      change: string;
      callerId?: string;
      /** `person:<id>` or `line:<id>`. */
      agentIds?: string[];
      agentState?: string;
      pauseReason?: string | null;
      waiting: number;
      availableAgents: number;
    }
  | { type: 'flow'; callId: string };

const TYPES = ['call', 'registration', 'queue', 'flow'] as const;
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;
/** How long the stream stays open after the last listener left (page changes). */
const LINGER_MS = 15_000;

type Listener = (e: LiveEvent) => void;

class LiveStream {
  #source: EventSource | undefined;
  #status: LiveStatus = 'off';
  #users = 0;
  #failures = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #lingerTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #listeners = new Set<Listener>();
  readonly #statusListeners = new Set<() => void>();

  constructor(private readonly url: string) {}

  get status(): LiveStatus {
    return this.#status;
  }

  /** One more user of the stream; the returned function releases it. */
  acquire(): () => void {
    this.#users++;
    clearTimeout(this.#lingerTimer);
    if (this.#status === 'off') this.#open('connecting');
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#users > 0) return;
      this.#lingerTimer = setTimeout(() => this.#close(), LINGER_MS);
    };
  }

  listen(l: Listener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  onStatus(l: () => void): () => void {
    this.#statusListeners.add(l);
    return () => this.#statusListeners.delete(l);
  }

  #setStatus(s: LiveStatus): void {
    if (s === this.#status) return;
    this.#status = s;
    for (const l of this.#statusListeners) l();
  }

  #open(status: 'connecting' | 'reconnecting'): void {
    this.#setStatus(status);
    const source = new EventSource(this.url);
    this.#source = source;
    source.onopen = () => {
      this.#failures = 0;
      this.#setStatus('live');
    };
    // EventSource retries by itself only after a dropped stream, never after a refusal
    // (403, 503): one policy for both, with our own backoff.
    source.onerror = () => {
      source.close();
      if (this.#source !== source) return;
      this.#source = undefined;
      this.#setStatus('reconnecting');
      const wait = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** this.#failures++);
      this.#retryTimer = setTimeout(() => this.#open('reconnecting'), wait * (0.75 + Math.random() / 2));
    };
    for (const type of TYPES) {
      source.addEventListener(type, (m) => {
        let event: LiveEvent;
        try {
          event = JSON.parse((m as MessageEvent<string>).data) as LiveEvent;
        } catch {
          return;
        }
        if (event?.type !== type) return;
        for (const l of this.#listeners) l(event);
      });
    }
  }

  #close(): void {
    clearTimeout(this.#retryTimer);
    this.#source?.close();
    this.#source = undefined;
    this.#failures = 0;
    this.#setStatus('off');
  }
}

const stream = new LiveStream('/api/events');
const subscribeStatus = (l: () => void) => stream.onStatus(l);
const currentStatus = () => stream.status;

/** Keeps the tab's stream open while mounted (when `enabled`) and returns its state. */
export function useLiveStatus(enabled: boolean): LiveStatus {
  useEffect(() => (enabled ? stream.acquire() : undefined), [enabled]);
  const status = useSyncExternalStore(subscribeStatus, currentStatus);
  return enabled ? status : 'off';
}

/** Calls `onEvent` for each live event while mounted (when `enabled`). */
export function useLiveEvents(enabled: boolean, onEvent: Listener): LiveStatus {
  const ref = useRef(onEvent);
  ref.current = onEvent;
  useEffect(() => (enabled ? stream.listen((e) => ref.current(e)) : undefined), [enabled]);
  return useLiveStatus(enabled);
}

/** What an event means for a query's data: the new data, or load it again after a while. */
export type LiveUpdate<T> = { data: T } | { refetchAfterMs: number } | undefined;
export const REFETCH: LiveUpdate<never> = { refetchAfterMs: 250 };

export interface LiveQuery<T> extends QueryState<T> {
  status: LiveStatus;
}

/**
 * A query kept current by the live events. `onEvent` says what an event changes: data it
 * carries is shown at once, otherwise the resource is loaded again (bursts of events make one
 * load, and an event during a pending load makes one more after it). Polls every `pollMs`
 * only while the stream is not live, or always when `live` is false (agents). A load that
 * started before the stream was live is repeated when it goes live: events in between were
 * not seen.
 */
export function useLiveQuery<T>(
  load: (signal: AbortSignal) => Promise<T>,
  options: {
    key?: unknown[];
    live: boolean;
    pollMs: number;
    onEvent: (e: LiveEvent, data: T | undefined) => LiveUpdate<T>;
  },
): LiveQuery<T> {
  const { live, pollMs } = options;
  const loadedWhileLive = useRef(false);
  const q = useQuery((signal) => {
    loadedWhileLive.current = stream.status === 'live';
    return load(signal);
  }, options.key ?? []);
  const { reload, set } = q;
  const dataRef = useRef(q.data);
  dataRef.current = q.data;
  const loadingRef = useRef(q.loading);
  loadingRef.current = q.loading;
  const onEventRef = useRef(options.onEvent);
  onEventRef.current = options.onEvent;

  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const again = useRef(0);
  const refetch = useCallback(
    function request(delay: number) {
      if (timer.current !== undefined) {
        again.current = Math.max(again.current, delay);
        return;
      }
      timer.current = setTimeout(() => {
        timer.current = undefined;
        reload();
        const next = again.current;
        again.current = 0;
        if (next) request(next);
      }, delay);
    },
    [reload],
  );
  useEffect(() => () => clearTimeout(timer.current), []);

  const status = useLiveEvents(live, (e) => {
    const update = onEventRef.current(e, dataRef.current);
    if (!update) return;
    if ('data' in update) {
      dataRef.current = update.data;
      set(update.data);
      // A load under way may answer with the state from before the event.
      if (loadingRef.current) refetch(250);
    } else refetch(update.refetchAfterMs);
  });

  useEffect(() => {
    if (status === 'live') {
      if (!loadedWhileLive.current) reload();
      return;
    }
    const poll = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, pollMs);
    return () => clearInterval(poll);
  }, [status, pollMs, reload]);

  return { ...q, status };
}
