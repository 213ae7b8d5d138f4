// The consent prompt ("this call may be recorded") played to the caller before a recording
// starts. On a call already bridged to someone, the prompt takes the caller's side of the
// bridge while it plays (the media worker sends a playing prompt instead of the bridged
// audio) and the conversation resumes by itself when it ends; the other party keeps hearing
// the caller meanwhile. A caller not yet answered is answered first, as a flow's prompt is.
import type { MediaEngine, MediaEvent, PromptSource } from '../../media/index.ts';
import type { Call } from '../calls/call.ts';

/** Longest a consent prompt may hold up a recording (a prompt longer than this is cut short). */
const MAX_CONSENT_MS = 120_000;

export class ConsentPlayer {
  /** Playbacks we wait for, by id; ends seen before the id was known, by endpoint. */
  readonly #waiting = new Map<string, () => void>();
  readonly #early = new Map<string, Set<string>>();

  constructor(private readonly media: MediaEngine) {}

  /** Plays the prompt to the caller and resolves once it ended (or the call did). */
  async play(call: Call, source: PromptSource): Promise<void> {
    if (call.state !== 'answered') {
      await call.playToCaller(source, false);
      return;
    }
    const endpoint = call.sides.caller;
    if (!endpoint) return;
    const early = new Set<string>();
    this.#early.set(endpoint, early);
    let id = '';
    let timer: NodeJS.Timeout | undefined;
    let cutShort = false;
    try {
      id = await this.media.play(endpoint, source);
      if (early.has(id)) return;
      await Promise.race([
        new Promise<void>((resolve) => this.#waiting.set(id, resolve)),
        call.ended(),
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            cutShort = true;
            resolve();
          }, MAX_CONSENT_MS);
          timer.unref();
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.#waiting.delete(id);
      if (this.#early.get(endpoint) === early) this.#early.delete(endpoint);
    }
    if (cutShort && call.state === 'answered') await this.media.stopPlayback(endpoint).catch(() => {});
  }

  onMediaEvent(e: MediaEvent): void {
    if (e.type !== 'playback-ended') return;
    const done = this.#waiting.get(e.playbackId);
    if (done) done();
    else this.#early.get(e.endpointId)?.add(e.playbackId);
  }
}
