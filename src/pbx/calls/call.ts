// One call through the B2BUA. The caller's INVITE starts it; whoever we ring answers from an
// endpoint of ours, and the two are bridged. The call has two slots: A, the party the call
// serves (the caller; flows, voicemail and queues talk to it), and B, the party it talks to.
// A transfer replaces a slot's party, a conference puts any number of parties in one mixer.
// The dialing itself (which lines, what when nobody answers) is a Plan the CallEngine hands in.
import { CallerGone, type RingOutcome } from '../../flows/index.ts';
import type { PromptSource } from '../../media/index.ts';
import type { Flow, ServerTransaction, SipRequest, SipResponse } from '../../sip/index.ts';
import { newId } from '../../store/ids.ts';
import { CallAccounting } from './call-accounting.ts';
import { CallDialogs } from './call-dialogs.ts';
import type { CallEnd } from './call-end.ts';
import { CallParties } from './call-parties.ts';
import { CallSetup } from './call-setup.ts';
import type {
  CallDeps,
  DialogOwner,
  Direction,
  NextStep,
  Party,
  RingStep,
  ServiceStep,
} from './call-types.ts';
import { CallerMedia } from './caller-media.ts';
import type { ParticipantView } from './conference-parties.ts';
import { dispositionOf, towardCaller } from './failure-status.ts';
import { InCallFeatures } from './in-call-features.ts';
import { type DialogLeg, InboundLeg } from './legs.ts';
import type { InCallServices } from './transfer.ts';

type Failure = { status: number; reason: string };

/** What a call needs from the engine; in-call features only where the engine offers them. */
export type CallOptions = CallDeps & { inCall?: InCallServices | undefined };

export class Call implements DialogOwner {
  readonly id = newId();
  readonly startedAt = new Date();
  answeredAt: Date | undefined;
  endedAt: Date | undefined;
  /** The INVITE that started the call: its Call-ID and From are on record. */
  readonly a: InboundLeg;
  /** The party in slot A: the caller, or whoever a transfer left there. */
  caller: Party;
  /** The party in slot B (or the one being rung). */
  callee: Party;
  #state: 'routing' | 'ringing' | 'answered' | 'ended' = 'routing';
  /** External-call slots, billing, the legs rung and the call record. */
  readonly #accounting: CallAccounting;
  #cancelled = false;
  /** Why the last ring step failed, for the final answer to a caller never connected. */
  #lastFailure: Failure | undefined;
  /** Prompts, keys, music and ringback to and from the caller. */
  readonly #callerMedia: CallerMedia;
  /** Ringing, the answer, our 200 to the caller, session timers. */
  readonly #setup: CallSetup;
  readonly #dialogs: CallDialogs;
  readonly #mediaGroup: string;
  /** Who is connected and how: the two slots or a conference, and the call's endpoints. */
  readonly parties: CallParties;
  /** What the parties can do: in-call codes, transfers, adding parties. */
  readonly features: InCallFeatures;
  #endedWaiters: (() => void)[] = [];
  disposition: 'answered' | 'busy' | 'no-answer' | 'cancelled' | 'failed' | 'rejected' = 'failed';
  hangupCause: string | null = null;
  endedBy: 'caller' | 'callee' | 'system' | null = null;

  constructor(
    private readonly deps: CallOptions,
    invite: SipRequest,
    tx: ServerTransaction,
    flow: Flow,
    readonly tenantId: string,
    readonly direction: Direction,
    caller: Party,
    dialed: Party,
    readonly trunkId: string | null,
  ) {
    this.a = new InboundLeg(deps.ctx, invite, tx, flow);
    this.caller = caller;
    this.callee = dialed;
    this.#mediaGroup = deps.mediaGroup ?? this.id;
    this.#accounting = new CallAccounting(deps);
    this.parties = new CallParties({
      media: deps.media,
      group: this.#mediaGroup,
      music: deps.inCall?.holdMusic ?? { kind: 'music' },
      owner: this,
      track: deps.track,
      untrack: deps.untrack,
      live: () => this.#state !== 'ended',
    });
    this.#callerMedia = new CallerMedia({
      call: this,
      deps,
      parties: this.parties,
      connect: () => this.connectCaller(),
      ensureLive: () => this.ensureLive(),
      ended: () => this.#state === 'ended',
    });
    this.#setup = new CallSetup({
      call: this,
      deps,
      parties: this.parties,
      accounting: this.#accounting,
      callerMedia: this.#callerMedia,
      ringing: () => {
        if (this.#state !== 'routing') return;
        this.#state = 'ringing';
        this.emit('ringing');
      },
      answered: () => {
        this.#state = 'answered';
        this.answeredAt = new Date();
        this.emit('answered');
      },
      connected: () => this.emit('connected'),
      live: () => !this.#cancelled && this.#state !== 'ended',
      fail: (status, reason) => this.fail(status, reason),
      rejected: (cause) => this.finish('rejected', cause),
      partyGone: (end, cause) => this.partyGone(end, cause),
    });
    this.#dialogs = new CallDialogs({
      call: this,
      deps,
      parties: this.parties,
      rungLeg: (key) => this.#setup.rungLeg(key),
      partyGone: (end, cause) => this.partyGone(end, cause),
    });
    this.features = new InCallFeatures({
      call: this,
      deps,
      parties: this.parties,
      setup: this.#setup,
      callerMedia: this.#callerMedia,
      partyGone: (end, cause) => this.partyGone(end, cause),
      accounting: this.#accounting,
    });
    tx.user = {
      onCancel: () => this.cancel(),
      onTransportError: () => void this.hangup('system', 'caller unreachable'),
    };
    deps.track(this.a.key, this);
  }

  get state(): string {
    return this.#state;
  }
  /** Media endpoints of the call, for media events. */
  get endpoints(): string[] {
    return [...this.parties.sides].map((s) => s.id);
  }
  get calleeLineId(): string | undefined {
    return this.callee.lineId;
  }
  /** The media group (worker) of the call's endpoints: a spy joins the same one. */
  get mediaGroup(): string {
    return this.#mediaGroup;
  }
  /** The caller's endpoint and the one facing the other party, once set up. */
  get sides(): { caller: string | undefined; callee: string | undefined } {
    if (this.parties.conference) {
      const [first, second] = this.parties.conference.members;
      return { caller: first?.side.id, callee: second?.side.id };
    }
    return { caller: this.parties.sideA?.id, callee: this.parties.sideB?.id };
  }
  /** The answered leg of the party the caller talks to (any member, in a conference). */
  get b(): DialogLeg | undefined {
    return this.parties.B?.leg ?? this.parties.conference?.members[1]?.leg;
  }
  /** Whether the call is a conference now. */
  get isConference(): boolean {
    return this.parties.conference !== undefined;
  }

  /**
   * Sets up the caller's media: our endpoint answering the caller's offer and the one facing
   * whoever we ring. False when the call already ended (refused, cancelled).
   */
  prepare(external?: RingStep['external']): Promise<boolean> {
    return this.#setup.prepare(external);
  }

  /** Rings each step until one answers or none is left. */
  async run(first: RingStep, next: NextStep): Promise<void> {
    if (!(await this.prepare(first.external))) return;
    const result = await this.#setup.dial(first, next);
    if (result === 'answered' || result === 'cancelled') return;
    if ('run' in result) return this.runService(result);
    return this.fail(result.status, result.reason);
  }

  /** Hands the caller to a PBX service (voicemail, a feature code) and ends the call after it. */
  async runService(step: ServiceStep): Promise<void> {
    if (this.#state === 'ended') return;
    await this.#callerMedia.endEarlyMedia();
    await this.#callerMedia.stopRingback();
    try {
      await step.run(this);
    } catch (e) {
      if (!(e instanceof CallerGone)) throw e;
    }
    await this.endFromFlow(`${step.service} ended`);
  }

  // What a call flow does to the call (see flow-effects.ts): answer the caller, play to it,
  // read its keys, ring someone and talk, record.

  /** Answers the caller ourselves, for prompts and menus; from here hanging up is a BYE. */
  async connectCaller(): Promise<void> {
    this.ensureLive();
    await this.#setup.connectCaller();
  }

  /** Plays to the caller until done, or, with barge-in, until a key (returned). */
  playToCaller(source: PromptSource, bargeIn: boolean): Promise<string | undefined> {
    return this.#callerMedia.playToCaller(source, bargeIn);
  }

  /** The caller's next key, or undefined after `timeoutMs` without one or once `signal` aborts. */
  readDigit(timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    return this.#callerMedia.readDigit(timeoutMs, signal);
  }

  /** Loops a source (hold music) to the connected caller until stopPlayback or a bridge. */
  playLoop(source: PromptSource): Promise<void> {
    return this.#callerMedia.playLoop(source);
  }

  /** Stops whatever is being played to the caller (music, a prompt). */
  stopPlayback(): Promise<void> {
    return this.#callerMedia.stopPlayback();
  }

  /** Records the caller alone (a voicemail message), mono; see CallerMedia.recordCaller. */
  recordCaller(path: string, maxMs: number): Promise<{ id: string; stop: () => Promise<void> }> {
    return this.#callerMedia.recordCaller(path, maxMs);
  }

  /**
   * Rings a step; when answered, returns once the conversation is over. Refusals and
   * unanswered rings come back as an outcome for the flow to branch on.
   */
  async ringAndTalk(step: RingStep): Promise<RingOutcome> {
    if (this.#state === 'ended' || this.#cancelled) {
      // The step may hold an external-call slot already: give it back.
      step.external?.release();
      throw new CallerGone();
    }
    const outcome = await this.#setup.ring(step);
    if (outcome === 'answered') {
      await this.ended();
      return 'answered';
    }
    if (outcome === 'cancelled' || this.state === 'ended') throw new CallerGone();
    this.#lastFailure = outcome;
    await this.#callerMedia.stopRingback();
    // The callee's early media was bridged to the caller: the flow's prompts come next.
    await this.#callerMedia.endEarlyMedia();
    const { status } = outcome;
    if (status === 486 || status === 600 || status === 603) return 'busy';
    if (status === 480 || status === 408 || status === 487) return 'no-answer';
    return 'failed';
  }

  /** Starts a stereo recording (caller left, the other party right) or stops it. */
  record(on: boolean, path: string): Promise<void> {
    return this.#callerMedia.record(on, path);
  }

  /** The flow is over: a connected caller gets BYE, one never connected the last failure. */
  async endFromFlow(cause: string): Promise<void> {
    if (this.#state === 'ended') return;
    if (this.#setup.connected || this.#state === 'answered') return this.hangup('system', cause);
    const f = this.#lastFailure ?? { status: 480, reason: 'Temporarily Unavailable' };
    this.fail(f.status, f.reason);
  }

  /** Resolves when the call has ended. */
  ended(): Promise<void> {
    if (this.#state === 'ended') return Promise.resolve();
    return new Promise((resolve) => this.#endedWaiters.push(resolve));
  }

  /** A key from one of our endpoints: watched for in-call codes, and the caller's kept for a flow. */
  dtmf(endpointId: string, digit: string): void {
    this.parties.endOfSide(endpointId)?.codes?.key(digit);
    this.#callerMedia.key(endpointId, digit);
  }

  private ensureLive(): void {
    if (this.#state === 'ended' || this.#cancelled) throw new CallerGone();
  }

  // Ringing and answering slot B (call-setup.ts).

  /**
   * Call pickup: another phone takes this ringing call. The ringing stops (CANCEL to every
   * target), we answer the caller, and its endpoint is left for the picker's call to bridge
   * to. False when the call is no longer ringing (answered, or gone, meanwhile).
   */
  pickUp(by: Party): Promise<boolean> {
    return this.#setup.pickUp(by);
  }

  /** Runs a piece of call handling whose failure must end this call, never the process. */
  guarded(p: Promise<unknown>): void {
    p.catch((e: unknown) => {
      this.deps.log.error({ err: e, call: this.id }, 'call handling failed');
      void this.hangup('system', 'internal error').catch(() => {});
    });
  }

  /** Ends a call whose routing or setup threw: 500 to the caller unless answered. */
  async abort(e: unknown): Promise<void> {
    this.deps.log.error({ err: e, call: this.id }, 'call failed');
    if (this.state === 'answered') return this.hangup('system', 'internal error');
    this.fail(500, 'Internal Server Error');
  }

  /** Dead media: only an answered call is hung up (ringing calls may be silent). */
  mediaTimeout(): void {
    if (this.state === 'answered') this.guarded(this.hangup('system', 'media timeout'));
  }

  /**
   * Dead media on one endpoint. A party holding the call may send nothing (RFC 3264 §8.4: a
   * sendonly phone need not send), so its silence is no failure; a conference member whose
   * media died leaves alone.
   */
  mediaTimeoutOn(endpointId: string): void {
    if (this.state !== 'answered') return;
    const end = this.parties.endOfSide(endpointId);
    if (end?.held) return;
    if (end && this.parties.conference?.members.includes(end))
      this.guarded(this.partyGone(end, 'media timeout'));
    else this.mediaTimeout();
  }

  /** A playback on one of our endpoints ended: a flow's prompt, or the callee's announcement. */
  playbackEnded(endpointId: string, playbackId: string, reason: string, digit?: string): void {
    if (this.#callerMedia.playbackEnded(endpointId, playbackId, reason, digit)) return;
    this.#setup.announcementEnded();
  }

  /** CANCEL from the caller before an answer (§9.2). */
  cancel(): void {
    if (this.#state === 'answered' || this.#state === 'ended') return;
    this.#cancelled = true;
    this.#setup.cancelRinging();
    // The callee answered but the caller was not connected yet: end the callee's dialog too.
    if (this.parties.B) void this.parties.B.leg.request('BYE');
    this.a.reject(487);
    void this.finish('cancelled', '487 Request Terminated', 'caller');
  }

  // SIP inside the call's dialogs (call-dialogs.ts).

  /** An in-dialog request from any party: BYE, re-INVITE, UPDATE, REFER, INFO. */
  inDialog(request: SipRequest, tx: ServerTransaction): Promise<void> {
    return this.#dialogs.inDialog(request, tx);
  }

  /** A party's ACK of our 2xx. */
  onAck(ack: SipRequest): void {
    this.#dialogs.onAck(ack);
  }

  /** A 2xx retransmitted after its transaction ended: that party lost our ACK. */
  strayResponse(r: SipResponse): void {
    this.#dialogs.strayResponse(r);
  }

  /** A party left (its BYE) or is unreachable: the others go on if the call can go on without it. */
  private async partyGone(end: CallEnd, cause: string): Promise<void> {
    if (end === this.parties.transferor) {
      // The transferor hung up: the transfer it asked for goes on.
      await this.parties.dropEnd(end);
      return;
    }
    if (this.parties.conference?.members.includes(end)) return this.features.leaveConference(end, cause);
    const by = end === this.parties.A ? 'caller' : end === this.parties.B ? 'callee' : 'system';
    return this.hangup(by, cause, end);
  }

  /** Ends an answered (or ringing) call: BYE to every party but `except`, then the record. */
  async hangup(by: 'caller' | 'callee' | 'system', cause: string, except?: CallEnd): Promise<void> {
    if (this.#state === 'ended') return;
    if (this.#state !== 'answered') {
      if (by === 'caller') return this.cancel();
      this.#setup.cancelRinging();
      if (this.parties.B) void this.parties.B.leg.request('BYE');
      this.a.reject(by === 'system' ? 503 : 480);
      return this.finish('failed', cause, by);
    }
    const leaving =
      except ?? (by === 'caller' ? this.parties.A : by === 'callee' ? this.parties.B : undefined);
    for (const end of this.parties.ends()) if (end !== leaving) void end.leg.request('BYE');
    return this.finish('answered', cause, by);
  }

  private fail(downstream: number, why: string): void {
    const { status, reason } = towardCaller(downstream, why);
    this.a.reject(status, reason);
    void this.finish(dispositionOf(status), `${status} ${reason}`);
  }

  private async finish(
    disposition: Call['disposition'],
    cause: string,
    by: 'caller' | 'callee' | 'system' = 'system',
  ): Promise<void> {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.endedAt = new Date();
    this.disposition = disposition;
    this.hangupCause = cause;
    this.endedBy = by;
    this.#setup.cancelRinging();
    this.features.dispose();
    this.#accounting.releaseAll();
    const ends = this.parties.ends();
    for (const end of ends) {
      end.quiet();
      if (!this.parties.surrendered.has(end.leg)) end.leg.dispose();
    }
    if (!this.parties.surrendered.has(this.a)) {
      this.a.dispose();
      this.deps.untrack(this.a.key);
    }
    this.#setup.untrackLegs();
    for (const end of ends) if (!this.parties.surrendered.has(end.leg)) this.deps.untrack(end.leg.key);
    this.#callerMedia.close();
    this.#setup.announcementEnded();
    for (const done of this.#endedWaiters.splice(0)) done();
    // The record is queued before the media is torn down: whoever saw the call end can read it.
    this.#accounting.write(this);
    this.emit('ended');
    this.deps.ended(this);
    const conference = this.parties.conference;
    for (const side of [...this.parties.sides]) await this.parties.releaseSide(side);
    await conference?.destroy();
  }

  private emit(state: 'ringing' | 'answered' | 'connected' | 'ended'): void {
    this.deps.events.emit({
      type: 'call',
      state,
      callId: this.id,
      tenantId: this.tenantId,
      direction: this.direction,
      caller: this.caller.number,
      callee: this.callee.number,
      ...(state === 'ended' ? { disposition: this.disposition } : {}),
    });
  }

  // In-call features (in-call-features.ts): codes, transfers, conferences.

  /** The parties of the call and those being added, as the API shows them. */
  participants(): ParticipantView[] {
    return this.features.participants();
  }

  /** The lines of the call's parties, and of the conference's host if there is one. */
  partyLines(): { host: string | undefined; all: string[] } {
    const all = this.participants()
      .filter((p) => p.state === 'connected' && p.lineId)
      .map((p) => p.lineId as string);
    return { host: this.parties.host?.party.lineId, all };
  }

  /** Rings `number` to join the call, placed as the first party with a line would dial it. */
  addParticipant(number: string): Promise<ParticipantView | { status: number; reason: string }> {
    return this.features.addParticipant(number, undefined);
  }

  setParticipant(
    id: string,
    change: { muted?: boolean; held?: boolean },
  ): Promise<ParticipantView | undefined> {
    return this.features.setParticipant(id, change);
  }

  removeParticipant(id: string): Promise<boolean> {
    return this.features.removeParticipant(id, (end) => this.partyGone(end, 'removed by the host'));
  }

  /** A recording file number of this call (on-demand recordings without a recording service). */
  nextRecordingNumber(): number {
    return this.features.nextRecordingNumber();
  }
}
