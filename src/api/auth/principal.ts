// Who is making a request: a signed-in user (session cookie) or an API key (Bearer).
import type { Access, Resource, Role } from './permissions.ts';

export type Principal =
  | {
      kind: 'user';
      userId: string;
      tenantId: string | null;
      personId: string | null;
      role: Role;
      email: string;
      mfaEnabled: boolean;
      sessionHash: string;
    }
  | {
      kind: 'api_key';
      keyId: string;
      tenantId: string;
      name: string;
      scopes: { resource: string; access: Access }[];
    };

/** What a route requires. Every /api route declares one; the guard refuses routes without. */
export type RouteAccess =
  | { public: true }
  | { signedIn: true } // any signed-in user, tenant or operator (profile, 2FA, logout)
  | { operator: true }
  | { resource: Resource; access: Access };

export const SESSION_COOKIE = 'sb_session';
export const API_KEY_PREFIX = 'sb_';
