// Jitter buffer in front of the recorder, mixer and in-band DTMF detector. Decoded samples are
// written into a ring at their RTP timestamp, so reordering, any ptime and losses (which
// read back as silence) need no bookkeeping; the clock reads one 20 ms frame per tick a
// delay behind the stream.
//
// The delay adapts when packets come with their arrival time: it aims at one frame plus four
// times the RFC 3550 interarrival jitter estimate (§6.4.1, A.8), within 20-200 ms. It grows at
// once (the read position steps back, which plays as a short silence) and shrinks slowly (a
// millisecond of audio skipped every 40 ms), so a burst of jitter is absorbed quickly and a
// calm stream gets its latency back without audible jumps. The same loop follows a sender
// whose clock runs fast or slow against ours.
const RING = 8192; // about one second at 8 kHz; a power of two so 32-bit timestamp wrap stays aligned
const RESYNC = 4000; // a jump of half a second means a new talk spurt or source
const FRAME = 160;
const GROW_HYSTERESIS = 40; // 5 ms
const SHRINK_HYSTERESIS = 80; // 10 ms
const SHRINK_STEP = 80; // at most 10 ms skipped after a quiet frame
const QUIET = 256; // a frame whose samples all stay below this is a pause (or lost)

export interface JitterBufferOptions {
  readonly initialMs?: number;
  readonly minMs?: number;
  readonly maxMs?: number;
}

export class JitterBuffer {
  private readonly ring = new Int16Array(RING);
  private readonly filled = new Uint8Array(RING);
  private readPos: number | undefined;
  private ssrc = -1;
  private readonly min: number;
  private readonly max: number;
  private target: number;
  /** RFC 3550 interarrival jitter, in samples. */
  private jitter = 0;
  private last: { arrival: number; timestamp: number } | undefined;
  /** Smoothed distance from the read position to each arriving packet, in samples. */
  private lead: number | undefined;
  private readonly adaptive: boolean;

  /** A number is a fixed delay in samples; options (in ms) make it adaptive. */
  constructor(options: number | JitterBufferOptions = {}) {
    this.adaptive = typeof options !== 'number';
    if (typeof options === 'number') {
      this.min = this.max = this.target = options;
      return;
    }
    this.min = Math.round((options.minMs ?? 20) * 8);
    this.max = Math.max(this.min, Math.round((options.maxMs ?? 200) * 8));
    this.target = Math.min(this.max, Math.max(this.min, Math.round((options.initialMs ?? 60) * 8)));
  }

  /** The delay the buffer currently aims at, in ms. */
  get delayMs(): number {
    return this.target / 8;
  }

  /** The interarrival jitter estimate (RFC 3550 A.8), in ms. */
  get jitterMs(): number {
    return this.jitter / 8;
  }

  /**
   * Writes decoded samples at their RTP timestamp. With `arrivalMs` (a monotonic clock) the
   * delay adapts to the measured jitter.
   */
  put(ssrc: number, timestamp: number, samples: Int16Array, arrivalMs?: number): void {
    if (ssrc !== this.ssrc || this.readPos === undefined) {
      this.reset(ssrc, timestamp);
    }
    let ahead = ((timestamp - (this.readPos as number)) | 0) as number;
    if (ahead > RESYNC || ahead < -RESYNC) {
      this.reset(ssrc, timestamp);
      ahead = this.target;
    }
    if (arrivalMs !== undefined && this.adaptive) ahead = this.adapt(timestamp, arrivalMs, ahead);
    for (let i = 0; i < samples.length; i++) {
      const rel = ahead + i;
      if (rel < 0 || rel >= RING) continue; // too late, or too far ahead for the ring
      const idx = ((timestamp + i) >>> 0) % RING;
      this.ring[idx] = samples[i] as number;
      this.filled[idx] = 1;
    }
  }

  /** Updates the jitter estimate and the target; steps the read position back if short. */
  private adapt(timestamp: number, arrivalMs: number, ahead: number): number {
    const last = this.last;
    this.last = { arrival: arrivalMs, timestamp };
    if (last) {
      // D(i-1, i) = (Rj - Ri) - (Sj - Si), in samples; J += (|D| - J) / 16.
      const d = (arrivalMs - last.arrival) * 8 - ((timestamp - last.timestamp) | 0);
      this.jitter += (Math.abs(d) - this.jitter) / 16;
    }
    this.target = Math.min(this.max, Math.max(this.min, Math.round(FRAME + 4 * this.jitter)));
    this.lead = this.lead === undefined ? ahead : this.lead + (ahead - this.lead) / 16;
    if (this.lead < this.target - GROW_HYSTERESIS || ahead < 0) {
      // Grow at once: what was already read stays read, the gap plays as silence.
      const by = Math.min(Math.max(this.target - this.lead, -ahead), this.max - this.lead);
      const step = Math.round(by);
      if (step > 0) {
        this.readPos = ((this.readPos as number) - step) >>> 0;
        this.lead += step;
        return ahead + step;
      }
    }
    return ahead;
  }

  private reset(ssrc: number, timestamp: number): void {
    this.ssrc = ssrc;
    this.readPos = (timestamp - this.target) >>> 0;
    this.filled.fill(0);
    this.last = undefined;
    this.lead = undefined;
  }

  /** Reads the next frame; samples never received read as silence. Returns false if all silent. */
  read(out: Int16Array): boolean {
    if (this.readPos === undefined) {
      out.fill(0);
      return false;
    }
    let any = false;
    let loud = false;
    for (let i = 0; i < out.length; i++) {
      const idx = ((this.readPos + i) >>> 0) % RING;
      if (this.filled[idx]) {
        const v = this.ring[idx] as number;
        out[i] = v;
        this.filled[idx] = 0;
        any = true;
        if (v >= QUIET || v <= -QUIET) loud = true;
      } else out[i] = 0;
    }
    this.readPos = (this.readPos + out.length) >>> 0;
    // Shrink in pauses: after a quiet frame, skip what follows while running too far ahead.
    const excess = this.lead === undefined ? 0 : this.lead - this.target;
    if (!loud && excess > SHRINK_HYSTERESIS) {
      const step = Math.min(SHRINK_STEP, Math.round(excess - SHRINK_HYSTERESIS / 2));
      for (let i = 0; i < step; i++) this.filled[((this.readPos + i) >>> 0) % RING] = 0;
      this.readPos = (this.readPos + step) >>> 0;
      this.lead = (this.lead as number) - step;
    }
    return any;
  }
}
