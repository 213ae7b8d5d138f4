// A drift-corrected 20 ms clock: each tick is scheduled against the start time plus n periods,
// not against the previous tick, so timer lateness never accumulates into drift.
//
// A frame is cut into SLOTS slots of 5 ms. While `fine` is set the clock fires at every slot,
// so work can be spread over the frame: prompts go out in four groups instead of one burst
// (a shorter burst is a shorter tick, and a stream late in it is less late), and streams whose
// ptime is not a multiple of 20 ms (10, 30, 50 ms) are paced on the even slots (every 10 ms).
// Slot 0 is the frame tick.
export const FRAME_MS = 20;
export const FRAME_SAMPLES = 160;
export const SLOTS = 4;

export class MediaClock {
  private timer: NodeJS.Timeout | undefined;
  private start = 0;
  /** Slots since start; frame ticks are the multiples of SLOTS. */
  private slots = 0;
  /** Fire at every slot, not only at frame ticks. */
  fine = false;
  /** Since the last takeLateness(): how late the latest tick fired, and how many were over 5 ms late. */
  private maxLateMs = 0;
  private lateTicks = 0;

  constructor(
    private readonly onTick: (now: number, slot: number) => void,
    private readonly periodMs = FRAME_MS,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  begin(): void {
    if (this.timer) return;
    this.start = performance.now();
    this.slots = 0;
    this.schedule();
  }

  private next(): number {
    return this.fine ? this.slots + 1 : (Math.floor(this.slots / SLOTS) + 1) * SLOTS;
  }

  private schedule(): void {
    const due = this.start + (this.next() * this.periodMs) / SLOTS;
    this.timer = setTimeout(() => this.fire(), Math.max(0, due - performance.now()));
  }

  private fire(): void {
    const now = performance.now();
    let next = this.next();
    const late = now - (this.start + (next * this.periodMs) / SLOTS);
    if (late > this.maxLateMs) this.maxLateMs = late;
    if (late > 5) this.lateTicks++;
    // After a long stall (GC, an overloaded host) skip to the current frame instead of
    // bursting the missed ones.
    const current = Math.floor((now - this.start) / this.periodMs) * SLOTS;
    if (current - next > 5 * SLOTS) next = current;
    this.slots = next;
    try {
      this.onTick(now, next % SLOTS);
    } finally {
      if (this.timer) this.schedule();
    }
  }

  /** Timer lateness since the previous call (event loop stalls, GC, an overloaded host). */
  takeLateness(): { maxLateMs: number; lateTicks: number } {
    const r = { maxLateMs: this.maxLateMs, lateTicks: this.lateTicks };
    this.maxLateMs = 0;
    this.lateTicks = 0;
    return r;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
