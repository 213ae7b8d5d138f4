// Locating SIP servers (RFC 3263): from a URI to an ordered list of transport targets.
// IP literals and explicit ports skip NAPTR and SRV; a transport parameter skips NAPTR;
// otherwise NAPTR records (§4.1) for the transports we have, by order and preference, name
// the SRV records to follow; without usable ones, SRV records for each transport we have, by
// priority and weight (RFC 2782); then A/AAAA. Every answer is cached for its TTL (clamped to
// `minTtlMs`..`maxTtlMs`); an empty or failed answer for `negativeTtlMs`.
import { isIP } from 'node:net';
import { DnsClient, type DnsClientOptions } from './dns-client.ts';
import type { Target, TransportProtocol } from './transport/types.ts';
import type { Uri } from './uri.ts';
import { SipUri } from './uri.ts';

export interface Resolver {
  /** Targets in the order to try them; empty when the name does not resolve. */
  resolve(uri: Uri, available: readonly TransportProtocol[]): Promise<Target[]>;
}

/** TTLs in seconds; a record without one is cached for `defaultTtlMs`. */
export interface SrvAnswer {
  name: string;
  port: number;
  priority: number;
  weight: number;
  ttl?: number;
}
export interface NaptrAnswer {
  order: number;
  preference: number;
  flags: string;
  service: string;
  regexp: string;
  replacement: string;
  ttl?: number;
}

/** The DNS queries the resolver makes: our DnsClient by default, a fake in tests. */
export interface DnsLookup {
  srv(name: string): Promise<SrvAnswer[]>;
  /** Without it, no NAPTR step. */
  naptr?(name: string): Promise<NaptrAnswer[]>;
  a(name: string): Promise<{ address: string; ttl: number }[]>;
  aaaa(name: string): Promise<{ address: string; ttl: number }[]>;
}

/** The system's nameservers (or `servers`) through DnsClient, with real TTLs. */
export function systemLookup(servers?: string[], options: Omit<DnsClientOptions, 'servers'> = {}): DnsLookup {
  const client = new DnsClient(servers ? { ...options, servers } : options);
  return {
    srv: (n) => client.srv(n),
    naptr: (n) => client.naptr(n),
    a: (n) => client.a(n),
    aaaa: (n) => client.aaaa(n),
  };
}

const SRV_PREFIX: Record<TransportProtocol, string> = {
  udp: '_sip._udp.',
  tcp: '_sip._tcp.',
  tls: '_sips._tcp.',
  ws: '_sip._ws.',
  wss: '_sips._ws.',
};

/** RFC 3263 §4.1 and RFC 7118 §5 NAPTR services. */
const NAPTR_SERVICE: Record<string, TransportProtocol> = {
  'sip+d2u': 'udp',
  'sip+d2t': 'tcp',
  'sips+d2t': 'tls',
  'sip+d2w': 'ws',
  'sips+d2w': 'wss',
};

export interface SystemResolverOptions {
  /** Shortest time an answer is kept, whatever its TTL. Default 5 s. */
  minTtlMs?: number;
  /** Longest time an answer is kept. Default 1 h. */
  maxTtlMs?: number;
  /** An empty answer (NXDOMAIN, no data) or a failed query. Default 30 s. */
  negativeTtlMs?: number;
  /** For records a lookup gives without a TTL. Default 60 s. */
  defaultTtlMs?: number;
  now?: () => number;
}

const MAX_CACHE_ENTRIES = 10_000;

interface CacheEntry<T> {
  value: T;
  expires: number;
}

export class SystemResolver implements Resolver {
  readonly #cache = new Map<string, CacheEntry<unknown>>();
  readonly #pending = new Map<string, Promise<unknown>>();
  readonly #minTtl: number;
  readonly #maxTtl: number;
  readonly #negativeTtl: number;
  readonly #defaultTtl: number;
  readonly #now: () => number;

  constructor(
    private readonly dns: DnsLookup = systemLookup(),
    options: SystemResolverOptions = {},
  ) {
    this.#minTtl = options.minTtlMs ?? 5_000;
    this.#maxTtl = options.maxTtlMs ?? 3_600_000;
    this.#negativeTtl = options.negativeTtlMs ?? 30_000;
    this.#defaultTtl = options.defaultTtlMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  async resolve(uri: Uri, available: readonly TransportProtocol[]): Promise<Target[]> {
    if (!(uri instanceof SipUri)) return [];
    const secure = uri.scheme === 'sips';
    const param = uri.params.get('transport')?.toLowerCase();
    const wanted: TransportProtocol | undefined =
      param === 'udp' || param === 'tcp' || param === 'ws' || param === 'wss'
        ? param
        : param === 'tls'
          ? 'tls'
          : undefined;
    const fallback: TransportProtocol = secure
      ? 'tls'
      : (wanted ?? (available.includes('udp') ? 'udp' : 'tcp'));
    const protocol = secure && wanted === 'tcp' ? 'tls' : (wanted ?? fallback);
    const host = uri.hostname;
    const defaultPort = protocol === 'tls' || protocol === 'wss' ? 5061 : 5060;
    // RFC 3263 §4.2: a numeric IP address or an explicit port means no NAPTR or SRV lookup.
    if (isIP(host)) return [{ protocol, address: host, port: uri.port ?? defaultPort }];
    if (uri.port !== undefined) return this.addresses(host, protocol, uri.port);
    // §4.1: no transport parameter: NAPTR records for the transports we have.
    if (!wanted) {
      const viaNaptr = await this.naptrTargets(host, secure, available);
      if (viaNaptr.length > 0) return viaNaptr;
    }
    // §4.1: no usable NAPTR records: SRV for each transport we support, in our order.
    const order: TransportProtocol[] = wanted
      ? [protocol]
      : secure
        ? ['tls']
        : (['udp', 'tcp', 'tls'] as const).filter((p) => available.includes(p));
    for (const p of order) {
      const out = await this.srvTargets(SRV_PREFIX[p] + host, p);
      if (out.length > 0) return out;
    }
    // §4.2: no SRV records: A/AAAA of the host at the default port.
    return this.addresses(host, protocol, defaultPort);
  }

  /** NAPTR records with an "s" flag and a service we can use, each SRV they name in turn. */
  private async naptrTargets(
    host: string,
    secure: boolean,
    available: readonly TransportProtocol[],
  ): Promise<Target[]> {
    const lookup = this.dns.naptr?.bind(this.dns);
    if (!lookup) return [];
    const records = await this.cached(`naptr|${host}`, () => lookup(host));
    const usable = records
      .map((r) => ({ r, protocol: NAPTR_SERVICE[r.service.toLowerCase()] }))
      .filter(
        (x): x is { r: NaptrAnswer; protocol: TransportProtocol } =>
          x.protocol !== undefined &&
          available.includes(x.protocol) &&
          (!secure || x.protocol === 'tls' || x.protocol === 'wss') &&
          x.r.flags.toLowerCase() === 's' &&
          x.r.replacement !== '',
      )
      .sort((a, b) => a.r.order - b.r.order || a.r.preference - b.r.preference);
    const out: Target[] = [];
    const seen = new Set<string>();
    for (const { r, protocol } of usable) {
      for (const t of await this.srvTargets(r.replacement, protocol)) {
        const key = `${t.protocol}|${t.address}|${t.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(t);
      }
    }
    return out;
  }

  private async srvTargets(name: string, protocol: TransportProtocol): Promise<Target[]> {
    const records = orderSrv(await this.cached(`srv|${name}`, () => this.dns.srv(name)));
    const out: Target[] = [];
    // RFC 2782: a single record with target "." means the service is not offered here.
    for (const rec of records)
      if (rec.name !== '') out.push(...(await this.addresses(rec.name, protocol, rec.port)));
    return out;
  }

  private async addresses(host: string, protocol: TransportProtocol, port: number): Promise<Target[]> {
    const [v4, v6] = await Promise.all([
      this.cached(`a|${host}`, () => this.dns.a(host)),
      this.cached(`aaaa|${host}`, () => this.dns.aaaa(host)),
    ]);
    return [...v4, ...v6].map((r) => ({ protocol, address: r.address, port }));
  }

  /** Expired entries go; if that is not enough, the longest-stored ones. */
  #prune(): void {
    const now = this.#now();
    for (const [key, entry] of this.#cache) if (entry.expires <= now) this.#cache.delete(key);
    for (const key of this.#cache.keys()) {
      if (this.#cache.size <= MAX_CACHE_ENTRIES * 0.9) break;
      this.#cache.delete(key);
    }
  }

  /** One query per name and type at a time; the answer kept for its smallest TTL. */
  private async cached<T extends { ttl?: number }>(key: string, load: () => Promise<T[]>): Promise<T[]> {
    const hit = this.#cache.get(key);
    if (hit && hit.expires > this.#now()) return hit.value as T[];
    const pending = this.#pending.get(key);
    if (pending) return pending as Promise<T[]>;
    const query = (async () => {
      let value: T[];
      try {
        value = await load();
      } catch {
        value = []; // a failed or malformed answer counts as an empty one
      }
      const ttl =
        value.length === 0
          ? this.#negativeTtl
          : Math.min(
              this.#maxTtl,
              Math.max(
                this.#minTtl,
                Math.min(...value.map((r) => (r.ttl === undefined ? this.#defaultTtl : r.ttl * 1000))),
              ),
            );
      this.#cache.delete(key);
      this.#cache.set(key, { value, expires: this.#now() + ttl });
      if (this.#cache.size > MAX_CACHE_ENTRIES) this.#prune();
      return value;
    })().finally(() => this.#pending.delete(key));
    this.#pending.set(key, query);
    return query;
  }
}

/** RFC 2782: lowest priority first; within a priority, a weighted random order. */
export function orderSrv<T extends { priority: number; weight: number }>(
  records: T[],
  random = Math.random,
): T[] {
  const byPriority = new Map<number, T[]>();
  for (const r of records) byPriority.set(r.priority, [...(byPriority.get(r.priority) ?? []), r]);
  const out: T[] = [];
  for (const p of [...byPriority.keys()].sort((a, b) => a - b)) {
    const group = [...(byPriority.get(p) ?? [])];
    while (group.length > 0) {
      const total = group.reduce((s, r) => s + r.weight, 0);
      let pick = random() * total;
      let i = 0;
      for (; i < group.length - 1; i++) {
        pick -= group[i]!.weight;
        if (pick < 0) break;
      }
      out.push(...group.splice(i, 1));
    }
  }
  return out;
}
