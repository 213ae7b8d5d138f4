// A call Switchboard places itself between two parties, as a queue callback needs: it rings the
// agent first, then the caller being called back, and bridges them. Each party faces its own
// anchored endpoint, as in a Call (src/pbx/calls/call.ts), which only ever starts from an
// INVITE it received. Its legs and endpoints sit in the engine's dialog table, so BYEs,
// re-INVITEs and media events reach it (DialogOwner).
import type { PromptSource } from '../../media/index.ts';
import {
  createResponse,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
} from '../../sip/index.ts';
import { newId } from '../../store/ids.ts';
import type { CallDeps, DialogOwner, RingStep } from '../calls/call-types.ts';
import { bestFailure } from '../calls/failure-status.ts';
import { OutboundLeg } from '../calls/legs.ts';
import { MediaSide } from '../calls/media-side.ts';

export type PartyName = 'agent' | 'caller';
export type RingResult = { answered: OutboundLeg['label'] } | { status: number; reason: string };

const MAX_FORWARDS = 70;

export class OriginatedCall implements DialogOwner {
  readonly id = newId();
  readonly #sides = new Map<PartyName, MediaSide>();
  readonly #legs = new Map<PartyName, OutboundLeg>();
  /** Every leg created, ringing or not, so the end forgets them all. */
  readonly #allLegs: OutboundLeg[] = [];
  readonly #ringing = new Set<OutboundLeg>();
  readonly #playbacks = new Map<string, () => void>();
  #ended = false;
  #endedWaiters: (() => void)[] = [];
  #stopRing: (() => void) | undefined;
  /** Who hung up first, once the call is over. */
  endedBy: PartyName | 'system' | undefined;

  constructor(private readonly deps: CallDeps) {}

  get isEnded(): boolean {
    return this.#ended;
  }

  /** Allocates the two endpoints; false when the media engine has none to give. */
  async open(): Promise<boolean> {
    try {
      for (const party of ['agent', 'caller'] as const) {
        const ep = await this.deps.media.allocateEndpoint({
          group: this.deps.mediaGroup ?? this.id,
          inactivityMs: 60_000,
        });
        this.#sides.set(party, new MediaSide(this.deps.media, ep));
        this.deps.track(`ep:${ep.id}`, this);
      }
      return true;
    } catch (e) {
      this.deps.log.error({ err: e, call: this.id }, 'callback media setup failed');
      await this.hangup('system');
      return false;
    }
  }

  /** Rings one party (every leg of the step at once); the first to answer is kept. */
  ring(party: PartyName, step: RingStep): Promise<RingResult> {
    const side = this.#sides.get(party);
    if (this.#ended || !side) return Promise.resolve({ status: 487, reason: 'call ended' });
    if (step.legs.length === 0) {
      return Promise.resolve(step.refusal ?? { status: 480, reason: 'Temporarily Unavailable' });
    }
    const sdp = side.offer('sendrecv');
    return new Promise<RingResult>((resolve) => {
      const failures: number[] = [];
      let settled = false;
      const settle = (r: RingResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#stopRing = undefined;
        for (const l of this.#ringing) l.cancel();
        this.#ringing.clear();
        resolve(r);
      };
      const timer = setTimeout(() => settle({ status: 480, reason: 'No Answer' }), step.timeoutMs);
      timer.unref();
      this.#stopRing = () => settle({ status: 487, reason: 'call ended' });
      for (const o of step.legs) {
        const leg = new OutboundLeg(
          this.deps.ctx,
          { ...o, sdp, maxForwards: MAX_FORWARDS },
          {
            onProvisional: () => {},
            onAnswer: (l, r) => {
              if (settled || this.#ended) {
                void l.request('BYE');
                return;
              }
              this.#ringing.delete(l);
              this.#legs.set(party, l);
              side
                .applyAnswer(r.body.toString('utf8'))
                .then(() => settle({ answered: l.label }))
                .catch(() => {
                  void l.request('BYE');
                  this.#legs.delete(party);
                  settle({ status: 488, reason: 'answered without a usable codec' });
                });
            },
            onFailure: (l, status, reason) => {
              this.deps.untrack(l.key);
              this.#ringing.delete(l);
              failures.push(status);
              if (this.#ringing.size === 0 && !this.#legs.has(party)) {
                settle(bestFailure(failures, reason));
              }
            },
          },
          o.label ?? { kind: step.kind, id: step.id },
        );
        this.#ringing.add(leg);
        this.#allLegs.push(leg);
        this.deps.track(leg.key, this);
        leg.start();
      }
    });
  }

  /** Plays to one party and resolves when the prompt is over (or the call is). */
  async play(party: PartyName, source: PromptSource): Promise<void> {
    const side = this.#sides.get(party);
    if (this.#ended || !side) return;
    const id = await this.deps.media.play(side.id, source).catch(() => undefined);
    if (!id || this.#ended) return;
    await new Promise<void>((resolve) => {
      this.#playbacks.set(id, resolve);
      // A prompt never lasts this long; a lost end event must not hold the callback for ever.
      setTimeout(resolve, 120_000).unref();
    });
    this.#playbacks.delete(id);
  }

  /** Connects the two parties' endpoints. */
  async bridge(): Promise<void> {
    const a = this.#sides.get('agent');
    const b = this.#sides.get('caller');
    if (this.#ended || !a || !b) return;
    await this.deps.media.stopPlayback(a.id).catch(() => {});
    await this.deps.media.bridge(a.id, b.id);
  }

  /** Resolves when the call is over. */
  ended(): Promise<void> {
    if (this.#ended) return Promise.resolve();
    return new Promise((resolve) => this.#endedWaiters.push(resolve));
  }

  /** Ends the call: BYE to each answered party but the one that hung up, CANCEL to ringing legs. */
  async hangup(by: PartyName | 'system'): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.endedBy = by;
    this.#stopRing?.();
    for (const [party, leg] of this.#legs) {
      if (party !== by) void leg.request('BYE');
      leg.dispose();
    }
    for (const l of this.#allLegs) {
      l.dispose();
      this.deps.untrack(l.key);
    }
    for (const done of this.#playbacks.values()) done();
    for (const done of this.#endedWaiters.splice(0)) done();
    for (const side of this.#sides.values()) {
      this.deps.untrack(`ep:${side.id}`);
      await this.deps.media.releaseEndpoint(side.id).catch(() => {});
    }
  }

  // ---- DialogOwner: what the engine routes to us ----

  async inDialog(request: SipRequest, tx: ServerTransaction): Promise<void> {
    const key = `${request.callId}|${request.to.tag}`;
    const party = [...this.#legs].find(([, l]) => l.key === key)?.[0];
    const leg = party && this.#legs.get(party);
    if (!party || !leg?.dialog) {
      // A BYE on an early dialog of a leg still ringing: that party declines.
      const early = this.#allLegs.find((l) => l.key === key);
      if (request.method === 'BYE' && early) {
        tx.respond(createResponse(request, 200));
        early.cancel();
        return;
      }
      tx.respond(createResponse(request, 481));
      return;
    }
    const problem = leg.dialog.receiveRequest(request);
    if (problem) {
      tx.respond(createResponse(request, problem.status ?? 500));
      return;
    }
    switch (request.method) {
      case 'BYE':
        tx.respond(createResponse(request, 200));
        return this.hangup(party);
      case 'INVITE':
      case 'UPDATE':
        return this.#modify(request, tx, party, leg);
      default:
        tx.respond(createResponse(request, 200));
    }
  }

  /**
   * A re-INVITE or UPDATE from one party (a session refresh, a codec change, hold): answered
   * from our endpoint facing it; media is anchored, so the other party is not concerned.
   */
  async #modify(
    request: SipRequest,
    tx: ServerTransaction,
    party: PartyName,
    leg: OutboundLeg,
  ): Promise<void> {
    const side = this.#sides.get(party);
    const ok = (sdp: string | undefined) => {
      const r = createResponse(request, 200);
      r.append('Contact', this.deps.ctx.contact(leg.target?.protocol ?? 'udp'));
      if (sdp) {
        r.append('Content-Type', 'application/sdp');
        r.body = Buffer.from(sdp);
      }
      tx.respond(r);
    };
    if (!side || request.body.length === 0) {
      ok(request.method === 'INVITE' ? side?.lastSent : undefined);
      return;
    }
    try {
      ok(await side.answer(request.body.toString('utf8')));
    } catch {
      tx.respond(createResponse(request, 488));
    }
  }

  onAck(): void {
    // We are the UAC on both legs: no ACK comes to us.
  }

  strayResponse(r: SipResponse): void {
    for (const l of this.#legs.values()) l.reack(r);
  }

  playbackEnded(_endpointId: string, playbackId: string): void {
    this.#playbacks.get(playbackId)?.();
  }

  dtmf(): void {}

  mediaTimeout(): void {
    void this.hangup('system');
  }
}
