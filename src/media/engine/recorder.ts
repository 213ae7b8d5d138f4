// Call recording to a 16-bit 8 kHz WAV file: mono (both parties mixed) or stereo with the
// caller on the left and the agent on the right. Each channel comes out of its endpoint's
// jitter buffer on the same clock tick, so the channels stay aligned by RTP timestamp and
// any gap (loss, hold, silence suppression) is written as silence.
import { type FileHandle, open } from 'node:fs/promises';
import { clamp16 } from '../audio/pcm.ts';
import { wavHeader } from '../audio/wav.ts';
import { FRAME_SAMPLES } from './media-clock.ts';
import type { RecordingOptions } from './protocol.ts';
import type { RtpSession } from './rtp-session.ts';

const FLUSH_FRAMES = 50; // write once a second
const MAX_RECORDING_MS = 4 * 3600_000;

export class Recorder {
  private file: FileHandle | undefined;
  private readonly channels: 1 | 2;
  private chunk: Int16Array;
  private chunkFrames = 0;
  private frames = 0;
  private dataBytes = 0;
  private writing: Promise<void> = Promise.resolve();
  private failed: Error | undefined;
  readonly maxFrames: number;

  constructor(
    readonly recordingId: string,
    readonly options: RecordingOptions,
    readonly left: RtpSession,
    readonly right: RtpSession | undefined,
  ) {
    this.channels = options.channels;
    this.chunk = new Int16Array(FRAME_SAMPLES * FLUSH_FRAMES * this.channels);
    this.maxFrames = Math.floor(Math.min(options.maxDurationMs ?? MAX_RECORDING_MS, MAX_RECORDING_MS) / 20);
  }

  async open(): Promise<void> {
    this.file = await open(this.options.path, 'w');
    await this.file.write(wavHeader(8000, this.channels, 0), 0, 44, 0);
    this.left.usePcm(1);
    this.right?.usePcm(1);
  }

  get durationMs(): number {
    return this.frames * 20;
  }

  get full(): boolean {
    return this.frames >= this.maxFrames;
  }

  /** Takes this tick's frames from the endpoints. */
  tick(): void {
    if (!this.file || this.full) return;
    const l = this.left.rxFrame;
    const r = this.right?.rxFrame;
    const base = this.chunkFrames * FRAME_SAMPLES * this.channels;
    if (this.channels === 2) {
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        this.chunk[base + 2 * i] = l[i] as number;
        this.chunk[base + 2 * i + 1] = r ? (r[i] as number) : 0;
      }
    } else {
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        this.chunk[base + i] = clamp16((l[i] as number) + (r ? (r[i] as number) : 0));
      }
    }
    this.frames++;
    if (++this.chunkFrames === FLUSH_FRAMES) this.flush();
  }

  private flush(): void {
    if (!this.file || this.chunkFrames === 0) return;
    const samples = this.chunk.slice(0, this.chunkFrames * FRAME_SAMPLES * this.channels);
    this.chunkFrames = 0;
    const file = this.file;
    const offset = 44 + this.dataBytes;
    this.dataBytes += samples.byteLength;
    this.writing = this.writing
      .then(() => file.write(new Uint8Array(samples.buffer), 0, samples.byteLength, offset))
      .then(
        () => undefined,
        (e: Error) => {
          this.failed ??= e;
        },
      );
  }

  /** Flushes, writes the final sizes into the header and closes the file. */
  async close(): Promise<Error | undefined> {
    this.left.usePcm(-1);
    this.right?.usePcm(-1);
    this.flush();
    const file = this.file;
    this.file = undefined;
    if (!file) return this.failed;
    await this.writing;
    try {
      await file.write(wavHeader(8000, this.channels, this.dataBytes), 0, 44, 0);
    } catch (e) {
      this.failed ??= e as Error;
    } finally {
      await file.close();
    }
    return this.failed;
  }
}
