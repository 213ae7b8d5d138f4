// Who is this request from? Digest authentication of phones against their line's credentials
// (realm = the tenant's SIP domain), the per-tenant SIP ACL, and the temporary ban of
// addresses that keep failing. Shared by the registrar and the call engine so both answer
// unknown domains, unknown users and wrong passwords alike.
import { randomBytes } from 'node:crypto';
import {
  createResponse,
  type DigestAlgorithm,
  DigestAuthenticator,
  type Flow,
  type SipRequest,
  type SipResponse,
} from '../sip/index.ts';
import type { AuthFailureBan } from './auth-ban.ts';
import type { Directory, LineRoute, TenantRoute } from './directory.ts';

/** The HA1s a line's row keeps (one implementation, shared with the API). */
export { lineCredentials } from './line-credentials.ts';

export type LineAuthResult =
  | { ok: true; tenant: TenantRoute; line: LineRoute }
  | { ok: false; response: SipResponse };

export class LineAuthenticator {
  readonly #byRealm = new Map<string, DigestAuthenticator>();
  // One secret for every realm: nonces survive a directory reload.
  readonly #secret = randomBytes(32);

  constructor(
    private readonly directory: Directory,
    readonly ban: AuthFailureBan,
    /** Challenges offered, in order (default SHA-256 then MD5). */
    private readonly algorithms?: DigestAlgorithm[],
  ) {}

  /**
   * Authenticates a REGISTER (401) or a dialog-creating request (407). The realm is the domain
   * the phone names in To (REGISTER) or From; an unknown domain is challenged like a known one.
   */
  async authenticate(request: SipRequest, flow: Flow): Promise<LineAuthResult> {
    const register = request.method === 'REGISTER';
    const domain = this.domainOf(request);
    const tenant = this.directory.tenantByDomain(domain);
    const auth = this.authenticatorFor(tenant?.sipDomain ?? domain.toLowerCase(), !register);
    const presented = request.has(register ? 'Authorization' : 'Proxy-Authorization');
    const result = await auth.verify(request);
    if (!result.ok) {
      // A wrong answer counts toward the ban; a first request without credentials or a
      // correct answer to a stale nonce does not.
      if (presented && !isStale(result.response)) this.ban.recordFailure(flow.address);
      return result;
    }
    const line = tenant ? this.directory.lineByUsername(tenant.id, result.username) : undefined;
    if (!tenant || !line) {
      this.ban.recordFailure(flow.address);
      return { ok: false, response: auth.challenge(request) };
    }
    this.ban.recordSuccess(flow.address);
    // Spec 000: a tenant may restrict the addresses its phones use; checked after auth so an
    // outsider learns nothing about which domains exist.
    if (!tenant.sipAcl.allows(flow.address)) {
      return { ok: false, response: createResponse(request, 403, 'Address not allowed by SIP ACL') };
    }
    if (!tenant.active) return { ok: false, response: createResponse(request, 403, 'Account suspended') };
    return { ok: true, tenant, line };
  }

  /** The domain a phone claims: To for REGISTER (the address of record), From otherwise. */
  domainOf(request: SipRequest): string {
    const uri = request.method === 'REGISTER' ? request.to.uri : request.from.uri;
    return 'host' in uri ? uri.host : '';
  }

  private authenticatorFor(realm: string, proxy: boolean): DigestAuthenticator {
    const k = `${proxy ? 'p' : 'w'}${realm}`;
    let a = this.#byRealm.get(k);
    if (!a) {
      a = new DigestAuthenticator({
        realm,
        proxy,
        secret: this.#secret,
        ...(this.algorithms ? { algorithms: this.algorithms } : {}),
        lookup: (username) => {
          const tenant = this.directory.tenantByDomain(realm);
          const line = tenant ? this.directory.lineByUsername(tenant.id, username) : undefined;
          return line ? { ha1: line.ha1 } : undefined;
        },
      });
      // Bounded: unknown realms from a scanner must not grow this without limit.
      if (this.#byRealm.size >= 10_000) this.#byRealm.clear();
      this.#byRealm.set(k, a);
    }
    return a;
  }
}

function isStale(response: SipResponse): boolean {
  const h = response.get('WWW-Authenticate') ?? response.get('Proxy-Authenticate') ?? '';
  return /stale=true/i.test(h);
}
