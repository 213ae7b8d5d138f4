// Holidays from an iCalendar file (RFC 5545), e.g. a public-holiday calendar export. Only
// what a schedule needs is read: the days of each VEVENT, its SUMMARY, and yearly repetition.
// Anything we cannot represent is refused with a message instead of imported wrongly.
import { type Holiday, isCalendarDate } from './configs.ts';
import { FlowInputError } from './model.ts';

const MAX_BYTES = 1024 * 1024;
const MAX_EVENTS = 1000;
const MAX_DAYS_PER_EVENT = 366;
const MAX_HOLIDAYS = 1000;

interface Property {
  name: string;
  params: Record<string, string>;
  value: string;
}

/** Content lines, unfolded (a line starting with space or tab continues the previous one). */
function contentLines(text: string): string[] {
  return text.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
}

function parseLine(line: string): Property | undefined {
  // The value starts at the first ':' outside a quoted parameter value.
  let quoted = false;
  let colon = -1;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === ':' && !quoted) {
      colon = i;
      break;
    }
  }
  if (colon < 1) return undefined;
  const [name = '', ...rawParams] = line.slice(0, colon).split(';');
  const params: Record<string, string> = {};
  for (const p of rawParams) {
    const eq = p.indexOf('=');
    if (eq > 0) params[p.slice(0, eq).toUpperCase()] = p.slice(eq + 1).replace(/^"|"$/g, '');
  }
  return { name: name.toUpperCase(), params, value: line.slice(colon + 1) };
}

/** A DATE or DATE-TIME value as the calendar date it names, with whether it had a time. */
function dateOf(
  p: Property,
  what: string,
  event: string,
): { date: string; midnight: boolean; hasTime: boolean } {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(p.value.trim());
  const date = m ? `${m[1]}-${m[2]}-${m[3]}` : '';
  if (!m || !isCalendarDate(date)) throw new FlowInputError(`${event}: ${what} '${p.value}' is not a date`);
  const hasTime = m[4] !== undefined;
  return { date, hasTime, midnight: !hasTime || (m[4] === '00' && m[5] === '00' && m[6] === '00') };
}

function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function unescapeText(s: string): string {
  return s.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? ' ' : c)).trim();
}

/** The days an event covers: DTEND is exclusive for dates and for a DATE-TIME at midnight. */
function eventDays(
  start: ReturnType<typeof dateOf>,
  end: ReturnType<typeof dateOf> | undefined,
  event: string,
): string[] {
  if (!end) return [start.date];
  const last = end.hasTime && !end.midnight ? end.date : addDays(end.date, -1);
  const days: string[] = [];
  for (let d = start.date; d <= last; d = addDays(d, 1)) {
    days.push(d);
    if (days.length > MAX_DAYS_PER_EVENT)
      throw new FlowInputError(`${event}: lasts more than ${MAX_DAYS_PER_EVENT} days`);
  }
  return days.length > 0 ? days : [start.date];
}

/** Yearly repetition: forever (a yearly holiday), or a COUNT/UNTIL listed out year by year. */
function repetition(
  rule: string,
  start: string,
  event: string,
): { yearly: boolean; years: (date: string) => string[] } {
  const parts: Record<string, string> = {};
  for (const kv of rule.split(';')) {
    const [k, v] = kv.split('=');
    if (k && v !== undefined) parts[k.toUpperCase()] = v.toUpperCase();
  }
  const supported = new Set(['FREQ', 'COUNT', 'UNTIL', 'INTERVAL', 'BYMONTH', 'BYMONTHDAY', 'WKST']);
  const odd = Object.keys(parts).find((k) => !supported.has(k));
  if (parts.FREQ !== 'YEARLY' || odd || (parts.INTERVAL && parts.INTERVAL !== '1')) {
    throw new FlowInputError(
      `${event}: only plain yearly repetition can be imported (RRULE ${rule}); list the dates instead`,
    );
  }
  // BYMONTH/BYMONTHDAY are accepted only where they restate the start date.
  if (
    (parts.BYMONTH && Number(parts.BYMONTH) !== Number(start.slice(5, 7))) ||
    (parts.BYMONTHDAY && Number(parts.BYMONTHDAY) !== Number(start.slice(8)))
  ) {
    throw new FlowInputError(
      `${event}: RRULE ${rule} names another day than DTSTART; list the dates instead`,
    );
  }
  if (parts.COUNT === undefined && parts.UNTIL === undefined) return { yearly: true, years: (d) => [d] };
  const count = parts.COUNT === undefined ? 100 : Number(parts.COUNT);
  if (!Number.isInteger(count) || count < 1 || count > 100)
    throw new FlowInputError(`${event}: COUNT must be 1 to 100`);
  const until =
    parts.UNTIL === undefined
      ? '9999-12-31'
      : dateOf({ name: 'UNTIL', params: {}, value: parts.UNTIL }, 'UNTIL', event).date;
  return {
    yearly: false,
    years: (d) => {
      const out: string[] = [];
      for (let i = 0; i < count; i++) {
        const next = `${Number(d.slice(0, 4)) + i}`.padStart(4, '0') + d.slice(4);
        if (next > until) break;
        if (isCalendarDate(next)) out.push(next);
      }
      return out;
    },
  };
}

/** Holidays of an iCalendar file; throws FlowInputError with a clear message on anything unusable. */
export function holidaysFromICal(text: string): Holiday[] {
  if (text.length > MAX_BYTES || new TextEncoder().encode(text).length > MAX_BYTES) {
    throw new FlowInputError('the calendar file is larger than 1 MB');
  }
  const lines = contentLines(text.replace(/^\uFEFF/, ''));
  if (!lines.some((l) => l.trim().toUpperCase() === 'BEGIN:VCALENDAR')) {
    throw new FlowInputError('not an iCalendar file (no BEGIN:VCALENDAR)');
  }
  const found = new Map<string, Holiday>();
  let event: Property[] | undefined;
  let events = 0;
  for (const raw of lines) {
    const line = raw.trimEnd();
    const upper = line.toUpperCase();
    if (upper === 'BEGIN:VEVENT') {
      if (event) throw new FlowInputError(`event ${events + 1} starts inside another event`);
      if (++events > MAX_EVENTS) throw new FlowInputError(`the calendar has more than ${MAX_EVENTS} events`);
      event = [];
    } else if (upper === 'END:VEVENT') {
      if (!event) throw new FlowInputError('END:VEVENT without BEGIN:VEVENT');
      for (const h of eventHolidays(event, events)) {
        found.set(`${h.date}/${h.yearly}`, h);
        if (found.size > MAX_HOLIDAYS)
          throw new FlowInputError(`the calendar has more than ${MAX_HOLIDAYS} holiday days`);
      }
      event = undefined;
    } else if (event && line !== '') {
      const p = parseLine(line);
      if (!p) throw new FlowInputError(`event ${events}: cannot read the line '${line.slice(0, 60)}'`);
      event.push(p);
    }
  }
  if (event) throw new FlowInputError(`event ${events} has no END:VEVENT`);
  return [...found.values()].sort((a, b) =>
    a.date < b.date ? -1 : a.date > b.date ? 1 : Number(a.yearly) - Number(b.yearly),
  );
}

function eventHolidays(props: Property[], n: number): Holiday[] {
  const get = (name: string) => props.find((p) => p.name === name);
  const summary = get('SUMMARY');
  const name = summary ? unescapeText(summary.value).slice(0, 100) : undefined;
  const label = name ? `event ${n} '${name}'` : `event ${n}`;
  const dtstart = get('DTSTART');
  if (!dtstart) throw new FlowInputError(`${label} has no DTSTART`);
  const start = dateOf(dtstart, 'DTSTART', label);
  const dtend = get('DTEND');
  const days = eventDays(start, dtend ? dateOf(dtend, 'DTEND', label) : undefined, label);
  const rrule = get('RRULE');
  const rep = rrule
    ? repetition(rrule.value.trim(), start.date, label)
    : { yearly: false, years: (d: string) => [d] };
  return days.flatMap((day) =>
    rep.years(day).map((date) => ({ date, yearly: rep.yearly, ...(name ? { name } : {}) })),
  );
}
