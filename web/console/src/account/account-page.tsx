// The signed-in user's own account: password, and two-factor authentication (enrol with an
// authenticator app, recovery codes, turn off).
import { lazy, Suspense, useState } from 'react';
import { call } from '../api/client.ts';
import { fieldError, useAction } from '../api/hooks.ts';
import { useSession } from '../session.tsx';
import { Badge, Loading, Saved } from '../ui/feedback.tsx';
import { FormError, Submit, TextField } from '../ui/forms.tsx';
import { Page, Section } from '../ui/layout.tsx';

const TotpQr = lazy(() => import('./totp-qr.tsx'));

export function AccountPage() {
  const { me } = useSession();
  if (!me) return null;
  return (
    <Page title="Your account">
      {me.mfaEnrollmentRequired ? (
        <p className="banner" role="alert">
          Your company requires administrators to use two-factor authentication. Turn it on below to use the
          console.
        </p>
      ) : null}
      <Section title="Sign-in">
        <dl className="facts">
          <dt>Email</dt>
          <dd>{me.user.email}</dd>
          <dt>Role</dt>
          <dd>{me.user.role}</dd>
          {me.tenant ? (
            <>
              <dt>Company</dt>
              <dd>{me.tenant.name}</dd>
            </>
          ) : null}
        </dl>
      </Section>
      <TwoFactor />
      <ChangePassword />
    </Page>
  );
}

function ChangePassword() {
  const action = useAction();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [saved, setSaved] = useState<string>();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaved(undefined);
    const r = await action.run(() =>
      call('POST /api/me/password', { body: { currentPassword, newPassword } }),
    );
    if (r) {
      setCurrent('');
      setNew('');
      setSaved('Password changed. Your other sessions were signed out.');
    }
  };
  return (
    <Section title="Password">
      <form onSubmit={submit} noValidate className="narrow">
        <TextField
          label="Current password"
          type="password"
          value={currentPassword}
          onValue={setCurrent}
          autoComplete="current-password"
          required
          error={fieldError(action.error, 'currentPassword')}
        />
        <TextField
          label="New password"
          type="password"
          value={newPassword}
          onValue={setNew}
          autoComplete="new-password"
          required
          hint="At least 10 characters."
          error={fieldError(action.error, 'newPassword')}
        />
        <FormError error={action.error} atFields={['currentPassword', 'newPassword']} />
        <Submit pending={action.pending}>Change password</Submit>
        <Saved message={saved} />
      </form>
    </Section>
  );
}

function TwoFactor() {
  const { me, refresh } = useSession();
  const action = useAction();
  const [setup, setSetup] = useState<{ secret: string; otpauthUri: string }>();
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [codes, setCodes] = useState<string[]>();
  const enabled = !!me?.user.mfaEnabled;

  const start = async () => {
    const r = await action.run(() => call('POST /api/me/totp/setup', {}));
    if (r) setSetup(r);
  };
  const enable = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await action.run(() => call('POST /api/me/totp/enable', { body: { code } }));
    if (!r) return;
    setCodes(r.recoveryCodes);
    setSetup(undefined);
    setCode('');
    await refresh();
  };
  const disable = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await action.run(() => call('POST /api/me/totp/disable', { body: { password, code } }));
    if (!r) return;
    setPassword('');
    setCode('');
    await refresh();
  };
  const newCodes = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await action.run(() => call('POST /api/me/recovery-codes', { body: { code } }));
    if (r) {
      setCodes(r.recoveryCodes);
      setCode('');
    }
  };

  return (
    <Section
      title="Two-factor authentication"
      actions={<Badge tone={enabled ? 'ok' : 'warn'}>{enabled ? 'On' : 'Off'}</Badge>}
    >
      {codes ? (
        <div className="notice" role="status">
          <p>
            <strong>Save these recovery codes now.</strong> Each signs you in once if you lose your phone;
            they are not shown again.
          </p>
          <ul className="codes">
            {codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {!enabled && !setup ? (
        <>
          <p>Protect your account with a 6-digit code from an authenticator app each time you sign in.</p>
          <FormError error={action.error} />
          <button
            type="button"
            className="btn primary"
            onClick={() => void start()}
            disabled={action.pending}
          >
            Set up two-factor authentication
          </button>
        </>
      ) : null}
      {!enabled && setup ? (
        <form onSubmit={enable} noValidate className="narrow">
          <p>
            Scan this code with your authenticator app (or <a href={setup.otpauthUri}>open it in the app</a>,
            or type the key below), then enter the code it shows.
          </p>
          <Suspense fallback={<Loading label="Drawing the QR code…" />}>
            <TotpQr uri={setup.otpauthUri} />
          </Suspense>
          <p className="secret">
            Setup key: <code>{setup.secret.replace(/(.{4})/g, '$1 ').trim()}</code>
          </p>
          <TextField
            label="Code from the app"
            value={code}
            onValue={setCode}
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            error={fieldError(action.error, 'code')}
          />
          <FormError error={action.error} atFields={['code']} />
          <Submit pending={action.pending}>Turn on</Submit>
        </form>
      ) : null}
      {enabled ? (
        <div className="split">
          <form onSubmit={newCodes} noValidate className="narrow">
            <h3>New recovery codes</h3>
            <TextField
              label="Code from the app"
              value={code}
              onValue={setCode}
              inputMode="numeric"
              autoComplete="one-time-code"
              error={fieldError(action.error, 'code')}
            />
            <Submit pending={action.pending}>Replace recovery codes</Submit>
          </form>
          <form onSubmit={disable} noValidate className="narrow">
            <h3>Turn off</h3>
            <TextField
              label="Password"
              type="password"
              value={password}
              onValue={setPassword}
              autoComplete="current-password"
              error={fieldError(action.error, 'password')}
            />
            <TextField
              label="Code from the app"
              value={code}
              onValue={setCode}
              inputMode="numeric"
              autoComplete="one-time-code"
              error={fieldError(action.error, 'code')}
            />
            <FormError error={action.error} atFields={['password', 'code']} />
            <button type="submit" className="btn danger" disabled={action.pending}>
              Turn off two-factor authentication
            </button>
          </form>
        </div>
      ) : null}
    </Section>
  );
}
