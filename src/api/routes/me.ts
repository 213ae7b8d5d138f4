// The signed-in user: who am I, and two-factor authentication enrolment.
import { eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenants, users } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { checkTotp, newRecoveryCodes, newTotpSecret, totpUri, userView } from '../auth/accounts.ts';
import { verifyPassword } from '../auth/crypto.ts';
import { ApiError, errorBodySchema } from '../errors.ts';
import { userSchema } from './auth.ts';

const signedIn = { access: { signedIn: true as const } };
const codeBody = z.object({ code: z.string().trim().max(10) });

export const meRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.services;

  async function currentUser(req: FastifyRequest) {
    const p = req.principal;
    if (p?.kind !== 'user') throw new ApiError(403, 'forbidden', 'sign in as a user');
    const [u] = await store.db.select().from(users).where(eq(users.id, p.userId)).limit(1);
    if (!u) throw new ApiError(401, 'unauthenticated', 'sign in again');
    return u;
  }

  type UserRow = Awaited<ReturnType<typeof currentUser>>;
  function requireMfa(u: UserRow, on: boolean): void {
    if (on && !u.totpEnabledAt)
      throw new ApiError(409, 'mfa_not_enabled', 'two-factor authentication is off');
    if (!on && u.totpEnabledAt) {
      throw new ApiError(409, 'mfa_already_enabled', 'two-factor authentication is already on');
    }
  }
  /** The time step a valid, unused code matched; a wrong code is the caller's 400 at `code`. */
  async function requireCode(
    u: UserRow,
    code: string,
    hint = 'the code is wrong or was already used',
  ): Promise<number> {
    const step = await checkTotp(u, code);
    if (step === null) throw new ApiError(400, 'invalid_code', hint, 'code');
    return step;
  }

  app.get(
    '/me',
    {
      config: signedIn,
      schema: {
        tags: ['account'],
        summary: 'The signed-in user and their company',
        response: {
          200: z.object({
            user: userSchema,
            tenant: z
              .object({
                id: z.string(),
                name: z.string(),
                sipDomain: z.string(),
                requireAdmin2fa: z.boolean(),
              })
              .nullable(),
            mfaEnrollmentRequired: z.boolean(),
          }),
        },
      },
    },
    async (req) => {
      const u = await currentUser(req);
      const [t] = u.tenantId
        ? await store.db.select().from(tenants).where(eq(tenants.id, u.tenantId)).limit(1)
        : [];
      return {
        user: userView(u),
        tenant: t
          ? { id: t.id, name: t.name, sipDomain: t.sipDomain, requireAdmin2fa: t.requireAdmin2fa }
          : null,
        mfaEnrollmentRequired: !!t?.requireAdmin2fa && u.role === 'administrator' && !u.totpEnabledAt,
      };
    },
  );

  app.post(
    '/me/totp/setup',
    {
      config: signedIn,
      schema: {
        tags: ['account'],
        summary: 'Start 2FA enrolment: a new TOTP secret to add to an authenticator app',
        response: { 200: z.object({ secret: z.string(), otpauthUri: z.string() }), 409: errorBodySchema },
      },
    },
    async (req) => {
      const u = await currentUser(req);
      requireMfa(u, false);
      const secret = newTotpSecret();
      await store.db.update(users).set({ totpSecret: secret, totpLastStep: null }).where(eq(users.id, u.id));
      return { secret, otpauthUri: totpUri(secret, u.email) };
    },
  );

  app.post(
    '/me/totp/enable',
    {
      config: signedIn,
      schema: {
        tags: ['account'],
        summary: 'Finish 2FA enrolment with a code from the app; returns single-use recovery codes',
        body: codeBody,
        response: {
          200: z.object({ recoveryCodes: z.array(z.string()) }),
          400: errorBodySchema,
          409: errorBodySchema,
        },
      },
    },
    async (req) => {
      const u = await currentUser(req);
      requireMfa(u, false);
      if (!u.totpSecret) throw new ApiError(409, 'mfa_setup_missing', 'call /api/me/totp/setup first');
      const step = await requireCode(u, req.body.code, 'the code is wrong; check the time on your device');
      const { codes, hashes } = newRecoveryCodes();
      await store.db
        .update(users)
        .set({
          totpEnabledAt: new Date(),
          totpLastStep: step,
          recoveryCodeHashes: hashes,
          updatedAt: new Date(),
        })
        .where(eq(users.id, u.id));
      await audit(store.db, req, { action: 'user.mfa_enable', resource: 'users', resourceId: u.id });
      return { recoveryCodes: codes };
    },
  );

  app.post(
    '/me/totp/disable',
    {
      config: signedIn,
      schema: {
        tags: ['account'],
        summary: 'Turn 2FA off (needs the password and a current code)',
        body: z.object({ password: z.string().min(1).max(200), code: z.string().trim().max(10) }),
        response: {
          200: z.object({ mfaEnabled: z.literal(false) }),
          400: errorBodySchema,
          409: errorBodySchema,
        },
      },
    },
    async (req) => {
      const u = await currentUser(req);
      requireMfa(u, true);
      if (u.tenantId && u.role === 'administrator') {
        const [t] = await store.db.select().from(tenants).where(eq(tenants.id, u.tenantId)).limit(1);
        if (t?.requireAdmin2fa) {
          throw new ApiError(409, 'mfa_required_by_policy', 'your company requires 2FA for administrators');
        }
      }
      if (!(await verifyPassword(req.body.password, u.passwordHash))) {
        throw new ApiError(400, 'invalid_credentials', 'the password is wrong', 'password');
      }
      await requireCode(u, req.body.code);
      await store.db
        .update(users)
        .set({
          totpEnabledAt: null,
          totpSecret: null,
          totpLastStep: null,
          recoveryCodeHashes: [],
          updatedAt: new Date(),
        })
        .where(eq(users.id, u.id));
      await audit(store.db, req, { action: 'user.mfa_disable', resource: 'users', resourceId: u.id });
      return { mfaEnabled: false as const };
    },
  );

  app.post(
    '/me/recovery-codes',
    {
      config: signedIn,
      schema: {
        tags: ['account'],
        summary: 'Replace your recovery codes (needs a current TOTP code)',
        body: codeBody,
        response: {
          200: z.object({ recoveryCodes: z.array(z.string()) }),
          400: errorBodySchema,
          409: errorBodySchema,
        },
      },
    },
    async (req) => {
      const u = await currentUser(req);
      requireMfa(u, true);
      const step = await requireCode(u, req.body.code);
      const { codes, hashes } = newRecoveryCodes();
      await store.db
        .update(users)
        .set({ recoveryCodeHashes: hashes, totpLastStep: step })
        .where(eq(users.id, u.id));
      return { recoveryCodes: codes };
    },
  );
};
