// What a conforming element does with each RFC 4475 torture message, in our words.
// `parse`: 'ok' when the parser must accept it, a status when it must refuse a request with
// that answer, 'drop' when it must discard it silently (malformed responses).
// `wire`: what our conformance UA (test/sip/support/conformance-ua.ts) answers over the
// network: a status, or 'none' when nothing comes back.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TortureCase {
  file: string;
  why: string;
  parse: 'ok' | 'drop' | number;
  wire: number | 'none';
  /** Over TCP, when it differs from UDP (framing by Content-Length changes the outcome). */
  wireTcp?: number | 'none';
}

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'rfc4475');
export const fixture = (file: string): Buffer => readFileSync(join(dir, file));

export const CASES: TortureCase[] = [
  {
    file: 'wsinv.dat',
    why: 'folding, odd case, compact forms; it names a dialog we do not know',
    parse: 'ok',
    wire: 481,
  },
  {
    file: 'intmeth.dat',
    why: 'every legal token character in a method we do not implement',
    parse: 'ok',
    wire: 405,
  },
  { file: 'esc01.dat', why: 'escaped characters in URIs compare after unescaping', parse: 'ok', wire: 486 },
  { file: 'escnull.dat', why: 'escaped NULs in URIs are just octets', parse: 'ok', wire: 200 },
  { file: 'esc02.dat', why: 'a % in a method is part of the token, not an escape', parse: 'ok', wire: 405 },
  { file: 'lwsdisp.dat', why: 'display name glued to <', parse: 'ok', wire: 200 },
  {
    file: 'longreq.dat',
    why: 'long values and many Via entries still fit the limits',
    parse: 'ok',
    wire: 486,
  },
  { file: 'dblreq.dat', why: 'only the first request of a datagram counts', parse: 'ok', wire: 200 },
  { file: 'semiuri.dat', why: 'semicolons in the user part belong to the user', parse: 'ok', wire: 200 },
  { file: 'transports.dat', why: 'unknown transports in lower Via entries are fine', parse: 'ok', wire: 200 },
  { file: 'mpart01.dat', why: 'a multipart body stays bytes', parse: 'ok', wire: 200 },
  {
    file: 'unreason.dat',
    why: 'UTF-8 reason phrase; a response for no transaction of ours',
    parse: 'ok',
    wire: 'none',
  },
  {
    file: 'noreason.dat',
    why: 'empty reason phrase; a response for no transaction of ours',
    parse: 'ok',
    wire: 'none',
  },
  { file: 'badinv01.dat', why: 'empty Via and Contact parameters', parse: 400, wire: 400 },
  {
    file: 'clerr.dat',
    why: 'Content-Length promises more than arrives',
    parse: 400,
    wire: 400,
    wireTcp: 'none',
  },
  { file: 'ncl.dat', why: 'negative Content-Length', parse: 400, wire: 400 },
  { file: 'scalar02.dat', why: 'CSeq beyond 2**31, Max-Forwards beyond 255', parse: 400, wire: 400 },
  { file: 'scalarlg.dat', why: 'a response with absurd numbers', parse: 'drop', wire: 'none' },
  { file: 'quotbal.dat', why: 'display name quote never closes', parse: 400, wire: 400 },
  { file: 'ltgtruri.dat', why: 'Request-URI inside < >', parse: 400, wire: 400 },
  { file: 'lwsruri.dat', why: 'space inside the Request-URI', parse: 400, wire: 400 },
  { file: 'lwsstart.dat', why: 'two spaces between Request-Line elements', parse: 400, wire: 400 },
  { file: 'trws.dat', why: 'spaces after SIP/2.0', parse: 400, wire: 400 },
  { file: 'escruri.dat', why: 'headers in a SIP Request-URI', parse: 400, wire: 400 },
  { file: 'baddate.dat', why: 'a non-GMT Date is ignored, not fatal', parse: 'ok', wire: 486 },
  {
    file: 'regbadct.dat',
    why: 'addr-spec Contact: what follows ; is a header parameter',
    parse: 'ok',
    wire: 200,
  },
  { file: 'badaspec.dat', why: 'spaces inside < >', parse: 400, wire: 400 },
  { file: 'baddn.dat', why: 'comma in an unquoted display name', parse: 400, wire: 400 },
  { file: 'badvers.dat', why: 'SIP/7.0', parse: 505, wire: 505 },
  { file: 'mismatch01.dat', why: 'OPTIONS with a CSeq of INVITE', parse: 400, wire: 400 },
  { file: 'mismatch02.dat', why: 'unknown method with a CSeq of INVITE', parse: 400, wire: 400 },
  { file: 'bigcode.dat', why: 'status code beyond 699', parse: 'drop', wire: 'none' },
  { file: 'badbranch.dat', why: 'bare magic cookie: matched by RFC 2543 rules', parse: 'ok', wire: 200 },
  { file: 'insuf.dat', why: 'no From, To, Call-ID', parse: 400, wire: 400 },
  { file: 'unkscm.dat', why: 'Request-URI scheme nobody knows', parse: 'ok', wire: 416 },
  { file: 'novelsc.dat', why: 'soap.beep Request-URI we do not serve', parse: 'ok', wire: 416 },
  { file: 'unksm2.dat', why: 'odd schemes in To, From, Contact are only data', parse: 'ok', wire: 200 },
  { file: 'bext01.dat', why: 'Require of unknown options', parse: 'ok', wire: 420 },
  { file: 'invut.dat', why: 'body of an unknown type', parse: 'ok', wire: 415 },
  { file: 'regaut01.dat', why: 'credentials of an unknown scheme', parse: 'ok', wire: 401 },
  { file: 'multi01.dat', why: 'two To, From, CSeq, Call-ID, Max-Forwards', parse: 400, wire: 400 },
  { file: 'mcl01.dat', why: 'two Content-Length values', parse: 400, wire: 400 },
  { file: 'bcast.dat', why: 'a response whose Via is not ours', parse: 'ok', wire: 'none' },
  { file: 'zeromf.dat', why: 'Max-Forwards 0 at its target is served', parse: 'ok', wire: 200 },
  { file: 'cparam01.dat', why: 'Contact header parameter', parse: 'ok', wire: 200 },
  { file: 'cparam02.dat', why: 'Contact URI parameter', parse: 'ok', wire: 200 },
  { file: 'regescrt.dat', why: 'escaped header in a Contact URI', parse: 'ok', wire: 200 },
  { file: 'sdp01.dat', why: 'Accept that excludes application/sdp', parse: 'ok', wire: 406 },
  { file: 'inv2543.dat', why: 'RFC 2543 INVITE: no branch, no Max-Forwards', parse: 'ok', wire: 486 },
];
