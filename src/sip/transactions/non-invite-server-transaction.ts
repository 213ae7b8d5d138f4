// Non-INVITE server transaction, RFC 3261 §17.2.2 (Figure 8).
import type { SipRequest, SipResponse } from '../message.ts';
import type { Expiring, ExpiryQueue } from './expiry-queue.ts';
import { ServerTransaction, type TimerSettings, type TransactionChannel } from './transaction.ts';

export class NonInviteServerTransaction extends ServerTransaction implements Expiring {
  constructor(
    id: string,
    request: SipRequest,
    channel: TransactionChannel,
    timers: TimerSettings,
    /** Timer J shared by a stack's transactions (its delay is 64*T1); else a timer of our own. */
    private readonly timerJ?: ExpiryQueue,
  ) {
    super(id, request, channel, timers, 'trying');
    // A non-INVITE transaction is over for the client after 64*T1 (Timer F, RFC 4320 §4):
    // if the TU has not answered by then, nobody is waiting; end it rather than keep it forever.
    this.startTimer('TU', 64 * timers.T1, () => this.transition('terminated'));
  }

  receiveRequest(_request: SipRequest): void {
    // §17.2.2: retransmissions are discarded in Trying; in Proceeding and Completed the last
    // response is sent again.
    if (this.state === 'proceeding' || this.state === 'completed') this.resendLast();
  }

  respond(response: SipResponse): void {
    const s = this.state;
    if (s === 'completed' || s === 'terminated') return; // §17.2.2: later TU responses are discarded
    if (response.status < 200) {
      // §17.2.2: a provisional response from the TU moves Trying to Proceeding.
      this.transition('proceeding');
      this.sendResponse(response);
      return;
    }
    // §17.2.2: a final response moves to Completed; Timer J = 64*T1 (unreliable) or 0 (reliable).
    this.stopTimer('TU');
    this.transition('completed');
    this.sendResponse(response);
    if (this.channel.reliable) this.transition('terminated');
    else {
      this.slim();
      if (this.timerJ) this.timerJ.add(this);
      else this.startTimer('J', 64 * this.timers.T1, () => this.expire());
    }
  }

  /** Timer J fired: Completed moves to Terminated (§17.2.2). */
  expire(): void {
    if (this.state === 'completed') this.transition('terminated');
  }
}
