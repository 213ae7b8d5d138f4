// SIP requests and responses (RFC 3261 §7): an ordered list of header fields kept as text,
// typed views parsed on first use and cached, and the body kept as bytes.
import { SipParseError } from './errors.ts';
import { splitList } from './grammar.ts';
import { headerName } from './header-names.ts';
import {
  type AuthValue,
  type CSeq,
  type MediaType,
  parseAuth,
  parseCSeq,
  parseMediaType,
  parsePrivacy,
  parseTokenList,
  parseTokenParams,
  parseUint,
  parseVia,
  type TokenParams,
  type Via,
} from './headers.ts';
import { type NameAddr, parseNameAddr } from './name-addr.ts';
import type { Uri } from './uri.ts';

const EMPTY = Buffer.alloc(0);

export abstract class SipMessage {
  /** Header names as written on the wire. */
  readonly names: string[] = [];
  /** Lower-case long-form keys, parallel to names. */
  readonly keys: string[] = [];
  /** Header values, parallel to names (one entry per header line). */
  readonly values: string[] = [];
  body: Buffer = EMPTY;
  /** Typed views other than the ones transaction matching reads, created on first use. */
  private cache: Map<string, unknown> | undefined;
  // The views every message gets read for (the parser checks them): plain fields, no map.
  // undefined (null for the optional numbers) means "not read yet".
  #via: Via[] | undefined;
  #from: NameAddr | undefined;
  #to: NameAddr | undefined;
  #callId: string | undefined;
  #cseq: CSeq | undefined;
  #contentLength: number | undefined | null = null;
  #maxForwards: number | undefined | null = null;

  abstract startLine(): string;

  get(name: string): string | undefined {
    const i = this.keys.indexOf(headerName(name).key);
    return i < 0 ? undefined : this.values[i];
  }

  /** All lines of a header field, in order. */
  getAll(name: string): string[] {
    const key = headerName(name).key;
    const out: string[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === key) out.push(this.values[i]!);
    return out;
  }

  has(name: string): boolean {
    return this.keys.includes(headerName(name).key);
  }

  /** Replaces every line of the field with one value (or removes it for undefined). */
  set(name: string, value: string | { toString(): string } | undefined): this {
    const h = headerName(name);
    const i = this.keys.indexOf(h.key);
    this.remove(name);
    if (value !== undefined) {
      const at = i < 0 ? this.keys.length : i;
      this.names.splice(at, 0, h.display);
      this.keys.splice(at, 0, h.key);
      this.values.splice(at, 0, String(value));
      this.forget(h.key);
    }
    return this;
  }

  append(name: string, value: string | { toString(): string }): this {
    const h = headerName(name);
    this.names.push(h.display);
    this.keys.push(h.key);
    this.values.push(String(value));
    this.forget(h.key);
    return this;
  }

  /** Inserts a value above all others of its field (a new top Via or Record-Route). */
  prepend(name: string, value: string | { toString(): string }): this {
    const h = headerName(name);
    const i = this.keys.indexOf(h.key);
    const at = i < 0 ? this.keys.length : i;
    this.names.splice(at, 0, h.display);
    this.keys.splice(at, 0, h.key);
    this.values.splice(at, 0, String(value));
    this.forget(h.key);
    return this;
  }

  remove(name: string): this {
    const key = headerName(name).key;
    for (let i = this.keys.length - 1; i >= 0; i--) {
      if (this.keys[i] === key) {
        this.names.splice(i, 1);
        this.keys.splice(i, 1);
        this.values.splice(i, 1);
      }
    }
    this.forget(key);
    return this;
  }

  /** Removes the first value of a list header (the top Via on a response, a Route entry). */
  shift(name: string): string | undefined {
    const key = headerName(name).key;
    const i = this.keys.indexOf(key);
    if (i < 0) return undefined;
    const items = splitList(this.values[i]!);
    const first = items.shift();
    if (items.length === 0) {
      this.names.splice(i, 1);
      this.keys.splice(i, 1);
      this.values.splice(i, 1);
    } else this.values[i] = items.join(', ');
    this.forget(key);
    return first;
  }

  /** A typed view of a header field, parsed once; a grammar error becomes a SipParseError (400). */
  protected typed<T>(key: string, parse: (lines: string[]) => T | null): T {
    let cache = this.cache;
    if (cache === undefined) {
      cache = new Map();
      this.cache = cache;
    } else {
      const hit = cache.get(key);
      if (hit !== undefined || cache.has(key)) return hit as T;
    }
    const value = this.parseField(key, parse);
    cache.set(key, value);
    return value;
  }

  /** Parses every line of a field with `parse` (no caching). */
  private parseField<T>(key: string, parse: (lines: string[]) => T | null): T {
    const keys = this.keys;
    const first = keys.indexOf(key);
    let lines: string[];
    if (first < 0) lines = [];
    else if (keys.indexOf(key, first + 1) < 0) lines = [this.values[first]!];
    else {
      lines = [];
      for (let i = first; i < keys.length; i++) if (keys[i] === key) lines.push(this.values[i]!);
    }
    const value = parse(lines);
    if (value === null) throw invalidField(key);
    return value;
  }

  /**
   * A single-valued field parsed with `parse` (no caching): undefined when absent (an error
   * when required), an error when it appears more than once.
   */
  private parseSingle<T>(key: string, parse: (v: string) => T | null, required: boolean): T | undefined {
    const keys = this.keys;
    const first = keys.indexOf(key);
    if (first < 0) {
      if (required) throw invalidField(key);
      return undefined;
    }
    if (keys.indexOf(key, first + 1) >= 0) throw invalidField(key);
    const value = parse(this.values[first]!.trim());
    if (value === null) throw invalidField(key);
    return value;
  }

  /** Drops the cached view of one field after its lines changed. */
  private forget(key: string): void {
    switch (key) {
      case 'via':
        this.#via = undefined;
        break;
      case 'from':
        this.#from = undefined;
        break;
      case 'to':
        this.#to = undefined;
        break;
      case 'call-id':
        this.#callId = undefined;
        break;
      case 'cseq':
        this.#cseq = undefined;
        break;
      case 'content-length':
        this.#contentLength = null;
        break;
      case 'max-forwards':
        this.#maxForwards = null;
        break;
      default:
        this.cache?.delete(key);
    }
  }

  /**
   * For the parser, which read these views from the lines it had just found: stores them as
   * if their getters had run. Not for applications.
   * @internal
   */
  static primeViews(
    m: SipMessage,
    via: Via[] | undefined,
    from: NameAddr | undefined,
    to: NameAddr | undefined,
  ): void {
    if (via !== undefined) m.#via = via;
    if (from !== undefined) m.#from = from;
    if (to !== undefined) m.#to = to;
  }

  /** Clears cached typed views; call after changing names/values directly. */
  touched(): void {
    this.cache = undefined;
    this.#via = undefined;
    this.#from = undefined;
    this.#to = undefined;
    this.#callId = undefined;
    this.#cseq = undefined;
    this.#contentLength = null;
    this.#maxForwards = null;
  }

  get via(): Via[] {
    let v = this.#via;
    if (v === undefined) {
      v = this.parseField('via', P.via);
      this.#via = v;
    }
    return v;
  }
  get topVia(): Via {
    const v = this.via[0];
    if (!v) throw new SipParseError(400, 'missing Via header');
    return v;
  }
  get from(): NameAddr {
    let v = this.#from;
    if (v === undefined) {
      v = this.parseSingle('from', parseNameAddr, true)!;
      this.#from = v;
    }
    return v;
  }
  get to(): NameAddr {
    let v = this.#to;
    if (v === undefined) {
      v = this.parseSingle('to', parseNameAddr, true)!;
      this.#to = v;
    }
    return v;
  }
  get callId(): string {
    let v = this.#callId;
    if (v === undefined) {
      v = this.parseSingle('call-id', parseCallId, true)!;
      this.#callId = v;
    }
    return v;
  }
  get cseq(): CSeq {
    let v = this.#cseq;
    if (v === undefined) {
      v = this.parseSingle('cseq', parseCSeq, true)!;
      this.#cseq = v;
    }
    return v;
  }
  get maxForwards(): number | undefined {
    let v = this.#maxForwards;
    if (v === null) {
      v = this.parseSingle('max-forwards', parseMaxForwards, false);
      this.#maxForwards = v;
    }
    return v;
  }
  /** Expires in seconds; values beyond 2**32-1 are clamped (RFC 3261 §20.19). */
  get expires(): number | undefined {
    return this.typed('expires', P.expires);
  }
  get contentLength(): number | undefined {
    let v = this.#contentLength;
    if (v === null) {
      v = this.parseSingle('content-length', parseContentLength, false);
      this.#contentLength = v;
    }
    return v;
  }
  get contentType(): MediaType | undefined {
    return this.typed('content-type', P.mediaType);
  }
  /** Contact values; `'*'` for the wildcard of a REGISTER that removes all bindings. */
  get contact(): NameAddr[] | '*' {
    return this.typed('contact', P.contact);
  }
  get route(): NameAddr[] {
    return this.typed('route', P.nameAddrs);
  }
  get recordRoute(): NameAddr[] {
    return this.typed('record-route', P.nameAddrs);
  }
  get path(): NameAddr[] {
    return this.typed('path', P.nameAddrs);
  }
  get pAssertedIdentity(): NameAddr[] {
    return this.typed('p-asserted-identity', P.nameAddrs);
  }
  get referTo(): NameAddr | undefined {
    return this.typed('refer-to', P.nameAddr);
  }
  get referredBy(): NameAddr | undefined {
    return this.typed('referred-by', P.nameAddr);
  }
  get require(): string[] {
    return this.typed('require', parseTokenList);
  }
  get proxyRequire(): string[] {
    return this.typed('proxy-require', parseTokenList);
  }
  get supported(): string[] {
    return this.typed('supported', parseTokenList);
  }
  get unsupported(): string[] {
    return this.typed('unsupported', parseTokenList);
  }
  get allow(): string[] {
    return this.typed('allow', parseTokenList);
  }
  get accept(): MediaType[] {
    return this.typed('accept', P.mediaTypes);
  }
  get event(): TokenParams | undefined {
    return this.typed('event', P.tokenParams);
  }
  get subscriptionState(): TokenParams | undefined {
    return this.typed('subscription-state', P.tokenParams);
  }
  get sessionExpires(): TokenParams | undefined {
    return this.typed('session-expires', P.tokenParams);
  }
  get minSE(): TokenParams | undefined {
    return this.typed('min-se', P.tokenParams);
  }
  /** Replaces = callid *(SEMI replaces-param) (RFC 3891). */
  get replaces(): TokenParams | undefined {
    return this.typed('replaces', P.replaces);
  }
  get privacy(): string[] {
    return this.typed('privacy', P.privacy);
  }
  get authorization(): AuthValue[] {
    return this.typed('authorization', P.auth);
  }
  get proxyAuthorization(): AuthValue[] {
    return this.typed('proxy-authorization', P.auth);
  }
  get wwwAuthenticate(): AuthValue[] {
    return this.typed('www-authenticate', P.auth);
  }
  get proxyAuthenticate(): AuthValue[] {
    return this.typed('proxy-authenticate', P.auth);
  }

  /** The message as text (the body decoded as UTF-8), with a Content-Length that matches the body. */
  toString(): string {
    return this.head() + this.body.toString('utf8');
  }

  /** The wire form: start line, header fields, CRLF, body; Content-Length is always written last and true. */
  toBuffer(): Buffer {
    const head = this.head();
    const body = this.body;
    if (body.length === 0) return Buffer.from(head, 'utf8');
    const size = Buffer.byteLength(head, 'utf8');
    const out = Buffer.allocUnsafe(size + body.length);
    out.write(head, 0, 'utf8');
    body.copy(out, size);
    return out;
  }

  private head(): string {
    let s = `${this.startLine()}\r\n`;
    const { names, values, keys } = this;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== 'content-length') s += `${names[i]}: ${values[i]}\r\n`;
    }
    return `${s}Content-Length: ${this.body.length}\r\n\r\n`;
  }
}

export class SipRequest extends SipMessage {
  constructor(
    public method: string,
    public uri: Uri,
  ) {
    super();
  }
  startLine(): string {
    return `${this.method} ${this.uri.toString()} SIP/2.0`;
  }
}

export class SipResponse extends SipMessage {
  constructor(
    public status: number,
    public reason: string,
  ) {
    super();
  }
  startLine(): string {
    return `SIP/2.0 ${this.status} ${this.reason}`;
  }
}

function single<T>(parse: (v: string) => T | null, required: true): (lines: string[]) => T | null;
function single<T>(
  parse: (v: string) => T | null,
  required: false,
): (lines: string[]) => T | undefined | null;
function single<T>(parse: (v: string) => T | null, required: boolean) {
  return (lines: string[]): T | undefined | null => {
    if (lines.length === 0) return required ? null : undefined;
    if (lines.length > 1) return null;
    return parse(lines[0]!.trim());
  };
}

function listOf<T>(parse: (v: string) => T | null): (lines: string[]) => T[] | null {
  return (lines) => {
    const out: T[] = [];
    for (const line of lines) {
      const items = line.indexOf(',') < 0 ? [line] : splitList(line);
      for (const item of items) {
        const v = parse(item);
        if (v === null) return null;
        out.push(v);
      }
    }
    return out;
  };
}

function all<T>(items: (T | null)[]): T[] | null {
  return items.every((x) => x !== null) ? (items as T[]) : null;
}

function invalidField(key: string): SipParseError {
  return new SipParseError(400, `invalid ${headerName(key).display} header`);
}

/** Call-ID = word [ "@" word ]: here any non-empty value without whitespace. */
const parseCallId = (v: string): string | null => (v.length > 0 && !/\s/.test(v) ? v : null);
const parseMaxForwards = (v: string): number | null => parseUint(v, 255);
const parseContentLength = (v: string): number | null => parseUint(v, 0x7fffffff);

/** The parsers behind the typed getters, built once. */
const nameAddrs = listOf(parseNameAddr);
const P = {
  via: listOf(parseVia),
  nameAddrs,
  nameAddr: single(parseNameAddr, false),
  expires: single((v) => (/^\s*\d+\s*$/.test(v) ? Math.min(Number(v), 0xffffffff) : null), false),
  mediaType: single(parseMediaType, false),
  mediaTypes: listOf(parseMediaType),
  contact: (lines: string[]): NameAddr[] | '*' | null =>
    lines.length === 1 && lines[0]!.trim() === '*' ? '*' : nameAddrs(lines),
  tokenParams: single((v) => parseTokenParams(v), false),
  replaces: single((v) => parseTokenParams(v, false), false),
  privacy: (lines: string[]) => (lines.length === 0 ? [] : parsePrivacy(lines.join(';'))),
  auth: (lines: string[]) => all(lines.map(parseAuth)),
};

export const isRequest = (m: SipMessage): m is SipRequest => m instanceof SipRequest;
export const isResponse = (m: SipMessage): m is SipResponse => m instanceof SipResponse;
