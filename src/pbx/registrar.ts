// Registrar (RFC 3261 §10.3, RFC 3327 Path, RFC 5626 instance ids): phones register their
// contacts for the line they authenticate as. Every change goes through the location service
// so registration events fire; a request's changes are checked first and then applied
// together, so a rejected REGISTER changes nothing.
import {
  createResponse,
  type Flow,
  type NameAddr,
  ownString,
  parseUri,
  type ServerTransaction,
  SipError,
  type SipRequest,
  SipUri,
} from '../sip/index.ts';
import type { LineAuthenticator } from './line-auth.ts';
import type { Binding, LocationService } from './location.ts';

export interface RegistrarOptions {
  auth: LineAuthenticator;
  location: LocationService;
  minExpires: number;
  maxExpires: number;
  /** Contacts kept per line; a new one beyond this replaces the oldest (default 10). */
  maxContacts?: number;
  /** Milliseconds; Date.now by default (the location service should share the clock). */
  now?: () => number;
}

const DEFAULT_EXPIRES = 3600;

/** One contact of the request, validated, with what it does to the bindings. */
interface Change {
  contact: string;
  uri: SipUri;
  instanceId: string | null;
  expires: number;
  existing: Binding | undefined;
}

export class Registrar {
  readonly #maxContacts: number;
  readonly #now: () => number;

  constructor(private readonly options: RegistrarOptions) {
    this.#maxContacts = options.maxContacts ?? 10;
    this.#now = options.now ?? Date.now;
  }

  async handle(request: SipRequest, tx: ServerTransaction, flow: Flow): Promise<void> {
    try {
      await this.register(request, tx, flow);
    } catch (e) {
      // A malformed typed header (Expires, Path ...) read here: its own status, usually 400.
      if (e instanceof SipError && e.status !== null) tx.respond(createResponse(request, e.status));
      else throw e;
    }
  }

  private async register(request: SipRequest, tx: ServerTransaction, flow: Flow): Promise<void> {
    const { auth, location } = this.options;
    // §10.3 steps 3-4: who is this, and may they change this address of record?
    const result = await auth.authenticate(request, flow);
    if (!result.ok) return tx.respond(result.response);
    const { tenant, line } = result;
    const to = request.to.uri;
    if (
      !(to instanceof SipUri) ||
      to.user !== line.sipUsername ||
      to.host.toLowerCase() !== tenant.sipDomain.toLowerCase()
    ) {
      return tx.respond(createResponse(request, 403, 'Not allowed to register this address'));
    }

    const now = this.#now();
    const callId = request.callId;
    const cseq = request.cseq.seq;
    const contacts = request.contact;
    const current = location.bindings(line.id);

    if (contacts === '*') {
      // §10.3 step 6: the wildcard is only allowed with Expires: 0.
      if (request.expires !== 0) return tx.respond(createResponse(request, 400, 'Wildcard needs Expires: 0'));
      if (current.some((b) => b.callId === callId && cseq <= b.cseq))
        return tx.respond(createResponse(request, 500, 'Out of order REGISTER'));
      location.removeAll(line.id);
      return tx.respond(this.ok(request, line.id, now, []));
    }

    // Validate every contact before changing anything (§10.3 step 8: all or nothing).
    const changes: Change[] = [];
    for (const c of contacts) {
      const uri = c.uri;
      if (!(uri instanceof SipUri))
        return tx.respond(createResponse(request, 400, 'Contact must be a SIP URI'));
      const expires = this.expiresOf(c, request);
      if (expires === null) return tx.respond(createResponse(request, 400, 'Invalid expires parameter'));
      if (expires !== 0 && expires < this.options.minExpires) {
        const r = createResponse(request, 423);
        r.append('Min-Expires', String(this.options.minExpires));
        return tx.respond(r);
      }
      const instanceId = instanceOf(c);
      const existing = current.find((b) => sameBinding(b, uri, instanceId));
      // §10.3 step 7: a REGISTER of the same Call-ID must be newer than what it changes.
      if (existing && existing.callId === callId && cseq <= existing.cseq)
        return tx.respond(createResponse(request, 500, 'Out of order REGISTER'));
      // Matched by URI, the contact keeps the spelling it was stored with.
      const byInstance = existing?.instanceId && instanceId;
      const contact = existing && !byInstance ? existing.contact : c.uriText;
      const change = {
        contact,
        uri,
        instanceId,
        expires: Math.min(expires, this.options.maxExpires),
        existing,
      };
      // The same contact twice in one request: the last one counts.
      const dup = changes.findIndex((x) => sameBinding(x, uri, instanceId));
      if (dup >= 0) changes.splice(dup, 1);
      changes.push(change);
    }

    // RFC 3327 §5.3: Path is stored (and echoed) when the phone says it supports it.
    const path = request.supported.includes('path') ? request.path.map((p) => p.toString()) : [];
    const userAgent = request.get('User-Agent') ?? null;
    for (const ch of changes) {
      if (ch.expires === 0) {
        if (ch.existing) location.remove(line.id, ch.existing.contact);
        continue;
      }
      // A binding lives as long as the registration: its strings are copies, not slices that
      // would keep the whole REGISTER's text (refreshes reuse the strings already kept).
      const kept = ch.existing;
      location.put({
        tenantId: tenant.id,
        lineId: line.id,
        contact: own(ch.contact, kept?.contact),
        instanceId: ch.instanceId === null ? null : own(ch.instanceId, kept?.instanceId),
        callId: own(callId, kept?.callId),
        cseq,
        registeredAt: kept?.registeredAt ?? now,
        expiresAt: now + ch.expires * 1000,
        userAgent: userAgent === null ? null : own(userAgent, kept?.userAgent),
        flow,
        path: path.map(ownString),
      });
    }
    this.bound(line.id, changes);
    const response = this.ok(request, line.id, now, path);
    return tx.respond(response);
  }

  /** Keeps at most maxContacts bindings: the oldest go, never one this request just wrote. */
  private bound(lineId: string, changes: Change[]): void {
    const { location } = this.options;
    const live = location.bindings(lineId);
    let excess = live.length - this.#maxContacts;
    if (excess <= 0) return;
    const fresh = new Set(changes.map((c) => c.contact));
    const oldest = live.filter((b) => !fresh.has(b.contact)).sort((a, b) => a.registeredAt - b.registeredAt);
    for (const b of oldest) {
      if (excess-- <= 0) break;
      location.remove(lineId, b.contact);
    }
  }

  /** 200 OK listing every current contact with its remaining time, and a Date (§10.3 step 8). */
  private ok(request: SipRequest, lineId: string, now: number, path: string[]) {
    const r = createResponse(request, 200);
    for (const b of this.options.location.bindings(lineId)) {
      const left = Math.max(0, Math.round((b.expiresAt - now) / 1000));
      const instance = b.instanceId ? `;+sip.instance=${quoteInstance(b.instanceId)}` : '';
      r.append('Contact', `<${b.contact}>;expires=${left}${instance}`);
    }
    for (const p of path) r.append('Path', p);
    if (path.length > 0) r.append('Supported', 'path');
    r.append('Date', new Date(now).toUTCString());
    return r;
  }

  /** The contact's expires param, else the Expires header, else the default (null: malformed). */
  private expiresOf(contact: NameAddr, request: SipRequest): number | null {
    const param = contact.param('expires');
    if (param !== undefined) {
      if (param === null || !/^\d+$/.test(param.trim())) return null;
      return Math.min(Number(param), 0xffffffff);
    }
    return request.expires ?? Math.min(DEFAULT_EXPIRES, this.options.maxExpires);
  }
}

/** RFC 5626 +sip.instance, without the quotes and angle brackets it is written with. */
function instanceOf(contact: NameAddr): string | null {
  const v = contact.param('+sip.instance');
  if (!v) return null;
  const s = v.trim().replace(/^"(.*)"$/, '$1');
  return s.length > 0 ? s : null;
}

/** `s`, or the equal string already kept, or a copy of its own. */
function own(s: string, kept: string | null | undefined): string {
  return s === kept ? kept : ownString(s);
}

function quoteInstance(id: string): string {
  return `"${id.replace(/["\\]/g, '')}"`;
}

/** The same binding: the same device (both have instance ids) or else an equal URI (§19.1.4), as the location service matches. */
function sameBinding(
  b: Pick<Binding, 'contact' | 'instanceId'>,
  uri: SipUri,
  instanceId: string | null,
): boolean {
  if (b.instanceId && instanceId) return b.instanceId === instanceId;
  const other = parseUri(b.contact);
  return other !== null && uri.equals(other);
}
