// Limits on guessing: a per-IP request budget for the auth endpoints, and per-account
// lock-out after repeated failed logins. Unknown accounts are counted the same way as
// known ones, so lock-out does not reveal which emails exist.

/** Fixed one-minute windows per key, with a bound on how many keys are remembered. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  constructor(
    private readonly perMinute: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Counts one request; returns seconds to wait when over budget, else 0. */
  hit(key: string, now = Date.now()): number {
    let w = this.windows.get(key);
    if (!w || now - w.start >= 60_000) {
      if (!w && this.windows.size >= this.maxKeys) this.evict(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    return w.count > this.perMinute ? Math.ceil((w.start + 60_000 - now) / 1000) : 0;
  }

  private evict(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= 60_000) this.windows.delete(k);
    // Still full: forget the oldest entries (Map keeps insertion order).
    for (const k of this.windows.keys()) {
      if (this.windows.size < this.maxKeys) break;
      this.windows.delete(k);
    }
  }
}

export class LoginLockout {
  private readonly failures = new Map<string, { count: number; lockedUntil: number }>();
  constructor(
    private readonly maxFailures: number,
    private readonly lockMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Milliseconds the account stays locked, 0 when not locked. */
  lockedFor(email: string, now = Date.now()): number {
    const f = this.failures.get(email);
    return f && f.lockedUntil > now ? f.lockedUntil - now : 0;
  }

  fail(email: string, now = Date.now()): void {
    const f = this.failures.get(email) ?? { count: 0, lockedUntil: 0 };
    if (f.lockedUntil && f.lockedUntil <= now) {
      f.count = 0;
      f.lockedUntil = 0;
    }
    f.count++;
    if (f.count >= this.maxFailures) f.lockedUntil = now + this.lockMs;
    if (!this.failures.has(email) && this.failures.size >= this.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    this.failures.set(email, f);
  }

  succeed(email: string): void {
    this.failures.delete(email);
  }
}
