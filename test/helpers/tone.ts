// Tone analysis of recorded WAV files for the interop tests: which frequency dominates a
// recording, and what share of its energy lies at a given frequency.
//
// Reading reuses the media layer's WAV decoder (PCM 8/16/24/32-bit, float, G.711; mono or
// stereo; 8..48 kHz). The spectrum is Welch's method: Hann-windowed blocks of ~0.1..0.2 s
// (a power of two), FFT'd and averaged, so a 48 kHz recording costs no more than a few ms.
import { readFile } from 'node:fs/promises';
import { decodeWav } from '../../src/media/audio/wav.ts';

export interface ToneAnalysis {
  readonly path?: string;
  readonly sampleRate: number;
  /** Seconds analysed (after the skipped start). */
  readonly seconds: number;
  /** RMS of the analysed samples, full scale = 1 (a silent recording is ~0). */
  readonly rms: number;
  /** Frequency of the strongest spectral peak, interpolated between bins (Hz). */
  readonly dominantHz: number;
  /** Share (0..1) of the total energy within ±bandHz of the dominant peak. */
  readonly dominantShare: number;
}

export interface ToneCheck extends ToneAnalysis {
  /** The frequency asked about. */
  readonly hz: number;
  /** Share (0..1) of the total energy within ±bandHz of `hz`: ~1 for a clean tone there. */
  readonly share: number;
  /** Energy within ±bandHz of `hz` over the energy everywhere else (>1: the tone dominates). */
  readonly ratio: number;
}

export interface AnalyseOptions {
  /** Seconds skipped at the start (call set-up silence, codec start-up). Default 0.5. */
  readonly skipSeconds?: number;
  /** Seconds analysed at most after the skip. Default: all of it. */
  readonly maxSeconds?: number;
  /** Half-width of the band counted as "the tone". Default 25 Hz. */
  readonly bandHz?: number;
}

interface Spectrum {
  readonly rate: number;
  readonly binHz: number;
  /** Averaged power per bin, 0..N/2. */
  readonly power: Float64Array;
  readonly seconds: number;
  readonly rms: number;
}

/** Mono samples (channels averaged) and the rate of a WAV file's bytes. */
export function wavSamples(bytes: Uint8Array): { rate: number; samples: Float32Array } {
  const audio = decodeWav(bytes);
  const [first, second] = audio.channels;
  if (!first) throw new Error('WAV has no channels');
  if (!second) return { rate: audio.sampleRate, samples: first };
  const mono = new Float32Array(first.length);
  for (let i = 0; i < mono.length; i++) mono[i] = ((first[i] as number) + (second[i] as number)) / 2;
  return { rate: audio.sampleRate, samples: mono };
}

function spectrum(samples: Float32Array, rate: number, opts: AnalyseOptions): Spectrum {
  const start = Math.min(samples.length, Math.round((opts.skipSeconds ?? 0.5) * rate));
  const end =
    opts.maxSeconds === undefined
      ? samples.length
      : Math.min(samples.length, start + Math.round(opts.maxSeconds * rate));
  const x = samples.subarray(start, end);
  // Block of ~0.1 s or more: 1024 at 8 kHz (7.8 Hz bins), 8192 at 48 kHz (5.9 Hz bins).
  let n = 256;
  while (n < rate / 8) n *= 2;
  if (x.length < n) {
    throw new Error(`recording too short to analyse: ${(x.length / rate).toFixed(2)} s after the skip`);
  }
  const window = new Float64Array(n);
  for (let i = 0; i < n; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  const power = new Float64Array(n / 2 + 1);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  let blocks = 0;
  for (let off = 0; off + n <= x.length; off += n / 2) {
    for (let i = 0; i < n; i++) {
      re[i] = (x[off + i] as number) * (window[i] as number);
      im[i] = 0;
    }
    fft(re, im);
    for (let k = 0; k <= n / 2; k++)
      power[k] = (power[k] as number) + (re[k] as number) ** 2 + (im[k] as number) ** 2;
    blocks++;
  }
  for (let k = 0; k < power.length; k++) power[k] = (power[k] as number) / blocks;
  let sq = 0;
  for (let i = 0; i < x.length; i++) sq += (x[i] as number) ** 2;
  return { rate, binHz: rate / n, power, seconds: x.length / rate, rms: Math.sqrt(sq / x.length) };
}

/** In-place iterative radix-2 FFT; re.length must be a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j] as number, re[i] as number];
      [im[i], im[j]] = [im[j] as number, im[i] as number];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const tr = (re[b] as number) * cr - (im[b] as number) * ci;
        const ti = (re[b] as number) * ci + (im[b] as number) * cr;
        re[b] = (re[a] as number) - tr;
        im[b] = (im[a] as number) - ti;
        re[a] = (re[a] as number) + tr;
        im[a] = (im[a] as number) + ti;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
}

/** Energy within ±bandHz of hz, and the total (DC bin excluded from both). */
function bandEnergy(s: Spectrum, hz: number, bandHz: number): { band: number; total: number } {
  let band = 0;
  let total = 0;
  for (let k = 1; k < s.power.length; k++) {
    const p = s.power[k] as number;
    total += p;
    if (Math.abs(k * s.binHz - hz) <= bandHz) band += p;
  }
  return { band, total };
}

function analyseSpectrum(s: Spectrum, bandHz: number, path?: string): ToneAnalysis {
  let peak = 1;
  for (let k = 2; k < s.power.length; k++) if ((s.power[k] as number) > (s.power[peak] as number)) peak = k;
  // Parabolic interpolation on log power around the peak bin.
  const a = Math.log((s.power[peak - 1] as number) + 1e-30);
  const b = Math.log((s.power[peak] as number) + 1e-30);
  const c = Math.log((s.power[peak + 1] ?? 0) + 1e-30);
  const denom = a - 2 * b + c;
  const delta = denom === 0 ? 0 : Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / denom));
  const dominantHz = (peak + delta) * s.binHz;
  const { band, total } = bandEnergy(s, dominantHz, bandHz);
  return {
    ...(path === undefined ? {} : { path }),
    sampleRate: s.rate,
    seconds: s.seconds,
    rms: s.rms,
    dominantHz,
    dominantShare: total === 0 ? 0 : band / total,
  };
}

/** The dominant frequency of mono samples and how much of the energy it holds. */
export function analyseSamples(samples: Float32Array, rate: number, opts: AnalyseOptions = {}): ToneAnalysis {
  return analyseSpectrum(spectrum(samples, rate, opts), opts.bandHz ?? 25);
}

/** The dominant frequency of mono samples, plus the share and ratio of energy at `hz`. */
export function checkToneInSamples(
  samples: Float32Array,
  rate: number,
  hz: number,
  opts: AnalyseOptions = {},
): ToneCheck {
  const bandHz = opts.bandHz ?? 25;
  const s = spectrum(samples, rate, opts);
  const { band, total } = bandEnergy(s, hz, bandHz);
  return {
    ...analyseSpectrum(s, bandHz),
    hz,
    share: total === 0 ? 0 : band / total,
    ratio: total === band ? (band === 0 ? 0 : Number.POSITIVE_INFINITY) : band / (total - band),
  };
}

/** Reads a WAV file and analyses it (see analyseSamples). */
export async function analyseWav(path: string, opts: AnalyseOptions = {}): Promise<ToneAnalysis> {
  const { rate, samples } = wavSamples(await readFile(path));
  return analyseSpectrum(spectrum(samples, rate, opts), opts.bandHz ?? 25, path);
}

/** Reads a WAV file and measures the tone at `hz` in it (see checkToneInSamples). */
export async function toneInWav(path: string, hz: number, opts: AnalyseOptions = {}): Promise<ToneCheck> {
  const { rate, samples } = wavSamples(await readFile(path));
  return { ...checkToneInSamples(samples, rate, hz, opts), path };
}

export interface AssertToneOptions extends AnalyseOptions {
  /** Minimum share of the energy at `hz`. Default 0.5 (a clean G.711 tone scores > 0.9). */
  readonly minShare?: number;
  /** Minimum RMS, full scale = 1. Default 0.003 (about -50 dBFS): below that is silence. */
  readonly minRms?: number;
}

/**
 * Throws unless the WAV file carries a tone at `hz` that dominates it: the strongest peak
 * within ±bandHz of `hz`, at least minShare of the energy, and not silence. Returns the
 * measurements so a test can assert on them too (e.g. expect(check.share).toBeGreaterThan(0.9)).
 */
export async function assertToneInWav(
  path: string,
  hz: number,
  opts: AssertToneOptions = {},
): Promise<ToneCheck> {
  const check = await toneInWav(path, hz, opts);
  const bandHz = opts.bandHz ?? 25;
  const problems: string[] = [];
  if (check.rms < (opts.minRms ?? 0.003)) problems.push(`silent (rms ${check.rms.toFixed(5)})`);
  if (Math.abs(check.dominantHz - hz) > bandHz) problems.push(`dominant ${check.dominantHz.toFixed(1)} Hz`);
  if (check.share < (opts.minShare ?? 0.5)) problems.push(`share at ${hz} Hz only ${check.share.toFixed(3)}`);
  if (problems.length > 0) {
    throw new Error(`no ${hz} Hz tone in ${path}: ${problems.join(', ')} ${describeTone(check)}`);
  }
  return check;
}

/** One line for failure messages. */
export function describeTone(a: ToneAnalysis | ToneCheck): string {
  const at = 'hz' in a ? `, share@${a.hz}=${a.share.toFixed(3)}, ratio=${a.ratio.toFixed(1)}` : '';
  return (
    `[${a.seconds.toFixed(2)} s at ${a.sampleRate} Hz, rms ${a.rms.toFixed(4)}, ` +
    `dominant ${a.dominantHz.toFixed(1)} Hz (share ${a.dominantShare.toFixed(3)})${at}]`
  );
}
