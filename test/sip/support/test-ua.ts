// A small user agent on top of the stack, for conformance and interop tests: it answers
// OPTIONS, runs a registrar (Digest for the users it knows), answers INVITE by policy and
// keeps dialogs, and can place calls and registrations of its own.
import {
  createResponse,
  type DigestAlgorithm,
  DigestAuthenticator,
  type Flow,
  type ServerTransaction,
  type SipRequest,
  SipStack,
  type SipStackOptions,
  StreamTransport,
  type StreamTransportOptions,
  UdpTransport,
} from '../../../src/sip/index.ts';

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
      { onRequest: (req, tx, flow) => void this.onRequest(req, tx, flow) },
    );
  }

  async start(): Promise<this> {
    await this.stack.start();
    return this;
  }

  stop(): Promise<void> {
    return this.stack.stop();
  }

  private async onRequest(req: SipRequest, tx: ServerTransaction, flow: Flow): Promise<void> {
    this.received.push(req);
    // §12.2.2: a request naming a dialog we do not have gets 481.
    if (req.to.tag !== undefined) return tx.respond(createResponse(req, 481));
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
