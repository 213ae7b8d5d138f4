// The console's only way to the server: the public REST API, typed by the OpenAPI document.
// Authentication is the session cookie the login routes set; every failure becomes an
// ApiFailure carrying the API's own { code, message, field }.
import type { Operations } from './openapi.gen.ts';

export type Op = keyof Operations;
export type Response<K extends Op> = Operations[K]['response'];
export type Body<K extends Op> = Operations[K]['body'];
export type Query<K extends Op> = Operations[K]['query'];
export type Params<K extends Op> = Operations[K]['params'];

type Empty = Record<string, never>;
type ParamsOption<K extends Op> = Params<K> extends Empty ? { params?: undefined } : { params: Params<K> };
type QueryOption<K extends Op> = Query<K> extends Empty ? { query?: undefined } : { query?: Query<K> };
type BodyOption<K extends Op> = [Body<K>] extends [never]
  ? { body?: undefined; raw?: BodyInit; contentType?: string }
  : undefined extends Body<K>
    ? { body?: Body<K> }
    : { body: Body<K> };

export type CallOptions<K extends Op> = ParamsOption<K> &
  QueryOption<K> &
  BodyOption<K> & { signal?: AbortSignal | undefined };

type AnyOptions = {
  params?: Record<string, string | number>;
  query?: Record<string, unknown>;
  body?: unknown;
  raw?: BodyInit;
  contentType?: string;
  signal?: AbortSignal;
};

/** A refused or failed request, as the API described it (status 0: the server was not reached). */
export class ApiFailure extends Error {
  override name = 'ApiFailure';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Extra members of the error body (flow issues, for instance). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const signedOutListeners = new Set<() => void>();
/** Called when the API answers 401 to a signed-in request: the session ended. */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/** The URL of an operation with its path parameters and query filled in. */
export function urlOf<K extends Op>(
  op: K,
  params?: Record<string, string | number>,
  query?: Record<string, unknown>,
): string {
  const path = op.slice(op.indexOf(' ') + 1);
  let url = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} of ${op}`);
    return encodeURIComponent(String(value));
  });
  if (query) {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === '') continue;
      search.set(k, String(v));
    }
    const s = search.toString();
    if (s) url += `?${s}`;
  }
  return url;
}

const PUBLIC_AUTH = /^(POST \/api\/(auth|signup|setup|invitations\/accept)|GET \/api\/invitations\/lookup)/;

export async function call<K extends Op>(op: K, options: CallOptions<K>): Promise<Response<K>> {
  const res = await send(op, options as AnyOptions);
  if (res.status === 204) return null as Response<K>;
  const type = res.headers.get('content-type') ?? '';
  const data: unknown = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (res.ok) return data as Response<K>;
  throw failure(op, res, data);
}

/** An operation whose answer is a file (audio, CSV): its bytes, or the API's error. */
export async function callBlob<K extends Op>(op: K, options: CallOptions<K>): Promise<Blob> {
  const res = await send(op, options as AnyOptions);
  if (res.ok) return res.blob();
  const data: unknown = await res.json().catch(() => null);
  throw failure(op, res, data);
}

async function send(op: Op, o: AnyOptions): Promise<globalThis.Response> {
  const method = op.slice(0, op.indexOf(' '));
  const headers: Record<string, string> = { accept: 'application/json' };
  let payload: BodyInit | undefined;
  if (o.raw !== undefined) {
    payload = o.raw;
    if (o.contentType) headers['content-type'] = o.contentType;
  } else if (o.body !== undefined) {
    payload = JSON.stringify(o.body);
    headers['content-type'] = 'application/json';
  }
  try {
    return await fetch(urlOf(op, o.params, o.query), {
      method,
      headers,
      body: payload ?? null,
      credentials: 'same-origin',
      signal: o.signal ?? null,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiFailure(0, 'network', `Could not reach Switchboard: ${(err as Error).message}`);
  }
}

function failure(op: Op, res: globalThis.Response, data: unknown): ApiFailure {
  const error = (data as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
  if (res.status === 401 && !PUBLIC_AUTH.test(op)) for (const l of signedOutListeners) l();
  const { error: _, ...rest } = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  return new ApiFailure(
    res.status,
    error?.code ?? `http_${res.status}`,
    error?.message ?? `The request failed (${res.status} ${res.statusText})`,
    error?.field,
    rest,
  );
}

/** Every item of a paged list (at most `max`), following nextCursor. */
export async function allPages<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  max = 2000,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const p = await page(cursor);
    out.push(...p.items);
    cursor = p.nextCursor ?? undefined;
  } while (cursor && out.length < max);
  return out;
}
