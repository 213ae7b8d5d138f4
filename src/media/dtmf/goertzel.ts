// Goertzel filters: the power of one frequency in a block of samples, in O(N) without an FFT.
// Used for in-band DTMF detection (ITU-T Q.24 frequencies) and for tone checks.
import { DTMF_DIGITS, type DtmfDigit } from './telephone-event.ts';

/** Squared magnitude of `freq` over samples[start, start+n). */
export function goertzelPower(
  samples: ArrayLike<number>,
  freq: number,
  rate = 8000,
  start = 0,
  n = samples.length - start,
) {
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = (samples[start + i] as number) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/**
 * Share (0..1) of a block's energy that lies at `freq`: about 1 for a pure tone on that
 * frequency, about 0.5 for each of two equal tones, near 0 for anything else.
 */
export function toneShare(samples: ArrayLike<number>, freq: number, rate = 8000): number {
  let energy = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] as number;
    energy += v * v;
  }
  if (energy === 0) return 0;
  return (2 * goertzelPower(samples, freq, rate)) / (samples.length * energy);
}

export const DTMF_ROWS = [697, 770, 852, 941] as const;
export const DTMF_COLUMNS = [1209, 1336, 1477, 1633] as const;
const KEYPAD = ['123A', '456B', '789C', '*0#D'];

/** The two frequencies of a DTMF digit. */
export function dtmfFrequencies(digit: DtmfDigit): [number, number] {
  const index = KEYPAD.findIndex((row) => row.includes(digit));
  const col = (KEYPAD[index] as string).indexOf(digit);
  return [DTMF_ROWS[index] as number, DTMF_COLUMNS[col] as number];
}

// 205 samples at 8 kHz is the classic block: bins fall close to all eight DTMF frequencies.
const BLOCK = 205;
const MIN_MEAN_SQUARE = 1e5; // about -33 dBm0: quieter is noise
const MIN_SHARE = 0.6; // row + column must hold most of the energy
const MAX_TWIST = 6.3; // power ratio ~8 dB between the two tones (Q.24 allows 8 dB normal twist)

/**
 * In-band DTMF detector: a digit is reported once, when two consecutive blocks (~51 ms)
 * agree on it, and may be reported again only after a block without it.
 */
export class InbandDtmfDetector {
  private readonly block = new Float64Array(BLOCK);
  private fill = 0;
  private candidate: DtmfDigit | undefined;
  private reported: DtmfDigit | undefined;

  /** Feeds 8 kHz linear samples; returns digits whose start was detected in them. */
  push(samples: Int16Array): DtmfDigit[] {
    const found: DtmfDigit[] = [];
    for (let i = 0; i < samples.length; i++) {
      this.block[this.fill++] = samples[i] as number;
      if (this.fill === BLOCK) {
        this.fill = 0;
        const digit = this.classify();
        if (digit !== undefined && digit === this.candidate && digit !== this.reported) {
          this.reported = digit;
          found.push(digit);
        }
        if (digit === undefined) this.reported = undefined;
        this.candidate = digit;
      }
    }
    return found;
  }

  /** Audio stopped (nothing received): what was collected is no digit, and a digit may repeat. */
  pause(): void {
    this.fill = 0;
    this.candidate = undefined;
    this.reported = undefined;
  }

  private classify(): DtmfDigit | undefined {
    let energy = 0;
    for (let i = 0; i < BLOCK; i++) energy += (this.block[i] as number) ** 2;
    if (energy / BLOCK < MIN_MEAN_SQUARE) return undefined;
    const rows = DTMF_ROWS.map((f) => goertzelPower(this.block, f));
    const cols = DTMF_COLUMNS.map((f) => goertzelPower(this.block, f));
    const r = argmax(rows);
    const c = argmax(cols);
    const rp = rows[r] as number;
    const cp = cols[c] as number;
    if (rp > cp * MAX_TWIST || cp > rp * MAX_TWIST) return undefined;
    // Every other tone of each group must be well below the peak (~6 dB).
    for (let i = 0; i < 4; i++) {
      if (i !== r && (rows[i] as number) * 4 > rp) return undefined;
      if (i !== c && (cols[i] as number) * 4 > cp) return undefined;
    }
    const share = (2 * (rp + cp)) / (BLOCK * energy);
    if (share < MIN_SHARE) return undefined;
    return (KEYPAD[r] as string)[c] as DtmfDigit;
  }
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

export { DTMF_DIGITS };
