// Typed values of the header fields the stack and the PBX use (RFC 3261 §20 and extensions).
// Each parser returns null on a grammar error; the message layer turns that into a 400.
import { isIP } from 'node:net';
import {
  formatParams,
  isDigits,
  isToken,
  isTokenChar,
  isWs,
  type Params,
  parseParams,
  parseParamsIn,
  readQuoted,
  skipWs,
  splitList,
} from './grammar.ts';

/** One Via value: `SIP/2.0/UDP host:port;branch=...` (RFC 3261 §20.42). */
export class Via {
  constructor(
    readonly transport: string,
    readonly host: string,
    readonly port: number | undefined,
    readonly params: Params,
    readonly protocol = 'SIP',
    readonly version = '2.0',
  ) {}

  get branch(): string | undefined {
    return this.params.get('branch') ?? undefined;
  }
  get received(): string | undefined {
    return this.params.get('received') ?? undefined;
  }
  /** RFC 3581: null when `rport` is present without a value, undefined when absent. */
  get rport(): number | null | undefined {
    if (!this.params.has('rport')) return undefined;
    const v = this.params.get('rport');
    return v == null ? null : Number(v);
  }
  /** sent-by as `host[:port]`, the form transaction matching compares. */
  get sentBy(): string {
    return this.port === undefined ? this.host.toLowerCase() : `${this.host.toLowerCase()}:${this.port}`;
  }
  /** True if the branch carries the RFC 3261 magic cookie. */
  get rfc3261(): boolean {
    const b = this.branch;
    return b !== undefined && b.length > 7 && b.startsWith('z9hG4bK');
  }

  toString(): string {
    const port = this.port === undefined ? '' : `:${this.port}`;
    return `${this.protocol}/${this.version}/${this.transport} ${this.host}${port}${formatParams(this.params)}`;
  }
}

export function parseVia(value: string): Via | null {
  return parseViaIn(value, 0, value.length);
}

/** parseVia over s[start, end) only (a header value inside the text of a whole head). */
export function parseViaIn(s: string, start: number, end: number): Via | null {
  const n = end;
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport (SLASH = SWS "/" SWS)
  let protocol: string;
  let version: string;
  let transport: string;
  let i: number;
  if (end - start >= 8 && s.startsWith('SIP/2.0/', start)) {
    // the usual spelling
    protocol = 'SIP';
    version = '2.0';
    i = start + 8;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    let j = i;
    while (j < n && isTokenChar(s.charCodeAt(j))) j++;
    if (j === i) return null;
    transport = s.slice(i, j);
    i = j;
    while (i < n && isWs(s.charCodeAt(i))) i++;
  } else {
    const parts: string[] = [];
    i = start;
    for (let k = 0; k < 3; k++) {
      while (i < n && isWs(s.charCodeAt(i))) i++;
      let j = i;
      while (j < n && isTokenChar(s.charCodeAt(j))) j++;
      if (j === i) return null;
      parts.push(s.slice(i, j));
      i = j;
      while (i < n && isWs(s.charCodeAt(i))) i++;
      if (k < 2) {
        if (i >= n || s.charCodeAt(i) !== 47) return null;
        i++;
      }
    }
    protocol = parts[0]!;
    version = parts[1]!;
    transport = parts[2]!;
  }
  if (i === n) return null;
  // sent-by = host [ COLON port ]
  let host: string;
  if (s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close < 0 || close >= n || isIP(s.slice(i + 1, close)) !== 6) return null;
    host = s.slice(i, close + 1);
    i = close + 1;
  } else {
    let j = i;
    while (j < n) {
      const c = s.charCodeAt(j);
      if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 46) j++;
      else break;
    }
    if (j === i) return null;
    host = s.slice(i, j);
    i = j;
  }
  let port: number | undefined;
  while (i < n && isWs(s.charCodeAt(i))) i++;
  if (i < n && s.charCodeAt(i) === 58) {
    i++;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    let j = i;
    let p = 0;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c < 48 || c > 57) break;
      p = p * 10 + c - 48;
      j++;
    }
    if (j === i || j - i > 5 || p > 65535) return null;
    port = p;
    i = j;
  }
  const params = parseParamsIn(s, i, n);
  if (!params) return null;
  if (params.size > 1 || !params.has('branch')) {
    const rport = params.get('rport');
    if (rport != null && (!isDigits(rport) || Number(rport) > 65535)) return null;
    const received = params.get('received');
    // received = IPv4address / IPv6address (RFC 5118 §4.5 also accepts an IPv6reference)
    if (received !== undefined) {
      if (received === null) return null;
      if (!isDottedQuad(received)) {
        const bare =
          received.charCodeAt(0) === 91 && received.endsWith(']') ? received.slice(1, -1) : received;
        if (isIP(bare) === 0) return null;
      }
    }
  }
  return new Via(upper(transport), host, port, params, upper(protocol), version);
}

/** IPv4address as net.isIPv4 reads it: four decimal octets, no leading zeros. */
function isDottedQuad(s: string): boolean {
  const n = s.length;
  let i = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (s.charCodeAt(i) !== 46) return false;
      i++;
    }
    const start = i;
    let v = 0;
    while (i < n && i - start < 3) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + c - 48;
      i++;
    }
    const len = i - start;
    if (len === 0 || v > 255 || (len > 1 && s.charCodeAt(start) === 48)) return false;
  }
  return i === n;
}

const upper = (s: string): string => (s === 'UDP' || s === 'TCP' || s === 'SIP' ? s : s.toUpperCase());

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** CSeq = 1*DIGIT LWS Method; the number is below 2**31 (RFC 3261 §8.1.1.5). */
export function parseCSeq(value: string): CSeq | null {
  const s = value.trim();
  let j = 0;
  let seq = 0;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) break;
    seq = seq * 10 + c - 48;
    j++;
  }
  if (j === 0 || j > 10 || !isWs(s.charCodeAt(j))) return null;
  if (seq > 0x7fffffff) return null;
  const method = s.slice(skipWs(s, j));
  if (!isToken(method)) return null;
  return { seq, method };
}

/** A bounded decimal header value (Max-Forwards, Content-Length, Expires ...). */
export function parseUint(value: string, max: number): number | null {
  const len = value.length;
  if (len > 0 && len <= 12) {
    // the usual case: digits only
    let n = 0;
    let k = 0;
    for (; k < len; k++) {
      const c = value.charCodeAt(k);
      if (c < 48 || c > 57) break;
      n = n * 10 + c - 48;
    }
    if (k === len) return n > max ? null : n;
  }
  const s = value.trim();
  if (!isDigits(s) || s.length > 12) return null;
  const n = Number(s);
  return n > max ? null : n;
}

/** `token *(SEMI param)` values: Event, Subscription-State, Session-Expires, Min-SE, Replaces, Priority. */
export interface TokenParams {
  readonly value: string;
  readonly params: Params;
}

export function parseTokenParams(value: string, valueIsToken = true): TokenParams | null {
  const semi = value.indexOf(';');
  const v = (semi < 0 ? value : value.slice(0, semi)).trim();
  if (valueIsToken ? !isToken(v) : v.length === 0) return null;
  const params = semi < 0 ? new Map<string, string | null>() : parseParams(value, semi);
  if (!params) return null;
  return { value: v, params };
}

/** Content-Type / Accept entries: `type "/" subtype *(SEMI m-parameter)`. */
export interface MediaType {
  readonly type: string;
  readonly subtype: string;
  readonly params: Params;
  /** `type/subtype` in lower case. */
  readonly essence: string;
}

export function parseMediaType(value: string): MediaType | null {
  const tp = parseTokenParams(value.replace(/\s*\/\s*/, '/'), false);
  if (!tp) return null;
  const slash = tp.value.indexOf('/');
  if (slash < 0) return null;
  const type = tp.value.slice(0, slash);
  const subtype = tp.value.slice(slash + 1);
  if (!isToken(type) || !isToken(subtype)) return null;
  return { type, subtype, params: tp.params, essence: `${type}/${subtype}`.toLowerCase() };
}

/** Comma-separated option tags or methods (Require, Supported, Unsupported, Allow, Proxy-Require). */
export function parseTokenList(values: readonly string[]): string[] | null {
  const out: string[] = [];
  for (const line of values) {
    for (const item of splitList(line)) {
      if (item.length === 0) continue;
      if (!isToken(item)) return null;
      out.push(item);
    }
  }
  return out;
}

/** Privacy = priv-value *(";" priv-value) (RFC 3323). */
export function parsePrivacy(value: string): string[] | null {
  const out = value.split(';').map((v) => v.trim());
  return out.every(isToken) ? out : null;
}

/** A challenge or credentials: `scheme auth-param *(COMMA auth-param)` (RFC 3261 §25.1, RFC 7616). */
export interface AuthValue {
  readonly scheme: string;
  /** Parameter names lower-cased, values unquoted. */
  readonly params: Map<string, string>;
}

export function parseAuth(value: string): AuthValue | null {
  const s = value.trim();
  let i = 0;
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  if (i === 0) return null;
  const scheme = s.slice(0, i);
  const params = new Map<string, string>();
  i = skipWs(s, i);
  while (i < s.length) {
    let j = i;
    while (j < s.length && isTokenChar(s.charCodeAt(j))) j++;
    if (j === i) return null;
    const name = s.slice(i, j).toLowerCase();
    i = skipWs(s, j);
    if (s.charCodeAt(i) !== 61) return null;
    i = skipWs(s, i + 1);
    if (s.charCodeAt(i) === 34) {
      const q = readQuoted(s, i);
      if (!q) return null;
      params.set(name, q.text);
      i = q.end;
    } else {
      j = i;
      while (j < s.length && s.charCodeAt(j) !== 44 && !isWs(s.charCodeAt(j))) j++;
      if (j === i) return null;
      params.set(name, s.slice(i, j));
      i = j;
    }
    i = skipWs(s, i);
    if (i < s.length) {
      if (s.charCodeAt(i) !== 44) return null;
      i = skipWs(s, i + 1);
    }
  }
  return { scheme, params };
}

const QUOTED_AUTH = new Set([
  'realm',
  'nonce',
  'opaque',
  'domain',
  'username',
  'uri',
  'response',
  'cnonce',
  'nextnonce',
  'rspauth',
]);

/** Serializes a challenge or credentials, quoting the parameters RFC 7616 quotes. */
export function formatAuth(value: AuthValue): string {
  const parts: string[] = [];
  for (const [k, v] of value.params) {
    parts.push(
      QUOTED_AUTH.has(k) || (k === 'qop' && v.includes(','))
        ? `${k}="${v.replace(/["\\]/g, '\\$&')}"`
        : `${k}=${v}`,
    );
  }
  return `${value.scheme} ${parts.join(', ')}`;
}
