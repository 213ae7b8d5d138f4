// Locating SIP servers (RFC 3263): from a URI to an ordered list of transport targets.
// IP literals and explicit ports skip SRV; otherwise SRV records for the transports we
// have, by priority and weight (RFC 2782), then A/AAAA. Answers are cached for their TTL
// (SRV answers, whose TTL Node's resolver does not expose, for `srvTtlMs`).
import { Resolver as DnsResolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Target, TransportProtocol } from './transport/types.ts';
import type { Uri } from './uri.ts';
import { SipUri } from './uri.ts';

export interface Resolver {
  /** Targets in the order to try them; empty when the name does not resolve. */
  resolve(uri: Uri, available: readonly TransportProtocol[]): Promise<Target[]>;
}

/** The DNS queries the resolver makes: node:dns by default, a fake in tests. */
export interface DnsLookup {
  srv(name: string): Promise<{ name: string; port: number; priority: number; weight: number }[]>;
  a(name: string): Promise<{ address: string; ttl: number }[]>;
  aaaa(name: string): Promise<{ address: string; ttl: number }[]>;
}

export function systemLookup(servers?: string[]): DnsLookup {
  const r = new DnsResolver({ timeout: 2000, tries: 2 });
  if (servers) r.setServers(servers);
  return {
    srv: (n) => r.resolveSrv(n),
    a: (n) => r.resolve4(n, { ttl: true }),
    aaaa: (n) => r.resolve6(n, { ttl: true }),
  };
}

const SRV_PREFIX: Record<TransportProtocol, string> = {
  udp: '_sip._udp.',
  tcp: '_sip._tcp.',
  tls: '_sips._tcp.',
  ws: '_sip._ws.',
  wss: '_sips._ws.',
};

interface CacheEntry<T> {
  value: T;
  expires: number;
}

export class SystemResolver implements Resolver {
  readonly #cache = new Map<string, CacheEntry<unknown>>();
  constructor(
    private readonly dns: DnsLookup = systemLookup(),
    private readonly srvTtlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

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
    // RFC 3263 §4.2: a numeric IP address or an explicit port means no SRV lookup.
    if (isIP(host)) return [{ protocol, address: host, port: uri.port ?? defaultPort }];
    if (uri.port !== undefined) return this.addresses(host, protocol, uri.port);
    // §4.1: without a transport parameter, try SRV for each transport we support, in our order.
    const order: TransportProtocol[] = wanted
      ? [protocol]
      : secure
        ? ['tls']
        : (['udp', 'tcp', 'tls'] as const).filter((p) => available.includes(p));
    const out: Target[] = [];
    for (const p of order) {
      for (const rec of await this.srv(SRV_PREFIX[p] + host))
        out.push(...(await this.addresses(rec.name, p, rec.port)));
      if (out.length > 0) return out;
    }
    // §4.2: no SRV records: A/AAAA of the host at the default port.
    return this.addresses(host, protocol, defaultPort);
  }

  private async srv(name: string) {
    const records = await this.cached(`srv|${name}`, async () => ({
      value: await this.dns.srv(name).catch(() => []),
      ttl: this.srvTtlMs,
    }));
    return orderSrv(records);
  }

  private async addresses(host: string, protocol: TransportProtocol, port: number): Promise<Target[]> {
    const list = async (kind: 'a' | 'aaaa') =>
      this.cached(`${kind}|${host}`, async () => {
        const recs = await this.dns[kind](host).catch(() => []);
        const ttl = recs.length > 0 ? Math.min(...recs.map((r) => r.ttl)) * 1000 : 30_000;
        return { value: recs.map((r) => r.address), ttl };
      });
    const v4 = await list('a');
    const v6 = await list('aaaa');
    return [...v4, ...v6].map((address) => ({ protocol, address, port }));
  }

  private async cached<T>(key: string, load: () => Promise<{ value: T; ttl: number }>): Promise<T> {
    const hit = this.#cache.get(key);
    if (hit && hit.expires > this.now()) return hit.value as T;
    const { value, ttl } = await load();
    this.#cache.set(key, { value, expires: this.now() + ttl });
    return value;
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
