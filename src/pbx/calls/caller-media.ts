// What the call plays to its caller (slot A's endpoint) and hears from it: a flow's prompts
// and the keys read for them, a waiting loop (queue music), ringback while someone is rung,
// the callee's early media bridged through; recordings, of the caller alone or of the call in
// stereo (the caller left, the other party right).
import type { PromptSource } from '../../media/index.ts';
import type { Call } from './call.ts';
import type { CallParties } from './call-parties.ts';
import type { CallDeps } from './call-types.ts';
import { CallerInput } from './caller-input.ts';
import type { MediaSide } from './media-side.ts';

/** What the caller's media needs from its call. */
export interface CallerMediaContext {
  call: Call;
  deps: Pick<CallDeps, 'media' | 'log' | 'country'>;
  parties: CallParties;
  /** Answers the caller ourselves if nobody has yet. */
  connect(): Promise<void>;
  /** Throws CallerGone once the call is over (ended or cancelled). */
  ensureLive(): void;
  ended(): boolean;
}

export class CallerMedia {
  readonly #input = new CallerInput();
  /** Music (or any loop) we play to the connected caller while it waits, e.g. in a queue. */
  #loopPlaying = false;
  #ringbackPlaying = false;
  /** The callee's early media is bridged to the caller. */
  #earlyMedia = false;
  #recordingId: string | undefined;

  constructor(private readonly c: CallerMediaContext) {}

  private get deps(): CallerMediaContext['deps'] {
    return this.c.deps;
  }
  private get sideA(): MediaSide {
    return this.c.parties.sideA as MediaSide;
  }

  get earlyMedia(): boolean {
    return this.#earlyMedia;
  }
  get ringbackPlaying(): boolean {
    return this.#ringbackPlaying;
  }

  /** Plays to the caller until done, or, with barge-in, until a key (returned). */
  async playToCaller(source: PromptSource, bargeIn: boolean): Promise<string | undefined> {
    await this.c.connect();
    // Type-ahead: a key pressed before a barge-in prompt answers it at once.
    const typed = bargeIn ? this.#input.takeKey() : undefined;
    if (typed !== undefined) return typed;
    let id: string;
    try {
      id = await this.deps.media.play(this.sideA.id, source, { stopOnDtmf: bargeIn });
    } catch (e) {
      this.c.ensureLive();
      throw e;
    }
    // The caller may have gone while the prompt was prepared: its end would never come.
    this.c.ensureLive();
    const ended = await this.#input.playbackEnd(id);
    this.c.ensureLive();
    if (ended.reason === 'error')
      this.deps.log.warn({ call: this.c.call.id, source }, 'prompt could not be played');
    return ended.reason === 'dtmf' ? ended.digit : undefined;
  }

  /** The caller's next key, or undefined after `timeoutMs` without one or once `signal` aborts. */
  async readDigit(timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    await this.c.connect();
    const key = await this.#input.nextKey(timeoutMs, signal);
    this.c.ensureLive();
    return key;
  }

  /** Loops a source (hold music) to the connected caller until stopPlayback or a bridge. */
  async playLoop(source: PromptSource): Promise<void> {
    await this.c.connect();
    await this.deps.media.play(this.sideA.id, source, { loop: true });
    this.#loopPlaying = true;
    this.c.ensureLive();
  }

  /** Stops whatever is being played to the caller (music, a prompt). */
  async stopPlayback(): Promise<void> {
    this.#loopPlaying = false;
    if (this.c.ended() || !this.c.parties.sideA) return;
    await this.deps.media.stopPlayback(this.c.parties.sideA.id).catch(() => {});
  }

  /** A bridge does not stop a playing loop: the waiting caller's music ends before one. */
  async stopLoop(): Promise<void> {
    if (this.#loopPlaying) await this.stopPlayback();
  }

  /**
   * Records the caller alone (a voicemail message), mono, until the returned stop is called
   * or `maxMs` passes. The recording's id is given so its end event can be matched.
   */
  async recordCaller(path: string, maxMs: number): Promise<{ id: string; stop: () => Promise<void> }> {
    await this.c.connect();
    const id = await this.deps.media.startRecording({
      path,
      left: this.sideA.id,
      channels: 1,
      maxDurationMs: maxMs,
    });
    return { id, stop: () => this.deps.media.stopRecording(id).catch(() => {}) };
  }

  /** Starts a stereo recording (caller left, the other party right) or stops it. */
  async record(on: boolean, path: string): Promise<void> {
    this.c.ensureLive();
    if (on && !this.#recordingId) {
      const { caller, callee } = this.c.call.sides;
      this.#recordingId = await this.deps.media.startRecording({
        path,
        left: caller as string,
        right: callee as string,
        channels: 2,
      });
    } else if (!on && this.#recordingId) {
      const id = this.#recordingId;
      this.#recordingId = undefined;
      await this.deps.media.stopRecording(id).catch(() => {});
    }
  }

  /** A key from the caller's endpoint, kept for a flow; none while it talks to someone. */
  key(endpointId: string, digit: string): void {
    const p = this.c.parties;
    if (endpointId !== p.sideA?.id || p.B || p.conference) return;
    this.#input.key(digit);
  }

  /** A playback ended; false when it is none of the caller's (e.g. the callee's announcement). */
  playbackEnded(endpointId: string, playbackId: string, reason: string, digit?: string): boolean {
    return this.#input.playbackEnded(playbackId, { reason, digit }, endpointId === this.c.parties.sideA?.id);
  }

  /** The call ended: a flow waiting for a key or a prompt is released. */
  close(): void {
    this.#input.close();
  }

  /** Ringback to the caller while someone is rung (a transferee waiting for the target too). */
  async startRingback(): Promise<void> {
    const sideA = this.c.parties.sideA;
    if (this.#ringbackPlaying || !sideA) return;
    this.#ringbackPlaying = true;
    await this.deps.media
      .play(sideA.id, { kind: 'tone', tone: 'ringback', country: this.deps.country }, { loop: true })
      .catch(() => {});
  }

  async stopRingback(): Promise<void> {
    if (!this.#ringbackPlaying) return;
    this.#ringbackPlaying = false;
    await this.deps.media.stopPlayback(this.sideA.id).catch(() => {});
  }

  /** Early media from the callee (announcements, carrier ringback) is bridged through to the caller. */
  async bridgeEarlyMedia(sideB: MediaSide): Promise<void> {
    await this.stopRingback();
    await this.deps.media.bridge(this.sideA.id, sideB.id);
    this.#earlyMedia = true;
  }

  /** The callee's early media no longer reaches the caller (a flow or service takes it). */
  async endEarlyMedia(): Promise<void> {
    if (!this.#earlyMedia) return;
    this.#earlyMedia = false;
    await this.deps.media.unbridge(this.sideA.id).catch(() => {});
  }
}
