// The media clock's schedule, on fake time: which slots fire, and in what order.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MediaClock, SLOTS } from '../../src/media/engine/media-clock.ts';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

function record(fine: boolean) {
  const fired: { at: number; slot: number }[] = [];
  const t0 = performance.now();
  const clock = new MediaClock((now, slot) => fired.push({ at: Math.round(now - t0), slot }));
  clock.fine = fine;
  clock.begin();
  return { clock, fired };
}

describe('media clock', () => {
  it('fires frame ticks only (slot 0, every 20 ms) unless asked for slots', () => {
    const { clock, fired } = record(false);
    vi.advanceTimersByTime(100);
    clock.dispose();
    expect(fired).toEqual([20, 40, 60, 80, 100].map((at) => ({ at, slot: 0 })));
  });

  it('fires every 5 ms slot in order while fine, so prompts can be sent in four groups', () => {
    const { clock, fired } = record(true);
    vi.advanceTimersByTime(40);
    clock.dispose();
    expect(SLOTS).toBe(4);
    expect(fired.map((f) => f.slot)).toEqual([1, 2, 3, 0, 1, 2, 3, 0]);
    expect(fired.map((f) => f.at)).toEqual([5, 10, 15, 20, 25, 30, 35, 40]);
  });
});
