// Parses SIP messages from bytes (RFC 3261 §7, §25): start line, folded header fields,
// compact names, and the body framed by Content-Length. Every input is bounded. A request
// that breaks the grammar raises a SipParseError with the status to answer (400, 505, 513);
// a broken response raises one with status null: it is dropped.
import { isAscii } from 'node:buffer';
import { SipParseError } from './errors.ts';
import { isToken, isTrimmable, isWs } from './grammar.ts';
import { headerBit, headerName, knownHeaderNameAt } from './header-names.ts';

const VIA_BIT = headerBit('via');
const VIA = headerName('via');
const FROM = headerName('from');
const TO = headerName('to');
const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'].reduce((m, k) => m | headerBit(k), 0);

import { parseViaIn, type Via } from './headers.ts';
import { SipMessage, SipRequest, SipResponse } from './message.ts';
import { type NameAddr, parseNameAddrIn } from './name-addr.ts';
import { parseUri, SipUri } from './uri.ts';

export interface ParseLimits {
  /** Largest message accepted, in bytes (default 64 KiB). */
  maxMessageSize: number;
  /** Most header lines accepted (default 256). */
  maxHeaders: number;
  /** Longest header line after unfolding (default 8 KiB). */
  maxLineLength: number;
}

export const DEFAULT_LIMITS: ParseLimits = { maxMessageSize: 65536, maxHeaders: 256, maxLineLength: 8192 };

/** A parse failure that still knows which headers it read, so a server can answer it. */
export class MessageParseError extends SipParseError {
  constructor(
    status: number | null,
    message: string,
    /** What could be read of the message (start line and headers), for the error response. */
    readonly partial?: SipMessage,
  ) {
    super(status, message);
  }
}

const CRLF2 = Buffer.from('\r\n\r\n');
const ASCII_SCAN_LIMIT = 4096;

/**
 * Parses one message. With `framed` (stream transports) the body is exactly Content-Length
 * bytes already cut by the framer; otherwise (datagrams) a missing Content-Length means
 * "to the end of the datagram", a shorter body is an error and extra bytes are ignored
 * (RFC 3261 §18.3, RFC 4475 §3.1.1.8, §3.1.2.2).
 */
export function parseMessage(data: Buffer, limits: ParseLimits = DEFAULT_LIMITS): SipMessage {
  if (data.length > limits.maxMessageSize) throw new MessageParseError(null, 'message too large');
  // An all-ASCII datagram of the usual size is read as one string whose empty line is found
  // by reading its lines (`whole`); otherwise the head is found in the bytes and decoded alone.
  // `end` is the byte offset of the empty line.
  let end: number;
  let head: string;
  const whole = data.length <= ASCII_SCAN_LIMIT && isAscii(data);
  if (whole) {
    head = data.toString('latin1');
    end = -1;
  } else {
    end = data.indexOf(CRLF2);
    if (end < 0) throw noEnd();
    head = data.toString('utf8', 0, end + 2);
  }
  const end2 = head.length;
  let message: SipMessage | undefined;
  let isReq = false;
  let pos = 0;
  let seen = 0;
  let repeated = 0;
  const at: ValueRanges = {
    viaLines: 0,
    viaStart: -1,
    viaEnd: -1,
    fromStart: -1,
    fromEnd: -1,
    toStart: -1,
    toEnd: -1,
  };
  try {
    let eol = lineEndAt(head, 0);
    if (eol < 0) throw noEnd();
    message = parseStartLine(head.slice(0, eol));
    isReq = message instanceof SipRequest;
    pos = eol + 2;
    const { names, keys, values } = message;
    while (true) {
      eol = lineEndAt(head, pos);
      // the empty line (`whole`), or the end of a head decoded alone
      if (eol === pos) break;
      if (eol < 0) {
        if (whole) throw noEnd();
        break;
      }
      let lineEnd = eol;
      let folded: string | undefined;
      // Header folding: a line starting with SP or HTAB continues the previous one (§7.3.1).
      let next = eol + 2;
      while (next < end2 && isWs(head.charCodeAt(next))) {
        folded ??= head.slice(pos, lineEnd);
        eol = lineEndAt(head, next);
        if (eol < 0) throw noEnd();
        folded += ` ${head.slice(next, eol).trim()}`;
        lineEnd = eol;
        next = eol + 2;
      }
      const text = folded ?? head;
      const start = folded === undefined ? pos : 0;
      const stop = folded === undefined ? lineEnd : folded.length;
      pos = next;
      if (stop - start > limits.maxLineLength) fail(message, isReq, 400, 'header line too long');
      if (keys.length >= limits.maxHeaders) fail(message, isReq, 400, 'too many header fields');
      const colon = text.indexOf(':', start);
      if (colon < 0 || colon >= stop || colon === start)
        fail(message, isReq, 400, 'header line without a colon');
      let nameEnd = colon;
      while (nameEnd > start && isWs(text.charCodeAt(nameEnd - 1))) nameEnd--;
      let h = knownHeaderNameAt(text, start, nameEnd);
      if (h === undefined) {
        const raw = text.slice(start, nameEnd);
        h = headerName(raw);
        if (h.display !== raw && !isToken(raw)) fail(message, isReq, 400, 'invalid header name');
      }
      names.push(h.display);
      keys.push(h.key);
      let vs = colon + 1;
      let ve = stop;
      while (vs < ve && isWs(text.charCodeAt(vs))) vs++;
      while (ve > vs && isWs(text.charCodeAt(ve - 1))) ve--;
      values.push(text.slice(vs, ve));
      if (h.bit !== 0) {
        // Where the Via, From and To values are in the head, to read them from there (a flat
        // string reads faster than the slices in `values`); folded ones are read from `values`.
        if (h === VIA) {
          if (++at.viaLines === 1 && folded === undefined) {
            at.viaStart = vs;
            at.viaEnd = ve;
          }
        } else if (h === FROM) {
          if (folded === undefined) {
            at.fromStart = vs;
            at.fromEnd = ve;
          }
        } else if (h === TO && folded === undefined) {
          at.toStart = vs;
          at.toEnd = ve;
        }
      }
      repeated |= seen & h.bit;
      seen |= h.bit;
    }
  } catch (e) {
    // Without an empty line the message is dropped, whatever else is wrong with it.
    if (whole && head.indexOf('\r\n\r\n') < 0) throw noEnd();
    throw e;
  }
  if (whole) end = pos - 2;
  try {
    if ((repeated & ~VIA_BIT) !== 0)
      throw new SipParseError(400, 'a single-valued header field appears twice');
    if ((seen & REQUIRED) !== REQUIRED) {
      const missing = ['via', 'from', 'to', 'call-id', 'cseq'].find((k) => (seen & headerBit(k)) === 0) ?? '';
      throw new SipParseError(400, `missing ${headerName(missing).display} header`);
    }
    validate(message, head, at);
  } catch (e) {
    if (e instanceof MessageParseError) throw e;
    fail(
      message,
      isReq,
      e instanceof SipParseError && e.status !== null ? e.status : 400,
      (e as Error).message,
    );
  }
  const bodyStart = end + 4;
  const available = data.length - bodyStart;
  const cl = message.contentLength;
  if (cl === undefined) {
    message.body = data.subarray(bodyStart);
  } else if (cl > available) {
    fail(message, isReq, 400, 'Content-Length larger than the body');
  } else {
    message.body = data.subarray(bodyStart, bodyStart + cl);
  }
  return message;
}

/** head.indexOf('\r\n', from), searching for the LF alone (a one-character search is faster). */
function lineEndAt(head: string, from: number): number {
  let lf = head.indexOf('\n', from + 1);
  while (lf > 0 && head.charCodeAt(lf - 1) !== 13) lf = head.indexOf('\n', lf + 1);
  return lf < 0 ? -1 : lf - 1;
}

/** The Request-URI of a request whose own URI could not be read. */
const PLACEHOLDER_URI = new SipUri({ scheme: 'sip', host: 'invalid' });

const noEnd = (): MessageParseError => new MessageParseError(null, 'no end of header fields');

function fail(message: SipMessage, isRequest: boolean, status: number, why: string): never {
  throw new MessageParseError(isRequest ? status : null, why, message);
}

function parseStartLine(line: string): SipMessage {
  if (line.startsWith('SIP/')) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    const sp = line.indexOf(' ');
    if (line.slice(0, sp) !== 'SIP/2.0') throw new MessageParseError(null, 'unsupported SIP version');
    // Status-Code = 3DIGIT, 100 to 699
    const c1 = line.charCodeAt(sp + 1) - 48;
    const c2 = line.charCodeAt(sp + 2) - 48;
    const c3 = line.charCodeAt(sp + 3) - 48;
    const after = line.charCodeAt(sp + 4);
    if (
      !(c1 >= 1 && c1 <= 6 && c2 >= 0 && c2 <= 9 && c3 >= 0 && c3 <= 9) ||
      !(Number.isNaN(after) || after === 32)
    )
      throw new MessageParseError(null, 'invalid status code');
    return new SipResponse(c1 * 100 + c2 * 10 + c3, line.slice(sp + 5));
  }
  // Request-Line = Method SP Request-URI SP SIP-Version CRLF: exactly one SP between elements.
  const sp1 = line.indexOf(' ');
  const sp2 = line.indexOf(' ', sp1 + 1);
  const method = line.slice(0, sp1);
  if (sp1 <= 0 || !isToken(method)) {
    // Not even a request line: we cannot tell what the sender meant, so we drop it.
    throw new MessageParseError(/SIP\/\d/i.test(line) && sp1 > 0 ? 400 : null, 'invalid start line');
  }
  const partial = new SipRequest(method, PLACEHOLDER_URI);
  if (sp2 < 0) throw new MessageParseError(400, 'invalid Request-Line', partial);
  const version = line.slice(sp2 + 1);
  if (version !== 'SIP/2.0' && version.toUpperCase() !== 'SIP/2.0') {
    // A well-formed but different version gets 505 (RFC 3261 §21.5.25, RFC 4475 §3.1.2.16).
    if (/^SIP\/\d+\.\d+$/i.test(version))
      throw new MessageParseError(505, 'SIP version not supported', partial);
    throw new MessageParseError(400, 'invalid Request-Line', partial);
  }
  const uriText = line.slice(sp1 + 1, sp2);
  const uri = parseUri(uriText);
  if (!uri) throw new MessageParseError(400, 'invalid Request-URI', partial);
  // A SIP Request-URI never carries headers (RFC 3261 §19.1.1 table; RFC 4475 §3.1.2.11).
  if (uri instanceof SipUri && uri.headers.size > 0)
    throw new MessageParseError(400, 'Request-URI with header components', partial);
  partial.uri = uri;
  return partial;
}

/** Where the parser found the Via, From and To values in the head (-1: read them from `values`). */
interface ValueRanges {
  viaLines: number;
  viaStart: number;
  viaEnd: number;
  fromStart: number;
  fromEnd: number;
  toStart: number;
  toEnd: number;
}

/**
 * Header fields every message carries, and those transaction matching reads: Via, From and
 * To (their tags), Call-ID, CSeq, Content-Length, Max-Forwards. Read in the order of the
 * getters, with their errors; Via, From and To straight from the head when the parser saw
 * them on one line each.
 */
function validate(m: SipMessage, head: string, at: ValueRanges): void {
  let via: Via[] | undefined;
  const vs = at.viaStart;
  const ve = at.viaEnd;
  let comma = vs < 0 || at.viaLines !== 1 ? 0 : head.indexOf(',', vs);
  if (comma < 0) comma = ve;
  if (vs >= 0 && at.viaLines === 1 && comma >= ve) {
    const v = parseViaIn(head, vs, ve);
    if (v === null) throw new SipParseError(400, 'invalid Via header');
    via = [v];
  } else m.topVia;
  const from = at.fromStart < 0 ? m.from : nameAddrIn(head, at.fromStart, at.fromEnd, 'From');
  const to = at.toStart < 0 ? m.to : nameAddrIn(head, at.toStart, at.toEnd, 'To');
  SipMessage.primeViews(m, via, from, to);
  m.callId;
  const cseq = m.cseq;
  m.contentLength;
  if (m instanceof SipRequest) {
    if (cseq.method !== m.method) throw new SipParseError(400, 'CSeq method does not match the request');
    m.maxForwards;
  }
}

/** What the From/To getter reads from a value: the name-addr in it, trimmed. */
function nameAddrIn(head: string, start: number, end: number, name: string): NameAddr {
  while (start < end && isTrimmable(head.charCodeAt(start))) start++;
  while (end > start && isTrimmable(head.charCodeAt(end - 1))) end--;
  const value = parseNameAddrIn(head, start, end);
  if (value === null) throw new SipParseError(400, `invalid ${name} header`);
  return value;
}

/**
 * The header fields a server reads before its application sees a request, parsed now so that
 * a malformed one is answered 400 (RFC 3261 §8.2): From/To URIs, Contact, Route,
 * Record-Route, Content-Type, Require. `parseMessage` leaves them for first use.
 */
export function validateRequest(m: SipRequest): void {
  m.from.uri;
  m.to.uri;
  const contact = m.contact;
  if (contact !== '*') for (const c of contact) c.uri;
  for (const r of m.route) r.uri;
  for (const r of m.recordRoute) r.uri;
  m.contentType;
  m.require;
}
