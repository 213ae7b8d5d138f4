// Setting up a call: the caller's media, then dialing: ringing slot B's targets from its
// endpoint while the caller hears ringback or the callee's early media, the callee's answer
// (its announcement, the bridge), our 200 to the caller, a pickup from another phone, and the
// RFC 4028 session timers agreed on the way.
import { CallerGone } from '../../flows/index.ts';
import { MediaError } from '../../media/index.ts';
import type { SipResponse } from '../../sip/index.ts';
import type { Call, CallOptions } from './call.ts';
import type { CallAccounting } from './call-accounting.ts';
import { CallEnd } from './call-end.ts';
import type { CallParties } from './call-parties.ts';
import type { NextStep, Party, RingStep, ServiceStep } from './call-types.ts';
import type { CallerMedia } from './caller-media.ts';
import type { OutboundLeg } from './legs.ts';
import type { MediaSide } from './media-side.ts';
import { Ringer, type RingResult } from './ringer.ts';
import { MIN_SE, SessionTimer, sessionExpiresOf, supports } from './session-timer.ts';

type Failure = { status: number; reason: string };
/** How dialing ended: someone answered, a service took the caller, the last failure, or the end. */
export type DialResult = 'answered' | 'cancelled' | ServiceStep | Failure;
export type StepOutcome = 'answered' | 'cancelled' | Failure;

/** What setting up a call needs from the call beyond its parts. */
export interface SetupHost {
  readonly call: Call;
  readonly deps: CallOptions;
  readonly parties: CallParties;
  readonly accounting: CallAccounting;
  readonly callerMedia: CallerMedia;
  /** A callee's first 18x: the call rings now. */
  ringing(): void;
  /** Our 200 went to the caller: the call is answered. */
  answered(): void;
  /** A caller we had answered already (a flow) now talks to whoever answered. */
  connected(): void;
  /** Neither cancelled nor ended. */
  live(): boolean;
  /** Refuses the caller, never answered, with this status. */
  fail(status: number, reason: string): void;
  /** The call ends as rejected (the caller already has our final response). */
  rejected(cause: string): Promise<void>;
  /** A party left or cannot be reached: the call goes on without it if it can. */
  partyGone(end: CallEnd, cause: string): Promise<void>;
}

export class CallSetup {
  #ringer: Ringer | undefined;
  /** Every leg this call rang, so the call's end can forget them all (losing forks included). */
  #allLegs: OutboundLeg[] = [];
  #step: RingStep | undefined;
  /** We answered the caller ourselves (a flow's prompts): ringing others sends no 18x or 200 to it. */
  #connected = false;
  /** Another phone picked this call up while it rang (`*8`). */
  #pickedUp = false;
  #announcementDone: (() => void) | undefined;

  constructor(private readonly h: SetupHost) {}

  private get call(): Call {
    return this.h.call;
  }
  private get deps(): CallOptions {
    return this.h.deps;
  }
  private get parties(): CallParties {
    return this.h.parties;
  }

  /** Whether the caller has our 200 (from a flow, an answer, or a pickup). */
  get connected(): boolean {
    return this.#connected;
  }

  /**
   * Sets up the caller's media: our endpoint answering the caller's offer and the one facing
   * whoever we ring. False when the call already ended (refused, cancelled).
   */
  async prepare(external?: RingStep['external']): Promise<boolean> {
    // The router already counted an external call: from here on the call's end releases it.
    this.h.accounting.holdExternal(external);
    const invite = this.call.a.invite;
    if (invite.body.length === 0) {
      // Late offer (no SDP in the INVITE) is not supported yet.
      this.h.fail(488, 'SDP offer required');
      return false;
    }
    const se = sessionExpiresOf(invite);
    if (se && se.seconds < MIN_SE) {
      this.call.a.reject(422, 'Session Interval Too Small', [['Min-SE', String(MIN_SE)]]);
      await this.h.rejected('422 Session Interval Too Small');
      return false;
    }
    try {
      this.parties.sideA = await this.parties.newSide();
      this.parties.sideB = await this.parties.newSide();
      await this.parties.sideA.answer(invite.body.toString('utf8'));
      return true;
    } catch (e) {
      // A CANCEL while the media was being set up has already ended the call.
      if (e instanceof CallerGone) return false;
      if (e instanceof MediaError && e.code === 'SDP_NO_COMMON_CODEC') this.h.fail(488, 'No common codec');
      else {
        this.deps.log.error({ err: e }, 'media setup failed');
        this.h.fail(503, 'Media unavailable');
      }
      return false;
    }
  }

  /**
   * Rings a step, then what `next` says after each failure, until someone answers, a service
   * takes the caller, or nothing is left (the last failure). Forwarding chains end after a
   * few hops, so two lines forwarding to each other cannot loop.
   */
  async dial(first: RingStep, next: NextStep): Promise<DialResult> {
    let step: RingStep | undefined = first;
    let hops = 0;
    while (step && this.h.live()) {
      const outcome = await this.ring(step);
      if (outcome === 'answered' || outcome === 'cancelled') return outcome;
      const then: Awaited<ReturnType<NextStep>> = hops++ < 4 ? await next(outcome.status) : undefined;
      if (then && 'legs' in then && this.call.state === 'ended') then.external?.release();
      if (!then) return outcome;
      if ('run' in then) return then;
      if ('status' in then && !('legs' in then)) return then;
      step = then as RingStep;
    }
    return 'cancelled';
  }

  /** Answers the caller ourselves, for prompts and menus; from here hanging up is a BYE. */
  async connectCaller(): Promise<void> {
    if (this.#connected) return;
    await this.h.callerMedia.stopRingback();
    this.#connected = true;
    this.answerCaller();
  }

  /** Stops ringing (CANCEL to every target still ringing). */
  cancelRinging(): void {
    this.#ringer?.cancel();
  }

  /** A leg this call rang, by its dialog key (an early dialog, or a losing fork). */
  rungLeg(key: string): OutboundLeg | undefined {
    return this.#allLegs.find((l) => l.key === key);
  }

  /** The call ended: the legs it rang leave the engine's dialog table (all but those handed on). */
  untrackLegs(): void {
    for (const l of this.#allLegs) if (!this.parties.surrendered.has(l)) this.deps.untrack(l.key);
  }

  /** A playback that was none of the caller's ended: the callee's announcement, if one plays. */
  announcementEnded(): void {
    this.#announcementDone?.();
  }

  /** Rings one step's targets at once; the first to answer wins and the rest are cancelled. */
  async ring(step: RingStep): Promise<StepOutcome> {
    this.#step = step;
    this.call.callee = step.callee;
    this.h.accounting.holdExternal(step.external);
    const sideB = this.parties.sideB as MediaSide;
    const codec = this.parties.sideA?.negotiated?.codec;
    // The caller's codec first, so the bridge can pass packets through untouched.
    const sdp = sideB.offer('sendrecv', codec ? [codec, codec === 'PCMU' ? 'PCMA' : 'PCMU'] : undefined);
    const maxForwards = Math.max(0, (this.call.a.invite.maxForwards ?? 70) - 1);
    const ringer = new Ringer(
      this.deps.ctx,
      step,
      { sdp, maxForwards, headers: this.sessionTimerOffer() },
      {
        onProvisional: (leg, r) => this.call.guarded(this.onProvisional(leg, r)),
        onAnswer: (leg, r) => this.call.guarded(this.onAnswer(leg, r)),
        onLegFailed: (leg, status) => this.h.accounting.recordLeg(leg, status),
        track: (leg) => this.deps.track(leg.key, this.call),
        untrack: (leg) => this.deps.untrack(leg.key),
      },
    );
    this.#ringer = ringer;
    this.#allLegs.push(...ringer.legs);
    const result: RingResult = await ringer.start();
    if (this.#ringer === ringer) this.#ringer = undefined;
    // Another phone picked the call up while this step rang: the caller is answered.
    if (this.#pickedUp) return 'answered';
    if (result === 'cancelled') return 'cancelled';
    if ('answered' in result) return 'answered';
    this.h.accounting.releaseExternal(step.external);
    return result;
  }

  sessionTimerOffer(): [string, string][] {
    return [
      ['Supported', 'timer'],
      ['Session-Expires', String(this.deps.sessionExpires)],
      ['Min-SE', String(MIN_SE)],
    ];
  }

  private async onProvisional(leg: OutboundLeg, r: SipResponse): Promise<void> {
    if (this.call.state === 'ended' || this.parties.B) return;
    // A queue rings agents while the caller keeps its music: no ringback, no early media.
    if (this.#step?.quiet) return;
    this.h.ringing();
    const sideA = this.parties.sideA as MediaSide;
    if (r.body.length > 0 && (r.status === 183 || r.status === 180)) {
      // Early media from the callee (announcements, carrier ringback): bridge it through.
      try {
        const sideB = this.parties.sideB as MediaSide;
        await sideB.applyAnswer(r.body.toString('utf8'));
        await this.h.callerMedia.bridgeEarlyMedia(sideB);
        if (!this.#connected) this.call.a.provisional(183, sideA.lastSent);
      } catch (e) {
        this.deps.log.debug({ err: e, leg: leg.key }, 'early media unusable');
      }
      return;
    }
    const media = this.h.callerMedia;
    if (r.status === 180 && !media.earlyMedia && !media.ringbackPlaying) {
      // The callee rings but sends no audio: we play ringback to the caller ourselves.
      if (!this.#connected) this.call.a.provisional(180, sideA.lastSent);
      await media.startRingback();
    }
  }

  private async onAnswer(leg: OutboundLeg, r: SipResponse): Promise<void> {
    if (this.parties.B || this.call.state === 'ended') return;
    this.h.accounting.answered(this.#step);
    const party = this.#step?.parties?.[leg.label.id];
    if (party) this.call.callee = party;
    this.#step?.onAnswered?.(leg.label);
    const sideA = this.parties.sideA as MediaSide;
    const sideB = this.parties.sideB as MediaSide;
    const end = new CallEnd(leg, sideB, this.call.callee);
    this.parties.B = end;
    try {
      await sideB.applyAnswer(r.body.toString('utf8'));
    } catch {
      void leg.request('BYE');
      this.parties.B = undefined;
      if (this.#connected) return this.call.hangup('system', 'callee answered without a usable codec');
      return this.h.fail(488, 'Callee answered without a usable codec');
    }
    // The caller may have gone while we worked (CANCEL crossing the answer): finish() has
    // sent the callee its BYE, and nothing below may run.
    if (this.call.state === 'ended') return;
    this.h.accounting.recordLeg(leg, 200, true);
    this.h.accounting.bill(this.#step?.external);
    const announcement = this.#step?.announcement;
    if (announcement) {
      // The callee hears the announcement; the caller keeps hearing ringback until connected.
      const done = new Promise<void>((resolve) => {
        this.#announcementDone = resolve;
        setTimeout(resolve, 120_000).unref();
      });
      const played = await this.deps.media
        .play(sideB.id, { kind: 'file', path: announcement })
        .catch(() => null);
      if (played) await done;
      this.#announcementDone = undefined;
      if (this.call.state === 'ended') return;
    }
    await this.h.callerMedia.stopRingback();
    // A bridge does not stop a playing loop: the waiting caller's music ends here.
    await this.h.callerMedia.stopLoop();
    await this.deps.media
      .bridge(sideA.id, sideB.id)
      .catch((e) => this.deps.log.error({ err: e }, 'bridge failed'));
    if (this.call.state === 'ended') return;
    const seB = sessionExpiresOf(r);
    if (seB) this.armSessionTimer(end, { seconds: seB.seconds, weRefresh: seB.refresher !== 'uas' });
    this.call.features.armCodes(end);
    // A caller a flow already answered is simply connected; anyone else gets its 200 now.
    if (this.#connected) {
      if (this.parties.A) this.call.features.armCodes(this.parties.A);
      this.h.connected();
      return;
    }
    this.answerCaller();
  }

  /** Our 200 to the caller: from here it is slot A's party of an answered call. */
  private answerCaller(): void {
    const sideA = this.parties.sideA as MediaSide;
    const se = sessionExpiresOf(this.call.a.invite);
    const uacRefreshes = supports(this.call.a.invite, 'timer');
    // RFC 4028 §9: the caller asked for a session timer; it refreshes when it supports them.
    const headers: [string, string][] = se
      ? [['Session-Expires', `${se.seconds};refresher=${uacRefreshes ? 'uac' : 'uas'}`]]
      : [];
    if (se && uacRefreshes) headers.push(['Require', 'timer']);
    this.call.a.answer(sideA.lastSent as string, headers, () =>
      this.call.guarded(this.call.hangup('system', 'no ACK from caller')),
    );
    const end = new CallEnd(this.call.a, sideA, this.call.caller);
    this.parties.A = end;
    // From here a ring step (a transfer) connects the answered caller: no 18x or 200 again.
    this.#connected = true;
    if (se) this.armSessionTimer(end, { seconds: se.seconds, weRefresh: !uacRefreshes });
    if (this.parties.B) {
      this.call.features.armCodes(end);
      if (this.parties.B) this.call.features.armCodes(this.parties.B);
    }
    this.h.answered();
  }

  armSessionTimer(end: CallEnd, spec: { seconds: number; weRefresh: boolean }): void {
    end.sessionTimer = spec;
    end.timers.push(
      new SessionTimer(
        spec.seconds,
        spec.weRefresh ? 'refresh' : 'watch',
        () => this.call.guarded(this.refresh(end)),
        () => this.call.guarded(this.call.hangup('system', 'session timer expired')),
      ),
    );
  }

  /** Our turn to refresh a party's session (RFC 4028 §7.4): an UPDATE without SDP. */
  private async refresh(end: CallEnd): Promise<void> {
    const expires: [string, string][] = [['Session-Expires', `${this.deps.sessionExpires};refresher=uac`]];
    let r = await end.leg.request('UPDATE', undefined, expires);
    // A peer without UPDATE is refreshed with a re-INVITE carrying our current SDP.
    if (r && (r.status === 405 || r.status === 501))
      r = await end.leg.request('INVITE', end.side.lastSent, expires);
    if (!r || r.status === 481 || r.status === 408) return this.h.partyGone(end, 'session refresh failed');
    for (const t of end.timers) if (t.role === 'refresh') t.reset();
  }

  /**
   * Call pickup: another phone takes this ringing call. The ringing stops (CANCEL to every
   * target), we answer the caller, and its endpoint is left for the picker's call to bridge
   * to. False when the call is no longer ringing (answered, or gone, meanwhile).
   */
  async pickUp(by: Party): Promise<boolean> {
    if (this.call.state !== 'ringing' || this.parties.B || !this.#ringer || this.#pickedUp) return false;
    this.#pickedUp = true;
    this.#ringer.cancel();
    await this.h.callerMedia.stopRingback();
    await this.h.callerMedia.endEarlyMedia();
    if (this.call.state !== 'ringing') return false;
    this.call.callee = by;
    this.answerCaller();
    return true;
  }
}
