// A tenant's feature codes (spec 001/003 "Feature Codes", spec 002 spy and `*2` transfer):
// what a phone dials, or presses during a call, to reach a PBX function. Each tenant may
// change any code; the rest keep their defaults.
import type { FeatureCodeOverrides } from '../store/schema.ts';

export const DEFAULT_FEATURE_CODES = {
  /** Listen to one's own voicemail box. */
  voicemail: '*97',
  dndOn: '*78',
  dndOff: '*79',
  /** Followed by the number to forward to. */
  forwardOn: '*72',
  forwardOff: '*73',
  /** Answer a call ringing another phone; followed by its extension, or alone for the own team's. */
  pickup: '*8',
  agentLogin: '*45',
  agentLogout: '*46',
  agentPause: '*47',
  agentUnpause: '*48',
  /** Followed by an extension: the supervisor hears both sides (spec 002). */
  listen: '4#',
  /** Followed by an extension: only the agent hears the supervisor. */
  whisper: '5#',
  /** Followed by an extension: both sides hear the supervisor. */
  barge: '6#',
  // Pressed during a call:
  /** Followed by an extension: blind transfer of the other party (spec 002). */
  transfer: '*2',
  /** Followed by an extension: adds that party, making the call a conference. */
  conference: '*3',
  /** Starts a stereo recording of the call, on lines allowed to record on demand. */
  recordOnDemand: '*1',
} as const;

export type FeatureName = keyof typeof DEFAULT_FEATURE_CODES;
export type FeatureCodes = Record<FeatureName, string>;

export const FEATURE_NAMES = Object.keys(DEFAULT_FEATURE_CODES) as FeatureName[];

/** Dialled codes followed by something: an extension, a number, a pause reason. */
export const TAKES_ARGUMENT: ReadonlySet<FeatureName> = new Set([
  'forwardOn',
  'pickup',
  'listen',
  'whisper',
  'barge',
  'agentPause',
]);

/** Codes pressed during a call; the others are dialled as a call of their own. */
export const IN_CALL_FEATURES: ReadonlySet<FeatureName> = new Set([
  'transfer',
  'conference',
  'recordOnDemand',
]);

/** 2 to 6 keys of a phone keypad, with at least one * or # so no extension can look the same. */
export const FEATURE_CODE_PATTERN = /^(?=.*[*#])[0-9*#]{2,6}$/;

export class FeatureCodeError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'FeatureCodeError';
  }
}

/** The tenant's codes: its overrides over the defaults. Unknown names are ignored. */
export function featureCodes(overrides: FeatureCodeOverrides | null | undefined): FeatureCodes {
  const out: FeatureCodes = { ...DEFAULT_FEATURE_CODES };
  for (const name of FEATURE_NAMES) {
    const v = overrides?.[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

/**
 * Checks a full set of codes: each well formed, no two alike, and no code that reads a prefix
 * of another where that makes one of them unreachable. Dialled codes arrive whole (the phone
 * sends the dial string), so a prefix only matters when the shorter code takes an argument
 * (`*8` + extension would swallow `*80`); keys pressed in a call arrive one by one, so there
 * any prefix does.
 */
export function checkFeatureCodes(codes: FeatureCodes): void {
  for (const name of FEATURE_NAMES) {
    if (!FEATURE_CODE_PATTERN.test(codes[name]))
      throw new FeatureCodeError(
        `'${codes[name]}' is not a feature code: 2 to 6 keys of 0-9, * and #, with at least one * or #`,
        name,
      );
  }
  for (const inCall of [true, false]) {
    const group = FEATURE_NAMES.filter((n) => IN_CALL_FEATURES.has(n) === inCall);
    for (const a of group)
      for (const b of group) {
        if (a === b) continue;
        if (codes[a] === codes[b]) {
          // Reported once, on the later of the two (the one the administrator likely changed).
          if (group.indexOf(a) < group.indexOf(b))
            throw new FeatureCodeError(`${a} and ${b} have the same code ${codes[a]}`, b);
          continue;
        }
        if (codes[b].startsWith(codes[a]) && (inCall || TAKES_ARGUMENT.has(a)))
          throw new FeatureCodeError(
            `${a} (${codes[a]}) is the start of ${b} (${codes[b]}): ${b} could never be ${inCall ? 'pressed' : 'dialled'}`,
            b,
          );
      }
  }
}

/**
 * Which feature a dialled string is, with what follows the code (an extension, a number).
 * Codes that take an argument match as prefixes; the others only exactly.
 */
export function matchDialled(
  codes: FeatureCodes,
  dialed: string,
): { feature: FeatureName; argument: string } | undefined {
  for (const name of FEATURE_NAMES) {
    if (IN_CALL_FEATURES.has(name)) continue;
    const code = codes[name];
    if (dialed === code) return { feature: name, argument: '' };
    if (TAKES_ARGUMENT.has(name) && dialed.startsWith(code) && dialed.length > code.length)
      return { feature: name, argument: dialed.slice(code.length) };
  }
  return undefined;
}
