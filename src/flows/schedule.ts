// Business hours in the schedule's own time zone, through Intl only (the console runs this
// too). Wall-clock comparison makes DST transparent: 09:00 is 09:00 in summer and winter.
import type { ScheduleConfig, Weekday } from './configs.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    if (formatters.size > 500) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local date ('YYYY-MM-DD'), weekday and time ('HH:MM') of an instant in a time zone. */
export function localTime(timeZone: string, at: Date): { date: string; weekday: Weekday; time: string } {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(at)) parts[p.type] = p.value;
  const hour = parts.hour === '24' ? '00' : parts.hour;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: (parts.weekday ?? '').toLowerCase().slice(0, 3) as Weekday,
    time: `${hour}:${parts.minute}`,
  };
}

/** The holiday that closes the schedule on this local date, if any. */
export function holidayOn(cfg: ScheduleConfig, date: string): ScheduleConfig['holidays'][number] | undefined {
  return cfg.holidays.find((h) => h.date === date || (h.yearly && h.date.slice(5) === date.slice(5)));
}

/** Open when a weekly window covers the local time (from inclusive, to exclusive) and no holiday closes the day. */
export function scheduleIsOpen(cfg: ScheduleConfig, at: Date): boolean {
  const local = localTime(cfg.timezone, at);
  if (holidayOn(cfg, local.date)) return false;
  return cfg.weekly.some((w) => w.days.includes(local.weekday) && w.from <= local.time && local.time < w.to);
}
