// The built-in hold music of queues without a music prompt: a slow arpeggio synthesized here
// (our own notes, so no recording's rights are involved), rendered once as an 8 kHz WAV under
// the data directory and looped by the media engine like any prompt.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encodeWav } from '../../media/audio/wav.ts';

const RATE = 8000;
/** A–F–C–G, each as a broken chord; the bar repeats with the loop. */
const CHORDS = [
  [220, 277.18, 329.63, 440],
  [174.61, 220, 261.63, 349.23],
  [130.81, 164.81, 196, 261.63],
  [196, 246.94, 293.66, 392],
];
const NOTE_MS = 400;

export function holdMusicPcm(): Int16Array {
  const noteSamples = (RATE * NOTE_MS) / 1000;
  const total = CHORDS.length * 4 * noteSamples;
  const out = new Float32Array(total + noteSamples * 2);
  let at = 0;
  for (const chord of CHORDS) {
    for (const hz of chord) {
      // Each note rings on under the next ones (a soft decay), as on a plucked instrument.
      const len = noteSamples * 3;
      for (let i = 0; i < len && at + i < out.length; i++) {
        const t = i / RATE;
        const envelope = Math.min(1, i / 80) * Math.exp(-2.2 * t);
        const s = Math.sin(2 * Math.PI * hz * t) + 0.3 * Math.sin(4 * Math.PI * hz * t);
        out[at + i] = (out[at + i] as number) + 0.18 * envelope * s;
      }
      at += noteSamples;
    }
  }
  const pcm = new Int16Array(total);
  for (let i = 0; i < total; i++) {
    // The tail of the last notes folds onto the start, so the loop has no seam.
    const v = (out[i] as number) + (i < out.length - total ? (out[total + i] as number) : 0);
    pcm[i] = Math.max(-32767, Math.min(32767, Math.round(v * 32767)));
  }
  return pcm;
}

/** Writes the music file at `path` unless it is there already; returns the path. */
export async function ensureHoldMusic(path: string): Promise<string> {
  const exists = await stat(path).then(
    (s) => s.size > 44,
    () => false,
  );
  if (!exists) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, encodeWav(RATE, 1, holdMusicPcm()));
  }
  return path;
}
