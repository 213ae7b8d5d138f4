// SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966) and any other absoluteURI kept opaque.
// URIs are immutable: the text they were parsed from is what they serialize to, and
// `with()` builds a new URI. `equals()` implements the comparison rules of §19.1.4.
import { isIPv4, isIPv6 } from 'node:net';
import {
  escapeHeader,
  escapeParam,
  escapePassword,
  escapeUser,
  formatParams,
  isHeaderChars,
  isHostnameChar,
  isParamChars,
  isPasswordAt,
  isUserAt,
  type Params,
  percentDecode,
} from './grammar.ts';

export type Uri = SipUri | TelUri | AbsoluteUri;

export interface SipUriFields {
  scheme: 'sip' | 'sips';
  user?: string | undefined;
  password?: string | undefined;
  host: string;
  port?: number | undefined;
  params?: ReadonlyMap<string, string | null>;
  headers?: ReadonlyMap<string, string>;
}

const EMPTY_PARAMS: ReadonlyMap<string, string | null> = new Map();
const EMPTY_HEADERS: ReadonlyMap<string, string> = new Map();

export class SipUri {
  readonly scheme: 'sip' | 'sips';
  /** The user part, unescaped. */
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** Host as written; IPv6 references keep their brackets. */
  readonly host: string;
  readonly port: number | undefined;
  /** uri-parameters with lower-case names and unescaped values. */
  readonly params: ReadonlyMap<string, string | null>;
  /** headers (`?name=value&...`), unescaped. */
  readonly headers: ReadonlyMap<string, string>;
  readonly #text: string;

  constructor(fields: SipUriFields, text?: string) {
    this.scheme = fields.scheme;
    this.user = fields.user;
    this.password = fields.password;
    this.host = fields.host;
    this.port = fields.port;
    this.params = fields.params ?? EMPTY_PARAMS;
    this.headers = fields.headers ?? EMPTY_HEADERS;
    this.#text = text ?? format(this);
  }

  /** A copy with some fields changed (pass `undefined` to remove user, password or port). */
  with(changes: Partial<SipUriFields>): SipUri {
    return new SipUri({ ...this.fields(), ...changes });
  }

  fields(): SipUriFields {
    const { scheme, user, password, host, port, params, headers } = this;
    return { scheme, user, password, host, port, params, headers };
  }

  /** Host without IPv6 brackets, as a socket address wants it. */
  get hostname(): string {
    return this.host.charCodeAt(0) === 91 ? this.host.slice(1, -1) : this.host;
  }

  /** user@host (no scheme, port or parameters): the address-of-record key a registrar uses. */
  get aor(): string {
    return `${this.scheme}:${this.user === undefined ? '' : `${escapeUser(this.user)}@`}${this.host.toLowerCase()}`;
  }

  param(name: string): string | null | undefined {
    return this.params.get(name);
  }

  toString(): string {
    return this.#text;
  }

  /** RFC 3261 §19.1.4 URI comparison. */
  equals(other: Uri): boolean {
    if (!(other instanceof SipUri) || other.scheme !== this.scheme) return false;
    // Comparison of the userinfo of SIP and SIPS URIs is case-sensitive, after unescaping.
    if (this.user !== other.user || this.password !== other.password) return false;
    // Comparison of all other components of the URI is case-insensitive; a port present in
    // one URI and absent in the other never matches.
    if (!sameHost(this.host, other.host) || this.port !== other.port) return false;
    // A user, ttl, or method uri-parameter appearing in only one URI never matches; nor does
    // maddr. Any uri-parameter appearing in both URIs must match; all others are ignored.
    for (const name of ['user', 'ttl', 'method', 'maddr']) {
      if (this.params.has(name) !== other.params.has(name)) return false;
    }
    for (const [k, v] of this.params) {
      if (!other.params.has(k)) continue;
      const w = other.params.get(k);
      if ((v ?? '').toLowerCase() !== (w ?? '').toLowerCase()) return false;
    }
    // URI header components are never ignored: the set must be equal.
    if (this.headers.size !== other.headers.size) return false;
    for (const [k, v] of this.headers) if (other.headers.get(k) !== v) return false;
    return true;
  }

  static parse(text: string): SipUri {
    const uri = parseSipUri(text);
    if (!uri) throw new UriError(text);
    return uri;
  }
}

/** tel URI (RFC 3966): the number with visual separators kept as written. */
export class TelUri {
  readonly scheme = 'tel';
  readonly #text: string;
  constructor(
    readonly number: string,
    readonly params: ReadonlyMap<string, string | null>,
    text?: string,
  ) {
    this.#text = text ?? `tel:${number}${formatParams(params)}`;
  }
  /** The number without visual separators (RFC 3966 §5.1.1). */
  get digits(): string {
    return this.number.replace(/[-.()]/g, '');
  }
  toString(): string {
    return this.#text;
  }
  equals(other: Uri): boolean {
    if (!(other instanceof TelUri) || other.digits.toLowerCase() !== this.digits.toLowerCase()) return false;
    if (other.params.size !== this.params.size) return false;
    for (const [k, v] of this.params) {
      if ((other.params.get(k) ?? '').toLowerCase() !== (v ?? '').toLowerCase() || !other.params.has(k))
        return false;
    }
    return true;
  }
}

/** Any other absoluteURI (RFC 3261 §25.1): kept as an opaque scheme and remainder. */
export class AbsoluteUri {
  readonly scheme: string;
  constructor(
    scheme: string,
    readonly rest: string,
  ) {
    this.scheme = scheme.toLowerCase();
    this.#text = `${scheme}:${rest}`;
  }
  readonly #text: string;
  toString(): string {
    return this.#text;
  }
  equals(other: Uri): boolean {
    return other instanceof AbsoluteUri && other.scheme === this.scheme && other.rest === this.rest;
  }
}

export class UriError extends Error {
  override readonly name = 'UriError';
  constructor(text: string) {
    super(`not a valid URI: ${text.length > 80 ? `${text.slice(0, 80)}...` : text}`);
  }
}

/** Parses any URI the grammar accepts, or returns null. */
export function parseUri(text: string): Uri | null {
  const colon = text.indexOf(':');
  if (colon <= 0) return null;
  const c0 = text.charCodeAt(0) | 0x20;
  if (c0 === 115 /* s */ && (colon === 3 || colon === 4)) {
    const scheme = text.slice(0, colon).toLowerCase();
    if (scheme === 'sip' || scheme === 'sips') return parseSipUri(text);
  }
  if (colon === 3 && text.slice(0, 3).toLowerCase() === 'tel') return parseTelUri(text);
  // absoluteURI = scheme ":" ( hier-part / opaque-part ); scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  const scheme = text.slice(0, colon);
  if (!/^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme)) return null;
  const rest = text.slice(colon + 1);
  // uric = reserved / unreserved / escaped: no whitespace, controls, quotes or angle brackets
  if (rest.length === 0 || !/^[A-Za-z0-9\-_.!~*'();/?:@&=+$,%[\]#]+$/.test(rest)) return null;
  return new AbsoluteUri(scheme, rest);
}

/** "sip" or "sips" when text[0, colon) spells one of them in any case, else undefined. */
function sipScheme(text: string, colon: number): 'sip' | 'sips' | undefined {
  if (colon !== 3 && colon !== 4) return undefined;
  if ((text.charCodeAt(0) | 0x20) !== 115 || (text.charCodeAt(1) | 0x20) !== 105) return undefined;
  if ((text.charCodeAt(2) | 0x20) !== 112) return undefined;
  if (colon === 3) return 'sip';
  return (text.charCodeAt(3) | 0x20) === 115 ? 'sips' : undefined;
}

export function parseSipUri(text: string): SipUri | null {
  const colon = text.indexOf(':');
  const scheme = sipScheme(text, colon);
  if (scheme === undefined) return null;
  let i = colon + 1;
  const n = text.length;
  let user: string | undefined;
  let password: string | undefined;
  const at = text.indexOf('@', i);
  if (at >= 0) {
    let pc = text.indexOf(':', i);
    if (pc > at) pc = -1;
    const userEnd = pc < 0 ? at : pc;
    if (!isUserAt(text, i, userEnd)) return null;
    user = percentDecode(text.slice(i, userEnd));
    if (pc >= 0) {
      if (!isPasswordAt(text, pc + 1, at)) return null;
      password = percentDecode(text.slice(pc + 1, at));
    }
    i = at + 1;
  }
  // hostport = host [ ":" port ]; host = hostname / IPv4address / IPv6reference
  let host: string;
  if (text.charCodeAt(i) === 91) {
    const close = text.indexOf(']', i);
    if (close < 0) return null;
    host = text.slice(i, close + 1);
    if (!isIPv6(host.slice(1, -1))) return null;
    i = close + 1;
  } else {
    let j = i;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 58 || c === 59 || c === 63) break;
      if (!isHostnameChar(c)) return null;
      j++;
    }
    if (j === i) return null;
    host = text.slice(i, j);
    i = j;
  }
  let port: number | undefined;
  if (text.charCodeAt(i) === 58) {
    let j = i + 1;
    let value = 0;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c < 48 || c > 57) break;
      value = value * 10 + c - 48;
      j++;
    }
    if (j === i + 1 || j - i > 6 || value > 65535) return null;
    port = value;
    i = j;
  }
  let params: Params | undefined;
  while (text.charCodeAt(i) === 59) {
    let j = i + 1;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 59 || c === 63) break;
      j++;
    }
    const p = text.slice(i + 1, j);
    const eq = p.indexOf('=');
    const name = eq < 0 ? p : p.slice(0, eq);
    if (!isParamChars(name)) return null;
    let value: string | null = null;
    if (eq >= 0) {
      const v = p.slice(eq + 1);
      if (!isParamChars(v)) return null;
      value = percentDecode(v);
    }
    params ??= new Map();
    params.set(percentDecode(name).toLowerCase(), value);
    i = j;
  }
  let headers: Map<string, string> | undefined;
  if (text.charCodeAt(i) === 63) {
    headers = new Map();
    for (const h of text.slice(i + 1).split('&')) {
      const eq = h.indexOf('=');
      if (eq <= 0) return null;
      const name = h.slice(0, eq);
      const value = h.slice(eq + 1);
      if (!isHeaderChars(name) || !isHeaderChars(value)) return null;
      headers.set(percentDecode(name), percentDecode(value));
    }
    i = n;
  }
  if (i !== n) return null;
  return new SipUri({ scheme, user, password, host, port, params, headers }, text);
}

function parseTelUri(text: string): TelUri | null {
  const body = text.slice(4);
  const semi = body.indexOf(';');
  const number = semi < 0 ? body : body.slice(0, semi);
  // global-number-digits = "+" *phonedigit DIGIT *phonedigit; local-number-digits = *phonedigit-hex ...
  if (!/^(\+[0-9\-.()]*[0-9][0-9\-.()]*|[0-9A-Fa-f*#\-.()]*[0-9A-Fa-f*#][0-9A-Fa-f*#\-.()]*)$/.test(number))
    return null;
  const params = new Map<string, string | null>();
  if (semi >= 0) {
    for (const p of body.slice(semi + 1).split(';')) {
      const eq = p.indexOf('=');
      const name = eq < 0 ? p : p.slice(0, eq);
      if (!/^[A-Za-z0-9-]+$/.test(name)) return null;
      const value = eq < 0 ? null : p.slice(eq + 1);
      if (value !== null && !isParamChars(value)) return null;
      params.set(name.toLowerCase(), value === null ? null : percentDecode(value));
    }
  }
  return new TelUri(number, params, text);
}

function sameHost(a: string, b: string): boolean {
  if (a.toLowerCase() === b.toLowerCase()) return true;
  return a.charCodeAt(0) === 91 && b.charCodeAt(0) === 91 && normalizeIPv6(a) === normalizeIPv6(b);
}

/** The canonical (compressed, lower-case) text of an IPv6 address or reference. */
export function normalizeIPv6(address: string): string {
  const bare = address.charCodeAt(0) === 91 ? address.slice(1, -1) : address;
  if (!isIPv6(bare)) return bare.toLowerCase();
  return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
}

/** True if text is an IP literal (IPv4, or IPv6 with or without brackets). */
export function isIpLiteral(text: string): boolean {
  return isIPv4(text) || isIPv6(text.charCodeAt(0) === 91 ? text.slice(1, -1) : text);
}

function format(u: SipUri): string {
  let s = `${u.scheme}:`;
  if (u.user !== undefined) {
    s += escapeUser(u.user);
    if (u.password !== undefined) s += `:${escapePassword(u.password)}`;
    s += '@';
  }
  s += u.host;
  if (u.port !== undefined) s += `:${u.port}`;
  for (const [k, v] of u.params)
    s += v === null ? `;${escapeParam(k)}` : `;${escapeParam(k)}=${escapeParam(v)}`;
  let first = true;
  for (const [k, v] of u.headers) {
    s += `${first ? '?' : '&'}${escapeHeader(k)}=${escapeHeader(v)}`;
    first = false;
  }
  return s;
}
