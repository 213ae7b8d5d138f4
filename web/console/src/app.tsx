// The console: signed-out pages (sign-in, sign-up and the emailed links), and behind the
// session the pages of the user's role. The flow editor loads on demand (React Flow is large).
import { lazy, Suspense } from 'react';
import { AccountPage } from './account/account-page.tsx';
import { AcceptInvitationPage, ResetPasswordPage, SetupPage, VerifyEmailPage } from './auth/links.tsx';
import { LoginPage } from './auth/login.tsx';
import { SignupPage } from './auth/signup.tsx';
import { CallsPage } from './calls/calls-page.tsx';
import { DashboardPage } from './dashboard/dashboard-page.tsx';
import { DirectoryPage } from './directory/directory-page.tsx';
import { NumbersPage } from './numbers/numbers-page.tsx';
import { CreatePersonPage } from './people/create-person-page.tsx';
import { PeoplePage } from './people/people-page.tsx';
import { PersonPage } from './people/person-page.tsx';
import { PromptsPage } from './prompts/prompts-page.tsx';
import { QueuePage } from './queues/queue-page.tsx';
import { QueuesPage } from './queues/queues-page.tsx';
import { RecordingsPage } from './recordings/recordings-page.tsx';
import { Redirect, type Route, Routes, useLocation } from './router.tsx';
import { SessionProvider, useSession } from './session.tsx';
import { SettingsPage } from './settings/settings-page.tsx';
import { Shell } from './shell.tsx';
import { ErrorNote, Loading } from './ui/feedback.tsx';
import { Page } from './ui/layout.tsx';
import { VoicemailPage } from './voicemail/voicemail-page.tsx';

const FlowEditorPage = lazy(() => import('./flows/flow-editor-page.tsx'));

const PUBLIC: Route[] = [
  { path: '/login', render: () => <LoginPage /> },
  { path: '/signup', render: () => <SignupPage /> },
  { path: '/verify-email', render: () => <VerifyEmailPage /> },
  { path: '/reset-password', render: () => <ResetPasswordPage /> },
  { path: '/accept-invitation', render: () => <AcceptInvitationPage /> },
  { path: '/setup', render: () => <SetupPage /> },
];

const SIGNED_IN: Route[] = [
  { path: '/', render: () => <DashboardPage /> },
  { path: '/account', render: () => <AccountPage /> },
  { path: '/people', render: () => <PeoplePage /> },
  { path: '/numbers', render: () => <NumbersPage /> },
  { path: '/calls', render: () => <CallsPage /> },
  { path: '/directory', render: () => <DirectoryPage /> },
  { path: '/prompts', render: () => <PromptsPage /> },
  { path: '/settings', render: () => <SettingsPage /> },
  { path: '/queues', render: () => <QueuesPage /> },
  { path: '/queues/:id', render: (p) => <QueuePage key={p.id} id={p.id as string} /> },
  { path: '/voicemail', render: () => <VoicemailPage /> },
  { path: '/recordings', render: () => <RecordingsPage /> },
  { path: '/people/new', render: () => <CreatePersonPage /> },
  { path: '/people/:id', render: (p) => <PersonPage key={p.id} id={p.id as string} /> },
  {
    path: '/flows',
    render: () => (
      <Suspense fallback={<Loading label="Loading the flow editor…" />}>
        <FlowEditorPage />
      </Suspense>
    ),
  },
];

function NotFound() {
  return (
    <Page title="Page not found">
      <p>There is no page at this address. Use the menu to find your way.</p>
    </Page>
  );
}

function Console() {
  const { me, error, refresh } = useSession();
  const { path, query } = useLocation();
  if (PUBLIC.some((r) => r.path === path)) return <Routes routes={PUBLIC} fallback={null} />;
  if (me === undefined) {
    return error ? (
      <main className="auth">
        <ErrorNote error={error} onRetry={() => void refresh()} />
      </main>
    ) : (
      <main className="auth">
        <Loading />
      </main>
    );
  }
  if (me === null) {
    const here = path + (query.size ? `?${query}` : '');
    return <Redirect to={here === '/' ? '/login' : `/login?next=${encodeURIComponent(here)}`} />;
  }
  if (me.mfaEnrollmentRequired && path !== '/account') return <Redirect to="/account" />;
  return (
    <Shell>
      <Routes routes={SIGNED_IN} fallback={<NotFound />} />
    </Shell>
  );
}

export function App() {
  return (
    <SessionProvider>
      <Console />
    </SessionProvider>
  );
}
