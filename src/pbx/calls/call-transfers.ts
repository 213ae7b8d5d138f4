// Transfers of a call's parties: blind (`*2` + number, or REFER, RFC 3515), with a recall
// when nobody answers; attended (REFER with Replaces, RFC 3891), which joins the referrer's
// two partners in this call; and a phone of the same line taking a party's place (an INVITE
// with Replaces).
import { CallerGone } from '../../flows/index.ts';
import { createResponse, type Flow, type ServerTransaction, type SipRequest } from '../../sip/index.ts';
import type { Call } from './call.ts';
import { CallEnd } from './call-end.ts';
import type { CallParties } from './call-parties.ts';
import type { DialResult } from './call-setup.ts';
import type { NextStep } from './call-types.ts';
import type { FeatureHost, InCallFeatures } from './in-call-features.ts';
import { InboundLeg } from './legs.ts';
import type { MediaSide } from './media-side.ts';
import { parseRefer, ReferSubscription, type ReplacesTarget } from './refer.ts';
import { sessionExpiresOf, supports } from './session-timer.ts';
import { bridgeIfSameWorker, type InCallServices, presentAs, reanchor, routingOf } from './transfer.ts';

type Failure = { status: number; reason: string };

/** A recall after an unanswered blind transfer rings the transferor this long. */
const RECALL_SECONDS = 30;

export class CallTransfers {
  /** A transfer under way, with the REFER's subscription when a phone asked for it. */
  #transfer: { subscription: ReferSubscription | undefined } | undefined;

  constructor(
    private readonly h: FeatureHost,
    private readonly features: InCallFeatures,
  ) {}

  private get parties(): CallParties {
    return this.h.parties;
  }

  /** Whether a transfer is under way. */
  get active(): boolean {
    return this.#transfer !== undefined;
  }

  // Blind transfer: `*2` + number, or REFER (RFC 3515). The other party becomes slot A's
  // caller of a new call to the target: it hears ringback, then talks to whoever answers.

  /** Whether a party may transfer the other one now: a two-party call, nothing else under way. */
  canTransfer(end: CallEnd): boolean {
    const p = this.parties;
    return (
      this.h.call.state === 'answered' &&
      !p.conference &&
      !this.#transfer &&
      this.features.adding === 0 &&
      !!p.A &&
      !!p.B &&
      (end === p.A || end === p.B)
    );
  }

  async blindTransfer(
    presser: CallEnd,
    number: string,
    subscription: ReferSubscription | undefined,
  ): Promise<void> {
    const refuse = (f: Failure) =>
      subscription ? subscription.final(f.status, f.reason) : this.features.refuseCode(presser, f);
    const inCall = this.features.inCall;
    const { call } = this.h;
    const routing = inCall ? routingOf(inCall, call.tenantId, presser.party) : undefined;
    if (!inCall || !routing) return refuse({ status: 403, reason: 'Forbidden' });
    if (!this.canTransfer(presser)) return refuse({ status: 491, reason: 'Request Pending' });
    // The transferor's line decides what it may reach (its external calls, its dialing rules).
    const plan = await inCall.router.fromLine(routing.tenant, routing.line, number);
    if ('status' in plan) return refuse(plan);
    if (!('first' in plan)) return refuse({ status: 488, reason: 'Not a transfer target' });
    if (!this.canTransfer(presser)) {
      plan.first.external?.release();
      return refuse({ status: 491, reason: 'Request Pending' });
    }
    const p = this.parties;
    // The transferee stays in slot A: it is now the caller of a call to the target.
    if (presser === p.A) this.swap();
    const transferee = p.A as CallEnd;
    p.B = undefined;
    presser.codes?.dispose();
    presser.codes = undefined;
    this.#transfer = { subscription };
    if (subscription) p.transferor = presser;
    this.h.deps.log.info({ call: call.id, target: number, refer: !!subscription }, 'blind transfer');
    // The transferee hears ringback from now on, the transferor nothing more of it.
    await this.h.deps.media.unbridge(transferee.side.id).catch(() => {});
    if (!subscription) {
      // `*2`: the presser is done at once.
      void presser.leg.request('BYE');
      await p.dropEnd(presser);
    }
    await p.updateMusic();
    if (!this.features.live) return;
    await this.h.callerMedia.startRingback();
    try {
      p.sideB = await p.newSide();
    } catch (e) {
      plan.first.external?.release();
      if (e instanceof CallerGone) return;
      throw e;
    }
    const domain = routing.tenant.sipDomain;
    const next: NextStep = async (status) => {
      const then = await plan.next(status);
      return then && 'legs' in then ? presentAs(then, transferee.party, domain) : then;
    };
    const result = await this.h.setup.dial(presentAs(plan.first, transferee.party, domain), next);
    await this.transferDone(result, presser);
  }

  /** The target answered, a service took the transferee, or nobody did (reconnect or recall). */
  private async transferDone(result: DialResult, presser: CallEnd): Promise<void> {
    const t = this.#transfer;
    if (!t) return;
    const p = this.parties;
    if (!this.features.live || result === 'cancelled') {
      this.#transfer = undefined;
      await t.subscription?.final(487, 'Request Terminated');
      return;
    }
    if (result === 'answered' || 'run' in result) {
      await this.finishTransferor(t.subscription, 200, 'OK');
      this.#transfer = undefined;
      if (result !== 'answered') await this.h.call.runService(result);
      return;
    }
    const transferor = p.transferor;
    if (transferor) {
      // RFC 5589 §6.1: a failed transfer leaves the transferor with the transferee, held as it was.
      this.#transfer = undefined;
      p.transferor = undefined;
      const spare = p.sideB;
      p.sideB = transferor.side;
      p.B = transferor;
      this.h.call.callee = transferor.party;
      if (spare) await p.releaseSide(spare);
      await this.h.callerMedia.stopRingback();
      await this.h.deps.media.bridge((p.A as CallEnd).side.id, transferor.side.id).catch(() => {});
      this.features.armCodes(transferor);
      await p.updateMusic();
      await t.subscription?.final(result.status, result.reason);
      return;
    }
    await t.subscription?.final(result.status, result.reason);
    this.#transfer = undefined;
    // The transferor is gone: ring it back (transfer recall) before giving up on the caller.
    const recalled = await this.recall(presser);
    if (!recalled && this.features.live)
      await this.h.call.hangup('system', `transfer failed: ${result.status}`);
  }

  /** The final NOTIFY to a transferor still there, then our BYE unless it hung up meanwhile. */
  private async finishTransferor(
    subscription: ReferSubscription | undefined,
    status: number,
    reason: string,
  ): Promise<void> {
    await subscription?.final(status, reason);
    const transferor = this.parties.transferor;
    if (!transferor) return;
    this.parties.transferor = undefined;
    void transferor.leg.request('BYE');
    await this.parties.dropEnd(transferor);
  }

  private async recall(presser: CallEnd): Promise<boolean> {
    const inCall = this.features.inCall;
    const { call } = this.h;
    const routing = inCall ? routingOf(inCall, call.tenantId, presser.party) : undefined;
    const transferee = this.parties.A;
    if (!inCall || !routing || !transferee || !this.features.live) return false;
    const step = inCall.router.ringStep(
      routing.tenant,
      [{ kind: 'line', id: routing.line.id }],
      transferee.party,
      RECALL_SECONDS,
    );
    this.h.deps.log.info({ call: call.id }, 'transfer recall');
    return (await this.h.setup.ring(step)) === 'answered';
  }

  /** Exchanges the slots, and who the call record names as caller and callee with them. */
  private swap(): void {
    this.parties.swap();
    const { call } = this.h;
    [call.caller, call.callee] = [call.callee, call.caller];
  }

  // REFER (RFC 3515) from a party: blind, or attended with Replaces (RFC 3891).

  async refer(end: CallEnd, request: SipRequest, tx: ServerTransaction): Promise<void> {
    const parsed = parseRefer(request);
    if ('status' in parsed) return void tx.respond(createResponse(request, parsed.status, parsed.reason));
    const inCall = this.features.inCall;
    // Only our own people transfer: a carrier's party has no line to route as (toll fraud).
    if (!inCall || !routingOf(inCall, this.h.call.tenantId, end.party))
      return void tx.respond(createResponse(request, 403, 'Transfer not allowed'));
    if (!this.canTransfer(end)) return void tx.respond(createResponse(request, 491, 'Request Pending'));
    const r = createResponse(request, 202);
    // RFC 4488 §4: a referrer that asked for no subscription is told it gets none.
    if (parsed.noSubscription) r.append('Refer-Sub', 'false');
    tx.respond(r);
    const subscription = new ReferSubscription(end.leg, request.cseq.seq, !parsed.noSubscription);
    subscription.trying();
    if (parsed.replaces) return this.attendedTransfer(end, parsed.replaces, subscription);
    return this.blindTransfer(end, parsed.target, subscription);
  }

  /**
   * Attended transfer: the referrer's other call (named by Replaces) has the target; the
   * referrer leaves both calls and its two partners talk, in this call.
   */
  private async attendedTransfer(
    referrer: CallEnd,
    replaces: { callId: string; toTag: string; fromTag: string },
    subscription: ReferSubscription,
  ): Promise<void> {
    const inCall = this.features.inCall as InCallServices;
    const { call, deps } = this.h;
    // The tags are as the target would see them: to-tag ours, from-tag the referrer's (§6.1).
    const keys = [`${replaces.callId}|${replaces.toTag}`, `${replaces.callId}|${replaces.fromTag}`];
    const owner = keys.map((k) => inCall.ownerOf(k)).find((o) => o !== undefined);
    const other =
      owner && owner !== call && 'features' in owner && (owner as Call).tenantId === call.tenantId
        ? (owner as Call)
        : undefined;
    const consult = other && keys.map((k) => other.parties.endOfKey(k)).find((e) => e !== undefined);
    if (!other || !consult) return subscription.final(481, 'Call/Transaction Does Not Exist');
    // Only the same line may join its own two calls.
    if (consult.party.lineId !== referrer.party.lineId) return subscription.final(403, 'Forbidden');
    const target = other.parties.partnerOf(consult);
    if (!target || !this.canTransfer(referrer) || !other.features.canTransfer(consult))
      return subscription.final(491, 'Request Pending');
    const p = this.parties;
    const transferee = referrer === p.A ? (p.B as CallEnd) : (p.A as CallEnd);
    // Media first: the target's stream must reach this call's worker before anything moves.
    let side: MediaSide = target.side;
    if (!(await bridgeIfSameWorker(deps.media, transferee.side.id, side.id))) {
      try {
        side = await reanchor(deps.media, target, call.mediaGroup, (s) => p.adoptSide(s));
        await deps.media.bridge(transferee.side.id, side.id);
      } catch (e) {
        deps.log.warn({ err: e, call: call.id }, 'attended transfer: media could not be moved');
        if (side !== target.side) await p.releaseSide(side);
        return subscription.final(500, 'Server Internal Error');
      }
    }
    if (!this.features.live || other.state === 'ended' || !this.canTransfer(referrer)) {
      if (side !== target.side) await p.releaseSide(side);
      return subscription.final(487, 'Request Terminated');
    }
    // Move the target into this call, in the referrer's slot.
    const moved = other.parties.surrender(target, side === target.side);
    if (moved.music && side === target.side) await deps.media.stopPlayback(side.id).catch(() => {});
    if (referrer === p.A) this.swap();
    referrer.codes?.dispose();
    referrer.codes = undefined;
    this.#transfer = { subscription };
    p.transferor = referrer;
    if (side === target.side) p.adoptSide(side);
    target.side = side;
    p.sideB = side;
    p.B = target;
    call.callee = target.party;
    deps.track(target.leg.key, call);
    if (moved.sessionTimer) this.h.setup.armSessionTimer(target, moved.sessionTimer);
    this.features.armCodes(target);
    this.features.armCodes(transferee);
    deps.log.info({ call: call.id, from: other.id }, 'attended transfer');
    await p.updateMusic();
    await other.hangup('system', 'transferred');
    await this.finishTransferor(subscription, 200, 'OK');
    this.#transfer = undefined;
  }

  /**
   * RFC 3891 §3: an INVITE from a phone of the same line that names one of this call's dialogs
   * in Replaces takes that party's place (a call pulled to another device); the replaced
   * dialog gets BYE. Only confirmed dialogs are replaced (an early-only one is 481).
   */
  async replaceParty(
    key: string,
    replaces: ReplacesTarget,
    invite: SipRequest,
    tx: ServerTransaction,
    flow: Flow,
    lineId: string,
  ): Promise<void> {
    const p = this.parties;
    const { call, deps } = this.h;
    const respond = (status: number, reason?: string) => tx.respond(createResponse(invite, status, reason));
    const old = p.endOfKey(key);
    const dialog = old?.leg.dialog;
    if (!old || old === p.transferor || dialog?.id.remoteTag !== replaces.fromTag || replaces.earlyOnly)
      return respond(481);
    if (old.party.lineId !== lineId) return respond(403, 'Only the same line may take over its call');
    if (call.state !== 'answered' || this.#transfer) return respond(491, 'Request Pending');
    if (invite.body.length === 0) return respond(488, 'SDP offer required');
    let side: MediaSide;
    try {
      side = await p.newSide();
    } catch (e) {
      if (e instanceof CallerGone) return respond(481);
      throw e;
    }
    const codec = old.side.negotiated?.codec;
    try {
      await side.answer(
        invite.body.toString('utf8'),
        'sendrecv',
        codec ? [codec, codec === 'PCMU' ? 'PCMA' : 'PCMU'] : undefined,
      );
    } catch {
      await p.releaseSide(side);
      return respond(488);
    }
    if (!this.features.live || !p.ends().includes(old) || this.#transfer) {
      await p.releaseSide(side);
      return respond(481);
    }
    const leg = new InboundLeg(deps.ctx, invite, tx, flow);
    const end = new CallEnd(leg, side, old.party);
    deps.track(leg.key, call);
    const se = sessionExpiresOf(invite);
    const uacRefreshes = supports(invite, 'timer');
    const headers: [string, string][] = se
      ? [['Session-Expires', `${se.seconds};refresher=${uacRefreshes ? 'uac' : 'uas'}`]]
      : [];
    leg.answer(side.lastSent as string, headers, () => call.guarded(this.h.partyGone(end, 'no ACK')));
    if (se) this.h.setup.armSessionTimer(end, { seconds: se.seconds, weRefresh: !uacRefreshes });
    // The new dialog takes the old one's place: its slot, or its seat in the conference.
    if (p.A === old) {
      p.A = end;
      p.sideA = side;
    } else if (p.B === old) {
      p.B = end;
      p.sideB = side;
    }
    if (p.host === old) p.host = end;
    if (p.conference) {
      await p.conference.leave(old);
      await p.conference.join(end);
    }
    void old.leg.request('BYE');
    await p.dropEnd(old);
    const partner = p.partnerOf(end);
    if (partner) await deps.media.bridge(partner.side.id, side.id).catch(() => {});
    await p.updateMusic();
    this.features.armCodes(end);
    deps.log.info({ call: call.id, party: end.id }, 'dialog replaced');
  }
}
