// Sign in: email and password, then a code from the authenticator app (or a recovery code)
// when the account has two-factor authentication on.
import { useState } from 'react';
import { call } from '../api/client.ts';
import { fieldError, useAction } from '../api/hooks.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { useReadyMarker, useSession } from '../session.tsx';
import { FormError, Submit, TextField } from '../ui/forms.tsx';
import { AuthFrame } from './frame.tsx';

/** Where to go after signing in: the page asked for, if it is one of ours. */
export function nextPath(query: URLSearchParams): string {
  const next = query.get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const { query } = useLocation();
  const { refresh } = useSession();
  const action = useAction();
  const [email, setEmail] = useState(query.get('email') ?? '');
  const [password, setPassword] = useState('');
  const [mfaToken, setMfaToken] = useState<string>();
  const [code, setCode] = useState('');
  const [useRecovery, setUseRecovery] = useState(false);
  useReadyMarker(true);

  const finish = async () => {
    await refresh();
    navigate(nextPath(query), { replace: true });
  };

  const submitPassword = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await action.run(() => call('POST /api/auth/login', { body: { email, password } }));
    if (!r) return;
    if (r.mfaRequired && r.mfaToken) {
      setMfaToken(r.mfaToken);
      return;
    }
    await finish();
  };

  const submitCode = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!mfaToken) return;
    const body = useRecovery ? { mfaToken, recoveryCode: code } : { mfaToken, code };
    const r = await action.run(() => call('POST /api/auth/login/mfa', { body }));
    if (r) await finish();
  };

  if (mfaToken) {
    return (
      <AuthFrame
        title="Two-factor authentication"
        intro={
          useRecovery
            ? 'Enter one of the recovery codes you saved when you turned on two-factor authentication.'
            : 'Enter the 6-digit code from your authenticator app.'
        }
      >
        <form onSubmit={submitCode} noValidate>
          <TextField
            label={useRecovery ? 'Recovery code' : 'Code'}
            value={code}
            onValue={setCode}
            autoComplete="one-time-code"
            inputMode={useRecovery ? 'text' : 'numeric'}
            required
            autoFocus
            error={fieldError(action.error, 'code')}
          />
          <FormError error={action.error} atFields={['code']} />
          <Submit pending={action.pending}>Verify</Submit>
        </form>
        <p className="aside">
          <button type="button" className="link" onClick={() => setUseRecovery(!useRecovery)}>
            {useRecovery ? 'Use a code from the app instead' : 'Use a recovery code instead'}
          </button>
          {' · '}
          <button type="button" className="link" onClick={() => setMfaToken(undefined)}>
            Start again
          </button>
        </p>
      </AuthFrame>
    );
  }

  return (
    <AuthFrame title="Sign in to Switchboard">
      <form onSubmit={submitPassword} noValidate>
        <TextField
          label="Email"
          type="email"
          value={email}
          onValue={setEmail}
          autoComplete="username"
          required
          error={fieldError(action.error, 'email')}
        />
        <TextField
          label="Password"
          type="password"
          value={password}
          onValue={setPassword}
          autoComplete="current-password"
          required
          error={fieldError(action.error, 'password')}
        />
        <FormError error={action.error} atFields={['email', 'password']} />
        <Submit pending={action.pending} busy="Signing in…">
          Sign in
        </Submit>
      </form>
      <p className="aside">
        <Link to="/reset-password">Forgot your password?</Link> ·{' '}
        <Link to="/signup">Create a company account</Link>
      </p>
    </AuthFrame>
  );
}
