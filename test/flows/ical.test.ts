// iCalendar holiday import: a realistic export, and the garbage it must refuse clearly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FlowInputError, holidaysFromICal, nodeConfigSchemas } from '../../src/flows/index.ts';

const fixture = readFileSync(new URL('./fixtures/holidays.ics', import.meta.url), 'utf8');
const cal = (...lines: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', ...lines, 'END:VCALENDAR', ''].join('\r\n');
const event = (...lines: string[]) => ['BEGIN:VEVENT', ...lines, 'END:VEVENT'];

describe('holidaysFromICal', () => {
  it('reads dates, ranges, yearly rules, folded and escaped summaries', () => {
    const xmas = 'Christmas holidays (Ziemassvētki) for the whole office, including the warehouse';
    expect(holidaysFromICal(fixture)).toEqual([
      { date: '2025-01-01', yearly: true, name: 'Jaunais gads' },
      { date: '2025-06-23', yearly: true, name: 'Līgo, Jāņi' },
      { date: '2025-06-24', yearly: true, name: 'Līgo, Jāņi' },
      { date: '2025-08-15', yearly: false, name: 'Company jubilee' },
      { date: '2025-09-30', yearly: false },
      { date: '2025-10-01', yearly: false },
      { date: '2025-12-19', yearly: false, name: 'Office party' },
      { date: '2025-12-24', yearly: false, name: xmas },
      { date: '2025-12-25', yearly: false, name: xmas },
      { date: '2025-12-26', yearly: false, name: xmas },
      { date: '2026-08-15', yearly: false, name: 'Company jubilee' },
      { date: '2027-08-15', yearly: false, name: 'Company jubilee' },
    ]);
  });

  it('gives holidays a schedule accepts', () => {
    const holidays = holidaysFromICal(fixture);
    expect(nodeConfigSchemas.schedule.safeParse({ timezone: 'Europe/Riga', holidays }).success).toBe(true);
  });

  it('accepts LF line ends, a BOM, lower-case names and an event without DTEND', () => {
    const text = `\uFEFF${cal(...event('dtstart;value=date:20250504', 'summary:Independence'))}`.replace(
      /\r\n/g,
      '\n',
    );
    expect(holidaysFromICal(text)).toEqual([{ date: '2025-05-04', yearly: false, name: 'Independence' }]);
  });

  it('keeps a yearly date and the same one-off date apart, and merges exact repeats', () => {
    const text = cal(
      ...event('DTSTART;VALUE=DATE:20250504', 'RRULE:FREQ=YEARLY'),
      ...event('DTSTART;VALUE=DATE:20250504'),
      ...event('DTSTART;VALUE=DATE:20250504'),
    );
    expect(holidaysFromICal(text)).toEqual([
      { date: '2025-05-04', yearly: false },
      { date: '2025-05-04', yearly: true },
    ]);
  });

  it.each([
    ['an empty file', '', 'not an iCalendar file'],
    ['HTML', '<html><body>Holidays</body></html>', 'not an iCalendar file'],
    ['an event without DTSTART', cal(...event('SUMMARY:Nothing')), "event 1 'Nothing' has no DTSTART"],
    [
      'a date that does not exist',
      cal(...event('DTSTART;VALUE=DATE:20250230')),
      "DTSTART '20250230' is not a date",
    ],
    ['a date in another format', cal(...event('DTSTART:2025-01-01')), 'is not a date'],
    [
      'a weekly rule',
      cal(...event('DTSTART;VALUE=DATE:20250106', 'RRULE:FREQ=WEEKLY')),
      'only plain yearly repetition',
    ],
    [
      'a rule by weekday',
      cal(...event('DTSTART;VALUE=DATE:20251127', 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH')),
      'only plain yearly',
    ],
    [
      'a rule naming another month',
      cal(...event('DTSTART;VALUE=DATE:20250101', 'RRULE:FREQ=YEARLY;BYMONTH=2')),
      'another day than DTSTART',
    ],
    [
      'every other year',
      cal(...event('DTSTART;VALUE=DATE:20250101', 'RRULE:FREQ=YEARLY;INTERVAL=2')),
      'only plain yearly',
    ],
    [
      'an event that never ends',
      cal('BEGIN:VEVENT', 'DTSTART;VALUE=DATE:20250101'),
      'event 1 has no END:VEVENT',
    ],
    [
      'an event inside an event',
      cal('BEGIN:VEVENT', ...event('DTSTART;VALUE=DATE:20250101')),
      'starts inside another event',
    ],
    ['an END without BEGIN', cal('END:VEVENT'), 'END:VEVENT without BEGIN:VEVENT'],
    [
      'a line without a value',
      cal(...event('DTSTART;VALUE=DATE:20250101', 'GARBAGE')),
      "cannot read the line 'GARBAGE'",
    ],
    [
      'an event of two years',
      cal(...event('DTSTART;VALUE=DATE:20250101', 'DTEND;VALUE=DATE:20270101')),
      'lasts more than 366 days',
    ],
  ])('refuses %s', (_what, text, message) => {
    expect(() => holidaysFromICal(text)).toThrow(FlowInputError);
    expect(() => holidaysFromICal(text)).toThrow(message);
  });

  it('refuses files over 1 MB and over 1000 events', () => {
    expect(() => holidaysFromICal(cal(`X-PAD:${'x'.repeat(1024 * 1024)}`))).toThrow('larger than 1 MB');
    // multi-byte text counts in bytes
    expect(() => holidaysFromICal(cal(`X-PAD:${'ā'.repeat(600 * 1024)}`))).toThrow('larger than 1 MB');
    const many = Array.from({ length: 1001 }, (_, i) =>
      event(`DTSTART;VALUE=DATE:${20250101 + (i % 28)}`),
    ).flat();
    expect(() => holidaysFromICal(cal(...many))).toThrow('more than 1000 events');
  });

  it('refuses more holiday days than a schedule holds', () => {
    const long = Array.from({ length: 4 }, (_, i) =>
      event(`DTSTART;VALUE=DATE:${2020 + i}0101`, `DTEND;VALUE=DATE:${2020 + i}1231`),
    ).flat();
    expect(() => holidaysFromICal(cal(...long))).toThrow('more than 1000 holiday days');
  });
});
