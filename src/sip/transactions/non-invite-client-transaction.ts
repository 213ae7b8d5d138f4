// Non-INVITE client transaction, RFC 3261 §17.1.2 (Figure 6).
import type { SipRequest, SipResponse } from '../message.ts';
import {
  ClientTransaction,
  type ClientTransactionUser,
  type TimerSettings,
  type TransactionChannel,
} from './transaction.ts';

export class NonInviteClientTransaction extends ClientTransaction {
  #interval: number;

  constructor(
    id: string,
    request: SipRequest,
    channel: TransactionChannel,
    timers: TimerSettings,
    user: ClientTransactionUser,
  ) {
    super(id, request, channel, timers, 'trying', user);
    this.#interval = timers.T1;
  }

  /** §17.1.2.2: the request is passed to the transport layer; Timer F is set to 64*T1, Timer E to T1 (unreliable). */
  start(): void {
    this.send(this.request);
    if (!this.channel.reliable) this.startTimer('E', this.#interval, () => this.timerE());
    this.startTimer('F', 64 * this.timers.T1, () => this.timerF());
  }

  private timerE(): void {
    // §17.1.2.2: in Trying, E doubles up to T2; in Proceeding, it fires every T2.
    this.send(this.request);
    this.#interval = this.state === 'trying' ? Math.min(2 * this.#interval, this.timers.T2) : this.timers.T2;
    this.startTimer('E', this.#interval, () => this.timerE());
  }

  private timerF(): void {
    // §17.1.2.2: if Timer F fires in Trying or Proceeding, inform the TU of a timeout and terminate.
    this.transition('terminated');
    this.user.onTimeout?.(this);
  }

  receiveResponse(response: SipResponse): void {
    const s = this.state;
    if (s === 'completed' || s === 'terminated') return; // §17.1.2.2: Completed buffers retransmissions
    if (response.status < 200) {
      // §17.1.2.2: a provisional response moves Trying to Proceeding and goes up to the TU.
      if (s === 'trying') this.transition('proceeding');
      this.user.onResponse(response, this);
      return;
    }
    // §17.1.2.2: a final response moves to Completed; Timer K = T4 (unreliable) or 0 (reliable).
    this.stopTimer('E');
    this.stopTimer('F');
    this.transition('completed');
    this.user.onResponse(response, this);
    if (this.channel.reliable) this.transition('terminated');
    else this.startTimer('K', this.timers.T4, () => this.transition('terminated'));
  }
}
