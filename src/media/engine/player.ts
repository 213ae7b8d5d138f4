// A prompt playing to one endpoint: 20 ms frames of cached 8 kHz PCM, looped for hold music.
import { FRAME_SAMPLES } from './media-clock.ts';

export class Player {
  private position = 0;
  private readonly frame = new Int16Array(FRAME_SAMPLES);

  constructor(
    readonly playbackId: string,
    private readonly pcm: Int16Array,
    readonly loop: boolean,
    readonly stopOnDtmf: boolean,
  ) {}

  /** The next frame, zero-padded at the end; undefined once a non-looping prompt is done. */
  next(): Int16Array | undefined {
    if (this.pcm.length === 0) return undefined;
    if (this.position >= this.pcm.length) {
      if (!this.loop) return undefined;
      this.position = 0;
    }
    let filled = 0;
    while (filled < FRAME_SAMPLES) {
      const take = Math.min(FRAME_SAMPLES - filled, this.pcm.length - this.position);
      this.frame.set(this.pcm.subarray(this.position, this.position + take), filled);
      filled += take;
      this.position += take;
      if (this.position >= this.pcm.length) {
        if (!this.loop) break;
        this.position = 0;
      }
    }
    if (filled < FRAME_SAMPLES) this.frame.fill(0, filled);
    return this.frame;
  }
}
