// One call through the B2BUA: the caller's leg, the legs we ring, two anchored media
// endpoints bridged once someone answers, and the record written when it ends. The dialing
// itself (which lines, what when nobody answers) is a Plan the CallEngine hands in.
import { CallerGone, type RingOutcome } from '../../flows/index.ts';
import { MediaError, type PromptSource } from '../../media/index.ts';
import type { Flow, ServerTransaction, SipRequest, SipResponse } from '../../sip/index.ts';
import { createResponse } from '../../sip/index.ts';
import { newId } from '../../store/ids.ts';
import type { CallLegRecord } from '../../store/schema.ts';
import { calleeLegRecord, callRecordOf } from './call-record.ts';
import type { CallDeps, Direction, NextStep, Party, RingStep, ServiceStep } from './call-types.ts';
import { CallerInput } from './caller-input.ts';
import { bestFailure, dispositionOf, towardCaller } from './failure-status.ts';
import { InboundLeg, OutboundLeg } from './legs.ts';
import { MediaSide } from './media-side.ts';
import { answerSessionModify } from './session-modify.ts';
import { MIN_SE, SessionTimer, sessionExpiresOf, supports } from './session-timer.ts';

type Outcome = 'answered' | 'cancelled' | { status: number; reason: string };

export class Call {
  readonly id = newId();
  readonly startedAt = new Date();
  answeredAt: Date | undefined;
  endedAt: Date | undefined;
  readonly a: InboundLeg;
  b: OutboundLeg | undefined;
  #ringing: OutboundLeg[] = [];
  /** Every leg this call created, so finish() can forget them all (losing forks included). */
  #allLegs: OutboundLeg[] = [];
  #sideA: MediaSide | undefined;
  #sideB: MediaSide | undefined;
  #state: 'routing' | 'ringing' | 'answered' | 'ended' = 'routing';
  #ringbackPlaying = false;
  #earlyMedia = false;
  #timers: SessionTimer[] = [];
  #step: RingStep | undefined;
  #external: RingStep['external'];
  #answeredStep: RingStep | undefined;
  #legRecords: CallLegRecord[] = [];
  #cancelled = false;
  /** We answered the caller ourselves (a flow's prompts): ringing others sends no 18x or 200 to it. */
  #connected = false;
  /** Why the last ring step failed, for the final answer to a caller never connected. */
  #lastFailure: { status: number; reason: string } | undefined;
  readonly #input = new CallerInput();
  #recordingId: string | undefined;
  /** Music (or any loop) we play to the connected caller while it waits, e.g. in a queue. */
  #loopPlaying = false;
  readonly #mediaGroup: string;
  #endedWaiters: (() => void)[] = [];
  #resolveStep: ((o: Outcome) => void) | undefined;
  #announcementDone: (() => void) | undefined;
  callee: Party;
  disposition: 'answered' | 'busy' | 'no-answer' | 'cancelled' | 'failed' | 'rejected' = 'failed';
  hangupCause: string | null = null;
  endedBy: 'caller' | 'callee' | 'system' | null = null;

  constructor(
    private readonly deps: CallDeps,
    invite: SipRequest,
    tx: ServerTransaction,
    flow: Flow,
    readonly tenantId: string,
    readonly direction: Direction,
    readonly caller: Party,
    dialed: Party,
    readonly trunkId: string | null,
  ) {
    this.a = new InboundLeg(deps.ctx, invite, tx, flow);
    this.callee = dialed;
    this.#mediaGroup = deps.mediaGroup ?? this.id;
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
    return [this.#sideA?.id, this.#sideB?.id].filter((x): x is string => !!x);
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
    return { caller: this.#sideA?.id, callee: this.#sideB?.id };
  }

  /**
   * Sets up the caller's media: our endpoint answering the caller's offer and the one facing
   * whoever we ring. False when the call already ended (refused, cancelled).
   */
  async prepare(external?: RingStep['external']): Promise<boolean> {
    // The router already counted an external call: from here on finish() releases it.
    this.#external = external;
    const invite = this.a.invite;
    if (invite.body.length === 0) {
      // Late offer (no SDP in the INVITE) is not supported yet.
      this.fail(488, 'SDP offer required');
      return false;
    }
    const se = sessionExpiresOf(invite);
    if (se && se.seconds < MIN_SE) {
      this.a.reject(422, 'Session Interval Too Small', [['Min-SE', String(MIN_SE)]]);
      await this.finish('rejected', '422 Session Interval Too Small');
      return false;
    }
    try {
      const epA = await this.deps.media.allocateEndpoint({ group: this.#mediaGroup, inactivityMs: 60_000 });
      // A CANCEL while the media was being set up has already ended the call.
      if (this.state === 'ended') {
        await this.deps.media.releaseEndpoint(epA.id).catch(() => {});
        return false;
      }
      this.#sideA = new MediaSide(this.deps.media, epA);
      this.deps.track(`ep:${epA.id}`, this);
      const epB = await this.deps.media.allocateEndpoint({ group: this.#mediaGroup, inactivityMs: 60_000 });
      if (this.state === 'ended') {
        await this.deps.media.releaseEndpoint(epB.id).catch(() => {});
        return false;
      }
      this.#sideB = new MediaSide(this.deps.media, epB);
      this.deps.track(`ep:${epB.id}`, this);
      await this.#sideA.answer(invite.body.toString('utf8'));
      return true;
    } catch (e) {
      if (e instanceof MediaError && e.code === 'SDP_NO_COMMON_CODEC') this.fail(488, 'No common codec');
      else {
        this.deps.log.error({ err: e }, 'media setup failed');
        this.fail(503, 'Media unavailable');
      }
      return false;
    }
  }

  /** Rings each step until one answers or none is left. */
  async run(first: RingStep, next: NextStep): Promise<void> {
    if (!(await this.prepare(first.external))) return;
    let step: RingStep | undefined = first;
    let hops = 0;
    while (step && !this.#cancelled && this.#state !== 'ended') {
      const outcome = await this.ring(step);
      if (outcome === 'answered' || outcome === 'cancelled') return;
      // Forwarding chains end after a few hops, so two lines forwarding to each other cannot loop.
      const then: Awaited<ReturnType<NextStep>> = hops++ < 4 ? await next(outcome.status) : undefined;
      if (then && 'legs' in then && this.state === 'ended') then.external?.release();
      if (!then) return this.fail(outcome.status, outcome.reason);
      if ('run' in then) return this.runService(then);
      if ('status' in then && !('legs' in then)) return this.fail(then.status, then.reason);
      step = then as RingStep;
    }
  }

  /** Hands the caller to a PBX service (voicemail, a feature code) and ends the call after it. */
  async runService(step: ServiceStep): Promise<void> {
    if (this.#state === 'ended') return;
    if (this.#earlyMedia) {
      this.#earlyMedia = false;
      await this.deps.media.unbridge((this.#sideA as MediaSide).id).catch(() => {});
    }
    await this.stopRingback();
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
    if (this.#connected) return;
    await this.stopRingback();
    this.#connected = true;
    const sideA = this.#sideA as MediaSide;
    this.a.answer(sideA.lastSent as string, this.callerSessionTimer(), () =>
      this.guarded(this.hangup('system', 'no ACK from caller')),
    );
    this.#state = 'answered';
    this.answeredAt = new Date();
    this.emit('answered');
  }

  /** Plays to the caller until done, or, with barge-in, until a key (returned). */
  async playToCaller(source: PromptSource, bargeIn: boolean): Promise<string | undefined> {
    await this.connectCaller();
    // Type-ahead: a key pressed before a barge-in prompt answers it at once.
    const typed = bargeIn ? this.#input.takeKey() : undefined;
    if (typed !== undefined) return typed;
    const sideA = this.#sideA as MediaSide;
    let id: string;
    try {
      id = await this.deps.media.play(sideA.id, source, { stopOnDtmf: bargeIn });
    } catch (e) {
      this.ensureLive();
      throw e;
    }
    // The caller may have gone while the prompt was prepared: its end would never come.
    this.ensureLive();
    const ended = await this.#input.playbackEnd(id);
    this.ensureLive();
    if (ended.reason === 'error') this.deps.log.warn({ call: this.id, source }, 'prompt could not be played');
    return ended.reason === 'dtmf' ? ended.digit : undefined;
  }

  /** The caller's next key, or undefined after `timeoutMs` without one or once `signal` aborts. */
  async readDigit(timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    await this.connectCaller();
    const key = await this.#input.nextKey(timeoutMs, signal);
    this.ensureLive();
    return key;
  }

  /** Loops a source (hold music) to the connected caller until stopPlayback or a bridge. */
  async playLoop(source: PromptSource): Promise<void> {
    await this.connectCaller();
    await this.deps.media.play((this.#sideA as MediaSide).id, source, { loop: true });
    this.#loopPlaying = true;
    this.ensureLive();
  }

  /** Stops whatever is being played to the caller (music, a prompt). */
  async stopPlayback(): Promise<void> {
    this.#loopPlaying = false;
    if (this.#state === 'ended' || !this.#sideA) return;
    await this.deps.media.stopPlayback(this.#sideA.id).catch(() => {});
  }

  /**
   * Records the caller alone (a voicemail message), mono, until the returned stop is called
   * or `maxMs` passes. The recording's id is given so its end event can be matched.
   */
  async recordCaller(path: string, maxMs: number): Promise<{ id: string; stop: () => Promise<void> }> {
    await this.connectCaller();
    const id = await this.deps.media.startRecording({
      path,
      left: (this.#sideA as MediaSide).id,
      channels: 1,
      maxDurationMs: maxMs,
    });
    return { id, stop: () => this.deps.media.stopRecording(id).catch(() => {}) };
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
    const outcome = await this.ring(step);
    if (outcome === 'answered') {
      await this.ended();
      return 'answered';
    }
    if (outcome === 'cancelled' || this.state === 'ended') throw new CallerGone();
    this.#lastFailure = outcome;
    await this.stopRingback();
    if (this.#earlyMedia) {
      // The callee's early media was bridged to the caller: the flow's prompts come next.
      this.#earlyMedia = false;
      await this.deps.media.unbridge((this.#sideA as MediaSide).id).catch(() => {});
    }
    const { status } = outcome;
    if (status === 486 || status === 600 || status === 603) return 'busy';
    if (status === 480 || status === 408 || status === 487) return 'no-answer';
    return 'failed';
  }

  /** Starts a stereo recording (caller left, the other party right) or stops it. */
  async record(on: boolean, path: string): Promise<void> {
    this.ensureLive();
    if (on && !this.#recordingId) {
      this.#recordingId = await this.deps.media.startRecording({
        path,
        left: (this.#sideA as MediaSide).id,
        right: (this.#sideB as MediaSide).id,
        channels: 2,
      });
    } else if (!on && this.#recordingId) {
      const id = this.#recordingId;
      this.#recordingId = undefined;
      await this.deps.media.stopRecording(id).catch(() => {});
    }
  }

  /** The flow is over: a connected caller gets BYE, one never connected the last failure. */
  async endFromFlow(cause: string): Promise<void> {
    if (this.#state === 'ended') return;
    if (this.#connected || this.#state === 'answered') return this.hangup('system', cause);
    const f = this.#lastFailure ?? { status: 480, reason: 'Temporarily Unavailable' };
    this.fail(f.status, f.reason);
  }

  /** Resolves when the call has ended. */
  ended(): Promise<void> {
    if (this.#state === 'ended') return Promise.resolve();
    return new Promise((resolve) => this.#endedWaiters.push(resolve));
  }

  /** A key from one of our endpoints: the caller's are kept for the flow. */
  dtmf(endpointId: string, digit: string): void {
    if (endpointId !== this.#sideA?.id || this.b) return;
    this.#input.key(digit);
  }

  private ensureLive(): void {
    if (this.#state === 'ended' || this.#cancelled) throw new CallerGone();
  }

  /** Rings one step's targets at once; the first to answer wins and the rest are cancelled. */
  private ring(step: RingStep): Promise<Outcome> {
    this.#step = step;
    this.callee = step.callee;
    if (step.external) this.#external = step.external;
    if (step.legs.length === 0) {
      step.external?.release();
      return Promise.resolve(step.refusal ?? { status: 480, reason: 'Temporarily Unavailable' });
    }
    const sideB = this.#sideB as MediaSide;
    const codec = this.#sideA?.negotiated?.codec;
    // The caller's codec first, so the bridge can pass packets through untouched.
    const sdp = sideB.offer('sendrecv', codec ? [codec, codec === 'PCMU' ? 'PCMA' : 'PCMU'] : undefined);
    const maxForwards = Math.max(0, (this.a.invite.maxForwards ?? 70) - 1);
    return new Promise<Outcome>((resolve) => {
      const failures: number[] = [];
      let settled = false;
      const settle = (o: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#resolveStep = undefined;
        resolve(o);
      };
      this.#resolveStep = settle;
      const timer = setTimeout(() => {
        for (const l of this.#ringing) l.cancel();
        settle({ status: 480, reason: 'No Answer' });
      }, step.timeoutMs);
      timer.unref();
      const legs = step.legs.map(
        (o) =>
          new OutboundLeg(
            this.deps.ctx,
            { ...o, sdp, maxForwards, headers: [...o.headers, ...this.sessionTimerOffer()] },
            {
              onProvisional: (leg, r) => this.guarded(this.onProvisional(leg, r)),
              onAnswer: (leg, r) => this.guarded(this.onAnswer(leg, r, settle)),
              onFailure: (leg, status, reason) => {
                this.recordLeg(leg, status);
                this.deps.untrack(leg.key);
                this.#ringing = this.#ringing.filter((l) => l !== leg);
                failures.push(status);
                if (this.#ringing.length === 0 && !this.b) {
                  step.external?.release();
                  if (this.#external === step.external) this.#external = undefined;
                  settle(bestFailure(failures, reason));
                }
              },
            },
            o.label ?? { kind: step.kind, id: step.id },
          ),
      );
      this.#ringing = legs;
      this.#allLegs.push(...legs);
      for (const leg of legs) {
        this.deps.track(leg.key, this);
        leg.start();
      }
    });
  }

  private sessionTimerOffer(): [string, string][] {
    return [
      ['Supported', 'timer'],
      ['Session-Expires', String(this.deps.sessionExpires)],
      ['Min-SE', String(MIN_SE)],
    ];
  }

  private async onProvisional(leg: OutboundLeg, r: SipResponse): Promise<void> {
    if (this.#state === 'ended' || this.b) return;
    // A queue rings agents while the caller keeps its music: no ringback, no early media.
    if (this.#step?.quiet) return;
    if (this.#state === 'routing') {
      this.#state = 'ringing';
      this.emit('ringing');
    }
    const sideA = this.#sideA as MediaSide;
    if (r.body.length > 0 && (r.status === 183 || r.status === 180)) {
      // Early media from the callee (announcements, carrier ringback): bridge it through.
      try {
        await (this.#sideB as MediaSide).applyAnswer(r.body.toString('utf8'));
        await this.stopRingback();
        await this.deps.media.bridge(sideA.id, (this.#sideB as MediaSide).id);
        this.#earlyMedia = true;
        if (!this.#connected) this.a.provisional(183, sideA.lastSent);
      } catch (e) {
        this.deps.log.debug({ err: e, leg: leg.key }, 'early media unusable');
      }
      return;
    }
    if (r.status === 180 && !this.#earlyMedia && !this.#ringbackPlaying) {
      // The callee rings but sends no audio: we play ringback to the caller ourselves.
      this.#ringbackPlaying = true;
      if (!this.#connected) this.a.provisional(180, sideA.lastSent);
      await this.deps.media
        .play(sideA.id, { kind: 'tone', tone: 'ringback', country: this.deps.country }, { loop: true })
        .catch(() => {});
    }
  }

  private async stopRingback(): Promise<void> {
    if (!this.#ringbackPlaying) return;
    this.#ringbackPlaying = false;
    await this.deps.media.stopPlayback((this.#sideA as MediaSide).id).catch(() => {});
  }

  private async onAnswer(leg: OutboundLeg, r: SipResponse, settle: (o: Outcome) => void): Promise<void> {
    if (this.b || this.#state === 'ended') return;
    this.b = leg;
    this.#answeredStep = this.#step;
    const party = this.#step?.parties?.[leg.label.id];
    if (party) this.callee = party;
    this.#step?.onAnswered?.(leg.label);
    this.deps.track(leg.key, this);
    for (const other of this.#ringing) if (other !== leg) other.cancel();
    this.#ringing = [];
    settle('answered');
    const sideA = this.#sideA as MediaSide;
    const sideB = this.#sideB as MediaSide;
    try {
      await sideB.applyAnswer(r.body.toString('utf8'));
    } catch {
      void leg.request('BYE');
      return this.fail(488, 'Callee answered without a usable codec');
    }
    // The caller may have gone while we worked (CANCEL crossing the answer): finish() has
    // sent the callee its BYE, and nothing below may run.
    if (this.state === 'ended') return;
    this.recordLeg(leg, 200, true);
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
      if (this.state === 'ended') return;
    }
    await this.stopRingback();
    // A bridge does not stop a playing loop: the waiting caller's music ends here.
    if (this.#loopPlaying) await this.stopPlayback();
    await this.deps.media
      .bridge(sideA.id, sideB.id)
      .catch((e) => this.deps.log.error({ err: e }, 'bridge failed'));
    if (this.state === 'ended') return;
    const seB = sessionExpiresOf(r);
    if (seB) {
      const weRefresh = seB.refresher !== 'uas';
      this.#timers.push(
        new SessionTimer(
          seB.seconds,
          weRefresh ? 'refresh' : 'watch',
          () => this.guarded(this.refresh('b')),
          () => this.guarded(this.hangup('system', 'session timer expired')),
          'b',
        ),
      );
    }
    // A caller a flow already answered is simply connected; anyone else gets its 200 now.
    if (this.#connected) return;
    this.a.answer(sideA.lastSent as string, this.callerSessionTimer(), () =>
      this.guarded(this.hangup('system', 'no ACK from caller')),
    );
    this.#state = 'answered';
    this.answeredAt = new Date();
    this.emit('answered');
  }

  /** RFC 4028 §9: the caller asked for a session timer; it refreshes when it supports them. */
  private callerSessionTimer(): [string, string][] {
    const se = sessionExpiresOf(this.a.invite);
    if (!se) return [];
    const uacRefreshes = supports(this.a.invite, 'timer');
    this.#timers.push(
      new SessionTimer(
        se.seconds,
        uacRefreshes ? 'watch' : 'refresh',
        () => this.guarded(this.refresh('a')),
        () => this.guarded(this.hangup('system', 'session timer expired')),
        'a',
      ),
    );
    const headers: [string, string][] = [
      ['Session-Expires', `${se.seconds};refresher=${uacRefreshes ? 'uac' : 'uas'}`],
    ];
    if (uacRefreshes) headers.push(['Require', 'timer']);
    return headers;
  }

  /** Our turn to refresh the session (RFC 4028 §7.4): an UPDATE without SDP. */
  private async refresh(side: 'a' | 'b'): Promise<void> {
    const leg = side === 'a' ? this.a : this.b;
    const expires: [string, string][] = [['Session-Expires', `${this.deps.sessionExpires};refresher=uac`]];
    let r = await leg?.request('UPDATE', undefined, expires);
    // A peer without UPDATE is refreshed with a re-INVITE carrying our current SDP.
    if (r && (r.status === 405 || r.status === 501)) {
      const sdp = (side === 'a' ? this.#sideA : this.#sideB)?.lastSent;
      r = await leg?.request('INVITE', sdp, expires);
    }
    if (!r || r.status === 481 || r.status === 408) return this.hangup('system', 'session refresh failed');
    for (const t of this.#timers) if (t.side === side && t.role === 'refresh') t.reset();
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
  /** The caller's ACK of our 2xx. */
  onAck(ack: SipRequest): void {
    if (ack.to.tag === this.a.toTag) this.a.acked();
  }

  /** A 2xx retransmitted after its transaction ended: the callee lost our ACK. */
  strayResponse(r: SipResponse): void {
    this.b?.reack(r);
  }

  /** A playback on one of our endpoints ended: a flow's prompt, or the callee's announcement. */
  playbackEnded(endpointId: string, playbackId: string, reason: string, digit?: string): void {
    if (this.#input.playbackEnded(playbackId, { reason, digit }, endpointId === this.#sideA?.id)) return;
    this.#announcementDone?.();
  }

  /** CANCEL from the caller before an answer (§9.2). */
  cancel(): void {
    if (this.#state === 'answered' || this.#state === 'ended') return;
    this.#cancelled = true;
    for (const l of this.#ringing) l.cancel();
    // The callee answered but the caller was not connected yet: end the callee's dialog too.
    if (this.b) void this.b.request('BYE');
    this.#external?.release();
    this.a.reject(487);
    this.#resolveStep?.('cancelled');
    void this.finish('cancelled', '487 Request Terminated', 'caller');
  }

  /** An in-dialog request from either side: BYE, re-INVITE, UPDATE, INFO. */
  async inDialog(request: SipRequest, tx: ServerTransaction): Promise<void> {
    const key = `${request.callId}|${request.to.tag}`;
    const fromCaller = key === this.a.key;
    const leg = fromCaller ? this.a : this.b?.key === key ? this.b : undefined;
    const dialog = leg?.dialog;
    if (!dialog) {
      if (request.method === 'BYE' && fromCaller) {
        // RFC 3261 §15: the caller may end the early dialog with BYE; it is a hang-up.
        tx.respond(createResponse(request, 200));
        this.cancel();
        return;
      }
      // A BYE from a callee still ringing (an early dialog), or from a losing fork.
      const early = this.#allLegs.find((l) => l.key === key);
      if (request.method === 'BYE' && early) {
        tx.respond(createResponse(request, 200));
        early.cancel();
        return;
      }
      tx.respond(createResponse(request, 481));
      return;
    }
    const problem = dialog.receiveRequest(request);
    if (problem) {
      tx.respond(createResponse(request, problem.status ?? 500));
      return;
    }
    for (const t of this.#timers) if (t.role === 'watch' && t.side === (fromCaller ? 'a' : 'b')) t.reset();
    switch (request.method) {
      case 'BYE':
        tx.respond(createResponse(request, 200));
        return this.hangup(fromCaller ? 'caller' : 'callee', 'normal clearing');
      case 'INVITE':
      case 'UPDATE':
        return this.modify(request, tx, fromCaller);
      default:
        tx.respond(createResponse(request, 200));
    }
  }

  /** A re-INVITE or UPDATE from one side (see session-modify.ts). */
  private modify(request: SipRequest, tx: ServerTransaction, fromCaller: boolean): Promise<void> {
    return answerSessionModify(request, tx, {
      side: fromCaller ? this.#sideA : this.#sideB,
      other: fromCaller ? this.b : this.a,
      otherSide: fromCaller ? this.#sideB : this.#sideA,
      contact: this.deps.ctx.contact((fromCaller ? this.a.flow : this.b?.target)?.protocol ?? 'udp'),
      relay: this.#state === 'answered',
    });
  }

  /** Ends an answered (or ringing) call from one side: BYE to the other, then the record. */
  async hangup(by: 'caller' | 'callee' | 'system', cause: string): Promise<void> {
    if (this.#state === 'ended') return;
    if (this.#state !== 'answered') {
      if (by === 'caller') return this.cancel();
      for (const l of this.#ringing) l.cancel();
      if (this.b) void this.b.request('BYE');
      this.a.reject(by === 'system' ? 503 : 480);
      return this.finish('failed', cause, by);
    }
    if (by !== 'caller') void this.a.request('BYE');
    if (by !== 'callee') void this.b?.request('BYE');
    return this.finish('answered', cause, by);
  }

  private fail(downstream: number, why: string): void {
    const { status, reason } = towardCaller(downstream, why);
    this.a.reject(status, reason);
    void this.finish(dispositionOf(status), `${status} ${reason}`);
  }

  private recordLeg(leg: OutboundLeg, status: number, answered = false): void {
    this.#legRecords.push(calleeLegRecord(leg, status, answered));
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
    for (const t of this.#timers) t.dispose();
    for (const l of this.#ringing) l.cancel();
    this.#external?.release();
    this.a.dispose();
    this.b?.dispose();
    this.deps.untrack(this.a.key);
    for (const l of this.#allLegs) this.deps.untrack(l.key);
    this.#resolveStep?.('cancelled');
    this.#announcementDone?.();
    this.#input.close();
    for (const done of this.#endedWaiters.splice(0)) done();
    // The record is queued before the media is torn down: whoever saw the call end can read it.
    this.writeRecord();
    this.emit('ended');
    this.deps.ended(this);
    for (const id of this.endpoints) {
      this.deps.untrack(`ep:${id}`);
      await this.deps.media.releaseEndpoint(id).catch(() => {});
    }
  }

  private writeRecord(): void {
    const ended = this.endedAt as Date;
    const billable = this.answeredAt ? Math.ceil((ended.getTime() - this.answeredAt.getTime()) / 1000) : 0;
    const external = this.#answeredStep?.external;
    const cost = external && billable > 0 ? this.deps.charge(external.e164, billable) : 0;
    this.deps.cdrs.add(
      callRecordOf(this, {
        ended,
        billable,
        cost,
        answeredTrunkId: this.#answeredStep?.kind === 'trunk' ? this.#answeredStep.id : null,
        legs: this.#legRecords,
      }),
    );
  }

  private emit(state: 'ringing' | 'answered' | 'ended'): void {
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
}
