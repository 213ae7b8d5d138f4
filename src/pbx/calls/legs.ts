// The two kinds of call leg of the B2BUA. An InboundLeg is the UAS side facing whoever sent
// us the INVITE; an OutboundLeg is the UAC side we create toward a phone or a carrier. Each
// owns its dialog and sends its in-dialog requests along the flow its INVITE used
// (symmetric signalling: phones behind NAT are reached where they really are).
import {
  type ClientTransaction,
  createResponse,
  Dialog,
  DigestClient,
  type Flow,
  newCallId,
  newTag,
  type ServerTransaction,
  SipRequest,
  type SipResponse,
  type SipStack,
  type Target,
  Uas2xxRetransmission,
} from '../../sip/index.ts';

export interface LegContext {
  stack: SipStack;
  /** Our Contact URI for a transport (`<sip:…>`). */
  contact(protocol: Flow['protocol']): string;
}

const SDP = 'application/sdp';

/** A body of any type for an in-dialog request (a NOTIFY's sipfrag, an SDP offer). */
export interface RequestBody {
  type: string;
  data: string;
}

/**
 * What a call needs of any answered leg, whichever side created the dialog: a phone that called
 * us (InboundLeg) or one we called (OutboundLeg). A transfer or a conference moves legs between
 * the slots of a call, and between calls, through this.
 */
export interface DialogLeg {
  /** The dialog lookup key: Call-ID and our tag. */
  readonly key: string;
  readonly dialog: Dialog | undefined;
  /** The transport the peer is reached over, for our Contact. */
  readonly protocol: Flow['protocol'];
  request(method: string, sdp?: string, extra?: [string, string][]): Promise<SipResponse | null>;
  /** A request with a body of another type than SDP (NOTIFY with message/sipfrag). */
  requestWithBody(
    method: string,
    body: RequestBody | undefined,
    extra?: [string, string][],
  ): Promise<SipResponse | null>;
  dispose(): void;
}

/** Sends an in-dialog request and resolves with its final response (408 on timeout or transport failure). */
export function sendInDialog(
  ctx: LegContext,
  request: SipRequest,
  target: Target | Flow | undefined,
): Promise<SipResponse | null> {
  return new Promise((resolve) => {
    ctx.stack
      .request(
        request,
        {
          onResponse: (r) => {
            if (r.status >= 200) resolve(r);
          },
          onTimeout: () => resolve(null),
          onTransportError: () => resolve(null),
        },
        target ? { target } : {},
      )
      .catch(() => resolve(null));
  });
}

/**
 * A request inside a dialog, sent along the leg's flow; a 2xx to a re-INVITE refreshes the
 * remote target and is ACKed (§13.2.2.4).
 */
async function requestInDialog(
  ctx: LegContext,
  dialog: Dialog | undefined,
  target: Target | Flow | undefined,
  method: string,
  body: RequestBody | undefined,
  extra: [string, string][],
): Promise<SipResponse | null> {
  if (!dialog || dialog.state === 'terminated') return null;
  const r = dialog.createRequest(method, body);
  for (const [k, v] of extra) r.append(k, v);
  const response = await sendInDialog(ctx, r, target);
  if (method === 'INVITE' && response && response.status >= 200 && response.status < 300) {
    dialog.refreshTarget(response);
    await ctx.stack.sendStateless(dialog.createAck(r), target).catch(() => {});
  }
  return response;
}

export class InboundLeg implements DialogLeg {
  readonly toTag = newTag();
  dialog: Dialog | undefined;
  #retransmit: Uas2xxRetransmission | undefined;
  #final = false;
  #answer: string | undefined;

  constructor(
    private readonly ctx: LegContext,
    readonly invite: SipRequest,
    readonly tx: ServerTransaction,
    readonly flow: Flow,
  ) {}

  get answered(): boolean {
    return this.dialog?.state === 'confirmed';
  }
  get finalSent(): boolean {
    return this.#final;
  }
  /** The dialog lookup key: Call-ID and our tag. */
  get key(): string {
    return `${this.invite.callId}|${this.toTag}`;
  }
  /** The SDP we answered with; repeated in 18x and 200 (RFC 3264 §5: one answer per offer). */
  get localSdp(): string | undefined {
    return this.#answer;
  }

  private response(status: number, reason?: string): SipResponse {
    const r = createResponse(this.invite, status, reason, this.toTag);
    if (status > 100 && status < 300) r.append('Contact', this.ctx.contact(this.flow.protocol));
    return r;
  }

  /** 180 or 183, with our SDP when early media is to flow. */
  provisional(status: 180 | 183, sdp?: string): void {
    if (this.#final) return;
    const r = this.response(status);
    if (sdp) {
      this.#answer = sdp;
      r.append('Content-Type', SDP);
      r.body = Buffer.from(sdp);
    }
    this.tx.respond(r);
  }

  /** 200 OK with our SDP; the 2xx is retransmitted until the ACK comes (§13.3.1.4). */
  answer(sdp: string, extra: [string, string][], onNoAck: () => void): void {
    if (this.#final) return;
    this.#final = true;
    this.#answer = sdp;
    const r = this.response(200);
    for (const [k, v] of extra) r.append(k, v);
    r.append('Content-Type', SDP);
    r.body = Buffer.from(sdp);
    this.tx.respond(r);
    this.dialog = Dialog.uas(this.invite, r);
    this.dialog.localContact = this.ctx.contact(this.flow.protocol);
    const reliable = this.flow.protocol !== 'udp';
    this.#retransmit = new Uas2xxRetransmission(this.tx, r, this.ctx.stack.timers, reliable, onNoAck);
  }

  reject(status: number, reason?: string, headers: [string, string][] = []): void {
    if (this.#final) return;
    this.#final = true;
    const r = this.response(status, reason);
    for (const [k, v] of headers) r.append(k, v);
    this.tx.respond(r);
  }

  acked(): void {
    this.#retransmit?.ack();
  }

  get protocol(): Flow['protocol'] {
    return this.flow.protocol;
  }

  /** A request inside the dialog, to the caller, over the flow its INVITE came on. */
  request(method: string, sdp?: string, extra: [string, string][] = []): Promise<SipResponse | null> {
    return this.requestWithBody(method, sdp ? { type: SDP, data: sdp } : undefined, extra);
  }

  requestWithBody(
    method: string,
    body: RequestBody | undefined,
    extra: [string, string][] = [],
  ): Promise<SipResponse | null> {
    return requestInDialog(this.ctx, this.dialog, this.flow, method, body, extra);
  }

  dispose(): void {
    this.#retransmit?.dispose();
    this.dialog?.terminate();
  }
}

export interface OutboundLegEvents {
  onProvisional(leg: OutboundLeg, response: SipResponse): void;
  onAnswer(leg: OutboundLeg, response: SipResponse): void;
  /** A final failure; status 408 for a timeout, 503 for a transport failure. */
  onFailure(leg: OutboundLeg, status: number, reason: string): void;
}

export interface OutboundLegOptions {
  uri: SipRequest['uri'];
  from: string;
  to: string;
  /** Where to send: a registered phone's flow, or the carrier's hosts in failover order. */
  targets: (Target | Flow)[];
  /** Route set to put in Route (a registration's Path). */
  route: string[];
  headers: [string, string][];
  sdp: string;
  maxForwards: number;
  credentials?: { username: string; password: string } | undefined;
}

export class OutboundLeg implements DialogLeg {
  readonly callId = newCallId();
  readonly fromTag = newTag();
  dialog: Dialog | undefined;
  state: 'calling' | 'proceeding' | 'answered' | 'failed' | 'cancelled' | 'ended' = 'calling';
  invite: SipRequest | undefined;
  #tx: ClientTransaction | undefined;
  #target: Target | Flow | undefined;
  #cseq = 1;
  /** Which INVITE attempt is live; responses and failures of older ones are ignored. */
  #attempt = 0;
  #authTried = false;
  #cancelWanted = false;
  #digest: DigestClient | undefined;
  /** The 2xx that answered, re-ACKed when retransmitted. */
  #ack: SipRequest | undefined;

  constructor(
    private readonly ctx: LegContext,
    readonly options: OutboundLegOptions,
    private readonly events: OutboundLegEvents,
    /** Free-form label for CDR legs: the line or trunk this leg reaches. */
    readonly label: { kind: 'line' | 'trunk' | 'sip'; id: string },
  ) {
    if (options.credentials) this.#digest = new DigestClient(options.credentials);
  }

  get key(): string {
    return `${this.callId}|${this.fromTag}`;
  }
  get target(): Target | Flow | undefined {
    return this.#target;
  }

  start(): void {
    this.send(this.build(), 0);
  }

  private build(): SipRequest {
    const o = this.options;
    const r = new SipRequest('INVITE', o.uri);
    r.append('Max-Forwards', String(o.maxForwards));
    for (const route of o.route) r.append('Route', route);
    r.append('From', `${o.from};tag=${this.fromTag}`);
    r.append('To', o.to);
    r.append('Call-ID', this.callId);
    r.append('CSeq', `${this.#cseq++} INVITE`);
    r.append('Contact', this.ctx.contact(o.targets[0]?.protocol ?? 'udp'));
    for (const [k, v] of o.headers) r.append(k, v);
    r.append('Content-Type', SDP);
    r.body = Buffer.from(o.sdp);
    return r;
  }

  private send(request: SipRequest, targetIndex: number): void {
    const target = this.options.targets[targetIndex];
    if (!target) {
      this.fail(503, 'no route to destination');
      return;
    }
    this.invite = request;
    this.#target = target;
    const attempt = ++this.#attempt;
    const live = () => attempt === this.#attempt;
    let provisional = false;
    const failover = (status: number, reason: string) => {
      // RFC 3263 §4.3 spirit: the next host is tried only when this one never answered.
      if (!provisional && targetIndex + 1 < this.options.targets.length && !this.#cancelWanted) {
        const again = this.build();
        this.send(again, targetIndex + 1);
      } else this.fail(status, reason);
    };
    this.ctx.stack
      .request(
        request,
        {
          onResponse: (response) => {
            if (!live()) return;
            if (response.status < 200) {
              provisional = true;
              this.onProvisional(response);
            } else if (response.status < 300) this.onSuccess(request, response);
            else if (response.status === 503) failover(503, response.reason);
            else this.onFailureResponse(request, response);
          },
          onTimeout: () => {
            if (live()) failover(408, 'no answer from destination');
          },
          onTransportError: () => {
            if (live()) failover(503, 'destination unreachable');
          },
        },
        { target },
      )
      .then((tx) => {
        if (live()) this.#tx = tx;
      })
      .catch(() => {
        if (live()) failover(503, 'destination unreachable');
      });
  }

  private onProvisional(response: SipResponse): void {
    // §9.1: a CANCEL asked for before any provisional response (100 included) goes out now.
    if (this.#cancelWanted) {
      this.sendCancel();
      return;
    }
    if (response.status === 100) return;
    if (this.state === 'calling') this.state = 'proceeding';
    this.events.onProvisional(this, response);
  }

  private onSuccess(invite: SipRequest, response: SipResponse): void {
    if (this.#ack && this.dialog && response.to.tag === this.dialog.id.remoteTag) {
      // A retransmitted 2xx: our ACK was lost (§13.2.2.4).
      void this.ctx.stack.sendStateless(this.#ack, this.#target).catch(() => {});
      return;
    }
    const dialog = Dialog.uac(invite, response);
    dialog.localContact = this.ctx.contact(this.#target?.protocol ?? 'udp');
    const ack = dialog.createAck(invite);
    void this.ctx.stack.sendStateless(ack, this.#target).catch(() => {});
    if (this.dialog || this.state === 'cancelled' || this.state === 'failed' || this.state === 'ended') {
      // A second fork's 2xx, or an answer that crossed our CANCEL: ACK it, then end it.
      void sendInDialog(this.ctx, dialog.createRequest('BYE'), this.#target);
      return;
    }
    this.#ack = ack;
    this.dialog = dialog;
    this.state = 'answered';
    this.events.onAnswer(this, response);
  }

  private onFailureResponse(_invite: SipRequest, response: SipResponse): void {
    if ((response.status === 401 || response.status === 407) && this.#digest && !this.#authTried) {
      this.#authTried = true;
      const again = this.build();
      if (this.#digest.authorize(again, response)) {
        const index = Math.max(0, this.options.targets.indexOf(this.#target as Target));
        this.send(again, index);
        return;
      }
    }
    this.fail(response.status, response.reason);
  }

  private fail(status: number, reason: string): void {
    if (this.state === 'failed' || this.state === 'ended' || this.state === 'answered') return;
    const cancelled = this.state === 'cancelled';
    this.state = cancelled ? 'cancelled' : 'failed';
    this.events.onFailure(this, cancelled ? 487 : status, reason);
  }

  /** Stops ringing (§9.1): CANCEL once a provisional response has come, else as soon as one does. */
  cancel(): void {
    if (this.state !== 'calling' && this.state !== 'proceeding') return;
    this.#cancelWanted = true;
    const before = this.state;
    this.state = 'cancelled';
    // With no provisional yet, the CANCEL waits for one; if none comes, Timer B ends the INVITE.
    if (before === 'proceeding') this.sendCancel();
  }

  private sendCancel(): void {
    if (this.#tx) void this.ctx.stack.sendCancel(this.#tx).catch(() => {});
  }

  get protocol(): Flow['protocol'] {
    return this.#target?.protocol ?? 'udp';
  }

  /** A request inside the dialog, to the callee. */
  request(method: string, sdp?: string, extra: [string, string][] = []): Promise<SipResponse | null> {
    return this.requestWithBody(method, sdp ? { type: SDP, data: sdp } : undefined, extra);
  }

  requestWithBody(
    method: string,
    body: RequestBody | undefined,
    extra: [string, string][] = [],
  ): Promise<SipResponse | null> {
    return requestInDialog(this.ctx, this.dialog, this.#target, method, body, extra);
  }

  /** A stray 2xx (transaction gone) for this leg: ACK it again. */
  reack(response: SipResponse): void {
    if (this.#ack && this.dialog && response.to.tag === this.dialog.id.remoteTag)
      void this.ctx.stack.sendStateless(this.#ack, this.#target).catch(() => {});
  }

  dispose(): void {
    this.dialog?.terminate();
    if (this.state !== 'answered' && this.state !== 'failed') this.cancel();
    if (this.state === 'answered') this.state = 'ended';
  }
}
