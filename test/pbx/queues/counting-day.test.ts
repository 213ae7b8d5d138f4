// The counting day of fewest-calls: midnight in the company's zone, daylight saving included.
import { describe, expect, it } from 'vitest';
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
