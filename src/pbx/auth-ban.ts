// Bans addresses that keep failing SIP authentication (password guessing, toll-fraud scans).
// Pure state with an injectable clock; the caller decides what a ban means (drop, 403).
import { canonicalIp } from './ip-acl.ts';

export interface AuthFailureBanOptions {
  /** Failures within the window that earn a ban. */
  maxFailures: number;
  windowMs: number;
  banMs: number;
  /** Milliseconds; Date.now by default. */
  now?: () => number;
  /** Most addresses tracked at once, for failures and for bans each; the oldest go first. */
  maxTracked?: number;
}

export interface Ban {
  ip: string;
  /** When the ban ends, in the clock's milliseconds. */
  expiresAt: number;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be > 0, got ${value}`);
  return value;
}

export class AuthFailureBan {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #banMs: number;
  readonly #now: () => number;
  readonly #maxTracked: number;
  // Maps keep insertion order; an entry is re-inserted when it changes, so the first entry is
  // the stalest and both sweeping and eviction only look at the head.
  /** Failure times per address, oldest first, at most maxFailures - 1 of them. */
  readonly #failures = new Map<string, number[]>();
  /** Ban expiry per address; with a fixed banMs, insertion order is expiry order. */
  readonly #bans = new Map<string, number>();

  constructor(options: AuthFailureBanOptions) {
    if (!Number.isSafeInteger(options.maxFailures) || options.maxFailures < 1) {
      throw new RangeError(`maxFailures must be a whole number >= 1, got ${options.maxFailures}`);
    }
    this.#maxFailures = options.maxFailures;
    this.#windowMs = positive('windowMs', options.windowMs);
    this.#banMs = positive('banMs', options.banMs);
    this.#now = options.now ?? Date.now;
    this.#maxTracked = positive('maxTracked', options.maxTracked ?? 100_000);
  }

  /** Counts a failed authentication; returns whether the address is banned now. */
  recordFailure(ip: string): boolean {
    const now = this.#now();
    this.#sweep(now);
    const key = keyOf(ip);
    if (this.#activeBan(key, now) !== undefined) return true;
    const times = (this.#failures.get(key) ?? []).filter((t) => t > now - this.#windowMs);
    times.push(now);
    this.#failures.delete(key);
    if (times.length >= this.#maxFailures) {
      this.#ban(key, now + this.#banMs);
      return true;
    }
    this.#failures.set(key, times);
    evict(this.#failures, this.#maxTracked);
    return false;
  }

  /** Resets the failure count; a ban in force stays (a guessed password must not lift it). */
  recordSuccess(ip: string): void {
    this.#failures.delete(keyOf(ip));
  }

  /** Called for every inbound message, so skips parsing the address when nobody is banned. */
  isBanned(ip: string): boolean {
    if (this.#bans.size === 0) return false;
    return this.#activeBan(keyOf(ip), this.#now()) !== undefined;
  }

  /** Failures counted in the current window (0 while banned). */
  failureCount(ip: string): number {
    const now = this.#now();
    return (this.#failures.get(keyOf(ip)) ?? []).filter((t) => t > now - this.#windowMs).length;
  }

  /** Bans in force, soonest to expire first. */
  banned(): Ban[] {
    const now = this.#now();
    this.#sweep(now);
    return [...this.#bans]
      .map(([ip, expiresAt]) => ({ ip, expiresAt }))
      .sort((a, b) => a.expiresAt - b.expiresAt);
  }

  /** Lifts a ban and forgets the failures; returns whether a ban was in force. */
  unban(ip: string): boolean {
    const key = keyOf(ip);
    const was = this.#activeBan(key, this.#now()) !== undefined;
    this.#bans.delete(key);
    this.#failures.delete(key);
    return was;
  }

  #ban(key: string, expiresAt: number): void {
    this.#bans.delete(key);
    this.#bans.set(key, expiresAt);
    evict(this.#bans, this.#maxTracked);
  }

  #activeBan(key: string, now: number): number | undefined {
    const expiresAt = this.#bans.get(key);
    if (expiresAt === undefined) return undefined;
    if (expiresAt > now) return expiresAt;
    this.#bans.delete(key);
    return undefined;
  }

  /** Drops expired entries from the heads of both maps; amortised O(1) per call. */
  #sweep(now: number): void {
    for (const [key, times] of this.#failures) {
      if (times[times.length - 1]! > now - this.#windowMs) break;
      this.#failures.delete(key);
    }
    for (const [key, expiresAt] of this.#bans) {
      if (expiresAt > now) break;
      this.#bans.delete(key);
    }
  }
}

/** The same address in another spelling (::ffff:1.2.3.4, upper-case IPv6) is the same key. */
function keyOf(ip: string): string {
  return canonicalIp(ip) ?? ip.trim();
}

function evict<V>(map: Map<string, V>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) return;
    map.delete(key);
  }
}
