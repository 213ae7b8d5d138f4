// The pages behind the links Switchboard emails or prints: email verification, password
// reset, accepting an invitation, and the one-time platform operator setup.
import { useEffect, useRef, useState } from 'react';
import { call } from '../api/client.ts';
import { fieldError, useAction, useApi } from '../api/hooks.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Loading } from '../ui/feedback.tsx';
import { FormError, Submit, TextField } from '../ui/forms.tsx';
import { AuthFrame } from './frame.tsx';

const useToken = () => useLocation().query.get('token') ?? '';

export function VerifyEmailPage() {
  const token = useToken();
  const action = useAction();
  const [done, setDone] = useState(false);
  const started = useRef(false);
  useEffect(() => {
    // One attempt per page: the token is spent by the first.
    if (started.current || !token) return;
    started.current = true;
    void action.run(() => call('POST /api/auth/verify-email', { body: { token } })).then((r) => setDone(!!r));
  }, [token, action]);
  return (
    <AuthFrame title="Verify your email">
      {!token ? (
        <p className="form-error">This link has no token: open the link from the email again.</p>
      ) : null}
      {action.pending ? <Loading label="Verifying…" /> : null}
      <ErrorNote error={action.error} />
      {done ? (
        <p role="status" className="ok">
          Your email is verified and your company is active. <Link to="/login">Sign in</Link>
        </p>
      ) : null}
    </AuthFrame>
  );
}

export function ResetPasswordPage() {
  const token = useToken();
  return token ? <ChooseNewPassword token={token} /> : <RequestReset />;
}

function RequestReset() {
  const action = useAction();
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await action.run(() => call('POST /api/auth/password-reset', { body: { email } }));
    if (r) setSent(true);
  };
  return (
    <AuthFrame title="Reset your password" intro="We will email you a link to choose a new password.">
      {sent ? (
        <p role="status" className="ok">
          If {email} has an account, a reset link is on its way.
        </p>
      ) : (
        <form onSubmit={submit} noValidate>
          <TextField
            label="Email"
            type="email"
            value={email}
            onValue={setEmail}
            required
            autoComplete="email"
            error={fieldError(action.error, 'email')}
          />
          <FormError error={action.error} atFields={['email']} />
          <Submit pending={action.pending}>Send the link</Submit>
        </form>
      )}
      <p className="aside">
        <Link to="/login">Back to sign in</Link>
      </p>
    </AuthFrame>
  );
}

function ChooseNewPassword({ token }: { token: string }) {
  const action = useAction();
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await action.run(() =>
      call('POST /api/auth/password-reset/complete', { body: { token, password } }),
    );
    if (r) setDone(true);
  };
  return (
    <AuthFrame title="Choose a new password" intro="Every session of your account will be signed out.">
      {done ? (
        <p role="status" className="ok">
          Your password is changed. <Link to="/login">Sign in with it now</Link>
        </p>
      ) : (
        <form onSubmit={submit} noValidate>
          <TextField
            label="New password"
            type="password"
            value={password}
            onValue={setPassword}
            required
            hint="At least 10 characters."
            autoComplete="new-password"
            error={fieldError(action.error, 'password')}
          />
          <FormError error={action.error} atFields={['password']} />
          <Submit pending={action.pending}>Change password</Submit>
        </form>
      )}
    </AuthFrame>
  );
}

export function AcceptInvitationPage() {
  const token = useToken();
  const lookup = useApi('GET /api/invitations/lookup', { query: { token } });
  const { refresh } = useSession();
  const action = useAction();
  const [password, setPassword] = useState('');
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await action.run(() => call('POST /api/invitations/accept', { body: { token, password } }));
    if (!r) return;
    await refresh();
    navigate('/', { replace: true });
  };
  const inv = lookup.data;
  return (
    <AuthFrame title={inv ? `Join ${inv.companyName} on Switchboard` : 'Accept your invitation'}>
      {lookup.loading && !inv ? <Loading /> : null}
      <ErrorNote error={lookup.error} />
      {inv ? (
        <>
          <p className="intro">
            You are invited as <strong>{inv.role}</strong> with {inv.email}. Choose a password to accept.
          </p>
          <form onSubmit={submit} noValidate>
            <TextField
              label="Password"
              type="password"
              value={password}
              onValue={setPassword}
              required
              hint="At least 10 characters."
              autoComplete="new-password"
              error={fieldError(action.error, 'password')}
            />
            <FormError error={action.error} atFields={['password']} />
            <Submit pending={action.pending}>Accept and sign in</Submit>
          </form>
        </>
      ) : null}
    </AuthFrame>
  );
}

export function SetupPage() {
  const token = useToken();
  const { refresh } = useSession();
  const action = useAction();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await action.run(() => call('POST /api/setup', { body: { token, email, password } }));
    if (!r) return;
    setDone(true);
    await refresh();
  };
  return (
    <AuthFrame
      title="Create the platform operator"
      intro="This link was printed when Switchboard first started. It works once."
    >
      {done ? (
        <p role="status" className="ok">
          The operator account is ready and you are signed in. <Link to="/">Continue</Link>
        </p>
      ) : (
        <form onSubmit={submit} noValidate>
          <TextField
            label="Email"
            type="email"
            value={email}
            onValue={setEmail}
            required
            autoComplete="username"
            error={fieldError(action.error, 'email')}
          />
          <TextField
            label="Password"
            type="password"
            value={password}
            onValue={setPassword}
            required
            hint="At least 10 characters."
            autoComplete="new-password"
            error={fieldError(action.error, 'password')}
          />
          <FormError error={action.error} atFields={['email', 'password']} />
          <Submit pending={action.pending}>Create operator</Submit>
        </form>
      )}
    </AuthFrame>
  );
}
