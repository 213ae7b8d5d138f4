// INVITE server transaction, RFC 3261 §17.2.1 (Figure 7) with the Accepted state of RFC 6026.
import type { SipRequest, SipResponse } from '../message.ts';
import { ServerTransaction, type TimerSettings, type TransactionChannel } from './transaction.ts';

export class InviteServerTransaction extends ServerTransaction {
  #interval: number;

  constructor(
    id: string,
    request: SipRequest,
    channel: TransactionChannel,
    timers: TimerSettings,
    /** Builds the 100 Trying the transaction sends if the TU is slow. */
    private readonly trying: (request: SipRequest) => SipResponse,
  ) {
    super(id, request, channel, timers, 'proceeding');
    this.#interval = timers.T1;
    // §17.2.1: the server transaction MUST generate a 100 (Trying) unless the TU answers
    // within 200 ms.
    this.startTimer('Trying', 200, () => {
      if (this.state === 'proceeding' && !this.lastResponse) this.sendResponse(this.trying(this.request));
    });
  }

  receiveRequest(request: SipRequest): void {
    const s = this.state;
    if (request.method === 'ACK') {
      if (s === 'completed') {
        // §17.2.1: an ACK in Completed moves to Confirmed; Timer I = T4 (unreliable) or 0.
        this.stopTimer('G');
        this.stopTimer('H');
        this.transition('confirmed');
        if (this.channel.reliable) this.transition('terminated');
        else this.startTimer('I', this.timers.T4, () => this.transition('terminated'));
      } else if (s === 'accepted') {
        // RFC 6026 §8.7: an ACK matching in Accepted is passed to the TU.
        this.user.onAck?.(request, this);
      }
      return;
    }
    // §17.2.1: a retransmitted INVITE in Proceeding or Completed gets the last response again;
    // RFC 6026 §8.7: in Accepted it is absorbed.
    if (s === 'proceeding' || s === 'completed') this.resendLast();
  }

  respond(response: SipResponse): void {
    const s = this.state;
    const status = response.status;
    if (s === 'accepted') {
      // RFC 6026 §8.7: the TU's 2xx retransmissions pass through in Accepted.
      if (status >= 200 && status < 300) this.sendResponse(response);
      return;
    }
    if (s !== 'proceeding') return;
    this.stopTimer('Trying');
    if (status < 200) {
      this.sendResponse(response); // §17.2.1: provisional responses keep us in Proceeding
      return;
    }
    if (status < 300) {
      // RFC 6026 §8.5: a 2xx moves Proceeding to Accepted; Timer L = 64*T1.
      this.transition('accepted');
      this.sendResponse(response);
      this.startTimer('L', 64 * this.timers.T1, () => this.transition('terminated'));
      return;
    }
    // §17.2.1: 300-699 moves to Completed; Timer G = T1 (unreliable only), Timer H = 64*T1.
    this.transition('completed');
    this.sendResponse(response);
    if (!this.channel.reliable) this.startTimer('G', this.#interval, () => this.timerG());
    this.startTimer('H', 64 * this.timers.T1, () => this.timerH());
  }

  private timerG(): void {
    // §17.2.1: when G fires, retransmit and set G to min(2*G, T2).
    this.resendLast();
    this.#interval = Math.min(2 * this.#interval, this.timers.T2);
    this.startTimer('G', this.#interval, () => this.timerG());
  }

  private timerH(): void {
    // §17.2.1: if Timer H fires in Completed, no ACK came; terminate and tell the TU.
    this.transition('terminated');
    this.user.onTimeout?.(this);
  }
}
