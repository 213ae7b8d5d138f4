// INVITE client transaction, RFC 3261 §17.1.1 (Figure 5) with the Accepted state of RFC 6026.
import { headerName } from '../header-names.ts';
import { SipRequest, type SipResponse } from '../message.ts';
import {
  ClientTransaction,
  type ClientTransactionUser,
  type TimerSettings,
  type TransactionChannel,
} from './transaction.ts';

export class InviteClientTransaction extends ClientTransaction {
  #interval: number;
  #ack: SipRequest | undefined;

  constructor(
    id: string,
    request: SipRequest,
    channel: TransactionChannel,
    timers: TimerSettings,
    user: ClientTransactionUser,
  ) {
    super(id, request, channel, timers, 'calling', user);
    this.#interval = timers.T1;
  }

  /** §17.1.1.2: send the INVITE; Timer A = T1 (unreliable only), Timer B = 64*T1. */
  start(): void {
    this.send(this.request);
    if (!this.channel.reliable) this.startTimer('A', this.#interval, () => this.timerA());
    this.startTimer('B', 64 * this.timers.T1, () => this.timerB());
  }

  private timerA(): void {
    // §17.1.1.2: when Timer A fires, retransmit and reset it to twice its value.
    this.send(this.request);
    this.#interval *= 2;
    this.startTimer('A', this.#interval, () => this.timerA());
  }

  private timerB(): void {
    // §17.1.1.2: if still Calling when Timer B fires, inform the TU of a timeout.
    if (this.state !== 'calling') return;
    this.transition('terminated');
    this.user.onTimeout?.(this);
  }

  receiveResponse(response: SipResponse): void {
    const s = this.state;
    const status = response.status;
    if (s === 'terminated') return;
    if (s === 'accepted') {
      // RFC 6026 §8.4: in Accepted, any 2xx (a retransmission or another fork) goes to the TU.
      if (status >= 200 && status < 300) this.user.onResponse(response, this);
      return;
    }
    if (s === 'completed') {
      // §17.1.1.2: a retransmitted final response in Completed makes us send the ACK again.
      if (status >= 300 && this.#ack) this.send(this.#ack);
      return;
    }
    if (status < 200) {
      // §17.1.1.2: a provisional response moves Calling to Proceeding; retransmissions stop.
      this.stopTimer('A');
      this.stopTimer('B');
      this.transition('proceeding');
      this.user.onResponse(response, this);
      return;
    }
    this.stopTimer('A');
    this.stopTimer('B');
    if (status < 300) {
      // RFC 6026 §8.4: a 2xx moves to Accepted; Timer M = 64*T1. The ACK is the TU's.
      this.transition('accepted');
      this.startTimer('M', 64 * this.timers.T1, () => this.transition('terminated'));
      this.user.onResponse(response, this);
      return;
    }
    // §17.1.1.2: 300-699 moves to Completed; the transaction sends the ACK; Timer D is at
    // least 32 s for unreliable transports and 0 for reliable ones.
    this.#ack = createNon2xxAck(this.request, response);
    this.transition('completed');
    this.send(this.#ack);
    this.user.onResponse(response, this);
    if (this.channel.reliable) this.transition('terminated');
    else
      this.startTimer('D', this.timers.D ?? Math.max(32_000, 64 * this.timers.T1), () =>
        this.transition('terminated'),
      );
  }
}

/**
 * §17.1.1.3: the ACK for a non-2xx final response has the Request-URI, Call-ID, From,
 * CSeq number and top Via of the INVITE, the To of the response, and the INVITE's Route.
 */
export function createNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const ack = new SipRequest('ACK', invite.uri);
  const copy = (name: string, from: SipRequest | SipResponse) => {
    const key = headerName(name).key;
    for (let i = 0; i < from.keys.length; i++) {
      if (from.keys[i] === key) ack.append(name, from.values[i]!);
    }
  };
  const via = invite.topVia;
  ack.append('Via', via.toString());
  ack.append('Max-Forwards', '70');
  copy('From', invite);
  copy('To', response);
  copy('Call-ID', invite);
  ack.append('CSeq', `${invite.cseq.seq} ACK`);
  copy('Route', invite);
  return ack;
}
