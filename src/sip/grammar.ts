// Character classes and small scanners of the RFC 3261 §25 grammar, shared by the URI,
// header and message parsers. Tables are indexed by char code; anything >= 128 is UTF8-NONASCII.

const TOKEN = 1; // token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
const UNRESERVED = 2; // alphanum / mark
const USER = 4; // unreserved / user-unreserved ("&" / "=" / "+" / "$" / "," / ";" / "?" / "/")
const PASSWORD = 8; // unreserved / "&" / "=" / "+" / "$" / ","
const PARAM = 16; // unreserved / param-unreserved ("[" / "]" / "/" / ":" / "&" / "+" / "$")
const HNV = 32; // unreserved / hnv-unreserved ("[" / "]" / "/" / "?" / ":" / "+" / "$")
const HOST = 64; // alphanum / "-" / "." (hostname, IPv4)
const WORD = 128; // word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}")

const table = new Uint8Array(128);
function mark(chars: string, flag: number): void {
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)]! |= flag;
}
const alnum = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const markChars = "-_.!~*'()";
mark(alnum, TOKEN | UNRESERVED | USER | PASSWORD | PARAM | HNV | HOST | WORD);
mark("-.!%*_+`'~", TOKEN);
mark(markChars, UNRESERVED | USER | PASSWORD | PARAM | HNV);
mark('&=+$,;?/', USER);
mark('&=+$,', PASSWORD);
mark('[]/:&+$', PARAM);
mark('[]/?:+$', HNV);
mark('-.', HOST);
mark('-.!%*_+`\'~()<>:\\"/[]?{}', WORD);

function all(s: string, flag: number, escapes: boolean): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && (table[c]! & flag) !== 0) continue;
    if (escapes && c === 37 && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

/** all() over s[start, end) without cutting it out first. */
function allAt(s: string, start: number, end: number, flag: number, escapes: boolean): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && (table[c]! & flag) !== 0) continue;
    if (escapes && c === 37 && i + 2 < end && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

export const isToken = (s: string): boolean => all(s, TOKEN, false);
export const isWord = (s: string): boolean => all(s, WORD, false);
export const isUser = (s: string): boolean => all(s, USER, true);
export const isPassword = (s: string): boolean => s.length === 0 || all(s, PASSWORD, true);
export const isParamChars = (s: string): boolean => all(s, PARAM, true);
export const isHeaderChars = (s: string): boolean => s.length === 0 || all(s, HNV, true);
export const isHostnameChars = (s: string): boolean => all(s, HOST, false);
export const isTokenChar = (c: number): boolean => c < 128 && (table[c]! & TOKEN) !== 0;
/** isUser(s.slice(start, end)) without the slice. */
export const isUserAt = (s: string, start: number, end: number): boolean => allAt(s, start, end, USER, true);
/** isPassword(s.slice(start, end)) without the slice. */
export const isPasswordAt = (s: string, start: number, end: number): boolean =>
  start >= end || allAt(s, start, end, PASSWORD, true);
/** A character of hostname / IPv4address: alphanum, "-" or ".". */
export const isHostnameChar = (c: number): boolean => c < 128 && (table[c]! & HOST) !== 0;

export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Whitespace of the header grammar: SP or HTAB (folding is undone before this runs). */
export const isWs = (c: number): boolean => c === 32 || c === 9;

/** The characters String.prototype.trim removes: WhiteSpace and LineTerminator (ECMA-262). */
export function isTrimmable(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

export function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Reads a quoted-string starting at s[i] === '"'. Returns the unescaped text and the index
 * after the closing quote, or null if it is not terminated (RFC 4475 §3.1.2.6).
 */
export function readQuoted(s: string, i: number, end = s.length): { text: string; end: number } | null {
  let text = '';
  let start = i + 1;
  for (let j = start; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 92) {
      // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
      if (j + 1 >= end) return null;
      text += s.slice(start, j) + s[j + 1];
      j++;
      start = j + 1;
    } else if (c === 34) {
      return { text: text + s.slice(start, j), end: j + 1 };
    } else if (c === 13 || c === 10) {
      return null;
    }
  }
  return null;
}

export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Splits a header value on top-level commas (outside quoted strings and <...>), as the
 * grammar allows for header fields of the form `header = name HCOLON value *(COMMA value)`.
 */
export function splitList(value: string): string[] {
  let depth = 0;
  let quoted = false;
  let start = 0;
  const out: string[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (quoted) {
      if (c === 92) i++;
      else if (c === 34) quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === 60) depth++;
    else if (c === 62) depth--;
    else if (c === 44 && depth === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out;
}

export type Params = Map<string, string | null>;

/**
 * Parses `*( SEMI generic-param )` from s[i] on (s[i] must be ';' or the end). Names are
 * lower-cased; values keep their case (quoted values are unquoted). Returns null on a
 * grammar error such as an empty parameter (RFC 4475 §3.1.2.1).
 */
export function parseParams(s: string, i: number, into: Params = new Map()): Params | null {
  return parseParamsIn(s, i, s.length, into);
}

/** parseParams over s[i, end) only (a header value inside the text of a whole head). */
export function parseParamsIn(s: string, i: number, end: number, into: Params = new Map()): Params | null {
  const n = end;
  while (true) {
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i >= n) return into;
    if (s.charCodeAt(i) !== 59) return null;
    i++;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    let j = i;
    let upper = false;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c >= 128 || (table[c]! & TOKEN) === 0) break;
      if (c <= 90 && c >= 65) upper = true;
      j++;
    }
    if (j === i) return null;
    // names are lower-cased; most are written that way already
    const name = upper ? s.slice(i, j).toLowerCase() : s.slice(i, j);
    i = j;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i < n && s.charCodeAt(i) === 61) {
      i++;
      while (i < n && isWs(s.charCodeAt(i))) i++;
      if (i < n && s.charCodeAt(i) === 34) {
        const q = readQuoted(s, i, n);
        if (!q) return null;
        into.set(name, q.text);
        i = q.end;
      } else {
        j = i;
        // gen-value = token / host / quoted-string; host may be an IPv6 reference
        while (j < n) {
          const c = s.charCodeAt(j);
          if (c < 128 && ((table[c]! & TOKEN) !== 0 || c === 58 || c === 91 || c === 93)) j++;
          else break;
        }
        if (j === i) return null;
        into.set(name, s.slice(i, j));
        i = j;
      }
    } else {
      into.set(name, null);
    }
  }
}

export function formatParams(params: ReadonlyMap<string, string | null>): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}

/** %HH-decodes s; bytes that are not valid UTF-8 are kept as Latin-1 code points. */
export function percentDecode(s: string): string {
  if (s.indexOf('%') < 0) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  }
}

/** Escapes every character outside the given class (USER, PARAM, HNV ...) as %HH of its UTF-8 bytes. */
function escapeWith(s: string, flag: number): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c < 128 && (table[c]! & flag) !== 0) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
export const escapeUser = (s: string): string => escapeWith(s, USER);
export const escapePassword = (s: string): string => escapeWith(s, PASSWORD);
export const escapeParam = (s: string): string => escapeWith(s, PARAM);
export const escapeHeader = (s: string): string => escapeWith(s, HNV);

/**
 * A copy of `s` that shares no memory with the text it was cut from. V8 keeps a substring of
 * a datagram's text as a slice of the whole text, so a string kept for long (a nonce count,
 * a transaction key held 64*T1, a registered Contact) would keep its whole message alive.
 * The JSON round trip is exact for every string and builds a fresh flat one.
 */
export function ownString(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}
