// Dial plan: what a user dialed, turned into an E.164 number the PBX can route, block and bill.
// Pure functions; the call engine maps DialPlanError.status to the SIP response it sends.

/** A dialed string or number the dial plan cannot use; `status` is the SIP status for the caller. */
export class DialPlanError extends Error {
  override readonly name = 'DialPlanError';
  constructor(
    message: string,
    /** 484 Address Incomplete for what the user dialed; 500 for a misconfigured plan. */
    readonly status: number = 484,
  ) {
    super(message);
  }
}

export interface DialString {
  /** The number without separators or suffixes; a leading `+` is kept. */
  digits: string;
  /** `h` suffix: withhold the caller ID. */
  anonymous: boolean;
  /** `cN` suffix: the line's Nth caller ID, 1-based as dialed; null when not given. */
  callerIdIndex: number | null;
}

// Room for the longest international prefix (Australia's 0011) before 15 E.164 digits.
const MAX_DIALED_DIGITS = 20;
const SEPARATORS = /[\s\-.()]/g;
const DIAL_STRING = /^(\+?\d+)((?:h|c\d+)*)$/i;

function show(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}...` : s);
}

/**
 * Parses what a user dialed: `3712999999h` withholds the caller ID, `3712999999c2` picks the
 * line's 2nd caller ID, `hc2` and `c2h` combine. Throws DialPlanError (484) on anything else.
 */
export function parseDialString(dialed: string): DialString {
  const s = dialed.replace(SEPARATORS, '');
  const m = DIAL_STRING.exec(s);
  if (!m) throw new DialPlanError(`not a dialable number: ${show(dialed)}`);
  const digits = m[1]!;
  if (digits.replace('+', '').length > MAX_DIALED_DIGITS) {
    throw new DialPlanError(`too many digits: ${show(dialed)}`);
  }
  let anonymous = false;
  let callerIdIndex: number | null = null;
  for (const [token, index] of m[2]!.matchAll(/h|c(\d+)/gi)) {
    if (index === undefined) {
      if (anonymous) throw new DialPlanError(`caller ID suffix given twice: ${show(dialed)}`);
      anonymous = true;
      continue;
    }
    // A repeated or zero/zero-padded index is a typo, not a choice the user meant.
    if (callerIdIndex !== null) throw new DialPlanError(`caller ID suffix given twice: ${show(dialed)}`);
    if (!/^[1-9]\d{0,2}$/.test(index))
      throw new DialPlanError(`bad caller ID suffix ${token}: ${show(dialed)}`);
    callerIdIndex = Number(index);
  }
  return { digits, anonymous, callerIdIndex };
}

export interface DialingRule {
  startsWith: string;
  replaceWith: string;
  minLength: number;
}

/**
 * Rewrites a number with the first rule whose prefix matches and whose minLength is at most the
 * number's digit count (a leading `+` is not counted); later rules are not tried. Returns the
 * number unchanged when no rule matches. E.g. {01 → 1, min 10}: `0174448746` → `174448746`.
 */
export function applyDialingRules(number: string, rules: readonly DialingRule[]): string {
  const length = number.startsWith('+') ? number.length - 1 : number.length;
  for (const rule of rules) {
    if (number.startsWith(rule.startsWith) && rule.minLength <= length) {
      return rule.replaceWith + number.slice(rule.startsWith.length);
    }
  }
  return number;
}

export interface NumberingPlan {
  /** Without `+`, e.g. '44'. */
  countryCallingCode: string;
  /** National (trunk) prefix, e.g. '0'; '' where the country has none. */
  trunkPrefix: string;
  /** Prefix for dialing abroad, e.g. '00' or '011'. */
  internationalPrefix: string;
}

const E164 = /^\+[1-9]\d{7,14}$/;

/**
 * Normalises a dialed number to E.164 in the caller's numbering plan: `+…` stays, the
 * international prefix becomes `+`, a trunk prefix is replaced by `+CC`, and a bare national
 * number gets `+CC`. Throws DialPlanError 484 unless the result is `+` and 8–15 digits.
 */
export function toE164(number: string, plan: NumberingPlan): string {
  const { countryCallingCode: cc, trunkPrefix, internationalPrefix } = plan;
  if (!/^[1-9]\d{0,2}$/.test(cc) || !/^\d*$/.test(trunkPrefix) || !/^\d+$/.test(internationalPrefix)) {
    throw new DialPlanError(`bad numbering plan ${JSON.stringify(plan)}`, 500);
  }
  if (!/^\+?\d+$/.test(number)) throw new DialPlanError(`not a number: ${show(number)}`);
  let e164: string;
  // International first: '00' also starts with the trunk prefix '0'.
  if (number.startsWith('+')) e164 = number;
  else if (number.startsWith(internationalPrefix)) e164 = '+' + number.slice(internationalPrefix.length);
  else if (trunkPrefix !== '' && number.startsWith(trunkPrefix)) {
    e164 = '+' + cc + number.slice(trunkPrefix.length);
  } else e164 = '+' + cc + number;
  if (!E164.test(e164)) throw new DialPlanError(`not a valid E.164 number: ${show(number)}`);
  return e164;
}

// [calling code, trunk prefix, international prefix]. Where a country has several
// international prefixes (carrier selection), the generic one is listed.
const PLANS: Record<string, readonly [string, string, string]> = {
  US: ['1', '1', '011'],
  CA: ['1', '1', '011'],
  MX: ['52', '', '00'], // trunk prefixes 01/044/045 abolished in 2019
  GB: ['44', '0', '00'],
  IE: ['353', '0', '00'],
  DE: ['49', '0', '00'],
  FR: ['33', '0', '00'],
  IT: ['39', '', '00'], // the leading 0 of Italian numbers is part of the number
  ES: ['34', '', '00'],
  PT: ['351', '', '00'],
  NL: ['31', '0', '00'],
  BE: ['32', '0', '00'],
  CH: ['41', '0', '00'],
  AT: ['43', '0', '00'],
  PL: ['48', '', '00'], // closed numbering since 2009
  CZ: ['420', '', '00'],
  HU: ['36', '06', '00'],
  RO: ['40', '0', '00'],
  GR: ['30', '', '00'],
  SE: ['46', '0', '00'],
  NO: ['47', '', '00'],
  DK: ['45', '', '00'],
  FI: ['358', '0', '00'],
  EE: ['372', '', '00'],
  LV: ['371', '', '00'],
  LT: ['370', '0', '00'], // trunk prefix changed from 8 to 0 in 2025
  TR: ['90', '0', '00'],
  IL: ['972', '0', '00'],
  IN: ['91', '0', '00'],
  JP: ['81', '0', '010'],
  SG: ['65', '', '001'],
  AU: ['61', '0', '0011'],
  NZ: ['64', '0', '00'],
  ZA: ['27', '0', '00'],
  BR: ['55', '0', '00'], // carrier selection codes (0xx / 00xx) are left to dialing rules
};

/** The numbering plan of a country by ISO 3166-1 alpha-2 code (any case), or undefined. */
export function callingCodeOf(countryIso2: string): NumberingPlan | undefined {
  const iso = countryIso2.toUpperCase();
  const plan = Object.hasOwn(PLANS, iso) ? PLANS[iso] : undefined;
  if (!plan) return undefined;
  const [countryCallingCode, trunkPrefix, internationalPrefix] = plan;
  return { countryCallingCode, trunkPrefix, internationalPrefix };
}

/** Extensions are 3–6 digits. */
export function isInternalNumber(s: string): boolean {
  return /^\d{3,6}$/.test(s);
}

/**
 * A prefix as entered by an admin (`+44`, `44`, `+1 900`) in the form matched against E.164,
 * `+` and digits; null when it is not a prefix (so the API can reject it).
 */
export function normalizePrefix(prefix: string): string | null {
  const s = prefix.replace(SEPARATORS, '');
  return /^\+?\d{1,15}$/.test(s) ? (s.startsWith('+') ? s : '+' + s) : null;
}

/**
 * Whether an E.164 number starts with one of the prefixes (blocked destinations). Entries that
 * are not prefixes are ignored rather than matching everything.
 */
export function matchesPrefix(e164: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) {
    const prefix = normalizePrefix(p);
    if (prefix !== null && e164.startsWith(prefix)) return true;
  }
  return false;
}

export interface Rate {
  prefix: string;
  /** Price per minute in millionths of the currency unit. */
  perMinuteMicros: number;
}

/** Per-prefix call prices; the longest matching prefix wins. */
export class RateTable {
  readonly #rates = new Map<string, Rate>();
  #longest = 0;

  /** Throws DialPlanError (500) on a bad prefix, a negative or fractional rate, or a duplicate. */
  constructor(rates: Iterable<Rate>) {
    for (const { prefix, perMinuteMicros } of rates) {
      const p = normalizePrefix(prefix);
      if (p === null) throw new DialPlanError(`bad rate prefix ${show(prefix)}`, 500);
      if (!Number.isSafeInteger(perMinuteMicros) || perMinuteMicros < 0) {
        throw new DialPlanError(`bad rate for ${p}: ${perMinuteMicros}`, 500);
      }
      if (this.#rates.has(p)) throw new DialPlanError(`rate for ${p} given twice`, 500);
      this.#rates.set(p, { prefix: p, perMinuteMicros });
      this.#longest = Math.max(this.#longest, p.length);
    }
  }

  get size(): number {
    return this.#rates.size;
  }

  /** The rate of the longest matching prefix (prefix normalised to `+digits`), or undefined. */
  rateFor(e164: string): Rate | undefined {
    for (let n = Math.min(e164.length, this.#longest); n >= 2; n--) {
      const rate = this.#rates.get(e164.slice(0, n));
      if (rate) return rate;
    }
    return undefined;
  }

  /**
   * Cost of a call in micros, billed per second: the duration is rounded up to the next whole
   * second and charged at perMinuteMicros/60 per second, the total rounded up to a whole micro.
   * E.g. 61.2 s at 600000/min → 62 s → 620000. Undefined when no prefix matches.
   */
  costMicros(e164: string, billableSeconds: number): number | undefined {
    if (!Number.isFinite(billableSeconds) || billableSeconds < 0) {
      throw new RangeError(`billable seconds must be a finite number >= 0, got ${billableSeconds}`);
    }
    const rate = this.rateFor(e164);
    if (!rate) return undefined;
    // Integer product then one division: exact while seconds * rate < 2^53.
    return Math.ceil((Math.ceil(billableSeconds) * rate.perMinuteMicros) / 60);
  }
}
