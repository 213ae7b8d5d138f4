// Timer J for every completed non-INVITE server transaction of a stack (RFC 3261 §17.2.2):
// all wait the same 64*T1, so they expire in the order they completed and one timer, set for
// the oldest, serves them all. A timer, a timer map and closures per transaction were most of
// what a completed transaction kept (a stack at 10,000 REGISTER/s holds 600,000 of them).

/** What the queue ends: a transaction whose fixed wait is over. */
export interface Expiring {
  expire(): void;
}

export class ExpiryQueue {
  #items: (Expiring | undefined)[] = [];
  #due: number[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;
  #firing = false;

  constructor(
    /** Milliseconds every entry waits. */
    readonly delay: number,
    /** A monotonic clock in milliseconds. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Entries still waiting. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** 1 while a timer is set (for leak checks), else 0. */
  get pendingTimers(): number {
    return this.#timer ? 1 : 0;
  }

  add(item: Expiring): void {
    this.#items.push(item);
    this.#due.push(this.now() + this.delay);
    if (!this.#timer && !this.#firing) this.arm();
  }

  /** Forgets every entry without expiring it and clears the timer. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#items = [];
    this.#due = [];
    this.#head = 0;
  }

  private arm(): void {
    const wait = Math.max(0, this.#due[this.#head]! - this.now());
    this.#timer = setTimeout(this.#fire, Math.ceil(wait));
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = this.now();
    const items = this.#items;
    const due = this.#due;
    this.#firing = true;
    try {
      while (this.#head < items.length && due[this.#head]! <= now) {
        const item = items[this.#head];
        items[this.#head++] = undefined;
        item?.expire();
        if (items !== this.#items) return; // cleared by what the expiry ran
      }
    } finally {
      this.#firing = false;
    }
    // Compact once the expired front is most of the arrays.
    if (this.#head > 1024 && this.#head * 2 > items.length) {
      items.splice(0, this.#head);
      due.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#head < items.length) this.arm();
    else if (this.#head > 0) {
      this.#items = [];
      this.#due = [];
      this.#head = 0;
    }
  };
}
