// Sign up a company with a business email; the API mails a verification link.
import { useState } from 'react';
import { call } from '../api/client.ts';
import { fieldError, useAction } from '../api/hooks.ts';
import { browserCountry, browserTimeZone, countryOptions, timeZoneOptions } from '../lib/places.ts';
import { Link } from '../router.tsx';
import { FormError, SelectField, Submit, TextField } from '../ui/forms.tsx';
import { AuthFrame } from './frame.tsx';

const FIELDS = ['email', 'password', 'companyName', 'firstName', 'lastName', 'country', 'timeZone'];

export function SignupPage() {
  const action = useAction();
  const [form, setForm] = useState({
    companyName: '',
    firstName: '',
    lastName: '',
    email: '',
    password: '',
    country: browserCountry(),
    timeZone: browserTimeZone(),
  });
  const [sentTo, setSentTo] = useState<string>();
  const set = (k: keyof typeof form) => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  const err = (k: string) => fieldError(action.error, k);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await action.run(() => call('POST /api/signup', { body: form }));
    if (r) setSentTo(r.email);
  };

  if (sentTo) {
    return (
      <AuthFrame title="Check your email">
        <p role="status">
          We sent a verification link to <strong>{sentTo}</strong>. Open it to activate your company, then
          sign in.
        </p>
        <p className="aside">
          <Link to="/login">Back to sign in</Link>
        </p>
      </AuthFrame>
    );
  }

  return (
    <AuthFrame title="Create your company account" intro="Sign up with your business email.">
      <form onSubmit={submit} noValidate>
        <TextField
          label="Company name"
          value={form.companyName}
          onValue={set('companyName')}
          required
          error={err('companyName')}
          autoComplete="organization"
        />
        <div className="row">
          <TextField
            label="First name"
            value={form.firstName}
            onValue={set('firstName')}
            required
            error={err('firstName')}
            autoComplete="given-name"
          />
          <TextField
            label="Last name"
            value={form.lastName}
            onValue={set('lastName')}
            required
            error={err('lastName')}
            autoComplete="family-name"
          />
        </div>
        <TextField
          label="Work email"
          type="email"
          value={form.email}
          onValue={set('email')}
          required
          error={err('email')}
          autoComplete="email"
        />
        <TextField
          label="Password"
          type="password"
          value={form.password}
          onValue={set('password')}
          required
          hint="At least 10 characters."
          error={err('password')}
          autoComplete="new-password"
        />
        <div className="row">
          <SelectField
            label="Country"
            value={form.country}
            onValue={set('country')}
            options={countryOptions()}
            error={err('country')}
          />
          <SelectField
            label="Time zone"
            value={form.timeZone}
            onValue={set('timeZone')}
            options={timeZoneOptions()}
            error={err('timeZone')}
          />
        </div>
        <FormError error={action.error} atFields={FIELDS} />
        <Submit pending={action.pending} busy="Creating…">
          Create account
        </Submit>
      </form>
      <p className="aside">
        Already have an account? <Link to="/login">Sign in</Link>
      </p>
    </AuthFrame>
  );
}
