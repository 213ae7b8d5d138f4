// The SIP stack: transports below, the transaction table in the middle, one delegate above.
// It parses what arrives, answers malformed requests statelessly, stamps received/rport
// (RFC 3261 §18.2.1, RFC 3581), matches transactions (§17.1.3, §17.2.3), applies the UAS
// checks of §8.2, and sends requests and responses along the right flow (§18.2.2).
import { SipError, TransportError } from './errors.ts';
import { createCancel, createResponse, newBranch } from './factory.ts';
import { ownString } from './grammar.ts';
import { Via } from './headers.ts';
import { type SipMessage, SipRequest, type SipResponse } from './message.ts';
import {
  DEFAULT_LIMITS,
  MessageParseError,
  type ParseLimits,
  parseMessage,
  validateRequest,
} from './parser.ts';
import { checkRequest, DEFAULT_POLICY, type RequestPolicy } from './policy.ts';
import { type Resolver, SystemResolver } from './resolver.ts';
import { ExpiryQueue } from './transactions/expiry-queue.ts';
import { InviteClientTransaction } from './transactions/invite-client-transaction.ts';
import { InviteServerTransaction } from './transactions/invite-server-transaction.ts';
import { clientKey, responseKey, serverKey } from './transactions/keys.ts';
import { NonInviteClientTransaction } from './transactions/non-invite-client-transaction.ts';
import { NonInviteServerTransaction } from './transactions/non-invite-server-transaction.ts';
import {
  type ClientTransaction,
  type ClientTransactionUser,
  DEFAULT_TIMERS,
  type ServerTransaction,
  type TimerSettings,
  type Transaction,
  type TransactionChannel,
} from './transactions/transaction.ts';
import type { Flow, Target, Transport, TransportProtocol } from './transport/types.ts';

export interface SipStackOptions {
  transports: Transport[];
  /** Host written in Via and Contact (default: each transport's bound address). */
  viaHost?: string;
  timers?: Partial<TimerSettings>;
  limits?: Partial<ParseLimits>;
  policy?: Partial<RequestPolicy>;
  /**
   * Answer every request to the address and port it came from, as if it carried `rport`
   * (RFC 3581 behaviour for clients behind NAT that do not ask for it).
   */
  forceRport?: boolean;
  /** RFC 3263 resolution of outbound targets (default: system DNS). */
  resolver?: Resolver;
  /** Messages from a flow this returns false for are dropped unread (a banned address). */
  admit?: (flow: Flow) => boolean;
}

export interface SipStackDelegate {
  /** A new request with its server transaction (everything but ACK and a matched CANCEL). */
  onRequest(request: SipRequest, transaction: ServerTransaction, flow: Flow): void;
  /** An ACK that matches no transaction: the ACK for a 2xx, which belongs to the dialog (§13.3.1.4). */
  onAck?(ack: SipRequest, flow: Flow): void;
  /** A 2xx to an INVITE whose transaction is gone: a retransmission the dialog must ACK again (§13.2.2.4). */
  onStrayResponse?(response: SipResponse, flow: Flow): void;
  /** A message was discarded, with why (malformed, not ours, unmatched). */
  onDrop?(reason: string, flow: Flow): void;
}

export interface SendOptions {
  /** Send to this target or flow instead of resolving the Request-URI / Route. */
  target?: Target | Flow;
}

export class SipStack {
  readonly timers: TimerSettings;
  readonly limits: ParseLimits;
  readonly policy: RequestPolicy;
  readonly resolver: Resolver;
  readonly #transports = new Map<TransportProtocol, Transport>();
  readonly #server = new Map<string, ServerTransaction>();
  /** Timer J of every completed non-INVITE server transaction (§17.2.2). */
  readonly #timerJ: ExpiryQueue;
  readonly #client = new Map<string, ClientTransaction>();
  readonly #ours = new Set<string>();
  readonly #channels = new WeakMap<Transaction, Channel>();
  /** Every attempt of an RFC 3263 failover chain maps to the chain, which knows the live one. */
  readonly #chains = new WeakMap<ClientTransaction, FailoverChain>();
  #delegate: SipStackDelegate;

  constructor(
    private readonly options: SipStackOptions,
    delegate: SipStackDelegate,
  ) {
    this.timers = { ...DEFAULT_TIMERS, ...options.timers };
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.policy = { ...DEFAULT_POLICY, ...options.policy };
    this.resolver = options.resolver ?? new SystemResolver();
    this.#timerJ = new ExpiryQueue(64 * this.timers.T1);
    this.#delegate = delegate;
    for (const t of options.transports) this.#transports.set(t.protocol, t);
  }

  set delegate(d: SipStackDelegate) {
    this.#delegate = d;
  }

  async start(): Promise<void> {
    const listener = {
      onMessage: (data: Buffer, flow: Flow) => this.receive(data, flow),
    };
    for (const t of this.#transports.values()) await t.listen(listener);
    for (const t of this.#transports.values()) this.#ours.add(this.viaHost(t.protocol).toLowerCase());
    if (this.options.viaHost) this.#ours.add(this.options.viaHost.toLowerCase());
  }

  async stop(): Promise<void> {
    for (const t of [...this.#server.values(), ...this.#client.values()]) t.dispose();
    this.#timerJ.clear();
    for (const t of this.#transports.values()) await t.close();
  }

  transport(protocol: TransportProtocol): Transport | undefined {
    return this.#transports.get(protocol);
  }

  /** Live transactions and connections, for leak checks and metrics. */
  get stats(): {
    serverTransactions: number;
    clientTransactions: number;
    timers: number;
    connections: number;
  } {
    let timers = this.#timerJ.pendingTimers;
    for (const t of [...this.#server.values(), ...this.#client.values()]) timers += t.pendingTimers;
    let connections = 0;
    for (const t of this.#transports.values()) connections += t.connectionCount;
    return {
      serverTransactions: this.#server.size,
      clientTransactions: this.#client.size,
      timers,
      connections,
    };
  }

  /** The host this stack writes in Via/Contact for a transport. */
  viaHost(protocol: TransportProtocol): string {
    if (this.options.viaHost) return this.options.viaHost;
    const a = this.#transports.get(protocol)?.localAddress ?? '127.0.0.1';
    const host = a === '0.0.0.0' || a === '::' || a === '' ? '127.0.0.1' : a;
    return host.includes(':') ? `[${host}]` : host;
  }

  /** `host:port` this stack is reachable at on a transport (for Contact headers). */
  hostPort(protocol: TransportProtocol): string {
    return `${this.viaHost(protocol)}:${this.#transports.get(protocol)?.localPort ?? 5060}`;
  }

  // ---- receiving ----

  /** Entry point of every message a transport delivers. */
  receive(data: Buffer, flow: Flow): void {
    if (this.options.admit && !this.options.admit(flow)) {
      this.#delegate.onDrop?.('source not admitted', flow);
      return;
    }
    let message: SipMessage;
    try {
      message = parseMessage(data, this.limits);
    } catch (e) {
      if (e instanceof MessageParseError && e.status !== null && e.partial instanceof SipRequest) {
        this.sendStatelessError(e.partial, e.status, flow);
      }
      this.#delegate.onDrop?.(e instanceof Error ? e.message : 'unparsable', flow);
      return;
    }
    try {
      if (message instanceof SipRequest) this.receiveRequest(message, flow);
      else this.receiveResponse(message as SipResponse, flow);
    } catch (e) {
      // A typed header the application asked for was malformed: answer if we still can.
      if (
        e instanceof SipError &&
        e.status !== null &&
        message instanceof SipRequest &&
        message.method !== 'ACK'
      ) {
        this.sendStatelessError(message, e.status, flow);
      }
      this.#delegate.onDrop?.(e instanceof Error ? e.message : String(e), flow);
    }
  }

  private receiveRequest(request: SipRequest, flow: Flow): void {
    validateRequest(request);
    this.stampVia(request, flow);
    const key = serverKey(request);
    const existing = this.#server.get(key);
    if (existing) {
      existing.receiveRequest(request);
      return;
    }
    if (request.method === 'ACK') {
      this.#delegate.onAck?.(request, flow);
      return;
    }
    const tx = this.createServerTransaction(key, request, flow);
    if (request.method === 'CANCEL') {
      this.cancel(request, tx);
      return;
    }
    const problem = checkRequest(request, this.policy);
    if (problem) {
      const r = createResponse(request, problem.status ?? 400);
      for (const [k, v] of problem.headers) r.append(k, v);
      tx.respond(r);
      return;
    }
    this.#delegate.onRequest(request, tx, flow);
  }

  /** §9.2: a CANCEL is answered 200 when it matches an INVITE transaction, else 481. */
  private cancel(cancel: SipRequest, tx: ServerTransaction): void {
    const invite = this.#server.get(serverKey(cancel, 'INVITE'));
    if (!invite) {
      tx.respond(createResponse(cancel, 481));
      return;
    }
    tx.respond(createResponse(cancel, 200));
    if (invite.state !== 'proceeding') return;
    if (invite.user.onCancel) invite.user.onCancel(cancel, invite);
    else invite.respond(createResponse(invite.request, 487));
  }

  /** §18.2.1 and RFC 3581: record where the request really came from in its top Via. */
  private stampVia(request: SipRequest, flow: Flow): void {
    const via = request.topVia;
    const wantsRport = via.rport === null || (this.options.forceRport === true && via.rport === undefined);
    if (via.host === flow.address && !wantsRport) return;
    const params = new Map(via.params);
    if (via.host.replace(/^\[(.*)\]$/, '$1') !== flow.address || wantsRport)
      params.set('received', flow.address);
    if (wantsRport) params.set('rport', String(flow.port));
    const stamped = new Via(via.transport, via.host, via.port, params, via.protocol, via.version);
    request.shift('Via');
    request.prepend('Via', stamped.toString());
  }

  private createServerTransaction(sliced: string, request: SipRequest, flow: Flow): ServerTransaction {
    const channel = this.responseChannel(request, flow);
    // The table keeps the key 64*T1 after completion (§17.2.2): not a slice of the datagram.
    const key = ownString(sliced);
    const tx =
      request.method === 'INVITE'
        ? new InviteServerTransaction(key, request, channel, this.timers, (r) => createResponse(r, 100))
        : new NonInviteServerTransaction(key, request, channel, this.timers, this.#timerJ);
    this.track(this.#server, tx);
    channel.bind(tx);
    return tx;
  }

  private receiveResponse(response: SipResponse, flow: Flow): void {
    const via = response.topVia;
    // §18.1.2: a response whose top Via sent-by is not ours is discarded.
    if (!this.#ours.has(via.host.toLowerCase())) {
      this.#delegate.onDrop?.('response Via is not ours', flow);
      return;
    }
    const key = responseKey(response);
    const tx = key === undefined ? undefined : this.#client.get(key);
    if (tx) tx.receiveResponse(response);
    else if (response.cseq.method === 'INVITE' && response.status >= 200 && response.status < 300)
      this.#delegate.onStrayResponse?.(response, flow);
    else this.#delegate.onDrop?.('response matches no transaction', flow);
  }

  // ---- sending ----

  /**
   * Sends a request in a new client transaction (INVITE or non-INVITE). Adds a top Via with a
   * fresh branch (unless the request has one, as a CANCEL must) and Max-Forwards.
   */
  async request(
    request: SipRequest,
    user: ClientTransactionUser,
    options: SendOptions = {},
  ): Promise<ClientTransaction> {
    if (options.target) return this.startTransaction(request, user, options.target);
    const targets = await this.resolve(request);
    if (targets.length === 0) throw new TransportError(`cannot resolve ${request.uri}`);
    return this.startWithFailover(request, user, targets);
  }

  /**
   * RFC 3263 §4.3: on a transport error, a timeout or a 503 before any other response, the
   * request goes to the next target in a new transaction (a new branch). The TU sees the
   * responses of whichever attempt answers, and the failure of the last one.
   */
  private startWithFailover(
    request: SipRequest,
    user: ClientTransactionUser,
    targets: Target[],
    chain: FailoverChain = { live: undefined, attempts: 0, liveAttempt: 0 },
  ): ClientTransaction {
    const [target, ...rest] = targets as [Target, ...Target[]];
    const attempt = ++chain.attempts;
    let answered = false;
    const canRetry = () => !answered && rest.length > 0;
    const next = () => {
      const again = new SipRequest(request.method, request.uri);
      for (let i = 0; i < request.keys.length; i++) again.append(request.names[i]!, request.values[i]!);
      again.shift('Via');
      again.body = request.body;
      this.startWithFailover(again, user, rest, chain);
    };
    const failover: ClientTransactionUser = {
      onResponse: (r, tx) => {
        if (r.status === 503 && canRetry()) return next();
        answered = true;
        user.onResponse(r, tx);
      },
      onTimeout: (tx) => (canRetry() ? next() : user.onTimeout?.(tx)),
      onTransportError: (e, tx) => (canRetry() ? next() : user.onTransportError?.(e, tx)),
      onTerminated: (tx) => {
        if (!canRetry()) user.onTerminated?.(tx);
      },
    };
    const tx = this.startTransaction(request, failover, target);
    this.#chains.set(tx, chain);
    // A later attempt may already have started (a failure reported synchronously).
    if (attempt > chain.liveAttempt) {
      chain.live = tx;
      chain.liveAttempt = attempt;
    }
    return tx;
  }

  private startTransaction(
    request: SipRequest,
    user: ClientTransactionUser,
    target: Target | Flow,
  ): ClientTransaction {
    const transport = this.#transports.get(target.protocol);
    if (!transport) throw new TransportError(`no ${target.protocol} transport`);
    if (!request.has('Via')) request.prepend('Via', this.newVia(target.protocol));
    if (!request.has('Max-Forwards')) request.append('Max-Forwards', '70');
    const branch = request.topVia.branch ?? '';
    const key = clientKey(branch, request.method);
    const channel = new Channel(transport, target);
    const tx =
      request.method === 'INVITE'
        ? new InviteClientTransaction(key, request, channel, this.timers, user)
        : new NonInviteClientTransaction(key, request, channel, this.timers, user);
    this.track(this.#client, tx);
    channel.bind(tx);
    this.#channels.set(tx, channel);
    tx.start();
    return tx;
  }

  /**
   * Cancels a pending INVITE client transaction (§9.1); resolves with the CANCEL's transaction.
   * After an RFC 3263 failover the CANCEL goes to the attempt that is live (its branch, its
   * target), whichever attempt of the chain is passed.
   */
  sendCancel(
    invite: ClientTransaction,
    user: ClientTransactionUser = { onResponse: () => {} },
  ): Promise<ClientTransaction> {
    const live = this.#chains.get(invite)?.live ?? invite;
    const cancel = createCancel(live.request);
    return this.request(cancel, user, { target: this.#channels.get(live)?.target });
  }

  /** Where a client transaction's messages go: after the first send, the flow actually used. */
  flowOf(transaction: ClientTransaction): Target | Flow | undefined {
    return this.#channels.get(transaction)?.target;
  }

  /** Sends a message outside any transaction: an ACK for a 2xx, or a stateless response. */
  async sendStateless(message: SipMessage, target?: Target | Flow): Promise<Flow> {
    const to = target ?? (message instanceof SipRequest ? (await this.resolve(message))[0] : undefined);
    if (!to) throw new TransportError('no target');
    const transport = this.#transports.get(to.protocol);
    if (!transport) throw new TransportError(`no ${to.protocol} transport`);
    if (message instanceof SipRequest && !message.has('Via'))
      message.prepend('Via', this.newVia(to.protocol));
    return transport.send(message.toBuffer(), to);
  }

  /** A Via header value for a new request on a transport: our sent-by, a fresh branch, rport. */
  newVia(protocol: TransportProtocol): string {
    const t = this.#transports.get(protocol);
    const port = t?.localPort ?? 5060;
    return `SIP/2.0/${protocol.toUpperCase()} ${this.viaHost(protocol)}:${port};branch=${newBranch()};rport`;
  }

  /** RFC 3263 targets for a request: the first Route (loose routing) or the Request-URI. */
  resolve(request: SipRequest): Promise<Target[]> {
    const next = request.has('Route') ? request.route[0]?.uri : request.uri;
    if (!next) return Promise.resolve([]);
    const available = [...this.#transports.keys()];
    return this.resolver.resolve(next, available);
  }

  /** Answers a request that could not be parsed fully, from what could be read (§8.2.6). */
  private sendStatelessError(partial: SipRequest, status: number, flow: Flow): void {
    const r = createResponse(partial, status);
    const transport = this.#transports.get(flow.protocol);
    // The request's Via may be what was broken, so the answer goes back where it came from.
    transport?.send(r.toBuffer(), flow).catch(() => {});
  }

  /** §18.2.2: where responses to a request go. */
  private responseChannel(request: SipRequest, flow: Flow): Channel {
    const transport = this.#transports.get(flow.protocol)!;
    if (transport.reliable) return new Channel(transport, flow);
    const via = request.topVia;
    const address = via.received ?? via.host.replace(/^\[(.*)\]$/, '$1');
    const rport = via.rport;
    const port = typeof rport === 'number' ? rport : (via.port ?? 5060);
    // A datagram flow is only ever this address: nothing to learn from the flow each send used.
    return new Channel(transport, { ...flow, address, port }, false);
  }

  private track<T extends Transaction>(table: Map<string, T>, tx: T): void {
    table.get(tx.id)?.dispose();
    table.set(tx.id, tx);
    tx.onRemove =
      (table as Map<string, Transaction>) === this.#server ? this.#untrackServer : this.#untrackClient;
  }

  // One remover per table, not a closure per transaction.
  readonly #untrackServer = (tx: Transaction): void => {
    if (this.#server.get(tx.id) === tx) this.#server.delete(tx.id);
  };
  readonly #untrackClient = (tx: Transaction): void => {
    if (this.#client.get(tx.id) === tx) this.#client.delete(tx.id);
  };
}

/** The attempts of one request across RFC 3263 targets: the one that is live, and a count. */
interface FailoverChain {
  live: ClientTransaction | undefined;
  attempts: number;
  liveAttempt: number;
}

/** A transaction's path to the transport: one target or flow, failures reported back. */
class Channel implements TransactionChannel {
  #tx: Transaction | undefined;
  constructor(
    readonly transport: Transport,
    public target: Target | Flow,
    /** Keep the flow each send used as the target (a connection opened, a local address learnt). */
    private readonly follow = true,
  ) {}
  get reliable(): boolean {
    return this.transport.reliable;
  }
  bind(tx: Transaction): void {
    this.#tx = tx;
  }
  send(message: SipMessage): Buffer {
    const data = message.toBuffer();
    this.resend(data);
    return data;
  }
  resend(data: Buffer): void {
    this.transport.send(data, this.target).then(
      (flow) => {
        if (this.follow) this.target = flow;
      },
      (err: Error) => this.#tx?.transportError(err),
    );
  }
}
