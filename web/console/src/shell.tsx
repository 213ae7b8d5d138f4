// The signed-in frame: a skip link, the navigation of the user's role, the company and the
// user's menu, and the page. At phone width the navigation folds behind a Menu button.
import { type ReactNode, useEffect, useState } from 'react';
import { Link, useLocation } from './router.tsx';
import { type Role, useSession } from './session.tsx';

interface NavItem {
  to: string;
  label: string;
  roles: readonly Role[];
}

const STAFF: readonly Role[] = ['administrator', 'supervisor'];
const EVERYONE: readonly Role[] = ['administrator', 'supervisor', 'agent'];

export const NAV: NavItem[] = [
  { to: '/', label: 'Dashboard', roles: [...EVERYONE, 'operator'] },
  { to: '/people', label: 'People', roles: STAFF },
  { to: '/numbers', label: 'Numbers', roles: STAFF },
  { to: '/flows', label: 'Call flows', roles: EVERYONE },
  { to: '/queues', label: 'Queues', roles: EVERYONE },
  { to: '/voicemail', label: 'Voicemail', roles: EVERYONE },
  { to: '/recordings', label: 'Recordings', roles: EVERYONE },
  { to: '/calls', label: 'Call history', roles: STAFF },
  { to: '/directory', label: 'Directory', roles: EVERYONE },
  { to: '/prompts', label: 'Audio library', roles: EVERYONE },
  { to: '/settings', label: 'Settings', roles: ['administrator'] },
];

const isCurrent = (to: string, path: string) =>
  to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`);

export function Shell({ children }: { children: ReactNode }) {
  const { me, signOut } = useSession();
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const role = (me?.user.role ?? 'agent') as Role;
  // Navigating closes the phone-width menu.
  // biome-ignore lint/correctness/useExhaustiveDependencies: path is the trigger.
  useEffect(() => setMenuOpen(false), [path]);

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="btn menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <Link to="/" className="brand">
          Switchboard
        </Link>
        <span className="tenant">{me?.tenant?.name ?? (role === 'operator' ? 'Platform operator' : '')}</span>
        <nav className="user-menu" aria-label="Account">
          <Link to="/account" aria-current={path === '/account' ? 'page' : undefined}>
            {me?.user.email}
          </Link>
          <button type="button" className="btn" onClick={() => void signOut()}>
            Sign out
          </button>
        </nav>
      </header>
      <nav id="main-nav" className={menuOpen ? 'sidenav open' : 'sidenav'} aria-label="Main">
        <ul>
          {NAV.filter((n) => n.roles.includes(role)).map((n) => (
            <li key={n.to}>
              <Link to={n.to} aria-current={isCurrent(n.to, path) ? 'page' : undefined}>
                {n.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {me?.mfaEnrollmentRequired && path !== '/account' ? (
          <p className="banner" role="alert">
            Your company requires administrators to use two-factor authentication.{' '}
            <Link to="/account">Turn it on now</Link> to use the console.
          </p>
        ) : null}
        {children}
      </main>
    </div>
  );
}
