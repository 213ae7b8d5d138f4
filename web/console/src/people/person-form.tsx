// A person's details (spec 001 "User Details"): name, department, job title, working hours
// and email. A controlled form; the page that holds it saves.
import type { ApiFailure, Response } from '../api/client.ts';
import { fieldError } from '../api/hooks.ts';
import { CheckField, TextField } from '../ui/forms.tsx';

export type Person = Response<'GET /api/people/{id}'>;
type Day = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
const DAYS: [Day, string][] = [
  ['mon', 'Mon'],
  ['tue', 'Tue'],
  ['wed', 'Wed'],
  ['thu', 'Thu'],
  ['fri', 'Fri'],
  ['sat', 'Sat'],
  ['sun', 'Sun'],
];

export interface PersonDraft {
  firstName: string;
  lastName: string;
  department: string;
  jobTitle: string;
  email: string;
  showInDirectory: boolean;
  days: Day[];
  from: string;
  to: string;
}

export const newPersonDraft = (): PersonDraft => ({
  firstName: '',
  lastName: '',
  department: '',
  jobTitle: '',
  email: '',
  showInDirectory: true,
  days: [],
  from: '09:00',
  to: '17:00',
});

export function draftOfPerson(p: Person): PersonDraft {
  const intervals = p.timeSchedule?.intervals ?? [];
  return {
    firstName: p.firstName,
    lastName: p.lastName,
    department: p.department ?? '',
    jobTitle: p.jobTitle ?? '',
    email: p.emails.find((e) => e.label === 'work')?.address ?? p.emails[0]?.address ?? '',
    showInDirectory: p.showInDirectory,
    days: [...new Set(intervals.map((i) => i.day))],
    from: intervals[0]?.start ?? '09:00',
    to: intervals[0]?.end ?? '17:00',
  };
}

/** The person fields of a draft, in the API's words (POST /people, PATCH /people/:id). */
export function personFields(d: PersonDraft, current?: Person) {
  const others = current?.emails.filter((e) => e.address !== d.email.trim() && e.label !== 'work') ?? [];
  return {
    firstName: d.firstName.trim(),
    lastName: d.lastName.trim(),
    department: d.department.trim() || null,
    jobTitle: d.jobTitle.trim() || null,
    emails: d.email.trim() ? [{ address: d.email.trim(), label: 'work' as const }, ...others] : others,
    showInDirectory: d.showInDirectory,
    timeSchedule: d.days.length
      ? { intervals: d.days.map((day) => ({ day, start: d.from, end: d.to })) }
      : null,
  };
}

export function PersonForm({
  value,
  onChange,
  error,
}: {
  value: PersonDraft;
  onChange: (d: PersonDraft) => void;
  error: ApiFailure | undefined;
}) {
  const set = <K extends keyof PersonDraft>(k: K, v: PersonDraft[K]) => onChange({ ...value, [k]: v });
  const err = (f: string) => fieldError(error, f);
  return (
    <>
      <div className="row">
        <TextField
          label="First name"
          value={value.firstName}
          onValue={(v) => set('firstName', v)}
          required
          error={err('firstName')}
        />
        <TextField
          label="Last name"
          value={value.lastName}
          onValue={(v) => set('lastName', v)}
          required
          error={err('lastName')}
        />
      </div>
      <div className="row">
        <TextField
          label="Department"
          value={value.department}
          onValue={(v) => set('department', v)}
          hint="Optional."
          error={err('department')}
        />
        <TextField
          label="Job title"
          value={value.jobTitle}
          onValue={(v) => set('jobTitle', v)}
          hint="Optional."
          error={err('jobTitle')}
        />
      </div>
      <TextField
        label="Email"
        type="email"
        value={value.email}
        onValue={(v) => set('email', v)}
        hint="Optional; needed to invite them to the app."
        error={err('emails')}
      />
      <fieldset>
        <legend>Working hours (optional)</legend>
        <div className="chips">
          {DAYS.map(([day, label]) => (
            <CheckField
              key={day}
              label={label}
              checked={value.days.includes(day)}
              onChecked={(on) => set('days', on ? [...value.days, day] : value.days.filter((x) => x !== day))}
            />
          ))}
        </div>
        <div className="row">
          <TextField
            label="From"
            type="time"
            value={value.from}
            onValue={(v) => set('from', v)}
            error={err('timeSchedule')}
          />
          <TextField label="To" type="time" value={value.to} onValue={(v) => set('to', v)} />
        </div>
      </fieldset>
      <CheckField
        label="Show in the company directory"
        checked={value.showInDirectory}
        onChecked={(v) => set('showInDirectory', v)}
      />
    </>
  );
}
