// What the parties of an answered call can do to it: in-call codes (spec 002: `*2` + number
// transfers the other party, `*3` + number adds a party, `*1` records on demand), transfers
// (call-transfers.ts), and the conference a call becomes when a party is added, with the
// host's controls (conference-parties.ts).
import type { ServerTransaction, SipRequest } from '../../sip/index.ts';
import type { LineRecording } from '../../store/schema.ts';
import type { LineRoute } from '../directory.ts';
import type { Call, CallOptions } from './call.ts';
import type { CallAccounting } from './call-accounting.ts';
import type { CallEnd } from './call-end.ts';
import type { CallParties } from './call-parties.ts';
import type { CallSetup } from './call-setup.ts';
import { CallTransfers } from './call-transfers.ts';
import type { CallerMedia } from './caller-media.ts';
import { ConferenceParties, type ParticipantView } from './conference-parties.ts';
import { type InCallCode, InCallCodes } from './in-call-codes.ts';
import { type InCallServices, routingOf } from './transfer.ts';

type Failure = { status: number; reason: string };

/** What a call lends its features: its parties and the parts of its machinery they drive. */
export interface FeatureHost {
  readonly call: Call;
  readonly deps: CallOptions;
  readonly parties: CallParties;
  /** Dials and rings slot B from its endpoint (the caller hears ringback), arms session timers. */
  readonly setup: CallSetup;
  /** Ringback to slot A (a transferee waiting for the target). */
  readonly callerMedia: CallerMedia;
  /** A party left: the call goes on without it if it can. */
  partyGone(end: CallEnd, cause: string): Promise<void>;
  /** External-call slots, billing and the legs rung. */
  readonly accounting: CallAccounting;
}

export class InCallFeatures {
  readonly #transfers: CallTransfers;
  readonly #conference: ConferenceParties;
  #recordings = 0;

  constructor(private readonly h: FeatureHost) {
    this.#transfers = new CallTransfers(h, this);
    this.#conference = new ConferenceParties(h, this);
  }

  /** The engine's transfer and conference services, where it offers them. */
  get inCall(): InCallServices | undefined {
    return this.h.deps.inCall;
  }
  private get parties(): CallParties {
    return this.h.parties;
  }
  /** The call has not ended. */
  get live(): boolean {
    return this.h.call.state !== 'ended';
  }

  /** Parties being rung to join. */
  get adding(): number {
    return this.#conference.adding;
  }

  /** Whether a transfer is under way. */
  get transferring(): boolean {
    return this.#transfers.active;
  }

  /** The call ends: parties still ringing are cancelled. */
  dispose(): void {
    this.#conference.dispose();
  }

  /** A recording file number of this call (on-demand recordings without a recording service). */
  nextRecordingNumber(): number {
    return ++this.#recordings;
  }

  // In-call codes: keys of a party with a line of the tenant.

  /** Starts watching a party's keys, and makes sure digits are seen however its phone sends them. */
  armCodes(end: CallEnd): void {
    const inCall = this.inCall;
    if (end.codes || !inCall || !this.live) return;
    const routing = routingOf(inCall, this.h.call.tenantId, end.party);
    if (!routing) return;
    end.codes = new InCallCodes(routing.tenant.featureCodes, (code) => void this.onCode(end, code));
    // A passthrough bridge relays in-band tones without looking at them: without telephone-event
    // (RFC 4733) this party's endpoint decodes its audio to hear them.
    if (end.side.negotiated?.telephoneEventPayloadType === undefined)
      void this.h.deps.media.setDtmfMode(end.side.id, 'inband').catch(() => {});
  }

  private async onCode(end: CallEnd, code: InCallCode): Promise<void> {
    const { log } = this.h.deps;
    log.info({ call: this.h.call.id, party: end.id, feature: code.feature }, 'in-call code');
    try {
      if (code.feature === 'transfer') await this.#transfers.blindTransfer(end, code.argument, undefined);
      else if (code.feature === 'conference') {
        const added = await this.addParticipant(code.argument, end);
        if ('status' in added) await this.refuseCode(end, added);
      } else await this.recordOnDemand(end);
    } catch (e) {
      log.error({ err: e, call: this.h.call.id, feature: code.feature }, 'in-call code failed');
    }
  }

  /** A code that cannot be done now: a short congestion tone tells the presser so. */
  async refuseCode(end: CallEnd, why: Failure): Promise<void> {
    this.h.deps.log.info({ call: this.h.call.id, party: end.id, why }, 'in-call code refused');
    if (end.music || !this.live) return;
    await this.h.deps.media
      .play(end.side.id, { kind: 'tone', tone: 'congestion', country: this.h.deps.country })
      .catch(() => {});
  }

  /** `*1`: a stereo recording of the call, for lines allowed to record on demand. */
  private async recordOnDemand(end: CallEnd): Promise<void> {
    const inCall = this.inCall;
    const line = end.party.lineId ? inCall?.directory.line(end.party.lineId) : undefined;
    const recording = (line as (LineRoute & { recording?: LineRecording }) | undefined)?.recording;
    if (!inCall || !recording?.onDemand)
      return this.refuseCode(end, { status: 403, reason: 'Recording on demand not allowed on this line' });
    if (this.parties.conference || !this.parties.A || !this.parties.B)
      return this.refuseCode(end, { status: 409, reason: 'Only a two-party call is recorded on demand' });
    await inCall.recordOnDemand(this.h.call, this.h.call.tenantId);
  }

  // Transfers (call-transfers.ts).

  /** Whether a party may transfer the other one now: a two-party call, nothing else under way. */
  canTransfer(end: CallEnd): boolean {
    return this.#transfers.canTransfer(end);
  }

  /** REFER (RFC 3515) from a party: blind, or attended with Replaces (RFC 3891). */
  refer(end: CallEnd, request: SipRequest, tx: ServerTransaction): Promise<void> {
    return this.#transfers.refer(end, request, tx);
  }

  /** An INVITE with Replaces (RFC 3891) from a phone of the same line takes a party's place. */
  replaceParty(...args: Parameters<CallTransfers['replaceParty']>): Promise<void> {
    return this.#transfers.replaceParty(...args);
  }

  // Conferences (conference-parties.ts).

  /** The parties of the call and those being added, as the API shows them. */
  participants(): ParticipantView[] {
    return this.#conference.participants();
  }

  /** Rings `number` to join the call, routed as the host's line would dial it. */
  addParticipant(number: string, host: CallEnd | undefined): Promise<ParticipantView | Failure> {
    return this.#conference.addParticipant(number, host);
  }

  /** A conference member left: the others stay while two remain (or one is still being added). */
  leaveConference(end: CallEnd, cause: string): Promise<void> {
    return this.#conference.leaveConference(end, cause);
  }

  /** Mutes or holds a participant (the call becomes a conference if it was not one). */
  setParticipant(
    id: string,
    change: { muted?: boolean; held?: boolean },
  ): Promise<ParticipantView | undefined> {
    return this.#conference.setParticipant(id, change);
  }

  /** Removes a participant: BYE to it (a party being rung is cancelled). */
  removeParticipant(id: string, gone: (end: CallEnd) => Promise<void>): Promise<boolean> {
    return this.#conference.removeParticipant(id, gone);
  }
}
