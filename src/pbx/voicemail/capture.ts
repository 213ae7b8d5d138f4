// Records what the caller says (a message, a greeting) until they press '#', stay silent,
// hang up or reach the maximum length. The recorder writes the WAV in one-second chunks;
// silence is found by reading what it has written, so the media layer needs no detector.
import { open, stat, truncate } from 'node:fs/promises';
import { CallerGone } from '../../flows/index.ts';
import type { Call } from '../calls/call.ts';

export type CaptureEnd = 'key' | 'silence' | 'max-length' | 'hangup';

export interface CaptureOptions {
  /** Absolute path of the mono 8 kHz WAV to write. */
  path: string;
  maxMs: number;
  /** This long without sound ends the recording. */
  silenceMs: number;
  /** RMS (16-bit full scale 32768) below which a 20 ms frame counts as silent (~ -47 dBFS). */
  silenceLevel?: number;
  /** When silence ended it, cut the silent tail off the file. */
  trimSilence?: boolean;
}

export interface Captured {
  end: CaptureEnd;
  durationMs: number;
  bytes: number;
}

const HEADER = 44;
const FRAME_BYTES = 320; // 20 ms of 8 kHz 16-bit mono
const POLL_MS = 250;

/** Reads the recording as it grows and reports when it has been silent for long enough. */
class SilenceWatch {
  #offset = HEADER;
  #silentMs = 0;
  readonly #level: number;

  constructor(
    private readonly path: string,
    private readonly silenceMs: number,
    level: number,
  ) {
    this.#level = level;
  }

  /** True once the caller has been silent for silenceMs. */
  async check(): Promise<boolean> {
    const size = await stat(this.path).then(
      (s) => s.size,
      () => 0,
    );
    const end = HEADER + Math.floor((size - HEADER) / FRAME_BYTES) * FRAME_BYTES;
    if (end <= this.#offset) return false;
    const f = await open(this.path, 'r');
    try {
      const buf = Buffer.alloc(end - this.#offset);
      await f.read(buf, 0, buf.length, this.#offset);
      this.#offset = end;
      for (let o = 0; o + FRAME_BYTES <= buf.length; o += FRAME_BYTES) {
        let sq = 0;
        for (let i = o; i < o + FRAME_BYTES; i += 2) sq += buf.readInt16LE(i) ** 2;
        const rms = Math.sqrt(sq / (FRAME_BYTES / 2));
        this.#silentMs = rms < this.#level ? this.#silentMs + 20 : 0;
      }
    } finally {
      await f.close();
    }
    return this.#silentMs >= this.silenceMs;
  }
}

/**
 * Waits until the WAV's header carries its final size: the recorder writes it last, when it
 * closes the file (after our stop, or after the caller's endpoint was released).
 */
async function finished(path: string, timeoutMs = 5000): Promise<number> {
  const until = Date.now() + timeoutMs;
  const header = Buffer.alloc(HEADER);
  for (;;) {
    const size = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    if (size >= HEADER) {
      const f = await open(path, 'r');
      try {
        await f.read(header, 0, HEADER, 0);
      } finally {
        await f.close();
      }
      const dataBytes = header.readUInt32LE(40);
      if (dataBytes === size - HEADER && size > HEADER) return size;
    }
    if (Date.now() > until) return size;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function captureCaller(call: Call, o: CaptureOptions): Promise<Captured> {
  const recording = await call.recordCaller(o.path, o.maxMs);
  const abort = new AbortController();
  const state: { end: CaptureEnd | undefined } = { end: undefined };
  const stopWith = (why: CaptureEnd) => {
    state.end ??= why;
    abort.abort();
  };
  const maxTimer = setTimeout(() => stopWith('max-length'), o.maxMs);
  const watch = new SilenceWatch(o.path, o.silenceMs, o.silenceLevel ?? 150);
  let checking = false;
  const poll = setInterval(() => {
    if (checking) return;
    checking = true;
    watch
      .check()
      .then((silent) => {
        if (silent) stopWith('silence');
      })
      .catch(() => {})
      .finally(() => {
        checking = false;
      });
  }, POLL_MS);
  try {
    while (state.end === undefined) {
      const key = await call.readDigit(o.maxMs + 1000, abort.signal);
      if (key === '#') stopWith('key');
      else if (key === undefined) stopWith('max-length');
      // Other keys are part of no command here: the caller keeps talking.
    }
  } catch (e) {
    if (!(e instanceof CallerGone)) throw e;
    state.end = 'hangup';
  } finally {
    clearTimeout(maxTimer);
    clearInterval(poll);
    await recording.stop();
  }
  const end = state.end;
  let size = await finished(o.path);
  if (end === 'silence' && o.trimSilence && size > HEADER) size = await trimTail(o.path, size, o.silenceMs);
  const bytes = Math.max(0, size - HEADER);
  return { end, durationMs: Math.round((bytes / 2 / 8000) * 1000), bytes: size };
}

/** Cuts the last `ms` (the silence that ended the recording) and rewrites the sizes. */
async function trimTail(path: string, size: number, ms: number): Promise<number> {
  const data = Math.max(0, size - HEADER - Math.floor((ms / 20) * FRAME_BYTES));
  await truncate(path, HEADER + data);
  const f = await open(path, 'r+');
  try {
    const sizes = Buffer.alloc(4);
    sizes.writeUInt32LE(36 + data);
    await f.write(sizes, 0, 4, 4);
    sizes.writeUInt32LE(data);
    await f.write(sizes, 0, 4, 40);
  } finally {
    await f.close();
  }
  return HEADER + data;
}
