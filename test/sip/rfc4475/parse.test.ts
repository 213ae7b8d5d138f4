// RFC 4475 at the parser: every torture message is accepted, refused with the status the
// RFC gives, or dropped; the accepted ones are read the way the RFC explains.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  MessageParseError,
  type NameAddr,
  parseMessage,
  type SipRequest,
  type SipResponse,
  SipUri,
  type Uri,
} from '../../../src/sip/index.ts';
import { CASES, fixture } from './cases.ts';

const req = (file: string) => parseMessage(fixture(file)) as SipRequest;
const contacts = (m: SipRequest): NameAddr[] => {
  const c = m.contact;
  if (c === '*') throw new Error('wildcard');
  return c;
};
const sipUri = (u: Uri | undefined): SipUri => {
  if (!(u instanceof SipUri)) throw new Error('not a SIP URI');
  return u;
};

describe('RFC 4475 messages at the parser', () => {
  it('covers every fixture in the directory', () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'rfc4475');
    const files = readdirSync(dir).filter((f) => f.endsWith('.dat'));
    expect(CASES.map((c) => c.file).sort()).toEqual(files.sort());
  });

  for (const c of CASES) {
    it(`${c.file}: ${c.why}`, () => {
      if (c.parse === 'ok') {
        const m = parseMessage(fixture(c.file));
        expect(m.toBuffer().length).toBeGreaterThan(0);
        // What we serialize parses again to the same start line and header count.
        const again = parseMessage(m.toBuffer());
        expect(again.startLine()).toBe(m.startLine());
        expect(again.keys.filter((k) => k !== 'content-length')).toEqual(
          m.keys.filter((k) => k !== 'content-length'),
        );
        expect(again.body.equals(m.body)).toBe(true);
      } else {
        let error: unknown;
        try {
          parseMessage(fixture(c.file));
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(MessageParseError);
        expect((error as MessageParseError).status).toBe(c.parse === 'drop' ? null : c.parse);
      }
    });
  }

  it('wsinv: unfolds, lower-cases names and reads compact forms', () => {
    const m = req('wsinv.dat');
    expect(m.to.tag).toBe('1918181833n');
    expect(m.from.displayName).toBe('J Rosenberg \\"');
    expect(m.from.tag).toBe('98asjd8');
    expect(m.maxForwards).toBe(68);
    expect(m.cseq).toEqual({ seq: 9, method: 'INVITE' });
    expect(m.via.map((v) => v.transport)).toEqual(['UDP', 'TCP', 'UDP']);
    expect(m.topVia.branch).toBe('390skdjuw');
    expect(m.get('NewFangledHeader')).toBe('newfangled value continued newfangled value');
    expect(m.get('subject')).toBe('');
    expect(m.route[0]?.uri.toString()).toBe('sip:services.example.com;lr;unknownwith=value;unknown-no-value');
    expect(m.body.length).toBe(150);
  });

  it('esc01: URIs compare equal after unescaping', () => {
    const m = req('esc01.dat');
    expect(sipUri(m.to.uri).user).toBe('user');
    expect(m.to.uri.equals(SipUri.parse('sip:user@example.com'))).toBe(true);
    expect(sipUri(m.from.uri).user).toBe('I have spaces');
    expect(sipUri(contacts(m)[0]?.uri).params.get('name')).toBe('value%41');
    expect(sipUri(m.uri).user).toBe('sips:user@example.com');
  });

  it('escnull: %00 stays a NUL octet in the user part', () => {
    const m = req('escnull.dat');
    expect(sipUri(m.to.uri).user).toBe('null-\u0000-null');
    const contacts = m.contact;
    expect(contacts !== '*' && contacts.map((c) => (c.uri as SipUri).user)).toEqual([
      '\u0000',
      '\u0000\u0000',
    ]);
  });

  it('esc02: method and header names are tokens, not escaped text', () => {
    const m = req('esc02.dat');
    expect(m.method).toBe('RE%47IST%45R');
    expect(m.from.displayName).toBe('%Z%45');
    expect(m.getAll('Contact')).toHaveLength(2);
    expect(m.get('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
  });

  it('semiuri: the user part keeps its semicolon', () => {
    const uri = sipUri(req('semiuri.dat').uri);
    expect(uri.user).toBe('user;par=u@example.net');
    expect(uri.host).toBe('example.com');
    expect(uri.params.size).toBe(0);
  });

  it('transports and longreq: every Via entry is read', () => {
    expect(req('transports.dat').via.map((v) => v.transport)).toEqual([
      'UDP',
      'SCTP',
      'TLS',
      'UNKNOWN',
      'TCP',
    ]);
    const long = req('longreq.dat');
    expect(long.via.length).toBeGreaterThan(30);
    expect(long.to.displayName?.length).toBeGreaterThan(100);
  });

  it('dblreq: the datagram yields the first request only', () => {
    const m = req('dblreq.dat');
    expect(m.method).toBe('REGISTER');
    expect(m.body.length).toBe(0);
  });

  it('mpart01: keeps the multipart body as the exact bytes', () => {
    const m = req('mpart01.dat');
    expect(m.contentType?.essence).toBe('multipart/mixed');
    expect(m.contentType?.params.get('boundary')).toBe('7a9cbec02ceef655');
    expect(m.body.length).toBe(553);
    const raw = fixture('mpart01.dat');
    expect(raw.subarray(raw.length - 553).equals(m.body)).toBe(true);
  });

  it('unreason and noreason: the reason phrase is free text, even empty', () => {
    expect((parseMessage(fixture('unreason.dat')) as SipResponse).reason).toContain('простое');
    const r = parseMessage(fixture('noreason.dat')) as SipResponse;
    expect(r.status).toBe(100);
    expect(r.reason).toBe('');
  });

  it('regbadct, cparam01, cparam02: parameters bind where the grammar says', () => {
    const bad = contacts(req('regbadct.dat'))[0];
    expect(sipUri(bad?.uri).headers.get('Route')).toBe('<sip:sip.example.com>');
    const c1 = contacts(req('cparam01.dat'))[0];
    expect(c1?.params.has('unknownparam')).toBe(true);
    expect(sipUri(c1?.uri).params.has('unknownparam')).toBe(false);
    const c2 = contacts(req('cparam02.dat'))[0];
    expect(sipUri(c2?.uri).params.has('unknownparam')).toBe(true);
    expect(c2?.params.has('unknownparam')).toBe(false);
  });

  it('unksm2 and unkscm: other schemes are opaque URIs', () => {
    const m = req('unksm2.dat');
    expect(m.to.uri.scheme).toBe('isbn');
    expect(m.from.uri.toString()).toBe('http://www.example.com');
    expect(req('unkscm.dat').uri.scheme).toBe('nobodyknowsthisscheme');
    expect(req('unkscm.dat').uri.toString()).toBe('nobodyKnowsThisScheme:totallyopaquecontent');
  });

  it('bext01: lists the required options', () => {
    expect(req('bext01.dat').require).toEqual(['nothingSupportsThis', 'nothingSupportsThisEither']);
  });

  it('inv2543: a Via without branch', () => {
    const m = req('inv2543.dat');
    expect(m.topVia.branch).toBeUndefined();
    expect(m.maxForwards).toBeUndefined();
  });
});
