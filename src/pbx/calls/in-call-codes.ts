// The keys one party presses during a call, watched for the tenant's in-call feature codes
// (spec 002 "transfer calls by pressing *2 and the internal number"). Keys arrive one by one
// (RFC 4733 events or in-band tones) and still reach the other party: a code is recognised
// after the fact, never swallowed. A code that takes a number (transfer, conference) collects
// digits until #, a pause, or the longest number a dial string may be.
import { type FeatureCodes, type FeatureName, IN_CALL_FEATURES } from '../feature-codes.ts';

export type InCallFeature = 'transfer' | 'conference' | 'recordOnDemand';

/** What a code asks for; `argument` is the number typed after transfer and conference. */
export interface InCallCode {
  feature: InCallFeature;
  argument: string;
}

/** A pause this long between keys ends a number (or drops a half-typed code). */
export const INTER_DIGIT_MS = 3_000;
/** E.164 allows 15 digits; anything longer is not a number to dial. */
const MAX_ARGUMENT = 15;
const TAKES_NUMBER: ReadonlySet<InCallFeature> = new Set(['transfer', 'conference']);

export class InCallCodes {
  #keys = '';
  /** Set once a code that takes a number has been typed. */
  #feature: InCallFeature | undefined;
  #digits = '';
  #timer: NodeJS.Timeout | undefined;
  readonly #codes: [InCallFeature, string][];

  constructor(
    codes: FeatureCodes,
    private readonly onCode: (code: InCallCode) => void,
    private readonly pauseMs = INTER_DIGIT_MS,
  ) {
    this.#codes = (Object.keys(codes) as FeatureName[])
      .filter((n): n is InCallFeature => IN_CALL_FEATURES.has(n))
      .map((n) => [n, codes[n]]);
  }

  /** One key pressed (0-9, *, #, A-D). */
  key(key: string): void {
    clearTimeout(this.#timer);
    if (this.#feature) {
      this.numberKey(key);
      return;
    }
    this.#keys += key;
    // Only the end of what was typed can still become a code ("1*2" still reaches "*2").
    while (this.#keys && !this.#codes.some(([, c]) => c.startsWith(this.#keys)))
      this.#keys = this.#keys.slice(1);
    const done = this.#codes.find(([, c]) => c === this.#keys);
    if (done) {
      this.#keys = '';
      const [feature] = done;
      if (!TAKES_NUMBER.has(feature)) {
        this.onCode({ feature, argument: '' });
        return;
      }
      this.#feature = feature;
      this.#digits = '';
    }
    if (this.#keys || this.#feature) this.arm();
  }

  private numberKey(key: string): void {
    if (key === '#') {
      this.complete();
      return;
    }
    if (!/^[0-9]$/.test(key)) {
      // A * or a letter is no part of a number: the code is dropped, and the key may start another.
      this.reset();
      this.key(key);
      return;
    }
    this.#digits += key;
    if (this.#digits.length >= MAX_ARGUMENT) this.complete();
    else this.arm();
  }

  private arm(): void {
    this.#timer = setTimeout(() => (this.#feature ? this.complete() : this.reset()), this.pauseMs);
    this.#timer.unref();
  }

  private complete(): void {
    const feature = this.#feature;
    const argument = this.#digits;
    this.reset();
    // A code with nothing after it is a slip of the finger: nothing happens.
    if (feature && argument) this.onCode({ feature, argument });
  }

  private reset(): void {
    clearTimeout(this.#timer);
    this.#keys = '';
    this.#feature = undefined;
    this.#digits = '';
  }

  dispose(): void {
    this.reset();
  }
}
