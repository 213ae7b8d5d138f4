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

/** How a transaction reaches the transport layer: bound to one flow or target. */
export interface TransactionChannel {
  readonly reliable: boolean;
  /** Sends a message; a failure is reported through `onTransportError`. */
  send(message: SipMessage): void;
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
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** Called by the stack's transaction table on termination. */
  onRemove: ((t: Transaction) => void) | undefined;

  constructor(
    /** The key the transaction table finds it by. */
    readonly id: string,
    readonly request: SipRequest,
    protected readonly channel: TransactionChannel,
    protected readonly timers: TimerSettings,
    initial: TransactionState,
  ) {
    this.#state = initial;
  }

  abstract readonly user: TransactionUser;

  get state(): TransactionState {
    return this.#state;
  }

  /** Number of timers currently scheduled (for leak checks). */
  get pendingTimers(): number {
    return this.#timers.size;
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
    const t = setTimeout(() => {
      this.#timers.delete(name);
      fire();
    }, ms);
    this.#timers.set(name, t);
  }

  protected stopTimer(name: string): void {
    const t = this.#timers.get(name);
    if (t) {
      clearTimeout(t);
      this.#timers.delete(name);
    }
  }

  private clearTimers(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }

  protected send(message: SipMessage): void {
    if (this.#state === 'terminated') return;
    this.channel.send(message);
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

export abstract class ServerTransaction extends Transaction {
  #lastResponse: SipResponse | undefined;
  user: ServerTransactionUser = {};

  get lastResponse(): SipResponse | undefined {
    return this.#lastResponse;
  }

  protected sendResponse(response: SipResponse): void {
    this.#lastResponse = response;
    this.send(response);
  }

  protected resendLast(): void {
    if (this.#lastResponse) this.send(this.#lastResponse);
  }

  abstract receiveRequest(request: SipRequest): void;
  /** Sends a response from the TU through the state machine. */
  abstract respond(response: SipResponse): void;
}
