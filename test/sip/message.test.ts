// The message model around the parser's fast paths: toBuffer is a real serialization (every
// change shows up on the wire), cached typed views follow changes to their header lines, and
// the ASCII and UTF-8 ways of reading a head give the same message.
import { describe, expect, it } from 'vitest';
import { INVITE, OK, REGISTER } from '../../bench/sip/messages.ts';
import { ownString } from '../../src/sip/grammar.ts';
import {
  MessageParseError,
  parseMessage,
  parseNameAddr,
  parseNameAddrIn,
  parseSipUri,
  parseVia,
  parseViaIn,
  SipRequest,
  type SipResponse,
  SipUri,
} from '../../src/sip/index.ts';

const invite = () => parseMessage(INVITE) as SipRequest;
const wire = (m: { toBuffer(): Buffer }) => m.toBuffer().toString('utf8');

describe('serialization of parsed messages', () => {
  it('an unchanged message serializes to the bytes it came from (canonical names, Content-Length last)', () => {
    for (const data of [INVITE, OK, REGISTER]) {
      const out = parseMessage(data).toBuffer();
      const again = parseMessage(out);
      expect(again.values).toEqual(parseMessage(data).values);
      expect(again.body.equals(parseMessage(data).body)).toBe(true);
    }
    // The bench's messages are written canonically, so their round trip is byte for byte.
    expect(parseMessage(INVITE).toBuffer().equals(INVITE)).toBe(true);
  });

  it('a new output buffer every time, not the input', () => {
    const m = invite();
    const a = m.toBuffer();
    const b = m.toBuffer();
    expect(a).not.toBe(b);
    expect(a.buffer === INVITE.buffer && a.byteOffset === INVITE.byteOffset).toBe(false);
  });

  it('every kind of change is serialized', () => {
    const m = invite();
    m.topVia; // read the views first so their caches are filled
    m.maxForwards;
    m.set('Max-Forwards', 69);
    m.prepend('Via', 'SIP/2.0/TCP proxy.example.com;branch=z9hG4bK-proxy');
    m.append('X-Trace', 'abc');
    m.remove('User-Agent');
    m.uri = SipUri.parse('sip:bob@192.0.2.20');
    m.body = Buffer.from('v=0\r\n');
    const text = wire(m);
    expect(text.startsWith('INVITE sip:bob@192.0.2.20 SIP/2.0\r\nVia: SIP/2.0/TCP proxy.example.com;')).toBe(
      true,
    );
    expect(text).toContain('\r\nMax-Forwards: 69\r\n');
    expect(text).toContain('\r\nX-Trace: abc\r\n');
    expect(text).not.toContain('User-Agent');
    expect(text.endsWith('Content-Length: 5\r\n\r\nv=0\r\n')).toBe(true);
    const back = parseMessage(m.toBuffer()) as SipRequest;
    expect(back.via.map((v) => v.host)).toEqual(['proxy.example.com', '192.0.2.10']);
    expect(back.maxForwards).toBe(69);
    expect(back.uri.toString()).toBe('sip:bob@192.0.2.20');
  });

  it('a response changed in place', () => {
    const m = parseMessage(OK) as SipResponse;
    m.status = 180;
    m.reason = 'Ringing';
    m.shift('Via');
    m.body = Buffer.alloc(0);
    const text = wire(m);
    expect(text.startsWith('SIP/2.0 180 Ringing\r\n')).toBe(true);
    expect(text).not.toContain('Via:');
    expect(text.endsWith('Content-Length: 0\r\n\r\n')).toBe(true);
  });
});

describe('typed views follow their header lines', () => {
  it('Via, From, To, Call-ID, CSeq, Max-Forwards, Content-Length after set/append/prepend/remove/shift', () => {
    const m = invite();
    expect(m.topVia.branch).toBe('z9hG4bK-524287-1---a3c2b1d0e9f8');
    expect(m.from.tag).toBe('3f1a9c2e');
    expect(m.to.tag).toBeUndefined();
    expect(m.callId).toBe('7d3b2a1c-9e8f-4a5b-8c7d-6e5f4a3b2c1d');
    expect(m.cseq).toEqual({ seq: 2, method: 'INVITE' });
    expect(m.maxForwards).toBe(70);
    expect(m.contentLength).toBe(m.body.length);

    m.append('Via', 'SIP/2.0/UDP 192.0.2.99;branch=z9hG4bK-b');
    expect(m.via).toHaveLength(2);
    m.prepend('Via', 'SIP/2.0/UDP 192.0.2.98;branch=z9hG4bK-a');
    expect(m.topVia.host).toBe('192.0.2.98');
    m.shift('Via');
    expect(m.topVia.host).toBe('192.0.2.10');
    m.set('From', '<sip:carol@example.com>;tag=new');
    expect(m.from.tag).toBe('new');
    m.set('To', '<sip:dave@example.com>;tag=t2');
    expect(m.to.tag).toBe('t2');
    m.set('Call-ID', 'other@host');
    expect(m.callId).toBe('other@host');
    m.set('CSeq', '3 INVITE');
    expect(m.cseq.seq).toBe(3);
    m.remove('Max-Forwards');
    expect(m.maxForwards).toBeUndefined();
    m.set('Max-Forwards', '10');
    expect(m.maxForwards).toBe(10);
    m.set('Content-Length', '12');
    expect(m.contentLength).toBe(12);
    m.remove('Content-Length');
    expect(m.contentLength).toBeUndefined();
  });

  it('a duplicated single-valued line added later makes the view an error, as on the wire', () => {
    const m = invite();
    expect(m.callId).toBeTruthy();
    m.append('Call-ID', 'second');
    expect(() => m.callId).toThrow(/Call-ID/);
  });

  it('direct changes to the arrays show after touched()', () => {
    const m = invite();
    expect(m.cseq.seq).toBe(2);
    m.values[m.keys.indexOf('cseq')] = '7 INVITE';
    m.touched();
    expect(m.cseq.seq).toBe(7);
    expect(wire(m)).toContain('\r\nCSeq: 7 INVITE\r\n');
  });

  it('other views (Contact, Supported) are cached and refreshed too', () => {
    const m = invite();
    expect(m.supported).toEqual(['replaces', 'timer']);
    m.set('Supported', '100rel');
    expect(m.supported).toEqual(['100rel']);
    const c = m.contact;
    expect(c !== '*' && c[0]?.uri.toString()).toBe('sip:201@192.0.2.10:5060;transport=udp');
    expect(m.contact).toBe(c);
  });
});

describe('reading the head', () => {
  const base = (extra: string, body = 'hello') =>
    [
      'MESSAGE sip:bob@example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-1',
      'Max-Forwards: 70',
      extra,
      'To: <sip:bob@example.com>',
      'Call-ID: c1',
      'CSeq: 1 MESSAGE',
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');

  it('UTF-8 in the head: values decoded as UTF-8 and the body found at the right byte', () => {
    const m = parseMessage(
      Buffer.from(base('From: "Zoë Åström" <sip:zoe@example.com>;tag=1', 'ünïcode body')),
    );
    expect(m.from.displayName).toBe('Zoë Åström');
    expect(m.body.toString('utf8')).toBe('ünïcode body');
    expect(parseMessage(m.toBuffer()).from.displayName).toBe('Zoë Åström');
  });

  it('an ASCII head with a UTF-8 body', () => {
    const m = parseMessage(Buffer.from(base('From: <sip:zoe@example.com>;tag=1', 'body ✓')));
    expect(m.body.toString('utf8')).toBe('body ✓');
  });

  it('a large all-ASCII message takes the Buffer path and reads the same', () => {
    const big = 'x'.repeat(6000);
    const m = parseMessage(Buffer.from(base('From: <sip:zoe@example.com>;tag=1', big)));
    expect(m.body.length).toBe(6000);
    expect(m.from.tag).toBe('1');
    const folded = parseMessage(Buffer.from(base('From: <sip:zoe@example.com>\r\n ;tag=2', big)));
    expect(folded.from.tag).toBe('2');
  });

  it('no empty line: dropped before the start line is looked at, in both paths', () => {
    for (const data of [
      Buffer.from('INVITE bogus\r\nVia: x\r\n'),
      Buffer.from(`INVITE bogus\r\n${'X: y\r\n'.repeat(900)}`),
    ]) {
      let error: unknown;
      try {
        parseMessage(data);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MessageParseError);
      expect((error as MessageParseError).status).toBeNull();
    }
  });

  it('status codes', () => {
    const resp = (line: string) =>
      Buffer.from(`${line}\r\n${OK.toString().split('\r\n').slice(1).join('\r\n')}`);
    expect((parseMessage(resp('SIP/2.0 699 Whatever')) as SipResponse).status).toBe(699);
    expect((parseMessage(resp('SIP/2.0 100')) as SipResponse).status).toBe(100);
    for (const bad of [
      'SIP/2.0 099 Low',
      'SIP/2.0 700 High',
      'SIP/2.0 20 Short',
      'SIP/2.0 2000 Long',
      'SIP/2.0 2x0 No',
    ]) {
      expect(() => parseMessage(resp(bad))).toThrow(MessageParseError);
    }
  });
});

describe('Via and URI fast paths', () => {
  it('received: IPv4 without leading zeros, IPv6 with or without brackets', () => {
    const via = (r: string) => parseVia(`SIP/2.0/UDP h;branch=z9hG4bK1;received=${r}`);
    for (const ok of ['192.0.2.10', '0.0.0.0', '255.255.255.255', '2001:db8::1', '[2001:db8::1]']) {
      expect(via(ok)?.received).toBe(ok);
    }
    for (const bad of ['01.2.3.4', '256.1.1.1', '1.2.3', '1.2.3.4.5', 'a.b.c.d', '1..2.3']) {
      expect(via(bad)).toBeNull();
    }
  });

  it('sent-protocol spelled with spaces or in lower case reads like the usual one', () => {
    const a = parseVia('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1');
    const b = parseVia(' sip / 2.0 / udp 192.0.2.1 : 5060 ;branch=z9hG4bK1');
    expect(a && [a.protocol, a.version, a.transport, a.host, a.port]).toEqual([
      'SIP',
      '2.0',
      'UDP',
      '192.0.2.1',
      5060,
    ]);
    expect(b && [b.protocol, b.version, b.transport, b.host, b.port]).toEqual([
      'SIP',
      '2.0',
      'UDP',
      '192.0.2.1',
      5060,
    ]);
    expect(parseVia('SIP/2.0/UDP h:65536')).toBeNull();
    expect(parseVia('SIP/2.0/ h')).toBeNull();
  });

  it('SIP URIs: scheme in any case, userinfo and host checked in place', () => {
    expect(parseSipUri('SIPS:Alice:pw%20x@Example.COM:5061;Transport=TLS')?.fields()).toMatchObject({
      scheme: 'sips',
      user: 'Alice',
      password: 'pw x',
      host: 'Example.COM',
      port: 5061,
    });
    expect(parseSipUri('sip:a%4@example.com')).toBeNull(); // a broken escape
    expect(parseSipUri('sip:a b@example.com')).toBeNull();
    expect(parseSipUri('sip:ex_ample.com')).toBeNull();
    expect(parseSipUri('sip:@example.com')).toBeNull();
    expect(parseSipUri('sipx')).toBeNull(); // no colon, no scheme
    expect(parseSipUri('sipz:host')).toBeNull();
    expect(new SipRequest('OPTIONS', SipUri.parse('sip:host')).startLine()).toBe('OPTIONS sip:host SIP/2.0');
  });
});

describe('reading a value where it lies in the head', () => {
  // Text around the value that would change the result if the reader looked past its end.
  const around = (v: string) => `Foo: "<;>]\r\n${v}\r\n;tag=9>"],\r\n`;
  const json = (x: unknown) => JSON.stringify(x, (_k, v) => (v instanceof Map ? [...v] : v));

  it('parseViaIn reads s[start, end) as parseVia reads the value alone', () => {
    for (const v of [
      'SIP/2.0/UDP h;branch=z9hG4bK1',
      'SIP/2.0/UDP [::1',
      'SIP/2.0/UDP [::1]:5;received=::1',
      'SIP/2.0/UDP h;x="a',
      'SIP/2.0/UDP h :',
      'SIP/2.0/',
      ' sip / 2.0 / tcp h;rport',
      'SIP/2.0/UDP h;',
    ]) {
      const s = around(v);
      const start = s.indexOf(v);
      expect(json(parseViaIn(s, start, start + v.length)), v).toBe(json(parseVia(v)));
    }
  });

  it('parseNameAddrIn reads s[start, end) as parseNameAddr reads the value alone', () => {
    for (const v of [
      '<sip:a@b>;tag=1',
      '"x <sip:a@b>',
      '"x\\',
      '<sip:a@b',
      'sip:a@b;tag=1',
      'a b <sip:x@y>',
      '<sip:a@b>;tag="q',
      '<sip:a@b>\u000b',
    ]) {
      const s = around(v);
      const start = s.indexOf(v);
      const a = parseNameAddrIn(s, start, start + v.length);
      const b = parseNameAddr(v);
      expect(a === null ? null : [a.toString(), a.displayName, a.uriText, json(a.params)], v).toEqual(
        b === null ? null : [b.toString(), b.displayName, b.uriText, json(b.params)],
      );
    }
  });
});

describe('ownString', () => {
  it('copies any string exactly, quotes, controls and lone surrogates included', () => {
    const text = 'REGISTER sip:x SIP/2.0\r\nCall-ID: a"b\\c\u0001\ud800z\r\n';
    for (const [a, b] of [
      [0, text.length],
      [22, 40],
      [30, 38],
    ] as const) {
      const cut = text.slice(a, b);
      expect(ownString(cut)).toBe(cut);
    }
  });
});
