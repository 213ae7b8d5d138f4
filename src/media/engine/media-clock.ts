// A drift-corrected 20 ms clock: each tick is scheduled against the start time plus n periods,
// not against the previous tick, so timer lateness never accumulates into drift.
export const FRAME_MS = 20;
export const FRAME_SAMPLES = 160;

export class MediaClock {
  private timer: NodeJS.Timeout | undefined;
  private start = 0;
  private ticks = 0;
  /** Since the last takeLateness(): how late the latest tick fired, and how many were over 5 ms late. */
  private maxLateMs = 0;
  private lateTicks = 0;

  constructor(
    private readonly onTick: (now: number) => void,
    private readonly periodMs = FRAME_MS,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  begin(): void {
    if (this.timer) return;
    this.start = performance.now();
    this.ticks = 0;
    this.schedule();
  }

  private schedule(): void {
    const due = this.start + (this.ticks + 1) * this.periodMs;
    this.timer = setTimeout(() => this.fire(), Math.max(0, due - performance.now()));
  }

  private fire(): void {
    const now = performance.now();
    const late = now - (this.start + (this.ticks + 1) * this.periodMs);
    if (late > this.maxLateMs) this.maxLateMs = late;
    if (late > 5) this.lateTicks++;
    // After a long stall (GC, an overloaded host) skip the missed ticks instead of bursting them.
    const behind = Math.floor((now - this.start) / this.periodMs) - this.ticks;
    if (behind > 5) this.ticks += behind - 1;
    this.ticks++;
    try {
      this.onTick(now);
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
