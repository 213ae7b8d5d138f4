// Inviting a person to sign in: an emailed link that expires, accepted with a password.
import { and, eq, isNull } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newId } from '../../store/ids.ts';
import { invitations, people, tenants, users } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { startSession, userView } from '../auth/accounts.ts';
import { hashPassword, randomToken, sha256 } from '../auth/crypto.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { ApiError, conflict, errorBodySchema, isUniqueViolation, notFound } from '../errors.ts';
import { listPage, pageOf, pageQuery } from '../pagination.ts';
import { email, idParam, iso, password } from '../schemas.ts';
import { userSchema } from './auth.ts';

const invitationSchema = z.object({
  id: z.string(),
  personId: z.string(),
  email: z.string(),
  role: z.string(),
  status: z.enum(['pending', 'accepted', 'expired', 'revoked']),
  expiresAt: z.string(),
  createdAt: z.string(),
});
type InvitationRow = typeof invitations.$inferSelect;
const statusOf = (i: InvitationRow): 'pending' | 'accepted' | 'expired' | 'revoked' =>
  i.acceptedAt ? 'accepted' : i.revokedAt ? 'revoked' : i.expiresAt < new Date() ? 'expired' : 'pending';
const invitationView = (i: InvitationRow) => ({
  id: i.id,
  personId: i.personId,
  email: i.email,
  role: i.role,
  status: statusOf(i),
  expiresAt: iso(i.expiresAt) as string,
  createdAt: iso(i.createdAt) as string,
});

export const invitationRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store, config, mailer } = app.services;
  const write = { access: { resource: 'invitations' as const, access: 'write' as const } };

  app.post(
    '/people/:id/invitations',
    {
      config: write,
      schema: {
        tags: ['people'],
        summary: 'Invite a person to sign in with a role; emails them a link that expires',
        params: idParam,
        body: z
          .object({ role: z.enum(['administrator', 'supervisor', 'agent']), email: email.optional() })
          .strict(),
        response: { 201: invitationSchema, 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const [person] = await store.db
        .select()
        .from(people)
        .where(and(eq(people.tenantId, tenantId), eq(people.id, req.params.id)))
        .limit(1);
      if (!person) throw notFound('person');
      const [existingUser] = await store.db
        .select({ id: users.id })
        .from(users)
        .where(eq(users.personId, person.id));
      if (existingUser) throw conflict('already_a_user', 'this person can already sign in');
      const to =
        req.body.email ?? person.emails.find((e) => e.label === 'work')?.address ?? person.emails[0]?.address;
      if (!to) throw new ApiError(400, 'email_required', 'the person has no email; give one', 'email');
      const [tenant] = await store.db.select().from(tenants).where(eq(tenants.id, tenantId));
      const token = randomToken();
      const [inv] = await store.db
        .insert(invitations)
        .values({
          id: newId(),
          tenantId,
          personId: person.id,
          email: to,
          role: req.body.role,
          tokenHash: sha256(token),
          invitedBy: req.principal?.kind === 'user' ? req.principal.userId : null,
          expiresAt: new Date(Date.now() + config.invitationTtlHours * 3600_000),
        })
        .returning();
      if (!inv) throw new Error('insert returned nothing');
      await mailer.send({
        to,
        subject: `You are invited to ${tenant?.name ?? 'Switchboard'} on Switchboard`,
        text: `${person.firstName}, you are invited to join ${tenant?.name ?? 'your company'} as ${req.body.role}.\n\nAccept here: ${config.publicUrl}/accept-invitation?token=${token}\n\nThe invitation expires in ${config.invitationTtlHours} hours.`,
      });
      await audit(store.db, req, {
        action: 'invitation.create',
        resource: 'invitations',
        resourceId: inv.id,
        details: { email: to, role: req.body.role },
      });
      return reply.status(201).send(invitationView(inv));
    },
  );

  app.get(
    '/invitations',
    {
      config: { access: { resource: 'invitations', access: 'read' } },
      schema: {
        tags: ['people'],
        summary: 'Invitations, newest last',
        querystring: pageQuery,
        response: { 200: pageOf(invitationSchema) },
      },
    },
    async (req) => {
      return listPage(
        store.db,
        invitations,
        req.query,
        invitationView,
        eq(invitations.tenantId, tenantIdOf(req)),
      );
    },
  );

  app.delete(
    '/invitations/:id',
    {
      config: write,
      schema: {
        tags: ['people'],
        summary: 'Revoke a pending invitation',
        params: idParam,
        response: { 204: z.null(), 404: errorBodySchema },
      },
    },
    async (req, reply) => {
      const [inv] = await store.db
        .update(invitations)
        .set({ revokedAt: new Date() })
        .where(
          and(
            eq(invitations.tenantId, tenantIdOf(req)),
            eq(invitations.id, req.params.id),
            isNull(invitations.acceptedAt),
          ),
        )
        .returning();
      if (!inv) throw notFound('invitation');
      await audit(store.db, req, {
        action: 'invitation.revoke',
        resource: 'invitations',
        resourceId: inv.id,
      });
      return reply.status(204).send(null);
    },
  );

  async function pendingByToken(token: string) {
    const [row] = await store.db
      .select({ inv: invitations, tenantName: tenants.name })
      .from(invitations)
      .innerJoin(tenants, eq(tenants.id, invitations.tenantId))
      .where(eq(invitations.tokenHash, sha256(token)))
      .limit(1);
    if (!row || row.inv.revokedAt || row.inv.acceptedAt) {
      throw new ApiError(400, 'invalid_token', 'this invitation is not valid or was already used');
    }
    if (row.inv.expiresAt < new Date()) {
      throw new ApiError(
        410,
        'invitation_expired',
        'this invitation has expired; ask your administrator for a new one',
      );
    }
    return row;
  }

  const tokenBody = z.string().min(10).max(200);

  app.get(
    '/invitations/lookup',
    {
      config: { access: { public: true }, authRateLimited: true },
      schema: {
        tags: ['account'],
        summary: 'What an invitation link is for (company, email, role)',
        querystring: z.object({ token: tokenBody }),
        response: {
          200: z.object({
            companyName: z.string(),
            email: z.string(),
            role: z.string(),
            expiresAt: z.string(),
          }),
          400: errorBodySchema,
          410: errorBodySchema,
        },
      },
    },
    async (req) => {
      const { inv, tenantName } = await pendingByToken(req.query.token);
      return {
        companyName: tenantName,
        email: inv.email,
        role: inv.role,
        expiresAt: iso(inv.expiresAt) as string,
      };
    },
  );

  app.post(
    '/invitations/accept',
    {
      config: { access: { public: true }, authRateLimited: true },
      schema: {
        tags: ['account'],
        summary: 'Accept an invitation by choosing a password; signs you in',
        body: z.object({ token: tokenBody, password }),
        response: {
          201: z.object({ user: userSchema }),
          400: errorBodySchema,
          409: errorBodySchema,
          410: errorBodySchema,
        },
      },
    },
    async (req, reply) => {
      const { inv } = await pendingByToken(req.body.token);
      const passwordHash = await hashPassword(req.body.password);
      let user: typeof users.$inferSelect | undefined;
      try {
        user = await store.db.transaction(async (tx) => {
          const [accepted] = await tx
            .update(invitations)
            .set({ acceptedAt: new Date() })
            .where(and(eq(invitations.id, inv.id), isNull(invitations.acceptedAt)))
            .returning();
          if (!accepted) throw new ApiError(400, 'invalid_token', 'this invitation was already used');
          const [u] = await tx
            .insert(users)
            .values({
              id: newId(),
              tenantId: inv.tenantId,
              personId: inv.personId,
              email: inv.email,
              passwordHash,
              role: inv.role,
              emailVerifiedAt: new Date(), // the link came to this address
            })
            .returning();
          return u;
        });
      } catch (err) {
        if (isUniqueViolation(err))
          throw conflict('email_taken', 'this email already has an account; sign in instead', 'email');
        throw err;
      }
      if (!user) throw new Error('insert returned nothing');
      await audit(store.db, req, {
        action: 'invitation.accept',
        resource: 'invitations',
        resourceId: inv.id,
        tenantId: inv.tenantId,
      });
      await startSession(app.services, req, reply, user.id);
      return reply.status(201).send({ user: userView(user) });
    },
  );
};
