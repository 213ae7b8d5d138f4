// Figures a queue computes from its recent calls: average handle time (for the estimated wait)
// and the service level. Both are incremental: a new call costs O(1), reading them O(1).

/** The last N handle times (talk + wrap-up), with a running sum. */
export class HandleTimes {
  #samples: Float64Array;
  #next = 0;
  #count = 0;
  #sum = 0;

  constructor(size: number) {
    this.#samples = new Float64Array(Math.max(1, size));
  }

  /** Keeps the newest samples when the window shrinks or grows. */
  resize(size: number): void {
    const n = Math.max(1, size);
    if (n === this.#samples.length) return;
    const kept = this.#ordered().slice(-n);
    this.#samples = new Float64Array(n);
    this.#next = 0;
    this.#count = 0;
    this.#sum = 0;
    for (const s of kept) this.add(s);
  }

  add(seconds: number): void {
    const size = this.#samples.length;
    if (this.#count === size) this.#sum -= this.#samples[this.#next] as number;
    else this.#count++;
    this.#samples[this.#next] = seconds;
    this.#sum += seconds;
    this.#next = (this.#next + 1) % size;
  }

  /** Mean handle time in seconds, or undefined before the first answered call. */
  average(): number | undefined {
    return this.#count === 0 ? undefined : this.#sum / this.#count;
  }

  #ordered(): number[] {
    const out: number[] = [];
    const size = this.#samples.length;
    const start = (this.#next - this.#count + size) % size;
    for (let i = 0; i < this.#count; i++) out.push(this.#samples[(start + i) % size] as number);
    return out;
  }
}

/**
 * How a caller left the queue, for the service level:
 * - `answered`: connected to an agent after `waitedMs`;
 * - `abandoned`: hung up while waiting;
 * - `timed-out`: reached the queue's maximum wait;
 * - `overflowed`: refused at entry, the queue being full;
 * - `callback`: left the line asking to be called back (the request keeps its place).
 */
export type QueueExit = 'answered' | 'abandoned' | 'timed-out' | 'overflowed' | 'callback';

const KINDS: readonly QueueExit[] = ['answered', 'abandoned', 'timed-out', 'overflowed', 'callback'];
/** A busy queue over a long window still keeps at most this many events (oldest dropped). */
const MAX_EVENTS = 1_000_000;

export interface ServiceLevelCounts {
  answered: number;
  answeredWithin: number;
  abandoned: number;
  abandonedShort: number;
  timedOut: number;
  overflowed: number;
  callbacks: number;
}

/**
 * Service level over a sliding time window, the usual contact-center definition:
 *
 *   SL = answered within T / (answered + abandoned after T + timed out)
 *
 * Callers who hang up within T are left out (they gave the queue no fair chance); a timeout
 * is the queue's failure whenever it happens. Overflows never entered the queue and callback
 * requests are served off the line, so neither counts; both are reported apart.
 */
export class ServiceLevel {
  // Events in time order as parallel arrays with a moving head (a deque without objects).
  #at: number[] = [];
  #kind: number[] = [];
  #within: boolean[] = [];
  #head = 0;
  readonly #counts = [0, 0, 0, 0, 0];
  readonly #within0 = [0, 0, 0, 0, 0];

  constructor(
    private thresholdMs: number,
    private windowMs: number,
  ) {}

  configure(thresholdSec: number, windowSec: number): void {
    // Past calls were judged against the old threshold; a new one applies from here on.
    this.thresholdMs = thresholdSec * 1000;
    this.windowMs = windowSec * 1000;
  }

  record(kind: QueueExit, waitedMs: number, at: number): void {
    const k = KINDS.indexOf(kind);
    const within = waitedMs <= this.thresholdMs;
    this.#at.push(at);
    this.#kind.push(k);
    this.#within.push(within);
    this.#counts[k] = (this.#counts[k] as number) + 1;
    if (within) this.#within0[k] = (this.#within0[k] as number) + 1;
    if (this.#at.length - this.#head > MAX_EVENTS) {
      this.#drop();
      this.#compact();
    }
  }

  counts(now: number): ServiceLevelCounts {
    this.#expire(now);
    const c = (k: QueueExit) => this.#counts[KINDS.indexOf(k)] as number;
    const w = (k: QueueExit) => this.#within0[KINDS.indexOf(k)] as number;
    return {
      answered: c('answered'),
      answeredWithin: w('answered'),
      abandoned: c('abandoned') - w('abandoned'),
      abandonedShort: w('abandoned'),
      timedOut: c('timed-out'),
      overflowed: c('overflowed'),
      callbacks: c('callback'),
    };
  }

  /** Percent 0-100, or undefined when no call counts in the window. */
  percent(now: number): number | undefined {
    const c = this.counts(now);
    const denominator = c.answered + c.abandoned + c.timedOut;
    return denominator === 0 ? undefined : (100 * c.answeredWithin) / denominator;
  }

  #expire(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.#head < this.#at.length && (this.#at[this.#head] as number) <= cutoff) this.#drop();
    this.#compact();
  }

  #compact(): void {
    // Compact once the dead head outweighs the live part, so memory follows the window.
    if (this.#head > 1024 && this.#head * 2 > this.#at.length) {
      this.#at = this.#at.slice(this.#head);
      this.#kind = this.#kind.slice(this.#head);
      this.#within = this.#within.slice(this.#head);
      this.#head = 0;
    }
  }

  #drop(): void {
    const k = this.#kind[this.#head] as number;
    this.#counts[k] = (this.#counts[k] as number) - 1;
    if (this.#within[this.#head]) this.#within0[k] = (this.#within0[k] as number) - 1;
    this.#head++;
  }
}
