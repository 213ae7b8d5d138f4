// The counting day of fewest-calls (midnight in the company's zone, daylight saving included)
// and the built-in hold music (audible, seamless to loop).
import { describe, expect, it } from 'vitest';
import { holdMusicPcm } from '../../../src/pbx/queues/hold-music.ts';
import { nextMidnight } from '../../../src/pbx/queues/queue-config.ts';

describe('nextMidnight', () => {
  it('is the next local midnight of the zone', () => {
    // 2024-06-03 21:30 UTC is 00:30 on the 4th in Riga (UTC+3): the next midnight is the 5th.
    expect(new Date(nextMidnight(Date.UTC(2024, 5, 3, 21, 30), 'Europe/Riga')).toISOString()).toBe(
      '2024-06-04T21:00:00.000Z',
    );
    expect(new Date(nextMidnight(Date.UTC(2024, 5, 3, 20, 59), 'Europe/Riga')).toISOString()).toBe(
      '2024-06-03T21:00:00.000Z',
    );
    expect(new Date(nextMidnight(Date.UTC(2024, 5, 3, 12), 'America/New_York')).toISOString()).toBe(
      '2024-06-04T04:00:00.000Z',
    );
  });

  it('follows a change of offset during the day', () => {
    // Riga leaves summer time on 2024-10-27 at 04:00 (UTC+3 → UTC+2): that day's midnight is 22:00 UTC.
    expect(new Date(nextMidnight(Date.UTC(2024, 9, 27, 6), 'Europe/Riga')).toISOString()).toBe(
      '2024-10-27T22:00:00.000Z',
    );
  });

  it('counts in UTC for a zone it does not know', () => {
    expect(new Date(nextMidnight(Date.UTC(2024, 5, 3, 12), 'Mars/Olympus')).toISOString()).toBe(
      '2024-06-04T00:00:00.000Z',
    );
  });
});

describe('built-in hold music', () => {
  it('is a few seconds of audible sound without clipping, ending near where it starts', () => {
    const pcm = holdMusicPcm();
    expect(pcm.length / 8000).toBeGreaterThan(4);
    let sum = 0;
    let peak = 0;
    for (const v of pcm) {
      sum += v * v;
      peak = Math.max(peak, Math.abs(v));
    }
    const rms = Math.sqrt(sum / pcm.length) / 32768;
    expect(rms).toBeGreaterThan(0.02);
    expect(peak).toBeLessThan(32767);
    // No click at the loop point: the last and first samples are close.
    expect(Math.abs((pcm.at(-1) as number) - (pcm[0] as number))).toBeLessThan(4000);
  });
});
