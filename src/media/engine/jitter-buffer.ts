// Jitter buffer in front of the recorder, mixer and in-band DTMF detector. Decoded samples are
// written into a ring at their RTP timestamp, so reordering, any ptime and losses (which
// read back as silence) need no bookkeeping; the clock reads one 20 ms frame per tick a
// fixed delay behind the newest timestamp seen.
const RING = 8192; // about one second at 8 kHz; a power of two so 32-bit timestamp wrap stays aligned
const RESYNC = 4000; // a jump of half a second means a new talk spurt or source

export class JitterBuffer {
  private readonly ring = new Int16Array(RING);
  private readonly filled = new Uint8Array(RING);
  private readPos: number | undefined;
  private ssrc = -1;

  constructor(private readonly delaySamples = 480) {}

  /** Writes decoded samples at their RTP timestamp. */
  put(ssrc: number, timestamp: number, samples: Int16Array): void {
    if (ssrc !== this.ssrc || this.readPos === undefined) {
      this.reset(ssrc, timestamp);
    }
    let ahead = ((timestamp - (this.readPos as number)) | 0) as number;
    if (ahead > RESYNC || ahead < -RESYNC) {
      this.reset(ssrc, timestamp);
      ahead = this.delaySamples;
    }
    for (let i = 0; i < samples.length; i++) {
      const rel = ahead + i;
      if (rel < 0 || rel >= RING) continue; // too late, or too far ahead for the ring
      const idx = ((timestamp + i) >>> 0) % RING;
      this.ring[idx] = samples[i] as number;
      this.filled[idx] = 1;
    }
  }

  private reset(ssrc: number, timestamp: number): void {
    this.ssrc = ssrc;
    this.readPos = (timestamp - this.delaySamples) >>> 0;
    this.filled.fill(0);
  }

  /** Reads the next frame; samples never received read as silence. Returns false if all silent. */
  read(out: Int16Array): boolean {
    if (this.readPos === undefined) {
      out.fill(0);
      return false;
    }
    let any = false;
    for (let i = 0; i < out.length; i++) {
      const idx = ((this.readPos + i) >>> 0) % RING;
      if (this.filled[idx]) {
        out[i] = this.ring[idx] as number;
        this.filled[idx] = 0;
        any = true;
      } else out[i] = 0;
    }
    this.readPos = (this.readPos + out.length) >>> 0;
    return any;
  }
}
