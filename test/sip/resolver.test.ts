// RFC 3263 resolution with a DNS of our own making (a DnsLookup that answers from a table and
// counts queries), and the stack's failover across targets (§4.3) against live sockets.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  createResponse,
  type DnsLookup,
  newCallId,
  newTag,
  orderSrv,
  SipRequest,
  type SipResponse,
  SipStack,
  SipUri,
  StreamTransport,
  SystemResolver,
  UdpTransport,
} from '../../src/sip/index.ts';

interface Zone {
  naptr?: Record<string, { order: number; preference: number; service: string; replacement: string }[]>;
  srv?: Record<string, { name: string; port: number; priority: number; weight: number; ttl?: number }[]>;
  a?: Record<string, string[]>;
  aaaa?: Record<string, string[]>;
}

function fakeDns(zone: Zone, ttl = 60): DnsLookup & { queries: string[] } {
  const queries: string[] = [];
  const fail = <T>(): Promise<T> =>
    Promise.reject(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }));
  const answer = <T>(query: string, value: T | undefined): Promise<T> => {
    queries.push(query);
    return value === undefined ? fail() : Promise.resolve(value);
  };
  const addresses = (list: string[] | undefined) => list?.map((address) => ({ address, ttl }));
  return {
    queries,
    naptr: (n) =>
      answer(
        `NAPTR ${n}`,
        zone.naptr?.[n]?.map((r) => ({ ...r, flags: 's', regexp: '', ttl })),
      ),
    srv: (n) => answer(`SRV ${n}`, zone.srv?.[n]),
    a: (n) => answer(`A ${n}`, addresses(zone.a?.[n])),
    aaaa: (n) => answer(`AAAA ${n}`, addresses(zone.aaaa?.[n])),
  };
}

const uri = (s: string) => SipUri.parse(s);

describe('RFC 3263 resolution', () => {
  it('uses an IP literal as it is, with the default port of its transport', async () => {
    const dns = fakeDns({});
    const r = new SystemResolver(dns);
    expect(await r.resolve(uri('sip:a@192.0.2.1'), ['udp', 'tcp'])).toEqual([
      { protocol: 'udp', address: '192.0.2.1', port: 5060 },
    ]);
    expect(await r.resolve(uri('sips:a@[2001:db8::1]'), ['tls'])).toEqual([
      { protocol: 'tls', address: '2001:db8::1', port: 5061 },
    ]);
    expect(dns.queries).toEqual([]);
  });

  it('skips SRV when a port is given (§4.2)', async () => {
    const dns = fakeDns({ a: { 'pbx.test': ['192.0.2.7'] } });
    const r = new SystemResolver(dns);
    expect(await r.resolve(uri('sip:a@pbx.test:5070;transport=tcp'), ['udp', 'tcp'])).toEqual([
      { protocol: 'tcp', address: '192.0.2.7', port: 5070 },
    ]);
    expect(dns.queries).toEqual(['A pbx.test', 'AAAA pbx.test']);
  });

  it('follows SRV records by priority, then A and AAAA of each target', async () => {
    const dns = fakeDns({
      srv: {
        '_sip._udp.carrier.test': [
          { name: 'backup.carrier.test', port: 5080, priority: 20, weight: 0 },
          { name: 'main.carrier.test', port: 5060, priority: 10, weight: 0 },
        ],
      },
      a: { 'main.carrier.test': ['192.0.2.10'], 'backup.carrier.test': ['192.0.2.20'] },
      aaaa: { 'main.carrier.test': ['2001:db8::10'] },
    });
    const r = new SystemResolver(dns);
    expect(await r.resolve(uri('sip:trunk@carrier.test'), ['udp', 'tcp'])).toEqual([
      { protocol: 'udp', address: '192.0.2.10', port: 5060 },
      { protocol: 'udp', address: '2001:db8::10', port: 5060 },
      { protocol: 'udp', address: '192.0.2.20', port: 5080 },
    ]);
  });

  it('tries the transports we have in order, and _sips._tcp for sips', async () => {
    const dns = fakeDns({
      srv: { '_sip._tcp.t.test': [{ name: 'h.t.test', port: 5062, priority: 1, weight: 1 }] },
      a: { 'h.t.test': ['192.0.2.5'] },
    });
    const r = new SystemResolver(dns);
    expect(await r.resolve(uri('sip:x@t.test'), ['udp', 'tcp'])).toEqual([
      { protocol: 'tcp', address: '192.0.2.5', port: 5062 },
    ]);
    await r.resolve(uri('sips:x@t.test'), ['udp', 'tcp', 'tls']);
    expect(dns.queries).toContain('SRV _sips._tcp.t.test');
  });

  it('falls back to A/AAAA at the default port without SRV records', async () => {
    const r = new SystemResolver(fakeDns({ a: { 'plain.test': ['192.0.2.9'] } }));
    expect(await r.resolve(uri('sip:x@plain.test'), ['udp'])).toEqual([
      { protocol: 'udp', address: '192.0.2.9', port: 5060 },
    ]);
  });

  it('caches answers for their TTL and asks again after it', async () => {
    let now = 0;
    const dns = fakeDns({ a: { 'c.test': ['192.0.2.1'] } }, 30);
    const r = new SystemResolver(dns, { now: () => now });
    await r.resolve(uri('sip:x@c.test:5060'), ['udp']);
    await r.resolve(uri('sip:x@c.test:5060'), ['udp']);
    expect(dns.queries.filter((q) => q === 'A c.test')).toHaveLength(1);
    now += 31_000;
    await r.resolve(uri('sip:x@c.test:5060'), ['udp']);
    expect(dns.queries.filter((q) => q === 'A c.test')).toHaveLength(2);
  });

  it('follows NAPTR records by order and preference, only for transports we have (§4.1)', async () => {
    const dns = fakeDns({
      naptr: {
        'n.test': [
          { order: 20, preference: 1, service: 'SIP+D2U', replacement: '_sip._udp.n.test' },
          { order: 10, preference: 2, service: 'SIP+D2T', replacement: '_sip._tcp.n.test' },
          { order: 10, preference: 1, service: 'SIPS+D2T', replacement: '_sips._tcp.n.test' },
          { order: 1, preference: 1, service: 'SIP+D2S', replacement: '_sip._sctp.n.test' },
        ],
      },
      srv: {
        '_sip._udp.n.test': [{ name: 'u.n.test', port: 5060, priority: 1, weight: 0 }],
        '_sip._tcp.n.test': [{ name: 't.n.test', port: 5060, priority: 1, weight: 0 }],
        '_sips._tcp.n.test': [{ name: 't.n.test', port: 5061, priority: 1, weight: 0 }],
        '_sip._sctp.n.test': [{ name: 's.n.test', port: 5060, priority: 1, weight: 0 }],
      },
      a: { 'u.n.test': ['192.0.2.1'], 't.n.test': ['192.0.2.2'], 's.n.test': ['192.0.2.3'] },
    });
    const r = new SystemResolver(dns);
    expect(await r.resolve(uri('sip:x@n.test'), ['udp', 'tcp', 'tls'])).toEqual([
      { protocol: 'tls', address: '192.0.2.2', port: 5061 },
      { protocol: 'tcp', address: '192.0.2.2', port: 5060 },
      { protocol: 'udp', address: '192.0.2.1', port: 5060 },
    ]);
    // Without TLS, the SIPS record is skipped; a sips URI takes only SIPS records.
    expect((await r.resolve(uri('sip:x@n.test'), ['udp', 'tcp'])).map((t) => t.protocol)).toEqual([
      'tcp',
      'udp',
    ]);
    expect(await r.resolve(uri('sips:x@n.test'), ['udp', 'tcp', 'tls'])).toEqual([
      { protocol: 'tls', address: '192.0.2.2', port: 5061 },
    ]);
    expect(dns.queries).not.toContain('SRV _sip._sctp.n.test');
  });

  it('falls back to SRV when the NAPTR records lead nowhere, and skips NAPTR with a transport', async () => {
    const dns = fakeDns({
      naptr: {
        'f.test': [{ order: 1, preference: 1, service: 'SIP+D2U', replacement: '_sip._udp.gone.f.test' }],
      },
      srv: { '_sip._udp.f.test': [{ name: 'h.f.test', port: 5070, priority: 1, weight: 0 }] },
      a: { 'h.f.test': ['192.0.2.4'] },
    });
    const r = new SystemResolver(dns);
    expect(await r.resolve(uri('sip:x@f.test'), ['udp'])).toEqual([
      { protocol: 'udp', address: '192.0.2.4', port: 5070 },
    ]);
    expect(dns.queries.slice(0, 3)).toEqual([
      'NAPTR f.test',
      'SRV _sip._udp.gone.f.test',
      'SRV _sip._udp.f.test',
    ]);
    dns.queries.length = 0;
    await r.resolve(uri('sip:x@f.test;transport=udp'), ['udp']);
    expect(dns.queries).toEqual([]); // all cached, and no NAPTR asked
    await r.resolve(uri('sip:x@other.test;transport=tcp'), ['udp', 'tcp']);
    expect(dns.queries.some((q) => q.startsWith('NAPTR'))).toBe(false);
  });

  it('keeps SRV answers for their TTL, clamped, and empty answers for 30 s', async () => {
    let now = 0;
    const dns = fakeDns({
      srv: {
        '_sip._udp.ttl.test': [{ name: 'h.ttl.test', port: 5060, priority: 1, weight: 0, ttl: 7200 }],
      },
      a: { 'h.ttl.test': ['192.0.2.5'] },
    });
    const r = new SystemResolver(dns, { now: () => now });
    const srvQueries = () => dns.queries.filter((q) => q === 'SRV _sip._udp.ttl.test').length;
    const naptrQueries = () => dns.queries.filter((q) => q === 'NAPTR ttl.test').length;
    await r.resolve(uri('sip:x@ttl.test'), ['udp']);
    now += 29_000;
    await r.resolve(uri('sip:x@ttl.test'), ['udp']);
    expect([srvQueries(), naptrQueries()]).toEqual([1, 1]);
    now += 2_000; // the NXDOMAIN for NAPTR expired
    await r.resolve(uri('sip:x@ttl.test'), ['udp']);
    expect([srvQueries(), naptrQueries()]).toEqual([1, 2]);
    now = 3_600_000 - 1; // a TTL of 2 h is kept 1 h
    await r.resolve(uri('sip:x@ttl.test'), ['udp']);
    expect(srvQueries()).toBe(1);
    now = 3_600_001;
    await r.resolve(uri('sip:x@ttl.test'), ['udp']);
    expect(srvQueries()).toBe(2);
  });

  it('asks once for a name that several resolutions want at the same time', async () => {
    const dns = fakeDns({ a: { 'same.test': ['192.0.2.6'] } });
    const r = new SystemResolver(dns);
    await Promise.all([1, 2, 3].map(() => r.resolve(uri('sip:x@same.test:5060'), ['udp'])));
    expect(dns.queries).toEqual(['A same.test', 'AAAA same.test']);
  });

  it('orders SRV records of one priority by weight (RFC 2782)', () => {
    const recs = [
      { name: 'light', priority: 1, weight: 1 },
      { name: 'heavy', priority: 1, weight: 99 },
      { name: 'later', priority: 2, weight: 50 },
    ];
    expect(orderSrv(recs, () => 0.5).map((r) => r.name)).toEqual(['heavy', 'light', 'later']);
    expect(orderSrv(recs, () => 0.001).map((r) => r.name)).toEqual(['light', 'heavy', 'later']);
  });
});

describe('failover across targets (RFC 3263 §4.3)', () => {
  function options(target: string): SipRequest {
    const req = new SipRequest('OPTIONS', uri(target));
    req.append('From', `<sip:probe@127.0.0.1>;tag=${newTag()}`);
    req.append('To', `<${target}>`);
    req.append('Call-ID', newCallId());
    req.append('CSeq', '1 OPTIONS');
    return req;
  }

  async function deadTcpPort(): Promise<number> {
    return new Promise((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
  }

  it('moves to the next SRV target when a connection is refused', async () => {
    const server = new SipStack(
      { transports: [new StreamTransport('tcp', { host: '127.0.0.1', port: 0 })] },
      { onRequest: (req, tx) => tx.respond(createResponse(req, 200)) },
    );
    await server.start();
    const dead = await deadTcpPort();
    const dns = fakeDns({
      srv: {
        '_sip._tcp.fo.test': [
          { name: 'dead.fo.test', port: dead, priority: 1, weight: 0 },
          { name: 'live.fo.test', port: server.transport('tcp')!.localPort, priority: 2, weight: 0 },
        ],
      },
      a: { 'dead.fo.test': ['127.0.0.1'], 'live.fo.test': ['127.0.0.1'] },
    });
    const client = new SipStack(
      {
        transports: [new StreamTransport('tcp', { host: '127.0.0.1', port: 0 })],
        resolver: new SystemResolver(dns),
      },
      { onRequest: () => {} },
    );
    await client.start();
    const response = await new Promise<SipResponse>((resolve, reject) => {
      client.request(options('sip:x@fo.test'), {
        onResponse: (r) => r.status >= 200 && resolve(r),
        onTransportError: reject,
      });
    });
    expect(response.status).toBe(200);
    await client.stop();
    await server.stop();
  });

  it('moves to the next target on a 503, and reports the last answer when all fail', async () => {
    const answers: number[] = [];
    const mk = (status: number) =>
      new SipStack(
        { transports: [new UdpTransport({ host: '127.0.0.1', port: 0 })] },
        {
          onRequest: (req, tx) => {
            answers.push(status);
            tx.respond(createResponse(req, status));
          },
        },
      );
    const busy = mk(503);
    const fine = mk(200);
    await busy.start();
    await fine.start();
    const dns = fakeDns({
      srv: {
        '_sip._udp.pair.test': [
          { name: 'busy.test', port: busy.transport('udp')!.localPort, priority: 1, weight: 0 },
          { name: 'fine.test', port: fine.transport('udp')!.localPort, priority: 2, weight: 0 },
        ],
        '_sip._udp.bad.test': [
          { name: 'busy.test', port: busy.transport('udp')!.localPort, priority: 1, weight: 0 },
        ],
      },
      a: { 'busy.test': ['127.0.0.1'], 'fine.test': ['127.0.0.1'] },
    });
    const client = new SipStack(
      { transports: [new UdpTransport({ host: '127.0.0.1', port: 0 })], resolver: new SystemResolver(dns) },
      { onRequest: () => {} },
    );
    await client.start();
    const send = (target: string) =>
      new Promise<number>((resolve) => {
        void client.request(options(target), { onResponse: (r) => r.status >= 200 && resolve(r.status) });
      });
    expect(await send('sip:x@pair.test')).toBe(200);
    expect(answers).toEqual([503, 200]);
    expect(await send('sip:x@bad.test')).toBe(503);
    await client.stop();
    await busy.stop();
    await fine.stop();
  });

  it('a CANCEL after a failover goes to the live attempt, not the first one', async () => {
    const cancelled: string[] = [];
    const mk = (name: string, status: number) =>
      new SipStack(
        { transports: [new UdpTransport({ host: '127.0.0.1', port: 0 })] },
        {
          onRequest: (req, tx) => {
            tx.user = {
              onCancel: (_cancel, invite) => {
                cancelled.push(name);
                invite.respond(createResponse(invite.request, 487));
              },
            };
            tx.respond(createResponse(req, status));
          },
        },
      );
    const busy = mk('busy', 503);
    const ringing = mk('ringing', 180);
    await busy.start();
    await ringing.start();
    const dns = fakeDns({
      srv: {
        '_sip._udp.ring.test': [
          { name: 'busy.test', port: busy.transport('udp')!.localPort, priority: 1, weight: 0 },
          { name: 'ringing.test', port: ringing.transport('udp')!.localPort, priority: 2, weight: 0 },
        ],
      },
      a: { 'busy.test': ['127.0.0.1'], 'ringing.test': ['127.0.0.1'] },
    });
    const client = new SipStack(
      { transports: [new UdpTransport({ host: '127.0.0.1', port: 0 })], resolver: new SystemResolver(dns) },
      { onRequest: () => {} },
    );
    await client.start();
    const invite = new SipRequest('INVITE', uri('sip:x@ring.test'));
    invite.append('From', `<sip:caller@127.0.0.1>;tag=${newTag()}`);
    invite.append('To', '<sip:x@ring.test>');
    invite.append('Call-ID', newCallId());
    invite.append('CSeq', '1 INVITE');
    let ringingSeen!: () => void;
    const rang = new Promise<void>((resolve) => {
      ringingSeen = resolve;
    });
    let finalStatus!: (status: number) => void;
    const final = new Promise<number>((resolve) => {
      finalStatus = resolve;
    });
    const first = await client.request(invite, {
      onResponse: (r) => {
        if (r.status === 180) ringingSeen();
        if (r.status >= 200) finalStatus(r.status);
      },
    });
    await rang;
    const cancelAnswer = new Promise<number>((resolve) => {
      void client.sendCancel(first, { onResponse: (r) => r.status >= 200 && resolve(r.status) });
    });
    const within = <T>(p: Promise<T>) =>
      Promise.race([p, new Promise<string>((resolve) => setTimeout(() => resolve('no answer'), 2000))]);
    expect(await within(cancelAnswer)).toBe(200);
    expect(await within(final)).toBe(487);
    expect(cancelled).toEqual(['ringing']);
    await client.stop();
    await busy.stop();
    await ringing.stop();
  });
});
