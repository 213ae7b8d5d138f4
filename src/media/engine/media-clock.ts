// A drift-corrected 20 ms clock: each tick is scheduled against the start time plus n periods,
// not against the previous tick, so timer lateness never accumulates into drift.
//
// While `fine` is set the clock also fires halfway between frames (every 10 ms), so streams
// whose ptime is not a multiple of 20 ms (10, 30, 50 ms) leave at their own cadence instead of
// in 20/40 ms pairs; `frame` tells the frame ticks from the half ticks.
export const FRAME_MS = 20;
export const FRAME_SAMPLES = 160;

export class MediaClock {
  private timer: NodeJS.Timeout | undefined;
  private start = 0;
  /** Half periods since start; frame ticks are the even ones. */
  private halves = 0;
  /** Fire every half period too. */
  fine = false;
  /** Since the last takeLateness(): how late the latest tick fired, and how many were over 5 ms late. */
  private maxLateMs = 0;
  private lateTicks = 0;

  constructor(
    private readonly onTick: (now: number, frame: boolean) => void,
    private readonly periodMs = FRAME_MS,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  begin(): void {
    if (this.timer) return;
    this.start = performance.now();
    this.halves = 0;
    this.schedule();
  }

  private next(): number {
    return this.fine || this.halves % 2 === 1 ? this.halves + 1 : this.halves + 2;
  }

  private schedule(): void {
    const due = this.start + (this.next() * this.periodMs) / 2;
    this.timer = setTimeout(() => this.fire(), Math.max(0, due - performance.now()));
  }

  private fire(): void {
    const now = performance.now();
    let next = this.next();
    const late = now - (this.start + (next * this.periodMs) / 2);
    if (late > this.maxLateMs) this.maxLateMs = late;
    if (late > 5) this.lateTicks++;
    // After a long stall (GC, an overloaded host) skip the missed ticks instead of bursting
    // them, keeping frame ticks on even half periods.
    const behind = Math.floor((now - this.start) / this.periodMs) * 2 - next;
    if (behind > 10) next += behind;
    this.halves = next;
    try {
      this.onTick(now, next % 2 === 0);
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
