// The parties of a conference made from a call (`*3` + number, or the API): the host adds
// parties; each added one rings, and on answer the call's parties move into a mixer on the
// call's worker. Also the host's controls (mute, hold, remove) and a member leaving.
import { CallerGone } from '../../flows/index.ts';
import { CallEnd, participantId } from './call-end.ts';
import type { CallParties } from './call-parties.ts';
import type { Party, RingStep } from './call-types.ts';
import type { FeatureHost, InCallFeatures } from './in-call-features.ts';
import type { OutboundLeg } from './legs.ts';
import type { MediaSide } from './media-side.ts';
import { Ringer } from './ringer.ts';
import { sessionExpiresOf } from './session-timer.ts';
import { routingOf } from './transfer.ts';

type Failure = { status: number; reason: string };

/** A party of a call as the API shows it. */
export interface ParticipantView {
  id: string;
  number: string;
  name: string | null;
  lineId: string | null;
  state: 'ringing' | 'connected';
  /** The party that made the call a conference. */
  host: boolean;
  muted: boolean;
  /** Put on hold by the host: hears our music, is not heard. */
  held: boolean;
  /** It put the call on hold itself. */
  holding: boolean;
}

/** A party being rung to join the call (a conference add). */
interface PendingAdd {
  id: string;
  party: Party;
  ringer: Ringer;
}

/** Parties of one conference, those being added included: one mixer on one worker. */
export const MAX_CONFERENCE = 10;

export class ConferenceParties {
  readonly #adds = new Map<string, PendingAdd>();

  constructor(
    private readonly h: FeatureHost,
    private readonly features: InCallFeatures,
  ) {}

  private get parties(): CallParties {
    return this.h.parties;
  }

  /** Parties being rung to join. */
  get adding(): number {
    return this.#adds.size;
  }

  /** The call ends: parties still ringing are cancelled. */
  dispose(): void {
    for (const add of this.#adds.values()) add.ringer.cancel();
  }

  /** The parties of the call and those being added, as the API shows them. */
  participants(): ParticipantView[] {
    const p = this.parties;
    const out: ParticipantView[] = p.talking().map((e) => ({
      id: e.id,
      number: e.party.number,
      name: e.party.name,
      lineId: e.party.lineId ?? null,
      state: 'connected' as const,
      host: e === p.host,
      muted: e.muted,
      held: e.heldByHost,
      holding: e.held,
    }));
    for (const add of this.#adds.values())
      out.push({
        id: add.id,
        number: add.party.number,
        name: add.party.name,
        lineId: add.party.lineId ?? null,
        state: 'ringing',
        host: false,
        muted: false,
        held: false,
        holding: false,
      });
    return out;
  }

  /**
   * Rings `number` to join the call, routed as the host's line would dial it (the first party
   * with a line when no host is named). Resolves once it rings; the rest happens in the background.
   */
  async addParticipant(number: string, host: CallEnd | undefined): Promise<ParticipantView | Failure> {
    const inCall = this.features.inCall;
    const { call, deps } = this.h;
    const p = this.parties;
    if (!inCall) return { status: 501, reason: 'Conferences are not available' };
    const talking = p.talking();
    if (call.state !== 'answered' || this.features.transferring || talking.length < 2)
      return { status: 409, reason: 'The call is not connected' };
    if (talking.length + this.#adds.size >= MAX_CONFERENCE)
      return { status: 409, reason: `A conference has at most ${MAX_CONFERENCE} parties` };
    const from = host ?? p.host ?? talking.find((e) => routingOf(inCall, call.tenantId, e.party));
    const routing = from ? routingOf(inCall, call.tenantId, from.party) : undefined;
    if (!routing) return { status: 403, reason: 'No party of the call may place the call' };
    const plan = await inCall.router.fromLine(routing.tenant, routing.line, number);
    if ('status' in plan) return plan;
    if (!('first' in plan)) return { status: 422, reason: 'Only extensions and phone numbers can be added' };
    const step = plan.first;
    if (step.legs.length === 0) {
      step.external?.release();
      return step.refusal ?? { status: 480, reason: 'Temporarily Unavailable' };
    }
    let side: MediaSide;
    try {
      side = await p.newSide();
    } catch (e) {
      step.external?.release();
      if (e instanceof CallerGone) return { status: 409, reason: 'The call has ended' };
      throw e;
    }
    this.h.accounting.holdExternal(step.external);
    const codec = from?.side.negotiated?.codec;
    const sdp = side.offer('sendrecv', codec ? [codec, codec === 'PCMU' ? 'PCMA' : 'PCMU'] : undefined);
    const ringer = new Ringer(
      deps.ctx,
      step,
      { sdp, maxForwards: 70, headers: this.h.setup.sessionTimerOffer() },
      {
        onProvisional: () => {},
        onAnswer: () => {},
        onLegFailed: (leg, status) => this.h.accounting.recordLeg(leg, status),
        track: (leg) => deps.track(leg.key, call),
        untrack: (leg) => deps.untrack(leg.key),
      },
    );
    const add: PendingAdd = { id: participantId(), party: step.callee, ringer };
    this.#adds.set(add.id, add);
    p.host ??= host;
    deps.log.info({ call: call.id, number }, 'adding a party');
    call.guarded(this.completeAdd(add, step, side, host));
    return this.participants().find((v) => v.id === add.id) as ParticipantView;
  }

  /** Legs of parties being added, for in-dialog requests of their early dialogs. */
  earlyLeg(key: string): OutboundLeg | undefined {
    for (const add of this.#adds.values()) {
      const leg = add.ringer.legs.find((l) => l.key === key);
      if (leg) return leg;
    }
    return undefined;
  }

  private async completeAdd(
    add: PendingAdd,
    step: RingStep,
    side: MediaSide,
    host: CallEnd | undefined,
  ): Promise<void> {
    const p = this.parties;
    const result = await add.ringer.start();
    this.#adds.delete(add.id);
    if (result === 'cancelled' || !('answered' in result) || !this.features.live) {
      this.h.accounting.releaseExternal(step.external);
      await p.releaseSide(side);
      if (result !== 'cancelled' && 'answered' in result) void result.answered.request('BYE');
      if (host && result !== 'cancelled' && 'status' in result) await this.features.refuseCode(host, result);
      return;
    }
    const leg = result.answered;
    try {
      await side.applyAnswer(result.response.body.toString('utf8'));
    } catch {
      void leg.request('BYE');
      await p.releaseSide(side);
      return;
    }
    const party = step.parties?.[leg.label.id] ?? step.callee;
    const end = new CallEnd(leg, side, party, add.id);
    this.h.accounting.recordLeg(leg, 200, true);
    this.h.accounting.bill(step.external);
    const se = sessionExpiresOf(result.response);
    if (se) this.h.setup.armSessionTimer(end, { seconds: se.seconds, weRefresh: se.refresher !== 'uas' });
    const conference = await p.ensureConference();
    if (!this.features.live) {
      void leg.request('BYE');
      return;
    }
    await conference.join(end);
    this.features.armCodes(end);
    this.h.deps.log.info(
      { call: this.h.call.id, members: conference.members.length },
      'party joined the conference',
    );
  }

  /** A conference member left: the others stay while two remain (or one is still being added). */
  async leaveConference(end: CallEnd, cause: string): Promise<void> {
    const p = this.parties;
    const conference = p.conference;
    if (!conference) return;
    const wasHost = end === p.host;
    // The others stay; without its host, any party of the call may control it (and supervisors).
    if (wasHost) p.host = undefined;
    await conference.leave(end);
    await p.dropEnd(end);
    if (conference.members.length >= 2 || (conference.members.length === 1 && this.#adds.size > 0)) return;
    await this.h.call.hangup(wasHost ? 'caller' : 'callee', cause);
  }

  /** Mutes or holds a participant (the call becomes a conference if it was not one). */
  async setParticipant(
    id: string,
    change: { muted?: boolean; held?: boolean },
  ): Promise<ParticipantView | undefined> {
    if (this.h.call.state !== 'answered' || this.features.transferring) return undefined;
    if (!this.parties.talking().some((e) => e.id === id)) return undefined;
    const conference = await this.parties.ensureConference();
    const end = conference.members.find((e) => e.id === id);
    if (!end) return undefined;
    if (change.muted !== undefined) end.muted = change.muted;
    if (change.held !== undefined) end.heldByHost = change.held;
    await conference.update(end);
    return this.participants().find((v) => v.id === id);
  }

  /** Removes a participant: BYE to it (a party being rung is cancelled). */
  async removeParticipant(id: string, gone: (end: CallEnd) => Promise<void>): Promise<boolean> {
    const add = this.#adds.get(id);
    if (add) {
      add.ringer.cancel();
      return true;
    }
    const end = this.parties.talking().find((e) => e.id === id);
    if (!end || this.h.call.state !== 'answered') return false;
    void end.leg.request('BYE');
    await gone(end);
    return true;
  }
}
