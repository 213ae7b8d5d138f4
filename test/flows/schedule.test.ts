// Business hours in the schedule's time zone, across DST changes, midnight and holidays.
import { describe, expect, it } from 'vitest';
import { nodeConfigSchemas, type ScheduleConfig, scheduleIsOpen } from '../../src/flows/index.ts';
import { cables, NUMBER, node, sim, workspace } from './fixtures.ts';

const schedule = (input: unknown): ScheduleConfig => nodeConfigSchemas.schedule.parse(input);
const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'];
const office = (timezone: string) =>
  schedule({ timezone, weekly: [{ days: weekdays, from: '09:00', to: '17:00' }] });
const always = (timezone: string, holidays: unknown[]) =>
  schedule({
    timezone,
    weekly: [{ days: [...weekdays, 'sat', 'sun'], from: '00:00', to: '24:00' }],
    holidays,
  });
const open = (cfg: ScheduleConfig, iso: string) => scheduleIsOpen(cfg, new Date(iso));

describe('scheduleIsOpen', () => {
  it.each([
    // Riga is UTC+2 in winter, UTC+3 from 2025-03-30 03:00 to 2025-10-26 04:00
    ['2025-03-28T07:00:00Z', true], // Fri 09:00 EET: from is inclusive
    ['2025-03-28T06:59:00Z', false], // Fri 08:59
    ['2025-03-28T14:59:00Z', true], // Fri 16:59
    ['2025-03-28T15:00:00Z', false], // Fri 17:00: to is exclusive
    ['2025-03-29T10:00:00Z', false], // Saturday
    ['2025-03-31T06:30:00Z', true], // Mon 09:30 EEST (would be 08:30 without DST)
    ['2025-03-31T14:30:00Z', false], // Mon 17:30 EEST (would be 16:30 without DST)
    ['2025-10-27T06:30:00Z', false], // Mon 08:30 EET after the change back
    ['2025-10-27T14:30:00Z', true], // Mon 16:30 EET
  ])('Europe/Riga office hours at %s: %s', (iso, expected) => {
    expect(open(office('Europe/Riga'), iso)).toBe(expected);
  });

  it.each([
    // New York is UTC-5 in winter, UTC-4 from 2025-03-09 02:00 to 2025-11-02 02:00
    ['2025-03-07T14:00:00Z', true], // Fri 09:00 EST
    ['2025-03-10T13:00:00Z', true], // Mon 09:00 EDT
    ['2025-03-10T12:59:00Z', false], // Mon 08:59 EDT
    ['2025-03-10T21:30:00Z', false], // Mon 17:30 EDT (16:30 in EST)
    ['2025-11-03T13:30:00Z', false], // Mon 08:30 EST
    ['2025-11-03T14:00:00Z', true], // Mon 09:00 EST
    ['2025-11-03T21:59:00Z', true], // Mon 16:59 EST
  ])('America/New_York office hours at %s: %s', (iso, expected) => {
    expect(open(office('America/New_York'), iso)).toBe(expected);
  });

  it('never opens a window in the hour skipped by the spring change', () => {
    const cfg = schedule({
      timezone: 'Europe/Riga',
      weekly: [{ days: ['sun'], from: '03:00', to: '04:00' }],
    });
    expect(open(cfg, '2025-03-30T00:59:00Z')).toBe(false); // 02:59 EET
    expect(open(cfg, '2025-03-30T01:00:00Z')).toBe(false); // 04:00 EEST
    expect(open(cfg, '2025-04-06T00:30:00Z')).toBe(true); // a week later, 03:30 EEST
  });

  it('opens twice in the hour repeated by the autumn change', () => {
    const cfg = schedule({
      timezone: 'Europe/Riga',
      weekly: [{ days: ['sun'], from: '03:00', to: '04:00' }],
    });
    expect(open(cfg, '2025-10-26T00:30:00Z')).toBe(true); // 03:30 EEST
    expect(open(cfg, '2025-10-26T01:30:00Z')).toBe(true); // 03:30 EET
    expect(open(cfg, '2025-10-26T02:00:00Z')).toBe(false); // 04:00 EET
  });

  it('decides the day at local midnight, not UTC midnight', () => {
    const cfg = schedule({
      timezone: 'Europe/Riga',
      weekly: [{ days: ['sun'], from: '00:00', to: '24:00' }],
    });
    expect(open(cfg, '2025-03-29T21:59:00Z')).toBe(false); // Sat 23:59 local
    expect(open(cfg, '2025-03-29T22:00:00Z')).toBe(true); // Sun 00:00 local, still Saturday in UTC
    expect(open(cfg, '2025-03-30T20:59:00Z')).toBe(true); // Sun 23:59 EEST
    expect(open(cfg, '2025-03-30T21:00:00Z')).toBe(false); // Mon 00:00 EEST
  });

  it('accepts overlapping windows', () => {
    const cfg = schedule({
      timezone: 'UTC',
      weekly: [
        { days: ['mon'], from: '08:00', to: '12:00' },
        { days: ['mon', 'tue'], from: '11:00', to: '13:00' },
      ],
    });
    expect([
      open(cfg, '2025-03-31T08:00:00Z'),
      open(cfg, '2025-03-31T12:30:00Z'),
      open(cfg, '2025-04-01T08:00:00Z'),
    ]).toEqual([true, true, false]);
  });

  it('closes all day on a holiday in local time', () => {
    const riga = always('Europe/Riga', [{ date: '2025-12-24', name: 'Christmas Eve' }]);
    expect(open(riga, '2025-12-23T21:59:00Z')).toBe(true); // Dec 23 23:59 local
    expect(open(riga, '2025-12-23T22:00:00Z')).toBe(false); // Dec 24 00:00 local
    expect(open(riga, '2025-12-24T21:59:00Z')).toBe(false); // Dec 24 23:59 local
    expect(open(riga, '2025-12-24T22:00:00Z')).toBe(true); // Dec 25
    const ny = always('America/New_York', [{ date: '2025-12-24' }]);
    expect(open(ny, '2025-12-24T04:59:00Z')).toBe(true); // Dec 23 23:59 EST
    expect(open(ny, '2025-12-24T05:00:00Z')).toBe(false);
  });

  it('repeats yearly holidays every year and one-off holidays only once', () => {
    const cfg = always('Europe/Riga', [
      { date: '2020-06-24', yearly: true },
      { date: '2024-11-18' },
      { date: '2024-02-29', yearly: true },
    ]);
    expect(open(cfg, '2031-06-24T10:00:00Z')).toBe(false);
    expect(open(cfg, '2024-11-18T10:00:00Z')).toBe(false);
    expect(open(cfg, '2025-11-18T10:00:00Z')).toBe(true);
    expect(open(cfg, '2028-02-29T10:00:00Z')).toBe(false);
    expect(open(cfg, '2025-02-28T10:00:00Z')).toBe(true);
    expect(open(cfg, '2025-03-01T10:00:00Z')).toBe(true);
  });
});

describe('schedule node', () => {
  const flow = (cfg: unknown) =>
    workspace(
      [
        node('in', 'number', { number: NUMBER }),
        node('hours', 'schedule', cfg),
        node('o', 'hangup'),
        node('c', 'hangup'),
      ],
      cables('in:next>hours', 'hours:open>o', 'hours:closed>c'),
    );

  it('routes by the scenario time and says why in the trace', async () => {
    const cfg = {
      timezone: 'Europe/Riga',
      weekly: [{ days: weekdays, from: '09:00', to: '17:00' }],
      holidays: [{ date: '2025-05-04', name: 'Restoration of Independence', yearly: true }],
    };
    const opened = await sim(flow(cfg), { at: '2025-03-28T09:30:00+02:00' });
    expect(opened.steps[1]).toMatchObject({
      output: 'open',
      detail: 'fri 2025-03-28 09:30 Europe/Riga: open',
    });
    const night = await sim(flow(cfg), { at: '2025-03-28T22:00:00+02:00' });
    expect(night.steps[1]!.output).toBe('closed');
    const holiday = await sim(flow({ ...cfg, weekly: [{ days: ['sun'], from: '09:00', to: '17:00' }] }), {
      at: '2025-05-04T12:00:00+03:00',
    });
    expect(holiday.steps[1]).toMatchObject({
      output: 'closed',
      detail: 'sun 2025-05-04 12:00 Europe/Riga: closed (holiday Restoration of Independence)',
    });
  });
});
