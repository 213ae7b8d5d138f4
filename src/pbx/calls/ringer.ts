// Ringing one step's targets at once (a line's phones, a carrier, a ring group): the first to
// answer wins, the others are cancelled, and a late second answer is ended with BYE. The call
// decides what an answer means (connect the caller, join a conference); the ringer only
// reports it, with every leg's fate for the call record.
import type { SipResponse } from '../../sip/index.ts';
import type { RingStep } from './call-types.ts';
import { bestFailure } from './failure-status.ts';
import { type LegContext, OutboundLeg } from './legs.ts';

export type RingResult =
  | { answered: OutboundLeg; response: SipResponse }
  | { status: number; reason: string }
  | 'cancelled';

export interface RingerEvents {
  onProvisional(leg: OutboundLeg, response: SipResponse): void;
  /** The winning answer, reported before the result settles. */
  onAnswer(leg: OutboundLeg, response: SipResponse): void;
  /** A leg that failed (or was cancelled), with its final status. */
  onLegFailed(leg: OutboundLeg, status: number): void;
  /** Legs enter the engine's dialog table while they ring, so a BYE of an early dialog finds the call. */
  track(leg: OutboundLeg): void;
  untrack(leg: OutboundLeg): void;
}

export interface RingOffer {
  sdp: string;
  maxForwards: number;
  /** Headers added to every leg's INVITE (session timer offer). */
  headers: [string, string][];
}

export class Ringer {
  /** Every leg this ring created, losing forks included. */
  readonly legs: OutboundLeg[] = [];
  #ringing: OutboundLeg[] = [];
  #winner: OutboundLeg | undefined;
  #settle: ((r: RingResult) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly result: Promise<RingResult>;

  constructor(
    ctx: LegContext,
    private readonly step: RingStep,
    offer: RingOffer,
    private readonly events: RingerEvents,
  ) {
    let settle!: (r: RingResult) => void;
    this.result = new Promise<RingResult>((resolve) => {
      settle = resolve;
    });
    this.#settle = (r) => {
      clearTimeout(this.#timer);
      this.#settle = undefined;
      settle(r);
    };
    const failures: number[] = [];
    for (const o of step.legs) {
      const leg = new OutboundLeg(
        ctx,
        { ...o, sdp: offer.sdp, maxForwards: offer.maxForwards, headers: [...o.headers, ...offer.headers] },
        {
          onProvisional: (l, r) => {
            if (!this.#winner) events.onProvisional(l, r);
          },
          onAnswer: (l, r) => this.answered(l, r),
          onFailure: (l, status, reason) => {
            events.onLegFailed(l, status);
            events.untrack(l);
            this.#ringing = this.#ringing.filter((x) => x !== l);
            failures.push(status);
            if (this.#ringing.length === 0 && !this.#winner) this.#settle?.(bestFailure(failures, reason));
          },
        },
        o.label ?? { kind: step.kind, id: step.id },
      );
      this.legs.push(leg);
    }
  }

  /** Starts every leg; resolves with the first answer, the best failure, or 'cancelled'. */
  start(): Promise<RingResult> {
    if (this.legs.length === 0) {
      this.#settle?.(this.step.refusal ?? { status: 480, reason: 'Temporarily Unavailable' });
      return this.result;
    }
    this.#timer = setTimeout(() => {
      for (const l of this.#ringing) l.cancel();
      this.#settle?.({ status: 480, reason: 'No Answer' });
    }, this.step.timeoutMs);
    this.#timer.unref();
    this.#ringing = [...this.legs];
    for (const leg of this.legs) {
      this.events.track(leg);
      leg.start();
    }
    return this.result;
  }

  /** Whether a leg of this ring is still ringing. */
  get ringing(): boolean {
    return this.#ringing.length > 0 && !this.#winner;
  }

  /** Stops ringing everyone; the result is 'cancelled' unless it was already settled. */
  cancel(): void {
    for (const l of this.#ringing) if (l !== this.#winner) l.cancel();
    this.#settle?.('cancelled');
  }

  private answered(leg: OutboundLeg, response: SipResponse): void {
    if (this.#winner || !this.#settle) {
      // Two forks answered at once (or the answer crossed our giving up): end the later one.
      void leg.request('BYE');
      this.events.onLegFailed(leg, 200);
      this.events.untrack(leg);
      return;
    }
    this.#winner = leg;
    for (const other of this.#ringing) if (other !== leg) other.cancel();
    this.#ringing = [];
    this.events.onAnswer(leg, response);
    this.#settle({ answered: leg, response });
  }
}
