// Self sign-up of a company, email verification, and the one-time operator setup.
import { count, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newId } from '../../store/ids.ts';
import { people, tenants, users } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { issueToken, redeemToken, startSession, userView } from '../auth/accounts.ts';
import { hashPassword } from '../auth/crypto.ts';
import { ApiError, errorBodySchema } from '../errors.ts';
import { countryCode, email, name, password, timeZone } from '../schemas.ts';
import { FREE_MAIL_DOMAINS, uniqueSipDomain } from './tenant-helpers.ts';

const signupBody = z.object({
  email,
  password,
  companyName: name(120),
  firstName: name(),
  lastName: name(),
  country: countryCode,
  timeZone,
});

export const signupRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store, config, mailer } = app.services;
  const verifyTtl = config.verificationTtlHours * 3600_000;

  app.post(
    '/signup',
    {
      config: { access: { public: true }, authRateLimited: true },
      schema: {
        tags: ['account'],
        summary: 'Sign up a company with a business email',
        description:
          'Creates the company and its first administrator, and emails a verification link. The answer is the same whether or not the email is already registered.',
        body: signupBody,
        response: {
          202: z.object({ status: z.literal('verification_sent'), email: z.string() }),
          400: errorBodySchema,
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const domain = b.email.split('@')[1] ?? '';
      if (!config.allowFreeEmailSignup && FREE_MAIL_DOMAINS.has(domain)) {
        throw new ApiError(
          400,
          'business_email_required',
          `sign up with your company email, not ${domain}`,
          'email',
        );
      }
      const [existing] = await store.db
        .select({ id: users.id })
        .from(users)
        .where(eq(users.email, b.email))
        .limit(1);
      if (existing) {
        // Same answer as a new sign-up: whether an email is registered is not revealed.
        await mailer.send({
          to: b.email,
          subject: 'Someone tried to sign up with your email',
          text: `Your email already has a Switchboard account. Sign in at ${config.publicUrl}/login or reset your password at ${config.publicUrl}/reset-password.`,
        });
        return reply.status(202).send({ status: 'verification_sent', email: b.email });
      }
      const passwordHash = await hashPassword(b.password);
      const tenantId = newId();
      const userId = newId();
      await store.db.transaction(async (tx) => {
        await tx.insert(tenants).values({
          id: tenantId,
          name: b.companyName,
          country: b.country,
          timeZone: b.timeZone,
          sipDomain: await uniqueSipDomain(tx, b.companyName, config.sipDomainSuffix),
          status: 'pending_verification',
        });
        const personId = newId();
        await tx.insert(people).values({
          id: personId,
          tenantId,
          firstName: b.firstName,
          lastName: b.lastName,
          company: b.companyName,
          emails: [{ address: b.email, label: 'work' }],
        });
        await tx
          .insert(users)
          .values({ id: userId, tenantId, personId, email: b.email, passwordHash, role: 'administrator' });
      });
      const token = await issueToken(store.db, 'email_verification', userId, verifyTtl);
      await mailer.send({
        to: b.email,
        subject: 'Verify your email to activate Switchboard',
        text: `Welcome to Switchboard. Open this link to verify your email and activate ${b.companyName}:\n\n${config.publicUrl}/verify-email?token=${token}\n\nThe link is valid for ${config.verificationTtlHours} hours.`,
      });
      return reply.status(202).send({ status: 'verification_sent', email: b.email });
    },
  );

  app.post(
    '/auth/verify-email',
    {
      config: { access: { public: true }, authRateLimited: true },
      schema: {
        tags: ['account'],
        summary: 'Verify an email address with the token from the verification link',
        body: z.object({ token: z.string().min(10).max(200) }),
        response: {
          200: z.object({ verified: z.literal(true) }),
          400: errorBodySchema,
          410: errorBodySchema,
        },
      },
    },
    async (req) => {
      const userId = await redeemToken(store.db, 'email_verification', req.body.token);
      if (!userId) throw new ApiError(400, 'invalid_token', 'this link is not valid');
      const tenantId = await store.db.transaction(async (tx) => {
        const [u] = await tx
          .update(users)
          .set({ emailVerifiedAt: new Date(), updatedAt: new Date() })
          .where(eq(users.id, userId))
          .returning();
        if (u?.tenantId) {
          await tx
            .update(tenants)
            .set({ status: 'active', updatedAt: new Date() })
            .where(eq(tenants.id, u.tenantId));
        }
        return u?.tenantId ?? null;
      });
      await audit(store.db, req, {
        action: 'user.email_verified',
        resource: 'users',
        resourceId: userId,
        tenantId,
      });
      return { verified: true as const };
    },
  );

  app.get(
    '/setup',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['platform'],
        summary: 'Whether the platform operator still has to be created',
        response: { 200: z.object({ needed: z.boolean() }) },
      },
    },
    async () => ({ needed: !(await operatorExists()) }),
  );

  app.post(
    '/setup',
    {
      config: { access: { public: true }, authRateLimited: true },
      schema: {
        tags: ['platform'],
        summary: 'Create the platform operator with the one-time setup token printed at first start',
        body: z.object({ token: z.string().min(10).max(200), email, password }),
        response: { 201: z.object({ user: z.any() }), 400: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      if (await operatorExists())
        throw new ApiError(409, 'already_set_up', 'the platform operator already exists');
      await redeemToken(store.db, 'operator_setup', req.body.token);
      const [u] = await store.db
        .insert(users)
        .values({
          id: newId(),
          email: req.body.email,
          passwordHash: await hashPassword(req.body.password),
          role: 'operator',
          emailVerifiedAt: new Date(),
        })
        .returning();
      if (!u) throw new Error('operator insert returned nothing');
      await startSession(app.services, req, reply, u.id);
      return reply.status(201).send({ user: userView(u) });
    },
  );

  async function operatorExists(): Promise<boolean> {
    const [row] = await store.db.select({ n: count() }).from(users).where(eq(users.role, 'operator'));
    return (row?.n ?? 0) > 0;
  }
};
