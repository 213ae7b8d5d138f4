// name-addr / addr-spec values (From, To, Contact, Route, Record-Route, Path, Refer-To,
// Referred-By, P-Asserted-Identity): RFC 3261 §20.10 and §25.1.

import { SipParseError } from './errors.ts';
import {
  formatParams,
  isTokenChar,
  isTrimmable,
  isWs,
  type Params,
  parseParamsIn,
  quote,
  readQuoted,
} from './grammar.ts';
import { parseUri, type Uri } from './uri.ts';

/** s[start, end) begins with scheme ":" (scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )). */
function hasScheme(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (c >= 97 && c <= 122) continue;
    if (i === start) return false;
    const d = s.charCodeAt(i);
    if (d === 58) return true;
    if ((d >= 48 && d <= 57) || d === 43 || d === 45 || d === 46) continue;
    return false;
  }
  return false;
}

export class NameAddr {
  readonly #text: string | undefined;
  #uri: Uri | string;
  constructor(
    uri: Uri | string,
    /** Display name, unquoted; null when absent. */
    readonly displayName: string | null = null,
    /** Header parameters (tag, expires, q, lr ...). */
    readonly params: ReadonlyMap<string, string | null> = new Map(),
    text?: string,
  ) {
    this.#text = text;
    this.#uri = uri;
  }

  /** The URI, parsed on first use (a malformed one raises a UriError, which the stack answers 400). */
  get uri(): Uri {
    const u = this.#uri;
    if (typeof u !== 'string') return u;
    const parsed = parseUri(u);
    if (!parsed) throw new SipParseError(400, `invalid URI ${u.slice(0, 80)}`);
    this.#uri = parsed;
    return parsed;
  }

  /** The URI's text, without parsing it. */
  get uriText(): string {
    return this.#uri.toString();
  }

  get tag(): string | undefined {
    return this.params.get('tag') ?? undefined;
  }

  param(name: string): string | null | undefined {
    return this.params.get(name);
  }

  /** A copy with header parameters changed (a value of undefined removes the parameter). */
  withParams(changes: Record<string, string | null | undefined>): NameAddr {
    const params = new Map(this.params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) params.delete(k.toLowerCase());
      else params.set(k.toLowerCase(), v);
    }
    return new NameAddr(this.uri, this.displayName, params);
  }

  withUri(uri: Uri): NameAddr {
    return new NameAddr(uri, this.displayName, this.params);
  }

  toString(): string {
    if (this.#text !== undefined) return this.#text;
    const dn = this.displayName === null ? '' : `${quote(this.displayName)} `;
    return `${dn}<${this.uriText}>${formatParams(this.params)}`;
  }
}

/**
 * Parses `( name-addr / addr-spec ) *( SEMI param )`. In the addr-spec form the first ';'
 * ends the URI, so parameters bind to the header field (RFC 3261 §20.10). Returns null on
 * any grammar error: unbalanced quotes, spaces inside <...>, non-token display names.
 */
export function parseNameAddr(text: string): NameAddr | null {
  return parseNameAddrIn(text, 0, text.length);
}

/**
 * parseNameAddr over s[start, stop) only (a header value inside the text of a whole head); the
 * value's text is s[start, stop) trimmed.
 */
export function parseNameAddrIn(s: string, start: number, stop: number): NameAddr | null {
  const n = stop;
  let i = start;
  while (i < n && isWs(s.charCodeAt(i))) i++;
  let displayName: string | null = null;
  let uriText: string;
  if (i < n && s.charCodeAt(i) === 34) {
    const q = readQuoted(s, i, n);
    if (!q) return null;
    displayName = q.text;
    i = q.end;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i >= n || s.charCodeAt(i) !== 60) return null;
  } else {
    let lt = s.indexOf('<', i);
    if (lt >= n) lt = -1;
    if (lt > i) {
      // display-name = *(token LWS): only token characters and whitespace
      const dn = s.slice(i, lt).trim();
      if (!isTokenWords(dn)) return null;
      displayName = dn.length > 0 ? dn : null;
      i = lt;
    }
  }
  // The URI may not hold whitespace or controls; its scheme is checked here, the rest is
  // parsed when the URI is first used.
  let end: number;
  if (i < n && s.charCodeAt(i) === 60) {
    const from = i + 1;
    let gt = from;
    while (true) {
      if (gt >= n) return null;
      const c = s.charCodeAt(gt);
      if (c === 62) break;
      if (c <= 32 || c === 127) return null;
      gt++;
    }
    if (!hasScheme(s, from, gt)) return null;
    uriText = s.slice(from, gt);
    end = gt + 1;
  } else {
    end = i;
    while (end < n) {
      const c = s.charCodeAt(end);
      if (c === 59 || c === 32 || c === 9) break;
      if (c < 32 || c === 127) return null;
      end++;
    }
    if (!hasScheme(s, i, end)) return null;
    uriText = s.slice(i, end);
  }
  const params = parseParamsIn(s, end, n);
  if (!params) return null;
  let ts = start;
  let te = n;
  while (ts < te && isTrimmable(s.charCodeAt(ts))) ts++;
  while (te > ts && isTrimmable(s.charCodeAt(te - 1))) te--;
  return new NameAddr(uriText, displayName, params, s.slice(ts, te));
}

function isTokenWords(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // token characters and LWS; UTF-8 is tolerated in unquoted display names
    if (!isWs(c) && c < 128 && !isTokenChar(c)) return false;
  }
  return true;
}

export type { Params };
