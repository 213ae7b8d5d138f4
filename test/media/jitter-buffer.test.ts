import { describe, expect, it } from 'vitest';
import { JitterBuffer } from '../../src/media/engine/jitter-buffer.ts';

/** A seeded PRNG so the jitter patterns are the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

/**
 * Simulates a 20 ms stream of non-zero frames into `jb`, read by a 20 ms clock 7 ms out of
 * phase with the sender. `extraDelay(k)` is the network delay of packet k beyond the smallest
 * (negative for a sender whose clock runs fast). Speech-like: the last 200 ms of every second
 * is a pause (quiet samples, not zeros). Returns, per second, the fraction of samples read as
 * silence (zeros: lost or late) and the buffer's target delay at the end of that second.
 */
function run(jb: JitterBuffer, seconds: number, extraDelay: (k: number) => number) {
  const frames = seconds * 50;
  // More packets than reads, so a sender running ahead never leaves the reader without data.
  const arrivals = Array.from({ length: frames + 100 }, (_, k) => ({ k, at: k * 20 + extraDelay(k) })).sort(
    (a, b) => a.at - b.at,
  );
  const out = new Int16Array(160);
  const perSecond: { silent: number; delayMs: number }[] = [];
  let next = 0;
  let silent = 0;
  for (let tick = 0; tick < frames; tick++) {
    const now = tick * 20 + 7;
    while (next < arrivals.length && (arrivals[next]?.at as number) <= now) {
      const { k, at } = arrivals[next] as { k: number; at: number };
      jb.put(1234, (k * 160) >>> 0, new Int16Array(160).fill(k % 50 >= 40 ? 1 : 1000), at);
      next++;
    }
    jb.read(out);
    for (const v of out) if (v === 0) silent++;
    if ((tick + 1) % 50 === 0) {
      perSecond.push({ silent: silent / 8000, delayMs: jb.delayMs });
      silent = 0;
    }
  }
  return perSecond;
}

describe('adaptive JitterBuffer', () => {
  it('grows with the measured jitter and stops losing packets that a fixed 60 ms buffer loses', () => {
    const jitter = (seed: number) => {
      const r = rng(seed);
      return (k: number) => (k < 100 ? 0 : r() * 120); // calm, then up to 120 ms of jitter
    };
    const adaptive = new JitterBuffer();
    const a = run(adaptive, 12, jitter(7));
    const fixed = run(new JitterBuffer(480), 12, jitter(7));
    expect(a[1]?.delayMs).toBeLessThan(60); // calm: below the 60 ms it started at
    expect(adaptive.delayMs).toBeGreaterThan(100);
    expect(adaptive.delayMs).toBeLessThanOrEqual(200);
    expect(adaptive.jitterMs).toBeGreaterThan(20);
    // Once adapted (the last 6 s) it loses under 2% of the audio; the fixed buffer far more.
    const lateLoss = (r: { silent: number }[]) => r.slice(6).reduce((n, s) => n + s.silent, 0) / 6;
    expect(lateLoss(a)).toBeLessThan(0.02);
    expect(lateLoss(fixed)).toBeGreaterThan(0.1);
  });

  it('shrinks back slowly once the jitter is gone, down to its 20 ms floor', () => {
    const r = rng(11);
    const jb = new JitterBuffer();
    // 5 s of up to 120 ms jitter, 20 s calm, then one packet in 50 arrives 30 ms late.
    const res = run(jb, 27, (k) => (k < 250 ? r() * 120 : k >= 1250 && k % 50 === 25 ? 30 : 0));
    expect(res[4]?.delayMs).toBeGreaterThan(100);
    // The target follows the jitter estimate within a second or two; the audio catches up in
    // the pauses only (10 ms skipped per quiet frame) and loses nothing on the way.
    expect(res[7]?.delayMs).toBe(20);
    expect(res.slice(5, 25).every((s) => s.silent < 0.005)).toBe(true);
    // The latency really came down: 30 ms late is now too late.
    expect(res.slice(25).every((s) => s.silent > 0)).toBe(true);
  });

  it('stays within 20-200 ms whatever the jitter', () => {
    const r = rng(3);
    const jb = new JitterBuffer();
    run(jb, 5, () => r() * 900);
    expect(jb.delayMs).toBe(200);
    const steady = new JitterBuffer({ initialMs: 100 });
    run(steady, 5, () => 0);
    expect(steady.delayMs).toBe(20);
  });

  it('never skips inside a continuous tone (a skip would flip its phase), only in pauses', () => {
    const jb = new JitterBuffer(); // starts at 60 ms; a calm stream wants 20 ms
    const out = new Int16Array(160);
    const firsts: number[] = [];
    for (let k = 0; k < 200; k++) {
      jb.put(1, k * 160, new Int16Array(160).fill(1000 + k), k * 20);
      jb.read(out);
      if (out[0]) firsts.push(out[0] as number);
    }
    // Every frame read whole and in order: no sample skipped although the buffer is 40 ms long.
    expect(firsts.slice(1).every((v, i) => v === (firsts[i] as number) + 1)).toBe(true);
    expect(jb.delayMs).toBe(20);
  });

  it('follows a sender whose clock runs 1% fast without losing audio', () => {
    const jb = new JitterBuffer();
    const res = run(jb, 20, (k) => -k * 0.2); // each packet 0.2 ms earlier than the last
    expect(res.slice(2).every((s) => s.silent < 0.02)).toBe(true);
  });
});
