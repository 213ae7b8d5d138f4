// People (the tenant's team and directory entries) and the users that sign in as them.
import { and, asc, eq, gt, ilike, or, type SQL } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newId } from '../../store/ids.ts';
import { people, users } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { ApiError, conflict, errorBodySchema, isUniqueViolation, notFound } from '../errors.ts';
import { decodeCursor, pageOf, pageQuery, toPage } from '../pagination.ts';
import {
  contactNumber,
  containsPattern,
  extension,
  idParam,
  iso,
  labelledEmail,
  name,
  optionalText,
  postalAddress,
  weeklySchedule,
} from '../schemas.ts';
import { voicemailLeftovers } from './voicemail.ts';

type PersonRow = typeof people.$inferSelect;
type UserRow = typeof users.$inferSelect;

const personSchema = z.object({
  id: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  department: z.string().nullable(),
  jobTitle: z.string().nullable(),
  company: z.string().nullable(),
  emails: z.array(labelledEmail),
  contactNumbers: z.array(contactNumber),
  showInDirectory: z.boolean(),
  timeSchedule: weeklySchedule.nullable(),
  extension: z.string().nullable(),
  emergencyAddress: postalAddress.nullable(),
  user: z
    .object({
      id: z.string(),
      email: z.string(),
      role: z.string(),
      mfaEnabled: z.boolean(),
      disabled: z.boolean(),
    })
    .nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const personView = (p: PersonRow, u: UserRow | null) => ({
  id: p.id,
  firstName: p.firstName,
  lastName: p.lastName,
  department: p.department,
  jobTitle: p.jobTitle,
  company: p.company,
  emails: p.emails,
  contactNumbers: p.contactNumbers,
  showInDirectory: p.showInDirectory,
  timeSchedule: p.timeSchedule,
  extension: p.extension,
  emergencyAddress: p.emergencyAddress,
  user: u
    ? { id: u.id, email: u.email, role: u.role, mfaEnabled: !!u.totpEnabledAt, disabled: !!u.disabledAt }
    : null,
  createdAt: iso(p.createdAt) as string,
  updatedAt: iso(p.updatedAt) as string,
});

const personFields = {
  firstName: name(),
  lastName: name(),
  department: optionalText(),
  jobTitle: optionalText(),
  company: optionalText(),
  emails: z.array(labelledEmail).max(10),
  contactNumbers: z.array(contactNumber).max(10),
  showInDirectory: z.boolean(),
  timeSchedule: weeklySchedule.nullable(),
  extension: extension.nullable(),
  emergencyAddress: postalAddress.nullable(),
};
const createBody = z.object(personFields).partial().required({ firstName: true, lastName: true }).strict();
const updateBody = z.object(personFields).partial().strict();

export const peopleRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store, files, config } = app.services;
  const read = { access: { resource: 'people' as const, access: 'read' as const } };
  const write = { access: { resource: 'people' as const, access: 'write' as const } };

  const extensionTaken = (ext: string | null | undefined) =>
    conflict('extension_taken', `extension ${ext} is already used by someone in your company`, 'extension');

  async function load(tenantId: string, id: string) {
    const [row] = await store.db
      .select({ p: people, u: users })
      .from(people)
      .leftJoin(users, eq(users.personId, people.id))
      .where(and(eq(people.tenantId, tenantId), eq(people.id, id)))
      .limit(1);
    if (!row) throw notFound('person');
    return row;
  }

  app.get(
    '/people',
    {
      config: read,
      schema: {
        tags: ['people'],
        summary: 'List people, optionally searching names, extension, department and job title',
        querystring: pageQuery.extend({ search: z.string().trim().max(100).optional() }),
        response: { 200: pageOf(personSchema) },
      },
    },
    async (req) => {
      const { limit, cursor, search } = req.query;
      const conds: (SQL | undefined)[] = [eq(people.tenantId, tenantIdOf(req))];
      const after = decodeCursor(cursor);
      if (after) conds.push(gt(people.id, after));
      if (search) {
        const like = containsPattern(search);
        conds.push(
          or(
            ilike(people.firstName, like),
            ilike(people.lastName, like),
            ilike(people.extension, like),
            ilike(people.department, like),
            ilike(people.jobTitle, like),
          ),
        );
      }
      const rows = await store.db
        .select({ id: people.id, p: people, u: users })
        .from(people)
        .leftJoin(users, eq(users.personId, people.id))
        .where(and(...conds))
        .orderBy(asc(people.id))
        .limit(limit + 1);
      return toPage(rows, limit, (r) => personView(r.p, r.u));
    },
  );

  app.post(
    '/people',
    {
      config: write,
      schema: {
        tags: ['people'],
        summary: 'Add a person',
        body: createBody,
        response: { 201: personSchema, 400: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      try {
        const [p] = await store.db
          .insert(people)
          .values({ ...req.body, id: newId(), tenantId })
          .returning();
        if (!p) throw new Error('insert returned nothing');
        await audit(store.db, req, {
          action: 'person.create',
          resource: 'people',
          resourceId: p.id,
          details: req.body,
        });
        return reply.status(201).send(personView(p, null));
      } catch (err) {
        if (isUniqueViolation(err, 'people_tenant_extension')) throw extensionTaken(req.body.extension);
        throw err;
      }
    },
  );

  app.get(
    '/people/:id',
    {
      config: read,
      schema: {
        tags: ['people'],
        summary: 'One person',
        params: idParam,
        response: { 200: personSchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const row = await load(tenantIdOf(req), req.params.id);
      return personView(row.p, row.u);
    },
  );

  app.patch(
    '/people/:id',
    {
      config: write,
      schema: {
        tags: ['people'],
        summary: 'Change a person',
        params: idParam,
        body: updateBody,
        response: { 200: personSchema, 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      try {
        const [p] = await store.db
          .update(people)
          .set({ ...req.body, updatedAt: new Date() })
          .where(and(eq(people.tenantId, tenantId), eq(people.id, req.params.id)))
          .returning();
        if (!p) throw notFound('person');
        await audit(store.db, req, {
          action: 'person.update',
          resource: 'people',
          resourceId: p.id,
          details: req.body,
        });
        const row = await load(tenantId, p.id);
        return personView(row.p, row.u);
      } catch (err) {
        if (isUniqueViolation(err, 'people_tenant_extension')) throw extensionTaken(req.body.extension);
        throw err;
      }
    },
  );

  app.delete(
    '/people/:id',
    {
      config: write,
      schema: {
        tags: ['people'],
        summary: 'Remove a person and their sign-in',
        params: idParam,
        response: { 204: z.null(), 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const row = await load(tenantId, req.params.id);
      if (row.u && req.principal?.kind === 'user' && row.u.id === req.principal.userId) {
        throw conflict('cannot_remove_self', 'you cannot remove yourself');
      }
      if (row.u?.role === 'administrator') await ensureAnotherAdmin(tenantId, row.u.id);
      const leftovers = await voicemailLeftovers(store.db, files, config.dataDir, tenantId, {
        personId: req.params.id,
      });
      await store.db.delete(people).where(and(eq(people.tenantId, tenantId), eq(people.id, req.params.id)));
      await leftovers();
      await audit(store.db, req, { action: 'person.delete', resource: 'people', resourceId: req.params.id });
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/people/:id/user',
    {
      config: write,
      schema: {
        tags: ['people'],
        summary: "Change the role of a person's sign-in, or disable it",
        params: idParam,
        body: z
          .object({ role: z.enum(['administrator', 'supervisor', 'agent']), disabled: z.boolean() })
          .partial()
          .strict(),
        response: { 200: personSchema, 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const row = await load(tenantId, req.params.id);
      if (!row.u) throw new ApiError(404, 'not_found', 'this person has no sign-in; invite them first');
      const demoting =
        row.u.role === 'administrator' && (req.body.role ?? 'administrator') !== 'administrator';
      if (demoting || (row.u.role === 'administrator' && req.body.disabled))
        await ensureAnotherAdmin(tenantId, row.u.id);
      await store.db
        .update(users)
        .set({
          ...(req.body.role ? { role: req.body.role } : {}),
          ...(req.body.disabled !== undefined ? { disabledAt: req.body.disabled ? new Date() : null } : {}),
          updatedAt: new Date(),
        })
        .where(eq(users.id, row.u.id));
      await audit(store.db, req, {
        action: 'user.update',
        resource: 'users',
        resourceId: row.u.id,
        details: req.body,
      });
      const fresh = await load(tenantId, req.params.id);
      return personView(fresh.p, fresh.u);
    },
  );

  async function ensureAnotherAdmin(tenantId: string, exceptUserId: string): Promise<void> {
    const admins = await store.db
      .select({ id: users.id, disabledAt: users.disabledAt })
      .from(users)
      .where(and(eq(users.tenantId, tenantId), eq(users.role, 'administrator')));
    if (!admins.some((a) => a.id !== exceptUserId && !a.disabledAt)) {
      throw conflict('last_administrator', 'a company needs at least one active administrator');
    }
  }
};
