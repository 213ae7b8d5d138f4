// A dialog (RFC 3261 §12): the peer-to-peer relationship an INVITE (or SUBSCRIBE, REFER)
// creates. It keeps the route set, the remote target, both CSeq counters, and builds the
// in-dialog requests, including the ACK for a 2xx (§13.2.2.4).
import { SipError } from '../errors.ts';
import { SipRequest, type SipResponse } from '../message.ts';
import type { NameAddr } from '../name-addr.ts';
import type { Uri } from '../uri.ts';

export type DialogState = 'early' | 'confirmed' | 'terminated';

export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

export const dialogKey = (id: DialogId): string => `${id.callId}|${id.localTag}|${id.remoteTag}`;

export interface DialogFields {
  id: DialogId;
  state: DialogState;
  local: NameAddr;
  remote: NameAddr;
  remoteTarget: Uri;
  routeSet: NameAddr[];
  localSeq: number;
  remoteSeq: number | undefined;
  secure: boolean;
}

export class Dialog {
  readonly id: DialogId;
  #state: DialogState;
  /** From (UAC) or To (UAS) of the creating request, with our tag. */
  readonly local: NameAddr;
  readonly remote: NameAddr;
  remoteTarget: Uri;
  routeSet: NameAddr[];
  localSeq: number;
  remoteSeq: number | undefined;
  readonly secure: boolean;
  /** Our Contact, written in the requests we send and refreshed by the TU. */
  localContact: string | undefined;

  constructor(f: DialogFields) {
    this.id = f.id;
    this.#state = f.state;
    this.local = f.local;
    this.remote = f.remote;
    this.remoteTarget = f.remoteTarget;
    this.routeSet = f.routeSet;
    this.localSeq = f.localSeq;
    this.remoteSeq = f.remoteSeq;
    this.secure = f.secure;
  }

  get state(): DialogState {
    return this.#state;
  }

  get key(): string {
    return dialogKey(this.id);
  }

  /**
   * §12.1.2: the UAC side, from a 1xx (early) or 2xx (confirmed) response with a To tag:
   * the route set is the response's Record-Route reversed, the remote target its Contact.
   */
  static uac(request: SipRequest, response: SipResponse): Dialog {
    const remoteTag = response.to.tag;
    const localTag = request.from.tag;
    if (remoteTag === undefined || localTag === undefined) throw new SipError(null, 'dialog needs both tags');
    return new Dialog({
      id: { callId: request.callId, localTag, remoteTag },
      state: response.status < 200 ? 'early' : 'confirmed',
      local: request.from,
      remote: response.to,
      remoteTarget: firstContact(response) ?? request.uri,
      routeSet: [...response.recordRoute].reverse(),
      localSeq: request.cseq.seq,
      remoteSeq: undefined,
      secure: request.uri.scheme === 'sips',
    });
  }

  /**
   * §12.1.1: the UAS side, from the request and the response we send with our To tag:
   * the route set is the request's Record-Route in order, the remote target its Contact.
   */
  static uas(request: SipRequest, response: SipResponse): Dialog {
    const localTag = response.to.tag;
    const remoteTag = request.from.tag ?? '';
    if (localTag === undefined) throw new SipError(null, 'the response needs a To tag');
    return new Dialog({
      id: { callId: request.callId, localTag, remoteTag },
      state: response.status < 200 ? 'early' : 'confirmed',
      local: response.to,
      remote: request.from,
      remoteTarget: firstContact(request) ?? request.uri,
      routeSet: [...request.recordRoute],
      localSeq: 0,
      remoteSeq: request.cseq.seq,
      secure: request.uri.scheme === 'sips',
    });
  }

  /** §13.2.2.4 / §12.1.2: a 2xx confirms an early dialog; its Contact is the remote target. */
  confirm(response?: SipResponse): void {
    if (this.#state === 'terminated') return;
    this.#state = 'confirmed';
    if (response) this.refreshTarget(response);
  }

  terminate(): void {
    this.#state = 'terminated';
  }

  /** §12.2.1.2 / §12.2.2: a target refresh (re-INVITE, UPDATE and their 2xx) replaces the remote target. */
  refreshTarget(message: SipRequest | SipResponse): void {
    const c = firstContact(message);
    if (c) this.remoteTarget = c;
  }

  /**
   * §12.2.2: checks an in-dialog request. A CSeq lower than the last one is out of order (500);
   * otherwise the remote sequence advances and target-refresh requests update the target.
   */
  receiveRequest(request: SipRequest): SipError | null {
    const seq = request.cseq.seq;
    if (request.method === 'ACK' || request.method === 'CANCEL') return null;
    if (this.remoteSeq !== undefined && seq <= this.remoteSeq) {
      return new SipError(500, 'CSeq out of order', [['Retry-After', '1']]);
    }
    this.remoteSeq = seq;
    if (request.method === 'INVITE' || request.method === 'UPDATE') this.refreshTarget(request);
    if (request.method === 'BYE') this.terminate();
    return null;
  }

  /**
   * §12.2.1.1: a request within the dialog. With a loose-routing first route (lr) the
   * Request-URI is the remote target and the route set becomes Route; with a strict router
   * the first route is the Request-URI and the remote target goes last.
   */
  createRequest(method: string, body?: { type: string; data: Buffer | string }): SipRequest {
    const seq = method === 'ACK' || method === 'CANCEL' ? this.localSeq : ++this.localSeq;
    const first = this.routeSet[0];
    const strictRoute = first !== undefined && !hasLr(first) ? first : undefined;
    const strict = strictRoute !== undefined;
    const req = new SipRequest(method, strictRoute ? strictRoute.uri : this.remoteTarget);
    req.append('Max-Forwards', '70');
    req.append('From', this.local.toString());
    req.append('To', this.remote.toString());
    req.append('Call-ID', this.id.callId);
    req.append('CSeq', `${seq} ${method}`);
    if (strict) {
      for (const r of this.routeSet.slice(1)) req.append('Route', r.toString());
      req.append('Route', `<${this.remoteTarget}>`);
    } else for (const r of this.routeSet) req.append('Route', r.toString());
    if (this.localContact && method !== 'BYE' && method !== 'ACK') req.append('Contact', this.localContact);
    if (body) {
      req.append('Content-Type', body.type);
      req.body = typeof body.data === 'string' ? Buffer.from(body.data) : body.data;
    }
    return req;
  }

  /** §13.2.2.4: the ACK for a 2xx carries the INVITE's CSeq number and is sent end to end. */
  createAck(invite: SipRequest): SipRequest {
    const ack = this.createRequest('ACK');
    ack.set('CSeq', `${invite.cseq.seq} ACK`);
    return ack;
  }
}

function firstContact(m: SipRequest | SipResponse): Uri | undefined {
  if (!m.has('Contact')) return undefined;
  const c = m.contact;
  return c === '*' ? undefined : c[0]?.uri;
}

function hasLr(route: NameAddr): boolean {
  const u = route.uri as { params?: ReadonlyMap<string, string | null> };
  return u.params?.has('lr') === true;
}
