// Mixes decoded audio down to mono and resamples it to 8 kHz 16-bit, once per prompt.
// A windowed-sinc low-pass (cutoff just under 4 kHz) keeps higher rates from aliasing.
import { clamp16 } from './pcm.ts';
import type { DecodedAudio } from './wav.ts';

export const TELEPHONY_RATE = 8000;
const HALF_TAPS = 12;

function toMono(audio: DecodedAudio): Float32Array {
  const [first, ...rest] = audio.channels;
  if (!first) return new Float32Array(0);
  if (rest.length === 0) return first;
  const out = new Float32Array(first.length);
  const n = audio.channels.length;
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (const ch of audio.channels) s += ch[i] ?? 0;
    out[i] = s / n;
  }
  return out;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Mono 16-bit PCM at 8 kHz. */
export function toTelephonyPcm(audio: DecodedAudio): Int16Array {
  const mono = toMono(audio);
  const ratio = audio.sampleRate / TELEPHONY_RATE;
  const outLength = Math.floor(mono.length / ratio);
  const out = new Int16Array(outLength);
  if (ratio === 1) {
    for (let i = 0; i < outLength; i++) out[i] = clamp16((mono[i] as number) * 32767);
    return out;
  }
  // Cutoff relative to the input rate: 0.45 * 8 kHz when downsampling, Nyquist of the input otherwise.
  const cutoff = Math.min(1, 1 / ratio) * 0.9;
  const half = Math.ceil(HALF_TAPS * Math.max(1, ratio));
  for (let i = 0; i < outLength; i++) {
    const t = i * ratio;
    const center = Math.floor(t);
    let acc = 0;
    let norm = 0;
    for (let k = center - half + 1; k <= center + half; k++) {
      if (k < 0 || k >= mono.length) continue;
      const x = t - k;
      // Blackman window over the kernel span.
      const w = 0.42 + 0.5 * Math.cos((Math.PI * x) / half) + 0.08 * Math.cos((2 * Math.PI * x) / half);
      const h = cutoff * sinc(cutoff * x) * w;
      acc += (mono[k] as number) * h;
      norm += h;
    }
    out[i] = clamp16((norm === 0 ? 0 : acc / norm) * 32767);
  }
  return out;
}
