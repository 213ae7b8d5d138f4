// RFC 5118 (IPv6 torture tests), written from the RFC's descriptions: IPv6 references in
// URIs and Via, the port ambiguity, received with and without brackets, IPv4-mapped
// addresses, the RFC 3261 ABNF bug with three colons, and a stack answering over [::1].
import { describe, expect, it } from 'vitest';
import {
  createResponse,
  MessageParseError,
  parseMessage,
  type SipRequest,
  type SipResponse,
  SipStack,
  SipUri,
  UdpTransport,
} from '../../src/sip/index.ts';

function message(startLine: string, headers: string[], body = ''): Buffer {
  const base = [
    'To: sip:user@example.com',
    'From: sip:user@example.com;tag=81x2',
    'Call-ID: SSG9559905523997077@hlau_4100',
    'Max-Forwards: 70',
    `CSeq: 98176 ${startLine.split(' ')[0]}`,
  ];
  const all = [...headers, ...base, `Content-Length: ${Buffer.byteLength(body)}`];
  return Buffer.from(`${startLine}\r\n${all.join('\r\n')}\r\n\r\n${body}`);
}

const VIA = 'Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111';

function statusOf(data: Buffer): number | null | 'ok' {
  try {
    parseMessage(data);
    return 'ok';
  } catch (e) {
    if (e instanceof MessageParseError) return e.status;
    throw e;
  }
}

describe('RFC 5118 IPv6 messages', () => {
  it('4.1: a REGISTER with IPv6 references everywhere is valid', () => {
    const m = parseMessage(
      message('REGISTER sip:[2001:db8::10] SIP/2.0', [VIA, 'Contact: "Caller" <sip:caller@[2001:db8::1]>']),
    ) as SipRequest;
    expect((m.uri as SipUri).host).toBe('[2001:db8::10]');
    expect((m.uri as SipUri).hostname).toBe('2001:db8::10');
    expect(m.topVia.host).toBe('[2001:db8::9:1]');
    expect(m.get('Contact')).toBe('"Caller" <sip:caller@[2001:db8::1]>');
    const c = m.contact;
    expect(c !== '*' && c[0]?.uri.toString()).toBe('sip:caller@[2001:db8::1]');
  });

  it('4.2: an IPv6 address without brackets in the Request-URI is refused with 400', () => {
    expect(statusOf(message('REGISTER sip:2001:db8::10 SIP/2.0', [VIA]))).toBe(400);
  });

  it('4.3: inside the brackets it is all address, no port', () => {
    const uri = (parseMessage(message('REGISTER sip:[2001:db8::10:5070] SIP/2.0', [VIA])) as SipRequest)
      .uri as SipUri;
    expect(uri.hostname).toBe('2001:db8::10:5070');
    expect(uri.port).toBeUndefined();
  });

  it('4.4: after the brackets the port is unambiguous', () => {
    const uri = (parseMessage(message('REGISTER sip:[2001:db8::10]:5070 SIP/2.0', [VIA])) as SipRequest)
      .uri as SipUri;
    expect(uri.hostname).toBe('2001:db8::10');
    expect(uri.port).toBe(5070);
  });

  it('4.5: received may carry an IPv6 address with or without brackets', () => {
    for (const received of ['[2001:db8::9:255]', '2001:db8::9:255']) {
      const m = parseMessage(
        message('BYE sip:[2001:db8::10] SIP/2.0', [
          `Via: SIP/2.0/UDP [2001:db8::9:1];received=${received};branch=z9hG4bKas3-111`,
        ]),
      ) as SipRequest;
      expect(m.topVia.received).toBe(received);
    }
    expect(
      statusOf(
        message('BYE sip:[2001:db8::10] SIP/2.0', ['Via: SIP/2.0/UDP [2001:db8::9:1];received=[not-an-ip]']),
      ),
    ).toBe(400);
  });

  it('4.6 and 4.8: IPv6 addresses in SDP are body bytes, untouched', () => {
    const sdp =
      'v=0\r\no=assistant 971731711378798081 0 IN IP6 2001:db8::20\r\nc=IN IP6 2001:db8::20\r\nc=IN IP4 192.0.2.1\r\n';
    const m = parseMessage(
      message('INVITE sip:user@[2001:db8::10] SIP/2.0', [VIA, 'Content-Type: application/sdp'], sdp),
    );
    expect(m.body.toString()).toBe(sdp);
  });

  it('4.7: IPv4 and IPv6 mixed across Via entries and Contacts', () => {
    const m = parseMessage(
      message('BYE sip:user@host.example.net SIP/2.0', [
        'Via: SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-111',
        'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKjhja8781hjuaij65144',
        'Via: SIP/2.0/TCP [2001:db8::9:255];branch=z9hG4bK451jj;received=192.0.2.200',
        'Contact: <sip:user@[2001:db8::1]:5060>, <sip:user@192.0.2.3>',
      ]),
    ) as SipRequest;
    expect(m.via.map((v) => v.sentBy)).toEqual(['[2001:db8::9:1]:6050', '192.0.2.1', '[2001:db8::9:255]']);
    const c = m.contact;
    expect(c !== '*' && c.map((x) => (x.uri as SipUri).hostname)).toEqual(['2001:db8::1', '192.0.2.3']);
  });

  it('4.9: IPv4-mapped IPv6 addresses are valid and compare equal to their long form', () => {
    const m = parseMessage(
      message('INVITE sip:user@example.com SIP/2.0', [
        'Via: SIP/2.0/UDP [::ffff:192.0.2.10]:19823;branch=z9hG4bKbh19',
        'Contact: "T. desk phone" <sip:ted@[::ffff:192.0.2.10]:19823>',
      ]),
    ) as SipRequest;
    expect(m.topVia.port).toBe(19823);
    const c = m.contact;
    const uri = c !== '*' ? (c[0]?.uri as SipUri) : undefined;
    expect(uri?.equals(SipUri.parse('sip:ted@[0:0:0:0:0:ffff:c000:020a]:19823'))).toBe(true);
  });

  it('4.10: the RFC 3261 ABNF bug: three colons is not an address, two is', () => {
    expect(statusOf(message('OPTIONS sip:user@[2001:db8:::192.0.2.1] SIP/2.0', [VIA]))).toBe(400);
    expect(statusOf(message('OPTIONS sip:user@[2001:db8::192.0.2.1] SIP/2.0', [VIA]))).toBe('ok');
  });

  it('IPv6 references compare by address, not by text (RFC 3261 §19.1.4)', () => {
    expect(SipUri.parse('sip:a@[2001:db8::10]').equals(SipUri.parse('sip:a@[2001:DB8:0:0:0:0:0:10]'))).toBe(
      true,
    );
    expect(SipUri.parse('sip:a@[2001:db8::10]').equals(SipUri.parse('sip:a@[2001:db8::11]'))).toBe(false);
  });

  it('a stack on [::1] answers over IPv6 with an IPv6 received and rport', async () => {
    const udp = new UdpTransport({ host: '::1', port: 0 });
    const stack = new SipStack(
      { transports: [udp] },
      { onRequest: (req, tx) => tx.respond(createResponse(req, 200)) },
    );
    await stack.start();
    const { createSocket } = await import('node:dgram');
    const peer = createSocket('udp6');
    await new Promise<void>((r) => peer.bind(0, '::1', () => r()));
    const reply = new Promise<SipResponse>((resolve) =>
      peer.once('message', (d) => resolve(parseMessage(d) as SipResponse)),
    );
    peer.send(
      message('OPTIONS sip:user@[::1] SIP/2.0', [
        `Via: SIP/2.0/UDP [::1]:${peer.address().port};rport;branch=z9hG4bK6`,
      ]),
      udp.localPort,
      '::1',
    );
    const r = await reply;
    expect(r.status).toBe(200);
    expect(r.topVia.rport).toBe(peer.address().port);
    peer.close();
    await stack.stop();
  });
});
