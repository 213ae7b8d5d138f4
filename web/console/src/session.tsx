// Who is signed in (GET /api/me), shared by every page; the API's 401 signs the console out.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiFailure, call, onSignedOut, type Response } from './api/client.ts';
import { navigate } from './router.tsx';

export type Me = Response<'GET /api/me'>;
export type Role = 'administrator' | 'supervisor' | 'agent' | 'operator';

interface Session {
  /** undefined while the first check runs; null when signed out. */
  me: Me | null | undefined;
  error: ApiFailure | undefined;
  refresh: () => Promise<Me | null>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

/** The server marks the page when the request carried no session cookie: no need to ask. */
const surelySignedOut = () =>
  document.querySelector('meta[name="switchboard-session"]')?.getAttribute('content') === 'none';

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(surelySignedOut() ? null : undefined);
  const [error, setError] = useState<ApiFailure>();

  const refresh = useCallback(async () => {
    try {
      const m = await call('GET /api/me', {});
      setMe(m);
      setError(undefined);
      return m;
    } catch (err) {
      if (err instanceof ApiFailure && (err.status === 401 || err.status === 403)) {
        setMe(null);
        return null;
      }
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, 'client', String(err)));
      return null;
    }
  }, []);

  useEffect(() => {
    if (me === undefined) void refresh();
    return onSignedOut(() => setMe(null));
  }, [me, refresh]);

  const signOut = useCallback(async () => {
    await call('POST /api/auth/logout', {}).catch(() => undefined);
    // Signing out on purpose lands on a plain sign-in page, not one that returns here.
    navigate('/login');
    setMe(null);
  }, []);

  const value = useMemo(() => ({ me, error, refresh, signOut }), [me, error, refresh, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in user's role (pages below the shell always have one). */
export function useRole(): Role {
  return (useSession().me?.user.role ?? 'agent') as Role;
}

/** What each role may change, as the API grants it (src/api/auth/permissions.ts). */
export function canWrite(
  role: Role,
  area: 'people' | 'numbers' | 'flows' | 'prompts' | 'contacts' | 'settings',
) {
  if (role === 'administrator') return true;
  if (role === 'supervisor') return area === 'flows' || area === 'prompts' || area === 'contacts';
  return false;
}

/** Marks the document ready (the bench and tests wait for it) once `ready` holds. */
export function useReadyMarker(ready: boolean): void {
  useEffect(() => {
    if (!ready || document.documentElement.dataset.ready) return;
    document.documentElement.dataset.ready = 'true';
    performance.mark('switchboard-ready');
  }, [ready]);
}
