// DnsClient against a tiny DNS server written here (node:dgram, and node:net for TCP on the
// same port) that answers crafted packets; then SystemResolver over it, with a clock of ours.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildQuery,
  DnsClient,
  DnsError,
  parseResponse,
  parseServer,
  readName,
  SipUri,
  SystemResolver,
  systemLookup,
} from '../../src/sip/index.ts';

const T = { A: 1, CNAME: 5, AAAA: 28, SRV: 33, NAPTR: 35 } as const;

interface Query {
  id: number;
  name: string;
  type: number;
  /** Bytes of the question section, to copy into answers (its name starts at offset 12). */
  question: Buffer;
  over: 'udp' | 'tcp';
}
/** One buffer, several (sent in turn over UDP), or nothing (no answer). */
type Responder = (q: Query) => Buffer | Buffer[] | undefined;

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
};
/** Uncompressed name; with `then`, its labels followed by a compression pointer. */
function dname(n: string, then?: number): Buffer {
  const parts =
    n === '' ? [] : n.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([...parts, then === undefined ? Buffer.from([0]) : u16(0xc000 | then)]);
}
const ptr = (offset: number) => u16(0xc000 | offset);
/** Offset of `suffix` inside the question name at offset 12. */
function at(qname: string, suffix: string): number {
  let off = 12;
  let rest = qname;
  while (rest !== suffix) {
    const dot = rest.indexOf('.');
    if (dot < 0) throw new Error(`${suffix} is not a suffix of ${qname}`);
    off += dot + 1;
    rest = rest.slice(dot + 1);
  }
  return off;
}
function rr(owner: Buffer, type: number, ttl: number, rdata: Buffer): Buffer {
  return Buffer.concat([owner, u16(type), u16(1), u32(ttl), u16(rdata.length), rdata]);
}
const srvData = (priority: number, weight: number, port: number, target: Buffer) =>
  Buffer.concat([u16(priority), u16(weight), u16(port), target]);
const str = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]);
const naptrData = (order: number, pref: number, flags: string, service: string, replacement: Buffer) =>
  Buffer.concat([u16(order), u16(pref), str(flags), str(service), str(''), replacement]);
const ipv4 = (a: string) => Buffer.from(a.split('.').map(Number));
const ipv6 = (groups: number[]) => Buffer.concat(groups.map(u16));

function answer(
  q: Query,
  records: Buffer[],
  o: { id?: number; rcode?: number; tc?: boolean; count?: number } = {},
): Buffer {
  const flags = 0x8180 | (o.tc ? 0x0200 : 0) | (o.rcode ?? 0);
  return Buffer.concat([
    u16(o.id ?? q.id),
    u16(flags),
    u16(1),
    u16(o.count ?? records.length),
    u16(0),
    u16(0),
    q.question,
    ...records,
  ]);
}

function readQuery(buf: Buffer, over: 'udp' | 'tcp'): Query {
  const labels: string[] = [];
  let pos = 12;
  while (buf[pos]! > 0) {
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + buf[pos]!));
    pos += 1 + buf[pos]!;
  }
  pos += 1;
  return {
    id: buf.readUInt16BE(0),
    name: labels.join('.'),
    type: buf.readUInt16BE(pos),
    question: buf.subarray(12, pos + 4),
    over,
  };
}

interface TestDns {
  server: string;
  queries: Query[];
  close(): Promise<void>;
}

const running: TestDns[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function dnsServer(respond: Responder): Promise<TestDns> {
  const queries: Query[] = [];
  const udp: Socket = createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    const q = readQuery(msg, 'udp');
    queries.push(q);
    const out = respond(q);
    for (const b of out === undefined ? [] : Array.isArray(out) ? out : [out])
      udp.send(b, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const port = udp.address().port;
  const tcp: Server = createServer((socket) => {
    let data = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length < 2 || data.length < 2 + data.readUInt16BE(0)) return;
      const q = readQuery(data.subarray(2), 'tcp');
      queries.push(q);
      const out = respond(q);
      const b = Array.isArray(out) ? out[0] : out;
      if (b) socket.end(Buffer.concat([u16(b.length), b]));
      else socket.end();
    });
  });
  await new Promise<void>((resolve) => tcp.listen(port, '127.0.0.1', resolve));
  const dns: TestDns = {
    server: `127.0.0.1:${port}`,
    queries,
    close: () =>
      new Promise<void>((resolve) => {
        udp.close();
        tcp.close(() => resolve());
      }),
  };
  running.push(dns);
  return dns;
}

const client = (dns: TestDns, extra: { timeoutMs?: number; retries?: number; maxRecords?: number } = {}) =>
  new DnsClient({ servers: [dns.server], timeoutMs: 300, retries: 0, ...extra });

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return err instanceof DnsError ? err.code : String(err);
  }
  return 'resolved';
}

describe('DnsClient', () => {
  it('reads SRV records whose names are compressed', async () => {
    const dns = await dnsServer((q) => {
      const domain = at(q.name, 'carrier.test');
      return answer(q, [
        rr(ptr(12), T.SRV, 300, srvData(10, 60, 5060, dname('edge1', domain))),
        rr(ptr(12), T.SRV, 600, srvData(20, 0, 5080, dname('backup.carrier.test'))),
      ]);
    });
    expect(await client(dns).srv('_sip._udp.carrier.test')).toEqual([
      { priority: 10, weight: 60, port: 5060, name: 'edge1.carrier.test', ttl: 300 },
      { priority: 20, weight: 0, port: 5080, name: 'backup.carrier.test', ttl: 600 },
    ]);
    expect(dns.queries.map((q) => [q.name, q.type, q.over])).toEqual([
      ['_sip._udp.carrier.test', T.SRV, 'udp'],
    ]);
  });

  it('follows a pointer to a pointer (a name compressed against an earlier compressed name)', async () => {
    const dns = await dnsServer((q) => {
      const head = answer(q, []);
      // First record's target "a" + ptr(test) begins at head.length + 2 + 10 + 6.
      const first = rr(ptr(12), T.SRV, 60, srvData(1, 0, 5060, dname('a', at(q.name, 'test'))));
      const firstTarget = head.length + 2 + 10 + 6;
      const second = rr(ptr(12), T.SRV, 60, srvData(2, 0, 5060, dname('b', firstTarget)));
      return answer(q, [first, second]);
    });
    const recs = await client(dns).srv('_sip._tcp.x.test');
    expect(recs.map((r) => r.name)).toEqual(['a.test', 'b.a.test']);
  });

  it('reads NAPTR records', async () => {
    const dns = await dnsServer((q) =>
      answer(q, [
        rr(ptr(12), T.NAPTR, 120, naptrData(10, 50, 's', 'SIP+D2T', dname('_sip._tcp', 12))),
        rr(ptr(12), T.NAPTR, 90, naptrData(20, 10, 'S', 'SIPS+D2T', dname('_sips._tcp', 12))),
      ]),
    );
    expect(await client(dns).naptr('example.test')).toEqual([
      {
        order: 10,
        preference: 50,
        flags: 's',
        service: 'SIP+D2T',
        regexp: '',
        replacement: '_sip._tcp.example.test',
        ttl: 120,
      },
      {
        order: 20,
        preference: 10,
        flags: 'S',
        service: 'SIPS+D2T',
        regexp: '',
        replacement: '_sips._tcp.example.test',
        ttl: 90,
      },
    ]);
  });

  it('reads A and AAAA records with their TTLs, through a CNAME', async () => {
    const dns = await dnsServer((q) => {
      if (q.type === T.A)
        return answer(q, [
          rr(ptr(12), T.CNAME, 50, dname('real.test')),
          rr(dname('real.test'), T.A, 40, ipv4('192.0.2.1')),
          rr(dname('other.test'), T.A, 40, ipv4('192.0.2.99')), // not in the chain: ignored
        ]);
      return answer(q, [rr(ptr(12), T.AAAA, 3600, ipv6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]))]);
    });
    const c = client(dns);
    expect(await c.a('alias.test')).toEqual([{ address: '192.0.2.1', ttl: 40 }]);
    expect(await c.aaaa('alias.test')).toEqual([{ address: '2001:db8::1', ttl: 3600 }]);
  });

  it('answers NXDOMAIN and no data with no records', async () => {
    const dns = await dnsServer((q) => answer(q, [], { rcode: q.name === 'gone.test' ? 3 : 0 }));
    expect(await client(dns).a('gone.test')).toEqual([]);
    expect(await client(dns).srv('_sip._udp.nodata.test')).toEqual([]);
  });

  it('asks again over TCP when the UDP answer is truncated', async () => {
    const dns = await dnsServer((q) =>
      q.over === 'udp'
        ? answer(q, [], { tc: true })
        : answer(q, [rr(ptr(12), T.SRV, 77, srvData(1, 1, 5061, dname('big.test')))]),
    );
    expect(await client(dns).srv('_sips._tcp.big.test')).toEqual([
      { priority: 1, weight: 1, port: 5061, name: 'big.test', ttl: 77 },
    ]);
    expect(dns.queries.map((q) => q.over)).toEqual(['udp', 'tcp']);
  });

  it('ignores answers with another id or question, and takes the one that matches', async () => {
    const dns = await dnsServer((q) => {
      const good = answer(q, [rr(ptr(12), T.A, 60, ipv4('192.0.2.2'))]);
      const wrongId = answer(q, [rr(ptr(12), T.A, 60, ipv4('203.0.113.66'))], { id: (q.id + 1) & 0xffff });
      const otherQuestion = Buffer.from(good);
      otherQuestion[13] = 'X'.charCodeAt(0); // first letter of the question name
      return [wrongId, otherQuestion, Buffer.from([1, 2, 3]), good];
    });
    expect(await client(dns).a('id.test')).toEqual([{ address: '192.0.2.2', ttl: 60 }]);
  });

  it('times out when only forged answers come', async () => {
    const dns = await dnsServer((q) =>
      answer(q, [rr(ptr(12), T.A, 60, ipv4('203.0.113.66'))], { id: q.id ^ 1 }),
    );
    expect(await rejection(client(dns, { timeoutMs: 100 }).a('forged.test'))).toBe('ETIMEOUT');
  });

  it('retries a server that did not answer, and moves on after a SERVFAIL', async () => {
    let seen = 0;
    const slow = await dnsServer((q) =>
      ++seen === 1 ? undefined : answer(q, [rr(ptr(12), T.A, 9, ipv4('192.0.2.3'))]),
    );
    expect(await client(slow, { timeoutMs: 100, retries: 1 }).a('slow.test')).toEqual([
      { address: '192.0.2.3', ttl: 9 },
    ]);
    expect(slow.queries).toHaveLength(2);

    const failing = await dnsServer((q) => answer(q, [], { rcode: 2 }));
    const good = await dnsServer((q) => answer(q, [rr(ptr(12), T.A, 9, ipv4('192.0.2.4'))]));
    const c = new DnsClient({ servers: [failing.server, good.server], timeoutMs: 300, retries: 0 });
    expect(await c.a('two.test')).toEqual([{ address: '192.0.2.4', ttl: 9 }]);
    expect(await rejection(client(failing).a('two.test'))).toBe('ESERVFAIL');
    // REFUSED without the question section is still an answer (not a timeout).
    const refusing = await dnsServer((q) =>
      Buffer.concat([u16(q.id), u16(0x8185), u16(0), u16(0), u16(0), u16(0)]),
    );
    const started = Date.now();
    expect(await rejection(client(refusing, { timeoutMs: 2000 }).a('no.test'))).toBe('EREFUSED');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('rejects malformed answers', async () => {
    const cases: Record<string, (q: Query) => Buffer> = {
      'pointer loop': (q) => {
        const head = answer(q, []);
        return answer(q, [rr(ptr(head.length), T.A, 60, ipv4('192.0.2.1'))]); // points at itself
      },
      'forward pointer': (q) => answer(q, [rr(ptr(500), T.A, 60, ipv4('192.0.2.1'))]),
      'record runs past the end': (q) => answer(q, [rr(ptr(12), T.A, 60, ipv4('192.0.2.1')).subarray(0, 14)]),
      'more records than announced': (q) => answer(q, [], { count: 3 }),
      'A of 5 bytes': (q) => answer(q, [rr(ptr(12), T.A, 60, Buffer.from([1, 2, 3, 4, 5]))]),
      'too many records': (q) =>
        answer(
          q,
          Array.from({ length: 9 }, (_, i) => rr(ptr(12), T.A, 60, ipv4(`192.0.2.${i}`))),
        ),
      'label with a dot': (q) =>
        answer(q, [
          rr(ptr(12), T.SRV, 60, srvData(1, 1, 5060, Buffer.concat([str('a.b'), Buffer.from([0])]))),
        ]),
    };
    for (const [what, make] of Object.entries(cases)) {
      const dns = await dnsServer(make);
      const type = what === 'label with a dot' ? 'SRV' : 'A';
      expect([what, await rejection(client(dns, { maxRecords: 8 }).query('bad.test', type))]).toEqual([
        what,
        'EMALFORMED',
      ]);
    }
  });

  it('refuses names that cannot be asked', async () => {
    const c = new DnsClient({ servers: ['127.0.0.1:1'] });
    expect(await rejection(c.a('a..test'))).toBe('EBADNAME');
    expect(await rejection(c.a(`${'x'.repeat(64)}.test`))).toBe('EBADNAME');
    expect(await rejection(new DnsClient({ servers: [] }).a('a.test'))).toBe('ENOSERVERS');
  });
});

describe('DNS packets', () => {
  it('builds a query and reads back its own question', () => {
    const q = buildQuery(0x1234, 'Pbx.Example.test.', T.SRV);
    expect(q.readUInt16BE(0)).toBe(0x1234);
    expect(readName(q, 12)).toEqual({ name: 'Pbx.Example.test', end: q.length - 4 });
    // The same bytes as an answer: QR set, no records.
    const a = Buffer.from(q);
    a.writeUInt16BE(0x8180, 2);
    expect(parseResponse(a, { id: 0x1234, name: 'pbx.example.test', type: T.SRV }).records).toEqual([]);
    expect(() => parseResponse(q, { id: 0x1234, name: 'pbx.example.test', type: T.SRV })).toThrow(
      /not an answer/,
    );
  });

  it('parses nameserver strings as getServers() gives them', () => {
    expect(parseServer('192.0.2.53')).toEqual({ address: '192.0.2.53', port: 53 });
    expect(parseServer('192.0.2.53:5353')).toEqual({ address: '192.0.2.53', port: 5353 });
    expect(parseServer('2001:db8::53')).toEqual({ address: '2001:db8::53', port: 53 });
    expect(parseServer('[2001:DB8:0::53]:5353')).toEqual({ address: '2001:db8::53', port: 5353 });
    expect(() => parseServer('dns.example')).toThrow(DnsError);
  });
});

describe('SystemResolver over DnsClient', () => {
  const uri = (s: string) => SipUri.parse(s);

  it('follows NAPTR to SRV to A, and keeps each answer for its TTL', async () => {
    const zone = (q: Query): Buffer => {
      if (q.type === T.NAPTR && q.name === 'carrier.test')
        return answer(q, [
          rr(ptr(12), T.NAPTR, 3600, naptrData(20, 10, 's', 'SIP+D2U', dname('_sip._udp', 12))),
          rr(ptr(12), T.NAPTR, 3600, naptrData(10, 10, 's', 'SIP+D2T', dname('_sip._tcp', 12))),
          rr(ptr(12), T.NAPTR, 3600, naptrData(5, 10, 's', 'SIP+D2S', dname('_sip._sctp', 12))), // no SCTP
        ]);
      if (q.type === T.SRV && q.name === '_sip._tcp.carrier.test')
        return answer(q, [
          rr(ptr(12), T.SRV, 120, srvData(1, 0, 5062, dname('edge', at(q.name, 'carrier.test')))),
        ]);
      if (q.type === T.SRV && q.name === '_sip._udp.carrier.test')
        return answer(q, [
          rr(ptr(12), T.SRV, 120, srvData(1, 0, 5060, dname('edge', at(q.name, 'carrier.test')))),
        ]);
      if (q.type === T.A && q.name === 'edge.carrier.test')
        return answer(q, [rr(ptr(12), T.A, 10, ipv4('192.0.2.10'))]);
      return answer(q, [], { rcode: 3 });
    };
    const dns = await dnsServer(zone);
    let now = 1_000_000;
    const r = new SystemResolver(systemLookup([dns.server], { timeoutMs: 300, retries: 0 }), {
      now: () => now,
    });
    const expected = [
      { protocol: 'tcp', address: '192.0.2.10', port: 5062 },
      { protocol: 'udp', address: '192.0.2.10', port: 5060 },
    ];
    expect(await r.resolve(uri('sip:trunk@carrier.test'), ['udp', 'tcp'])).toEqual(expected);
    const count = (type: number, name: string) =>
      dns.queries.filter((q) => q.type === type && q.name === name).length;
    expect(count(T.NAPTR, 'carrier.test')).toBe(1);
    expect(count(T.SRV, '_sip._tcp.carrier.test')).toBe(1);
    expect(count(T.A, 'edge.carrier.test')).toBe(1);
    expect(count(T.AAAA, 'edge.carrier.test')).toBe(1);

    now += 9_000; // within every TTL: no queries
    expect(await r.resolve(uri('sip:trunk@carrier.test'), ['udp', 'tcp'])).toEqual(expected);
    expect(dns.queries).toHaveLength(5);

    now += 2_000; // A (10 s) expired; AAAA (NXDOMAIN, 30 s) and SRV (120 s) not
    await r.resolve(uri('sip:trunk@carrier.test'), ['udp', 'tcp']);
    expect(count(T.A, 'edge.carrier.test')).toBe(2);
    expect(count(T.AAAA, 'edge.carrier.test')).toBe(1);
    expect(count(T.SRV, '_sip._tcp.carrier.test')).toBe(1);

    now += 110_000; // SRV (120 s) and the negative AAAA expired; NAPTR (1 h) not
    await r.resolve(uri('sip:trunk@carrier.test'), ['udp', 'tcp']);
    expect(count(T.SRV, '_sip._tcp.carrier.test')).toBe(2);
    expect(count(T.AAAA, 'edge.carrier.test')).toBe(2);
    expect(count(T.NAPTR, 'carrier.test')).toBe(1);
  });

  it('clamps a TTL of 0 to the minimum', async () => {
    const dns = await dnsServer((q) =>
      q.type === T.A ? answer(q, [rr(ptr(12), T.A, 0, ipv4('192.0.2.11'))]) : answer(q, []),
    );
    let now = 0;
    const r = new SystemResolver(systemLookup([dns.server], { timeoutMs: 300, retries: 0 }), {
      now: () => now,
    });
    const a = () => dns.queries.filter((q) => q.type === T.A).length;
    await r.resolve(uri('sip:x@zero.test:5060'), ['udp']);
    now += 4_000;
    await r.resolve(uri('sip:x@zero.test:5060'), ['udp']);
    expect(a()).toBe(1);
    now += 2_000;
    await r.resolve(uri('sip:x@zero.test:5060'), ['udp']);
    expect(a()).toBe(2);
  });

  it('survives malformed answers and silent servers: no targets, no exception', async () => {
    const dns = await dnsServer((q) =>
      q.type === T.SRV ? answer(q, [rr(ptr(600), T.SRV, 60, Buffer.alloc(3))]) : answer(q, [], { count: 2 }),
    );
    const r = new SystemResolver(systemLookup([dns.server], { timeoutMs: 100, retries: 0 }));
    expect(await r.resolve(uri('sip:x@broken.test'), ['udp', 'tcp'])).toEqual([]);
    const silent = await dnsServer(() => undefined);
    const r2 = new SystemResolver(systemLookup([silent.server], { timeoutMs: 50, retries: 0 }));
    expect(await r2.resolve(uri('sip:x@silent.test;transport=tcp'), ['udp', 'tcp'])).toEqual([]);
  });
});
