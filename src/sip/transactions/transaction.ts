// What the four RFC 3261 §17 state machines share: the timer values (§17.1.1.1, Table 4),
// the channel they send through, the delegate interfaces, and timer bookkeeping so that
// `dispose()` always leaves nothing scheduled.
import type { SipMessage, SipRequest, SipResponse } from '../message.ts';

export interface TimerSettings {
  /** RTT estimate (default 500 ms). */
  T1: number;
  /** Longest retransmit interval for non-INVITE requests and INVITE responses (default 4 s). */
  T2: number;
  /** Longest time a message stays in the network (default 5 s). */
  T4: number;
  /** Timer D: how long an INVITE client waits for retransmitted finals over UDP (at least 32 s, Table 4). */
  D?: number;
}

export const DEFAULT_TIMERS: TimerSettings = { T1: 500, T2: 4000, T4: 5000, D: 32_000 };

const EMPTY = Buffer.alloc(0);

/** How a transaction reaches the transport layer: bound to one flow or target. */
export interface TransactionChannel {
  readonly reliable: boolean;
  /** Sends a message and returns the bytes sent; a failure is reported through `onTransportError`. */
  send(message: SipMessage): Buffer;
  /** Sends bytes already serialized again: a retransmitted response (RFC 3261 §17.2.1, §17.2.2). */
  resend(data: Buffer): void;
}

export type TransactionState =
  | 'calling'
  | 'trying'
  | 'proceeding'
  | 'accepted'
  | 'completed'
  | 'confirmed'
  | 'terminated';

export interface TransactionUser {
  /** The transaction will not retransmit or absorb anything more; it has left the table. */
  onTerminated?(transaction: Transaction): void;
  /** The transport failed; the transaction is terminated (RFC 3261 §17.1.4, §17.2.4). */
  onTransportError?(error: Error, transaction: Transaction): void;
}

export interface ClientTransactionUser extends TransactionUser {
  /** Provisional and final responses; for INVITE every 2xx (retransmissions and forks) too. */
  onResponse(response: SipResponse, transaction: ClientTransaction): void;
  /** Timer B or F fired with no final response; act as if a 408 arrived (RFC 3261 §8.1.3.1). */
  onTimeout?(transaction: ClientTransaction): void;
}

export interface ServerTransactionUser extends TransactionUser {
  /** A CANCEL matched this INVITE (RFC 3261 §9.2); the TU should answer the INVITE 487. */
  onCancel?(cancel: SipRequest, transaction: ServerTransaction): void;
  /** An ACK matched an INVITE server transaction in the Accepted state (RFC 6026 §8.7). */
  onAck?(ack: SipRequest, transaction: ServerTransaction): void;
  /** Timer H fired: no ACK came for a final non-2xx response (RFC 3261 §17.2.1). */
  onTimeout?(transaction: ServerTransaction): void;
}

export abstract class Transaction {
  #state: TransactionState;
  #request: SipRequest | undefined;
  /** Created with the first timer and dropped with the last: most hold one or two at a time. */
  #timers: Map<string, NodeJS.Timeout> | undefined;
  /** Called by the stack's transaction table on termination. */
  onRemove: ((t: Transaction) => void) | undefined;

  constructor(
    /** The key the transaction table finds it by. */
    readonly id: string,
    request: SipRequest,
    protected readonly channel: TransactionChannel,
    protected readonly timers: TimerSettings,
    initial: TransactionState,
  ) {
    this.#request = request;
    this.#state = initial;
  }

  abstract readonly user: TransactionUser;

  /** The request that created the transaction; a completed non-INVITE server transaction no longer keeps it. */
  get request(): SipRequest {
    const r = this.#request;
    if (!r) throw new Error(`transaction ${this.id}: the request is not kept once it has completed`);
    return r;
  }

  /** Lets the parsed request go (it may then be collected); `request` throws after this. */
  protected releaseRequest(): void {
    this.#request = undefined;
  }

  get state(): TransactionState {
    return this.#state;
  }

  /** Number of timers currently scheduled (for leak checks). */
  get pendingTimers(): number {
    return this.#timers?.size ?? 0;
  }

  protected transition(state: TransactionState): void {
    if (this.#state === 'terminated') return;
    this.#state = state;
    if (state === 'terminated') {
      this.clearTimers();
      this.onRemove?.(this);
      this.user.onTerminated?.(this);
    }
  }

  protected startTimer(name: string, ms: number, fire: () => void): void {
    this.stopTimer(name);
    let timers = this.#timers;
    if (!timers) {
      timers = new Map();
      this.#timers = timers;
    }
    const t = setTimeout(() => {
      this.forgetTimer(name);
      fire();
    }, ms);
    timers.set(name, t);
  }

  protected stopTimer(name: string): void {
    const t = this.#timers?.get(name);
    if (t) {
      clearTimeout(t);
      this.forgetTimer(name);
    }
  }

  /** An empty map is dropped: a completed transaction waits out Timer J with none. */
  private forgetTimer(name: string): void {
    const timers = this.#timers;
    if (timers?.delete(name) && timers.size === 0) this.#timers = undefined;
  }

  private clearTimers(): void {
    const timers = this.#timers;
    if (!timers) return;
    for (const t of timers.values()) clearTimeout(t);
    this.#timers = undefined;
  }

  /** Sends a message; returns its bytes (empty once terminated). */
  protected send(message: SipMessage): Buffer {
    if (this.#state === 'terminated') return EMPTY;
    return this.channel.send(message);
  }

  /** The transport could not deliver: terminate and tell the TU. */
  transportError(error: Error): void {
    if (this.#state === 'terminated') return;
    this.transition('terminated');
    this.user.onTransportError?.(error, this);
  }

  /** Terminates without telling the TU anything more; clears every timer. */
  dispose(): void {
    this.transition('terminated');
  }
}

export abstract class ClientTransaction extends Transaction {
  constructor(
    id: string,
    request: SipRequest,
    channel: TransactionChannel,
    timers: TimerSettings,
    initial: TransactionState,
    readonly user: ClientTransactionUser,
  ) {
    super(id, request, channel, timers, initial);
  }
  abstract receiveResponse(response: SipResponse): void;
}

/** The user of a server transaction nobody took: no callbacks (frozen, as it is shared). */
const NO_USER: ServerTransactionUser = Object.freeze({});

export abstract class ServerTransaction extends Transaction {
  #lastResponse: SipResponse | undefined;
  /** The last response as sent: what a retransmitted request gets again (§17.2.1, §17.2.2). */
  #lastBytes: Buffer | undefined;
  #lastStatus = 0;
  user: ServerTransactionUser = NO_USER;

  /** The last response sent; a completed non-INVITE transaction keeps only its status and bytes. */
  get lastResponse(): SipResponse | undefined {
    return this.#lastResponse;
  }

  /** Status of the last response sent (0 before any), kept for the whole transaction. */
  get lastStatus(): number {
    return this.#lastStatus;
  }

  protected sendResponse(response: SipResponse): void {
    this.#lastResponse = response;
    this.#lastStatus = response.status;
    this.#lastBytes = this.send(response);
  }

  protected resendLast(): void {
    if (this.#lastBytes && this.state !== 'terminated') this.channel.resend(this.#lastBytes);
  }

  /**
   * Keeps only what absorbing retransmissions needs (the last response's bytes, its status and
   * the channel): the parsed request and response may be collected while the transaction waits
   * out Timer J (64*T1 on UDP, §17.2.2).
   */
  protected slim(): void {
    this.#lastResponse = undefined;
    this.releaseRequest();
  }

  abstract receiveRequest(request: SipRequest): void;
  /** Sends a response from the TU through the state machine. */
  abstract respond(response: SipResponse): void;
}
