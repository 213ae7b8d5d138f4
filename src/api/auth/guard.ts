// Authentication and authorisation as one onRequest hook, driven by each route's
// `config.access`. Another tenant's object is never visible: handlers scope every query
// by the principal's tenant, so a foreign id is simply not found (404).
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiKeys, sessions, tenants, users } from '../../store/schema.ts';
import { ApiError } from '../errors.ts';
import { safeEqualHex, sha256 } from './crypto.ts';
import { roleAllows, scopesAllow } from './permissions.ts';
import { API_KEY_PREFIX, type Principal, type RouteAccess, SESSION_COOKIE } from './principal.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Every /api route as "METHOD /path", as registered (for docs and tests). */
    apiRoutes: string[];
  }
}

const unauthenticated = () => new ApiError(401, 'unauthenticated', 'sign in or send a valid API key');
const forbidden = (message = 'your role does not allow this') => new ApiError(403, 'forbidden', message);

// last_used_at is written at most once a minute per key: no write on every request.
const LAST_USED_WRITE_MS = 60_000;

export function installGuard(app: FastifyInstance): void {
  const keyLastWrite = new Map<string, number>();

  app.decorateRequest('principal', null);
  app.decorate('apiRoutes', [] as string[]);

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || route.url.startsWith('/api/docs')) return;
    if (!route.config?.access) throw new Error(`route ${route.method} ${route.url} declares no access rule`);
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide;
    if (!hidden)
      for (const m of [route.method].flat()) if (m !== 'HEAD') app.apiRoutes.push(`${m} ${route.url}`);
  });

  async function fromApiKey(token: string): Promise<Principal> {
    // sb_<prefix>_<secret>
    const rest = token.slice(API_KEY_PREFIX.length);
    const sep = rest.indexOf('_');
    if (sep <= 0) throw unauthenticated();
    const prefix = rest.slice(0, sep);
    const [row] = await app.services.store.db
      .select({ key: apiKeys, tenantStatus: tenants.status })
      .from(apiKeys)
      .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
      .where(and(eq(apiKeys.prefix, prefix), isNull(apiKeys.revokedAt)))
      .limit(1);
    if (!row || !safeEqualHex(sha256(rest.slice(sep + 1)), row.key.secretHash)) throw unauthenticated();
    if (row.tenantStatus !== 'active')
      throw new ApiError(403, 'tenant_inactive', 'the account is not active');
    const now = Date.now();
    if ((keyLastWrite.get(row.key.id) ?? 0) + LAST_USED_WRITE_MS < now) {
      keyLastWrite.set(row.key.id, now);
      await app.services.store.db
        .update(apiKeys)
        .set({ lastUsedAt: new Date(now) })
        .where(eq(apiKeys.id, row.key.id));
    }
    return {
      kind: 'api_key',
      keyId: row.key.id,
      tenantId: row.key.tenantId,
      name: row.key.name,
      scopes: row.key.scopes,
    };
  }

  async function fromSession(cookie: string): Promise<{ principal: Principal; mfaRequired: boolean } | null> {
    const hash = sha256(cookie);
    const [row] = await app.services.store.db
      .select({ user: users, tenantStatus: tenants.status, requireAdmin2fa: tenants.requireAdmin2fa })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .leftJoin(tenants, eq(tenants.id, users.tenantId))
      .where(and(eq(sessions.tokenHash, hash), gt(sessions.expiresAt, new Date())))
      .limit(1);
    if (!row || row.user.disabledAt) return null;
    if (row.tenantStatus && row.tenantStatus !== 'active') return null;
    const u = row.user;
    return {
      principal: {
        kind: 'user',
        userId: u.id,
        tenantId: u.tenantId,
        personId: u.personId,
        role: u.role,
        email: u.email,
        mfaEnabled: !!u.totpEnabledAt,
        sessionHash: hash,
      },
      mfaRequired: !!row.requireAdmin2fa && u.role === 'administrator' && !u.totpEnabledAt,
    };
  }

  app.addHook('onRequest', async (req: FastifyRequest) => {
    const access = req.routeOptions.config?.access;
    if (!access) return;
    if ('public' in access) return;

    const auth = req.headers.authorization;
    let mfaRequired = false;
    if (auth?.startsWith(`Bearer ${API_KEY_PREFIX}`)) {
      req.principal = await fromApiKey(auth.slice('Bearer '.length).trim());
    } else {
      const cookie = req.cookies[SESSION_COOKIE];
      const found = cookie ? await fromSession(cookie) : null;
      if (!found) throw unauthenticated();
      req.principal = found.principal;
      mfaRequired = found.mfaRequired;
    }
    const p = req.principal;

    if ('signedIn' in access) {
      if (p.kind !== 'user') throw forbidden('this route is for signed-in users, not API keys');
      return;
    }
    if (mfaRequired) {
      throw new ApiError(
        403,
        'mfa_enrollment_required',
        'your company requires administrators to turn on two-factor authentication first',
      );
    }
    if ('operator' in access) {
      if (p.kind !== 'user' || p.role !== 'operator') throw forbidden('platform operators only');
      return;
    }
    const ok =
      p.kind === 'api_key'
        ? scopesAllow(p.scopes, access.resource, access.access)
        : p.role !== 'operator' && roleAllows(p.role, access.resource, access.access);
    if (!ok) throw forbidden(p.kind === 'api_key' ? 'the API key has no scope for this' : undefined);
  });
}

/** The tenant of the caller; tenant routes only run for principals that have one. */
export function tenantIdOf(req: FastifyRequest): string {
  const t = req.principal?.tenantId;
  if (!t) throw forbidden('this route needs a tenant account');
  return t;
}
