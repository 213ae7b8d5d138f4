// The server side of Digest (RFC 3261 §22.4, RFC 7616, RFC 8760): challenges with several
// algorithms in preference order, nonces that carry their own age under an HMAC and expire
// (stale=true), nonce counts that cannot be replayed, and the same challenge for an unknown
// user as for a known one.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SipError } from '../errors.ts';
import { createResponse } from '../factory.ts';
import { ownString } from '../grammar.ts';
import type { AuthValue } from '../headers.ts';
import type { SipRequest, SipResponse } from '../message.ts';
import { algorithmOf, type DigestAlgorithm, digestResponse, ha1, quoteParam } from './digest.ts';

export interface DigestCredentials {
  /** The password, or HA1 per algorithm (as `ha1()` computes it). */
  password?: string;
  ha1?: Partial<Record<DigestAlgorithm, string>>;
}

export interface DigestAuthenticatorOptions {
  realm: string;
  /** Credentials of a user in this realm; undefined when there is no such user. */
  lookup(
    username: string,
    realm: string,
  ): Promise<DigestCredentials | undefined> | DigestCredentials | undefined;
  /** Offered in this order (default SHA-256 then MD5, RFC 8760 §2.4). */
  algorithms?: DigestAlgorithm[];
  /** How long a nonce is good for (default 5 minutes). */
  nonceTtlMs?: number;
  /** Key of the nonce HMAC (default random per process). */
  secret?: Buffer;
  /** Refuse credentials whose uri parameter is not exactly the Request-URI (RFC 3261 §22.4). */
  strictUri?: boolean;
  /** Challenge with Proxy-Authenticate / 407 instead of WWW-Authenticate / 401. */
  proxy?: boolean;
  now?: () => number;
}

/** Nonce counts remembered at most (about 5 MB); older nonces are then answered stale. */
const MAX_COUNTS = 50_000;

interface NonceCount {
  nc: number;
  born: number;
}

export type DigestResult = { ok: true; username: string } | { ok: false; response: SipResponse };

export class DigestAuthenticator {
  readonly realm: string;
  readonly #algorithms: DigestAlgorithm[];
  readonly #ttl: number;
  readonly #secret: Buffer;
  readonly #now: () => number;
  /**
   * Highest nonce count seen per nonce, in two generations of at most MAX_COUNTS / 2: new
   * nonces go to `#counts`; when it is full it becomes `#older` and the previous older one is
   * forgotten. A generation whose nonces have all expired is dropped.
   */
  #counts = new Map<string, NonceCount>();
  #older = new Map<string, NonceCount>();
  /** The latest birth in each generation. */
  #countsNewest = Number.NEGATIVE_INFINITY;
  #olderNewest = Number.NEGATIVE_INFINITY;
  /** Nonces born at or before this may have been forgotten to bound memory: unknown ones are answered stale. */
  #forgottenBefore = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: DigestAuthenticatorOptions) {
    this.realm = options.realm;
    this.#algorithms = options.algorithms ?? ['SHA-256', 'MD5'];
    this.#ttl = options.nonceTtlMs ?? 300_000;
    this.#secret = options.secret ?? randomBytes(32);
    this.#now = options.now ?? Date.now;
  }

  /** A 401 (or 407) with one challenge per algorithm, in preference order. */
  challenge(request: SipRequest, stale = false): SipResponse {
    const r = createResponse(request, this.options.proxy ? 407 : 401);
    const nonce = this.newNonce();
    for (const algorithm of this.#algorithms) {
      r.append(
        this.options.proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate',
        `Digest realm=${quoteParam(this.realm)}, nonce=${quoteParam(nonce)}, algorithm=${algorithm}, qop="auth"${stale ? ', stale=true' : ''}`,
      );
    }
    return r;
  }

  /** Checks the request's credentials for our realm; a failure comes with the response to send. */
  async verify(request: SipRequest): Promise<DigestResult> {
    let presented: AuthValue[];
    try {
      presented = this.options.proxy ? request.proxyAuthorization : request.authorization;
    } catch (e) {
      // Credentials that do not follow the grammar: a 400, not a challenge (RFC 3261 §8.2).
      if (e instanceof SipError && e.status !== null)
        return { ok: false, response: createResponse(request, e.status) };
      throw e;
    }
    const creds = presented.find(
      (c) => c.scheme.toLowerCase() === 'digest' && c.params.get('realm') === this.realm,
    );
    // No credentials of a scheme we know for our realm: challenge (RFC 4475 §3.3.7).
    if (!creds) return { ok: false, response: this.challenge(request) };
    const check = this.checkParams(creds, request);
    if (!check) return { ok: false, response: this.challenge(request) };
    const { username, algorithm, nonce, nc, cnonce, uri, response } = check;
    const stored = await this.options.lookup(username, this.realm);
    // An unknown user costs the same work and gets the same answer as a wrong password.
    const key =
      stored?.ha1?.[algorithm] ??
      ha1(algorithm, username, this.realm, stored?.password ?? randomBytes(16).toString('hex'));
    const expected = digestResponse({
      algorithm,
      ha1: key,
      method: request.method,
      uri,
      nonce,
      nc,
      cnonce,
      qop: 'auth',
    });
    const good = stored !== undefined && safeEqual(expected, response.toLowerCase());
    const age = this.nonceAge(nonce);
    if (age === null) return { ok: false, response: this.challenge(request) };
    // RFC 7616 §3.3: a correct answer to an expired nonce gets a new nonce with stale=true.
    if (age > this.#ttl) return { ok: false, response: this.challenge(request, good) };
    if (!good) return { ok: false, response: this.challenge(request) };
    // RFC 7616 §3.4: the nonce count must grow, so a captured request cannot be replayed.
    const count = Number.parseInt(nc, 16);
    const born = this.#now() - age;
    const seen = this.#counts.get(nonce) ?? this.#older.get(nonce);
    if (seen) {
      if (count <= seen.nc) return { ok: false, response: this.challenge(request) };
      seen.nc = count;
      return { ok: true, username };
    }
    // A nonce whose count may have been forgotten cannot be checked for replay: ask for a fresh one.
    if (born <= this.#forgottenBefore) return { ok: false, response: this.challenge(request, true) };
    this.remember(nonce, count, born);
    return { ok: true, username };
  }

  private checkParams(creds: AuthValue, request: SipRequest) {
    const p = creds.params;
    const username = p.get('username');
    const nonce = p.get('nonce');
    const uri = p.get('uri');
    const response = p.get('response');
    const nc = p.get('nc');
    const cnonce = p.get('cnonce');
    const algorithm = algorithmOf(p.get('algorithm'));
    if (!username || !nonce || !uri || !response || !nc || !cnonce || !algorithm) return null;
    if (p.get('qop') !== 'auth' || !/^[0-9a-fA-F]{8}$/.test(nc)) return null;
    if (!this.#algorithms.includes(algorithm)) return null;
    // RFC 3261 §22.4 says the uri parameter names the Request-URI. Common clients (sipp among
    // them) put the next hop there instead, so by default only the method binds the answer to
    // the request; nonce counts still stop replays. `strictUri` restores the exact check.
    if (this.options.strictUri && uri !== request.uri.toString()) return null;
    return { username, nonce, uri, response, nc, cnonce, algorithm };
  }

  /** A nonce's first count. No iteration: generations are swapped and dropped whole. */
  private remember(nonce: string, nc: number, born: number): void {
    const now = this.#now();
    if (now - this.#olderNewest > this.#ttl) this.#older.clear();
    if (now - this.#countsNewest > this.#ttl) this.#counts.clear();
    // Kept up to the nonce's lifetime: a copy, not a slice that keeps the whole request text.
    this.#counts.set(ownString(nonce), { nc, born });
    if (born > this.#countsNewest) this.#countsNewest = born;
    if (this.#counts.size < MAX_COUNTS / 2) return;
    if (this.#older.size > 0 && this.#olderNewest > this.#forgottenBefore)
      this.#forgottenBefore = this.#olderNewest;
    this.#older = this.#counts;
    this.#olderNewest = this.#countsNewest;
    this.#counts = new Map();
    this.#countsNewest = Number.NEGATIVE_INFINITY;
  }

  /** nonce = base64url(time(8) | random(8) | HMAC(time|random)[0..16]). */
  private newNonce(): string {
    const body = Buffer.alloc(16);
    body.writeBigUInt64BE(BigInt(Math.floor(this.#now())), 0);
    randomInto(body, 8, 8);
    const mac = createHmac('sha256', this.#secret).update(body).digest().subarray(0, 16);
    return Buffer.concat([body, mac]).toString('base64url');
  }

  /** Age in ms of a nonce we issued, or null if it is not ours. */
  private nonceAge(nonce: string): number | null {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 32) return null;
    const mac = createHmac('sha256', this.#secret).update(raw.subarray(0, 16)).digest().subarray(0, 16);
    if (!timingSafeEqual(mac, raw.subarray(16))) return null;
    return this.#now() - Number(raw.readBigUInt64BE(0));
  }
}

// Random bytes drawn from a pool refilled 4 KiB at a time: one call into OpenSSL per 512
// nonces instead of one per challenge (it showed at 5% of CPU at 9,000 REGISTER/s).
let pool = Buffer.alloc(0);
let pooled = 0;
function randomInto(target: Buffer, offset: number, length: number): void {
  if (pooled + length > pool.length) {
    pool = randomBytes(4096);
    pooled = 0;
  }
  pool.copy(target, offset, pooled, pooled + length);
  pooled += length;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
