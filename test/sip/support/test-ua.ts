// A small user agent on top of the stack, for conformance and interop tests: it answers
// OPTIONS, runs a registrar (Digest for the users it knows), answers INVITE by policy and
// keeps dialogs, and can place calls and registrations of its own.
import {
  createResponse,
  Dialog,
  DialogTable,
  type DigestAlgorithm,
  DigestAuthenticator,
  type Flow,
  type ServerTransaction,
  SipError,
  type SipRequest,
  type SipResponse,
  SipStack,
  type SipStackOptions,
  StreamTransport,
  type StreamTransportOptions,
  Uas2xxRetransmission,
  UdpTransport,
} from '../../../src/sip/index.ts';

export const SDP = (port: number) =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;

export interface TestUaOptions {
  /** Users of the registrar and their passwords; REGISTER with credentials is checked against them. */
  users?: Record<string, string>;
  /** When true every REGISTER must authenticate; otherwise only those that carry credentials. */
  requireAuth?: boolean;
  algorithms?: DigestAlgorithm[];
  /** How INVITE outside a dialog is answered (default 486). */
  inviteStatus?: number;
  stack?: Partial<SipStackOptions>;
  tcp?: StreamTransportOptions;
}

export interface Binding {
  contact: string;
  expires: number;
  flow: Flow;
}

export class TestUa {
  readonly stack: SipStack;
  readonly udp = new UdpTransport({ host: '127.0.0.1', port: 0 });
  readonly tcp: StreamTransport;
  readonly bindings = new Map<string, Binding[]>();
  readonly auth: DigestAuthenticator;
  readonly received: SipRequest[] = [];
  readonly dialogs = new DialogTable();
  /** Flows of dialogs, so in-dialog requests reuse the connection or address of the peer. */
  readonly flows = new Map<Dialog, Flow>();
  readonly #waitingAck = new Map<Dialog, Uas2xxRetransmission>();
  /** Dialog events in order, for tests to assert on. */
  readonly log: string[] = [];

  constructor(readonly options: TestUaOptions = {}) {
    this.tcp = new StreamTransport('tcp', { host: '127.0.0.1', port: 0, ...options.tcp });
    this.auth = new DigestAuthenticator({
      realm: 'switchboard.test',
      algorithms: options.algorithms ?? ['SHA-256', 'MD5'],
      lookup: (user) => {
        const password = options.users?.[user];
        return password === undefined ? undefined : { password };
      },
    });
    this.stack = new SipStack(
      {
        transports: [this.udp, this.tcp],
        forceRport: true,
        policy: { acceptedBodies: ['application/sdp', 'multipart/mixed', 'text/plain'] },
        ...options.stack,
      },
      {
        onRequest: (req, tx, flow) => {
          // A handler that fails answers 500 (a malformed typed header: its own status).
          this.onRequest(req, tx, flow).catch((e: unknown) =>
            tx.respond(createResponse(req, e instanceof SipError && e.status !== null ? e.status : 500)),
          );
        },
        onAck: (ack) => this.onAck(ack),
        onStrayResponse: (r) => this.onStrayResponse?.(r),
      },
    );
  }

  async start(): Promise<this> {
    await this.stack.start();
    return this;
  }

  stop(): Promise<void> {
    for (const w of this.#waitingAck.values()) w.dispose();
    this.#waitingAck.clear();
    return this.stack.stop();
  }

  /** Set by the UAC helpers: a 2xx whose transaction has ended still needs its ACK. */
  onStrayResponse: ((r: SipResponse) => void) | undefined;

  contact(flow: Flow): string {
    return `<sip:ua@${this.stack.hostPort(flow.protocol)};transport=${flow.protocol}>`;
  }

  private onAck(ack: SipRequest): void {
    const dialog = this.dialogs.forRequest(ack);
    if (!dialog) return;
    this.#waitingAck.get(dialog)?.ack();
    this.#waitingAck.delete(dialog);
    this.log.push('ack');
  }

  /** §12.2.2: requests inside one of our dialogs. */
  private inDialog(req: SipRequest, tx: ServerTransaction): void {
    const dialog = this.dialogs.forRequest(req);
    if (!dialog) {
      tx.respond(createResponse(req, 481));
      return;
    }
    const problem = dialog.receiveRequest(req);
    if (problem) {
      tx.respond(createResponse(req, problem.status ?? 500));
      return;
    }
    this.log.push(req.method.toLowerCase());
    if (req.method === 'BYE') {
      this.dialogs.delete(dialog);
      this.flows.delete(dialog);
    }
    tx.respond(createResponse(req, 200));
  }

  /** Answers an INVITE 180 then 200 with SDP and keeps the dialog (§13.3.1). */
  private answer(req: SipRequest, tx: ServerTransaction, flow: Flow): void {
    const ringing = createResponse(req, 180);
    const ok = createResponse(req, 200, 'OK', ringing.to.tag);
    ok.append('Contact', this.contact(flow));
    ok.append('Content-Type', 'application/sdp');
    ok.body = Buffer.from(SDP(40000));
    tx.respond(ringing);
    tx.respond(ok);
    const dialog = this.dialogs.add(Dialog.uas(req, ok));
    this.flows.set(dialog, flow);
    const wait = new Uas2xxRetransmission(tx, ok, this.stack.timers, flow.protocol !== 'udp', () => {
      this.#waitingAck.delete(dialog);
      this.log.push('ack-timeout');
    });
    this.#waitingAck.set(dialog, wait);
    this.log.push('invite');
  }

  private async onRequest(req: SipRequest, tx: ServerTransaction, flow: Flow): Promise<void> {
    this.received.push(req);
    // §12.2.2: a request naming a dialog we do not have gets 481.
    if (req.to.tag !== undefined) return this.inDialog(req, tx);
    switch (req.method) {
      case 'OPTIONS': {
        const r = createResponse(req, 200);
        r.append('Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, MESSAGE');
        r.append('Accept', 'application/sdp');
        return tx.respond(r);
      }
      case 'REGISTER':
        return this.register(req, tx, flow);
      case 'MESSAGE':
      case 'BYE':
        return tx.respond(createResponse(req, 200));
      case 'INVITE': {
        // §8.2.3 and RFC 4475 §3.3.15: we can only answer with SDP.
        const accept = req.has('Accept') ? req.accept.map((a) => a.essence) : ['application/sdp'];
        if (
          !accept.includes('application/sdp') &&
          !accept.includes('*/*') &&
          !accept.includes('application/*')
        ) {
          const r = createResponse(req, 406);
          r.append('Accept', 'application/sdp');
          return tx.respond(r);
        }
        if (this.options.inviteStatus === 200) return this.answer(req, tx, flow);
        return tx.respond(createResponse(req, this.options.inviteStatus ?? 486));
      }
      default: {
        const r = createResponse(req, 405);
        r.append('Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, MESSAGE');
        return tx.respond(r);
      }
    }
  }

  private async register(req: SipRequest, tx: ServerTransaction, flow: Flow): Promise<void> {
    if (this.options.requireAuth || req.has('Authorization')) {
      const result = await this.auth.verify(req);
      if (!result.ok) return tx.respond(result.response);
    }
    const aor = req.to.uri.toString();
    const contacts = req.contact;
    const expires = req.expires ?? 3600;
    if (contacts === '*') this.bindings.delete(aor);
    else {
      const list = (this.bindings.get(aor) ?? []).filter(
        (b) => !contacts.some((c) => c.uri.toString() === b.contact),
      );
      for (const c of contacts) {
        const e = Number(c.param('expires') ?? expires);
        if (e > 0) list.push({ contact: c.uri.toString(), expires: e, flow });
      }
      this.bindings.set(aor, list);
    }
    const r = createResponse(req, 200);
    for (const b of this.bindings.get(aor) ?? []) r.append('Contact', `<${b.contact}>;expires=${b.expires}`);
    tx.respond(r);
  }
}

/** Leak check: once transaction timers have run out, no transaction, timer or dialog is left. */
export async function expectNoLeaks(ua: TestUa, timeout = 10_000): Promise<void> {
  const { expect, vi } = await import('vitest');
  await vi.waitFor(
    () => {
      const s = ua.stack.stats;
      expect(s.serverTransactions + s.clientTransactions + s.timers).toBe(0);
    },
    { timeout, interval: 20 },
  );
  expect(ua.dialogs.size).toBe(0);
}
