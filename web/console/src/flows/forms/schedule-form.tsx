// Time schedule: the time zone, weekly opening hours, and holidays (typed, or imported from
// an iCalendar file with the same parser the server uses).
import { type Holiday, holidaysFromICal, WEEKDAYS } from '@switchboard/flows';
import { useState } from 'react';
import { timeZoneOptions } from '../../lib/places.ts';
import { CheckField, SelectField, TextField } from '../../ui/forms.tsx';
import { type NodeFormProps, text } from './kit.tsx';

type Weekly = { days: string[]; from: string; to: string };
const DAY_LABEL: Record<string, string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

export function ScheduleForm(p: NodeFormProps) {
  const weekly = (Array.isArray(p.c.weekly) ? p.c.weekly : []) as Weekly[];
  const holidays = (Array.isArray(p.c.holidays) ? p.c.holidays : []) as Holiday[];
  const [icalError, setIcalError] = useState<string>();
  const setWeekly = (w: Weekly[]) => p.set({ weekly: w });
  const setHolidays = (h: Holiday[]) => p.set({ holidays: h });
  const importIcal = async (file: File | undefined) => {
    setIcalError(undefined);
    if (!file) return;
    try {
      const found = holidaysFromICal(await file.text());
      const known = new Set(holidays.map((h) => h.date));
      setHolidays([...holidays, ...found.filter((h) => !known.has(h.date))]);
    } catch (err) {
      setIcalError((err as Error).message);
    }
  };
  return (
    <>
      <SelectField
        label="Time zone"
        value={text(p.c.timezone)}
        onValue={(timezone) => p.set({ timezone })}
        options={timeZoneOptions()}
        error={p.err('timezone')}
        disabled={p.readOnly}
      />
      <fieldset className="inner">
        <legend>Open</legend>
        {weekly.map((w, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: opening hours are edited by position.
          <div className="schedule-row" key={i}>
            <div className="chips">
              {WEEKDAYS.map((d) => (
                <CheckField
                  key={d}
                  label={DAY_LABEL[d] ?? d}
                  checked={w.days.includes(d)}
                  onChecked={(on) =>
                    setWeekly(
                      weekly.map((x, j) =>
                        j === i
                          ? {
                              ...x,
                              days: on
                                ? WEEKDAYS.filter((y) => y === d || x.days.includes(y))
                                : x.days.filter((y) => y !== d),
                            }
                          : x,
                      ),
                    )
                  }
                  disabled={p.readOnly}
                />
              ))}
            </div>
            <div className="row">
              <TextField
                label="From"
                type="time"
                value={w.from}
                onValue={(from) => setWeekly(weekly.map((x, j) => (j === i ? { ...x, from } : x)))}
                error={p.err(`weekly.${i}.from`)}
                disabled={p.readOnly}
              />
              <TextField
                label="To"
                type="time"
                value={w.to === '24:00' ? '23:59' : w.to}
                onValue={(to) => setWeekly(weekly.map((x, j) => (j === i ? { ...x, to } : x)))}
                error={p.err(`weekly.${i}.to`) ?? p.err(`weekly.${i}.days`)}
                disabled={p.readOnly}
              />
              {p.readOnly ? null : (
                <button
                  type="button"
                  className="btn small danger"
                  onClick={() => setWeekly(weekly.filter((_, j) => j !== i))}
                >
                  Remove
                </button>
              )}
            </div>
          </div>
        ))}
        {p.readOnly ? null : (
          <button
            type="button"
            className="btn small"
            onClick={() => setWeekly([...weekly, { days: ['sat'], from: '10:00', to: '14:00' }])}
          >
            Add opening hours
          </button>
        )}
      </fieldset>
      <fieldset className="inner">
        <legend>Holidays (closed all day)</legend>
        {holidays.map((h, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: holidays are edited by position.
          <div className="row" key={i}>
            <TextField
              label="Date"
              type="date"
              value={h.date}
              onValue={(date) => setHolidays(holidays.map((x, j) => (j === i ? { ...x, date } : x)))}
              error={p.err(`holidays.${i}.date`)}
              disabled={p.readOnly}
            />
            <TextField
              label="Name"
              value={h.name ?? ''}
              onValue={(name) => setHolidays(holidays.map((x, j) => (j === i ? { ...x, name } : x)))}
              disabled={p.readOnly}
            />
            <CheckField
              label="Every year"
              checked={!!h.yearly}
              onChecked={(yearly) => setHolidays(holidays.map((x, j) => (j === i ? { ...x, yearly } : x)))}
              disabled={p.readOnly}
            />
            {p.readOnly ? null : (
              <button
                type="button"
                className="btn small danger"
                onClick={() => setHolidays(holidays.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            )}
          </div>
        ))}
        {p.readOnly ? null : (
          <>
            <button
              type="button"
              className="btn small"
              onClick={() =>
                setHolidays([
                  ...holidays,
                  { date: new Date().toISOString().slice(0, 10), name: '', yearly: false },
                ])
              }
            >
              Add a holiday
            </button>
            <TextField
              label="Import holidays from an iCalendar file (.ics)"
              type="file"
              accept=".ics,text/calendar"
              onChange={(e) => void importIcal(e.target.files?.[0])}
              error={icalError}
            />
          </>
        )}
      </fieldset>
    </>
  );
}
