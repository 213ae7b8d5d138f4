// Login (password, then TOTP or a recovery code when 2FA is on), logout, password reset.
import { and, eq, ne } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { oneTimeTokens, sessions, users } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { checkTotp, issueToken, redeemToken, startSession, userView } from '../auth/accounts.ts';
import { dummyPasswordHash, hashPassword, sha256, verifyPassword } from '../auth/crypto.ts';
import { SESSION_COOKIE } from '../auth/principal.ts';
import { ApiError, errorBodySchema } from '../errors.ts';
import { email, password } from '../schemas.ts';

const MFA_STEP_TTL_MS = 5 * 60_000;
const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: z.string(),
  tenantId: z.string().nullable(),
  personId: z.string().nullable(),
  mfaEnabled: z.boolean(),
});
const loginResult = z.object({
  mfaRequired: z.boolean(),
  mfaToken: z.string().optional(),
  user: userSchema.optional(),
});
const invalid = () => new ApiError(401, 'invalid_credentials', 'email or password is wrong');

export const authRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store, config, mailer, lockout } = app.services;

  function refuseIfLocked(address: string): void {
    const ms = lockout.lockedFor(address);
    if (ms > 0) {
      throw new ApiError(
        423,
        'account_locked',
        `too many failed logins; try again in ${Math.ceil(ms / 60_000)} minute(s) or reset your password`,
      );
    }
  }

  app.post(
    '/auth/login',
    {
      config: { access: { public: true }, authRateLimited: true },
      schema: {
        tags: ['account'],
        summary: 'Sign in with email and password',
        description:
          'Sets the session cookie. When the account has two-factor authentication on, answers mfaRequired with a token for POST /api/auth/login/mfa instead.',
        body: z.object({ email, password: z.string().min(1).max(200) }),
        response: { 200: loginResult, 401: errorBodySchema, 403: errorBodySchema, 423: errorBodySchema },
      },
    },
    async (req, reply) => {
      const { email: address, password: given } = req.body;
      refuseIfLocked(address);
      const [user] = await store.db.select().from(users).where(eq(users.email, address)).limit(1);
      // Unknown users cost one scrypt too: timing does not tell which emails exist.
      const ok = await verifyPassword(given, user?.passwordHash ?? (await dummyPasswordHash()));
      if (!user || !ok || user.disabledAt) {
        lockout.fail(address);
        throw invalid();
      }
      lockout.succeed(address);
      if (!user.emailVerifiedAt) {
        throw new ApiError(403, 'email_not_verified', 'verify your email first: open the link we sent you');
      }
      if (user.totpEnabledAt) {
        const mfaToken = await issueToken(store.db, 'mfa_login', user.id, MFA_STEP_TTL_MS);
        return { mfaRequired: true, mfaToken };
      }
      await finishLogin(user.id);
      await startSession(app.services, req, reply, user.id);
      return { mfaRequired: false, user: userView(user) };
    },
  );

  app.post(
    '/auth/login/mfa',
    {
      config: { access: { public: true }, authRateLimited: true },
      schema: {
        tags: ['account'],
        summary: 'Second login step: a TOTP code or a recovery code',
        body: z
          .object({
            mfaToken: z.string().min(10).max(200),
            code: z.string().trim().max(20).optional(),
            recoveryCode: z.string().trim().toLowerCase().max(20).optional(),
          })
          .refine((b) => !!b.code !== !!b.recoveryCode, {
            message: 'give either code or recoveryCode',
            path: ['code'],
          }),
        response: { 200: loginResult, 400: errorBodySchema, 401: errorBodySchema, 423: errorBodySchema },
      },
    },
    async (req, reply) => {
      const { mfaToken, code, recoveryCode } = req.body;
      // The step token stays valid for retries until it expires; it is spent on success.
      const [pending] = await store.db
        .select({ user: users, usedAt: oneTimeTokens.usedAt, expiresAt: oneTimeTokens.expiresAt })
        .from(oneTimeTokens)
        .innerJoin(users, eq(users.id, oneTimeTokens.userId))
        .where(and(eq(oneTimeTokens.tokenHash, sha256(mfaToken)), eq(oneTimeTokens.kind, 'mfa_login')))
        .limit(1);
      if (!pending || pending.usedAt || pending.expiresAt < new Date()) {
        throw new ApiError(401, 'mfa_token_invalid', 'the login step expired; sign in again');
      }
      const user = pending.user;
      refuseIfLocked(user.email);
      let totpStep: number | null = null;
      let remainingCodes: string[] | null = null;
      if (code) {
        totpStep = await checkTotp(user, code);
      } else if (recoveryCode) {
        const hash = sha256(recoveryCode);
        if (user.recoveryCodeHashes.includes(hash))
          remainingCodes = user.recoveryCodeHashes.filter((h) => h !== hash);
      }
      if (totpStep === null && remainingCodes === null) {
        lockout.fail(user.email);
        throw new ApiError(401, 'invalid_code', 'the code is wrong or was already used');
      }
      lockout.succeed(user.email);
      await redeemToken(store.db, 'mfa_login', mfaToken);
      await store.db
        .update(users)
        .set({
          ...(totpStep !== null ? { totpLastStep: totpStep } : {}),
          ...(remainingCodes !== null ? { recoveryCodeHashes: remainingCodes } : {}),
        })
        .where(eq(users.id, user.id));
      await finishLogin(user.id);
      await startSession(app.services, req, reply, user.id);
      return { mfaRequired: false, user: userView(user) };
    },
  );

  async function finishLogin(userId: string): Promise<void> {
    await store.db.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, userId));
  }

  app.post(
    '/auth/logout',
    {
      config: { access: { signedIn: true } },
      schema: { tags: ['account'], summary: 'End this session', response: { 204: z.null() } },
    },
    async (req, reply) => {
      const p = req.principal;
      if (p?.kind === 'user') await store.db.delete(sessions).where(eq(sessions.tokenHash, p.sessionHash));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/password-reset',
    {
      config: { access: { public: true }, authRateLimited: true },
      schema: {
        tags: ['account'],
        summary: 'Email a password reset link',
        description: 'Always answers 202, whether or not the email has an account.',
        body: z.object({ email }),
        response: { 202: z.object({ status: z.literal('sent_if_registered') }) },
      },
    },
    async (req, reply) => {
      const [user] = await store.db.select().from(users).where(eq(users.email, req.body.email)).limit(1);
      if (user && !user.disabledAt) {
        const token = await issueToken(
          store.db,
          'password_reset',
          user.id,
          config.verificationTtlHours * 3600_000,
        );
        await mailer.send({
          to: user.email,
          subject: 'Reset your Switchboard password',
          text: `Open this link to choose a new password:\n\n${config.publicUrl}/reset-password?token=${token}\n\nIf you did not ask for this, ignore this email.`,
        });
      }
      return reply.status(202).send({ status: 'sent_if_registered' as const });
    },
  );

  app.post(
    '/auth/password-reset/complete',
    {
      config: { access: { public: true }, authRateLimited: true },
      schema: {
        tags: ['account'],
        summary: 'Set a new password with the token from the reset link; signs out every session',
        body: z.object({ token: z.string().min(10).max(200), password }),
        response: { 200: z.object({ reset: z.literal(true) }), 400: errorBodySchema, 410: errorBodySchema },
      },
    },
    async (req) => {
      const userId = await redeemToken(store.db, 'password_reset', req.body.token);
      if (!userId) throw new ApiError(400, 'invalid_token', 'this link is not valid');
      const passwordHash = await hashPassword(req.body.password);
      const [u] = await store.db
        .update(users)
        .set({ passwordHash, updatedAt: new Date(), emailVerifiedAt: new Date() })
        .where(eq(users.id, userId))
        .returning();
      await store.db.delete(sessions).where(eq(sessions.userId, userId));
      if (u) lockout.succeed(u.email);
      await audit(store.db, req, {
        action: 'user.password_reset',
        resource: 'users',
        resourceId: userId,
        tenantId: u?.tenantId ?? null,
      });
      return { reset: true as const };
    },
  );

  app.post(
    '/me/password',
    {
      config: { access: { signedIn: true } },
      schema: {
        tags: ['account'],
        summary: 'Change your password; other sessions are signed out',
        body: z.object({ currentPassword: z.string().min(1).max(200), newPassword: password }),
        response: { 200: z.object({ changed: z.literal(true) }), 401: errorBodySchema },
      },
    },
    async (req) => {
      const p = req.principal;
      if (p?.kind !== 'user') throw invalid();
      const [u] = await store.db.select().from(users).where(eq(users.id, p.userId)).limit(1);
      if (!u || !(await verifyPassword(req.body.currentPassword, u.passwordHash))) {
        throw new ApiError(401, 'invalid_credentials', 'the current password is wrong', 'currentPassword');
      }
      await store.db
        .update(users)
        .set({ passwordHash: await hashPassword(req.body.newPassword), updatedAt: new Date() })
        .where(eq(users.id, u.id));
      await store.db
        .delete(sessions)
        .where(and(eq(sessions.userId, u.id), ne(sessions.tokenHash, p.sessionHash)));
      await audit(store.db, req, { action: 'user.password_change', resource: 'users', resourceId: u.id });
      return { changed: true as const };
    },
  );
};

export { userSchema };
