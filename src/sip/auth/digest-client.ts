// The client side of Digest (RFC 3261 §22.2, RFC 7616, RFC 8760): answers a 401/407 from a
// provider, preferring SHA-256 over MD5 when both are offered, counting nonce uses.
import { randomBytes } from 'node:crypto';
import type { SipRequest, SipResponse } from '../message.ts';
import { algorithmOf, type DigestAlgorithm, digestResponse, ha1, quoteParam } from './digest.ts';

export interface DigestClientCredentials {
  username: string;
  password: string;
  /** Only answer challenges of this realm (default: any). */
  realm?: string;
}

const PREFERENCE: DigestAlgorithm[] = ['SHA-256', 'MD5'];

export class DigestClient {
  readonly #counts = new Map<string, number>();
  constructor(private readonly credentials: DigestClientCredentials) {}

  /**
   * Adds Authorization (for a 401) or Proxy-Authorization (for a 407) to `request`, answering
   * the best challenge of `response`. Returns false when no challenge can be answered.
   * The caller sends `request` again with a new CSeq (RFC 3261 §22.2).
   */
  authorize(request: SipRequest, response: SipResponse): boolean {
    const proxy = response.status === 407;
    const challenges = (proxy ? response.proxyAuthenticate : response.wwwAuthenticate)
      .filter((c) => c.scheme.toLowerCase() === 'digest')
      .map((c) => ({ c, algorithm: algorithmOf(c.params.get('algorithm')) }))
      .filter((x): x is { c: (typeof x)['c']; algorithm: DigestAlgorithm } => x.algorithm !== undefined)
      .filter((x) => !this.credentials.realm || x.c.params.get('realm') === this.credentials.realm)
      .sort((a, b) => PREFERENCE.indexOf(a.algorithm) - PREFERENCE.indexOf(b.algorithm));
    const best = challenges[0];
    if (!best) return false;
    const p = best.c.params;
    const realm = p.get('realm') ?? '';
    const nonce = p.get('nonce') ?? '';
    const qops = (p.get('qop') ?? '').split(',').map((q) => q.trim());
    const qop = qops.includes('auth') ? 'auth' : undefined;
    const uri = request.uri.toString();
    const count = (this.#counts.get(nonce) ?? 0) + 1;
    this.#counts.set(nonce, count);
    const nc = count.toString(16).padStart(8, '0');
    const cnonce = randomBytes(8).toString('hex');
    const { username, password } = this.credentials;
    const response_ = digestResponse({
      algorithm: best.algorithm,
      ha1: ha1(best.algorithm, username, realm, password),
      method: request.method,
      uri,
      nonce,
      nc,
      cnonce,
      qop,
    });
    let value = `Digest username=${quoteParam(username)}, realm=${quoteParam(realm)}, nonce=${quoteParam(nonce)}, uri=${quoteParam(uri)}, response=${quoteParam(response_)}, algorithm=${best.algorithm}`;
    if (qop) value += `, qop=auth, nc=${nc}, cnonce=${quoteParam(cnonce)}`;
    const opaque = p.get('opaque');
    if (opaque !== undefined) value += `, opaque=${quoteParam(opaque)}`;
    const header = proxy ? 'Proxy-Authorization' : 'Authorization';
    request.remove(header);
    request.append(header, value);
    return true;
  }
}
