// Call progress tones by country (ITU-T E.180 Supplement 2 and the national plans it lists)
// and plain tone synthesis: one cadence period is rendered once and looped by the player.
import { dtmfFrequencies } from '../dtmf/goertzel.ts';
import type { DtmfDigit } from '../dtmf/telephone-event.ts';
import { MediaError } from '../errors.ts';
import { concatPcm } from './pcm.ts';

export type ToneName = 'dial' | 'ringback' | 'busy' | 'congestion';

export interface ToneSpec {
  /** Frequencies played together, in Hz (at most 4). */
  readonly frequencies: readonly number[];
  /** On/off durations in ms, repeated; empty means a continuous tone. */
  readonly cadence: readonly number[];
}

type Plan = Record<ToneName, ToneSpec>;
const t = (frequencies: number[], cadence: number[] = []): ToneSpec => ({ frequencies, cadence });

const NANP: Plan = {
  dial: t([350, 440]),
  ringback: t([440, 480], [2000, 4000]),
  busy: t([480, 620], [500, 500]),
  congestion: t([480, 620], [250, 250]),
};

const CEPT: Plan = {
  dial: t([425]),
  ringback: t([425], [1000, 4000]),
  busy: t([425], [500, 500]),
  congestion: t([425], [250, 250]),
};

export const TONE_PLANS: Readonly<Record<string, Plan>> = {
  US: NANP,
  CA: NANP,
  GB: {
    dial: t([350, 440]),
    ringback: t([400, 450], [400, 200, 400, 2000]),
    busy: t([400], [375, 375]),
    congestion: t([400], [400, 350, 225, 525]),
  },
  DE: { ...CEPT, busy: t([425], [480, 480]), congestion: t([425], [240, 240]) },
  FR: {
    dial: t([440]),
    ringback: t([440], [1500, 3500]),
    busy: t([440], [500, 500]),
    congestion: t([440], [250, 250]),
  },
  IT: { ...CEPT, dial: t([425], [200, 200, 600, 1000]), congestion: t([425], [200, 200]) },
  ES: {
    ...CEPT,
    ringback: t([425], [1500, 3000]),
    busy: t([425], [200, 200]),
    congestion: t([425], [200, 200, 200, 200, 200, 600]),
  },
  NL: CEPT,
  BE: { ...CEPT, congestion: t([425], [167, 167]) },
  CH: { ...CEPT, congestion: t([425], [200, 200]) },
  AT: { ...CEPT, busy: t([425], [400, 400]), congestion: t([425], [200, 200]) },
  AU: {
    dial: t([413, 438]),
    ringback: t([413, 438], [400, 200, 400, 2000]),
    busy: t([425], [375, 375]),
    congestion: t([425], [375, 375]),
  },
  JP: {
    dial: t([400]),
    ringback: t([400], [1000, 2000]),
    busy: t([400], [500, 500]),
    congestion: t([400], [500, 500]),
  },
};

export function toneFor(name: ToneName, country = 'US'): ToneSpec {
  const plan = TONE_PLANS[country.toUpperCase()] ?? CEPT;
  return plan[name];
}

const RATE = 8000;
const AMPLITUDE = 7000; // about -13 dBm0 per tone, the level national plans use

/** One cadence period (or `durationMs` of a continuous tone) of 8 kHz PCM. */
export function renderTone(spec: ToneSpec, durationMs = 1000): Int16Array {
  if (spec.frequencies.length === 0 || spec.frequencies.length > 4) {
    throw new MediaError('INVALID_ARGUMENT', 'a tone has 1 to 4 frequencies');
  }
  for (const f of spec.frequencies) {
    if (!(f > 0 && f < RATE / 2)) throw new MediaError('INVALID_ARGUMENT', `tone frequency ${f} Hz`);
  }
  if (spec.cadence.some((ms) => !(ms >= 0 && ms <= 60_000)))
    throw new MediaError('INVALID_ARGUMENT', 'bad cadence');
  const periodMs = spec.cadence.length ? spec.cadence.reduce((a, b) => a + b, 0) : durationMs;
  if (!(periodMs > 0 && periodMs <= 600_000)) throw new MediaError('INVALID_ARGUMENT', 'bad tone duration');
  const out = new Int16Array(Math.round((periodMs * RATE) / 1000));
  const amp = AMPLITUDE / Math.max(1, spec.frequencies.length / 1.5);
  let cursor = 0;
  const segments = spec.cadence.length ? spec.cadence : [periodMs];
  segments.forEach((ms, i) => {
    const n = Math.round((ms * RATE) / 1000);
    if (i % 2 === 0) {
      for (let k = 0; k < n && cursor + k < out.length; k++) {
        let s = 0;
        for (const f of spec.frequencies) s += Math.sin((2 * Math.PI * f * k) / RATE);
        out[cursor + k] = Math.round(amp * s);
      }
    }
    cursor += n;
  });
  return out;
}

/** In-band DTMF digits: each tone for `toneMs`, then as much silence (Q.24 minimums are 40 ms). */
export function renderDtmf(digits: readonly DtmfDigit[], toneMs = 100, gapMs = 100): Int16Array {
  return concatPcm(
    digits.map((d) => renderTone({ frequencies: dtmfFrequencies(d), cadence: [toneMs, gapMs] })),
  );
}
