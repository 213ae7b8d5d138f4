// RFC 3261 §13.3.1.4: the UAS core, not the transaction, retransmits a 2xx to an INVITE until
// the ACK arrives: first after T1, doubling up to T2; if no ACK has come after 64*T1 the
// dialog is to be ended with a BYE (§13.3.1.4). Over reliable transports nothing is
// retransmitted but the ACK is still awaited.
import type { SipResponse } from '../message.ts';
import type { ServerTransaction, TimerSettings } from '../transactions/transaction.ts';

export class Uas2xxRetransmission {
  #interval: number;
  #retransmit: NodeJS.Timeout | undefined;
  #giveUp: NodeJS.Timeout | undefined;

  constructor(
    private readonly transaction: ServerTransaction,
    private readonly response: SipResponse,
    timers: TimerSettings,
    reliable: boolean,
    /** No ACK within 64*T1: the TU should send BYE. */
    private readonly onTimeout: () => void,
  ) {
    this.#interval = timers.T1;
    const T2 = timers.T2;
    const tick = () => {
      this.transaction.respond(this.response);
      this.#interval = Math.min(2 * this.#interval, T2);
      this.#retransmit = setTimeout(tick, this.#interval);
    };
    if (!reliable) this.#retransmit = setTimeout(tick, this.#interval);
    this.#giveUp = setTimeout(() => {
      this.dispose();
      this.onTimeout();
    }, 64 * timers.T1);
  }

  /** The ACK arrived: stop retransmitting. */
  ack(): void {
    this.dispose();
  }

  dispose(): void {
    clearTimeout(this.#retransmit);
    clearTimeout(this.#giveUp);
    this.#retransmit = undefined;
    this.#giveUp = undefined;
  }
}
