// Teams: groups of people with a supervisor or more. A team's supervisors may listen to,
// whisper to and barge in on its agents' calls (spy feature codes) and see its recordings.
// Administrators manage teams; supervisors see the teams they supervise; agents see none.
import { and, asc, eq, gt, inArray, type SQL } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newId } from '../../store/ids.ts';
import { people, teamMembers, teams } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { ApiError, conflict, errorBodySchema, isUniqueViolation, notFound } from '../errors.ts';
import { decodeCursor, pageOf, pageQuery, toPage } from '../pagination.ts';
import { idParam, iso, name } from '../schemas.ts';

type TeamRow = typeof teams.$inferSelect;

const memberRole = z.enum(['agent', 'supervisor']);
const memberSchema = z.object({
  personId: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  extension: z.string().nullable(),
  role: memberRole,
});
const teamSchema = z.object({
  id: z.string(),
  name: z.string(),
  members: z.array(memberSchema),
  createdAt: z.string(),
});
type Member = z.infer<typeof memberSchema>;

const teamBody = z.object({ name: name(100) }).strict();
const memberParams = z.object({ id: z.uuid('must be an id'), personId: z.uuid('must be an id') });

export const teamRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.services;
  // Teams belong with the company's people: reading them needs people:read, changing them people:write.
  const read = { access: { resource: 'people' as const, access: 'read' as const } };
  const write = { access: { resource: 'people' as const, access: 'write' as const } };

  /**
   * Which teams the principal may see: all (administrators, API keys) or those it supervises.
   * Agents may not list teams at all.
   */
  function visibility(req: FastifyRequest): { all: true } | { supervisor: string } {
    const p = req.principal;
    if (!p || p.kind === 'api_key' || p.role === 'administrator') return { all: true };
    if (p.role === 'supervisor' && p.personId) return { supervisor: p.personId };
    throw new ApiError(403, 'forbidden', 'teams are visible to their supervisors and to administrators');
  }

  /** The team ids a person supervises (a subquery). */
  const supervisedBy = (tenantId: string, personId: string) =>
    store.db
      .select({ id: teamMembers.teamId })
      .from(teamMembers)
      .where(
        and(
          eq(teamMembers.tenantId, tenantId),
          eq(teamMembers.personId, personId),
          eq(teamMembers.role, 'supervisor'),
        ),
      );

  async function membersOf(tenantId: string, teamIds: string[]): Promise<Map<string, Member[]>> {
    const out = new Map<string, Member[]>(teamIds.map((id) => [id, []]));
    if (teamIds.length === 0) return out;
    const rows = await store.db
      .select({
        teamId: teamMembers.teamId,
        personId: teamMembers.personId,
        role: teamMembers.role,
        firstName: people.firstName,
        lastName: people.lastName,
        extension: people.extension,
      })
      .from(teamMembers)
      .innerJoin(people, eq(people.id, teamMembers.personId))
      .where(and(eq(teamMembers.tenantId, tenantId), inArray(teamMembers.teamId, teamIds)))
      .orderBy(asc(people.lastName), asc(people.firstName), asc(people.id));
    for (const { teamId, ...m } of rows) out.get(teamId)?.push(m);
    return out;
  }

  const view = (t: TeamRow, members: Member[]) => ({
    id: t.id,
    name: t.name,
    members,
    createdAt: iso(t.createdAt) as string,
  });

  /** One team the principal may see, else 404 (another's team is simply not found). */
  async function load(req: FastifyRequest, id: string): Promise<TeamRow> {
    const tenantId = tenantIdOf(req);
    const seen = visibility(req);
    const [t] = await store.db
      .select()
      .from(teams)
      .where(
        and(
          eq(teams.tenantId, tenantId),
          eq(teams.id, id),
          'supervisor' in seen ? inArray(teams.id, supervisedBy(tenantId, seen.supervisor)) : undefined,
        ),
      )
      .limit(1);
    if (!t) throw notFound('team');
    return t;
  }

  async function full(tenantId: string, t: TeamRow) {
    return view(t, (await membersOf(tenantId, [t.id])).get(t.id) ?? []);
  }

  const renameConflict = (err: unknown) => {
    if (isUniqueViolation(err, 'teams_tenant_name'))
      return conflict('team_name_taken', 'another team has this name', 'name');
    return err;
  };

  app.get(
    '/teams',
    {
      config: read,
      schema: {
        tags: ['teams'],
        summary:
          'Teams with their members: every team for administrators, the teams they supervise for supervisors',
        querystring: pageQuery,
        response: { 200: pageOf(teamSchema), 403: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const seen = visibility(req);
      const { limit, cursor } = req.query;
      const after = decodeCursor(cursor);
      const conds: (SQL | undefined)[] = [
        eq(teams.tenantId, tenantId),
        after ? gt(teams.id, after) : undefined,
        'supervisor' in seen ? inArray(teams.id, supervisedBy(tenantId, seen.supervisor)) : undefined,
      ];
      const rows = await store.db
        .select()
        .from(teams)
        .where(and(...conds))
        .orderBy(asc(teams.id))
        .limit(limit + 1);
      const members = await membersOf(
        tenantId,
        rows.slice(0, limit).map((t) => t.id),
      );
      return toPage(rows, limit, (t) => view(t, members.get(t.id) ?? []));
    },
  );

  app.get(
    '/teams/:id',
    {
      config: read,
      schema: {
        tags: ['teams'],
        summary: 'One team with its members',
        params: idParam,
        response: { 200: teamSchema, 403: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (req) => full(tenantIdOf(req), await load(req, req.params.id)),
  );

  app.post(
    '/teams',
    {
      config: write,
      schema: {
        tags: ['teams'],
        summary: 'Create a team (no members yet)',
        body: teamBody,
        response: { 201: teamSchema, 400: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      let t: TeamRow | undefined;
      try {
        [t] = await store.db.insert(teams).values({ id: newId(), tenantId, name: req.body.name }).returning();
      } catch (err) {
        throw renameConflict(err);
      }
      if (!t) throw new Error('insert returned nothing');
      await audit(store.db, req, {
        action: 'team.create',
        resource: 'teams',
        resourceId: t.id,
        details: { name: t.name },
      });
      return reply.status(201).send(view(t, []));
    },
  );

  app.patch(
    '/teams/:id',
    {
      config: write,
      schema: {
        tags: ['teams'],
        summary: 'Rename a team',
        params: idParam,
        body: teamBody,
        response: { 200: teamSchema, 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      let t: TeamRow | undefined;
      try {
        [t] = await store.db
          .update(teams)
          .set({ name: req.body.name })
          .where(and(eq(teams.tenantId, tenantId), eq(teams.id, req.params.id)))
          .returning();
      } catch (err) {
        throw renameConflict(err);
      }
      if (!t) throw notFound('team');
      await audit(store.db, req, {
        action: 'team.update',
        resource: 'teams',
        resourceId: t.id,
        details: { name: t.name },
      });
      return full(tenantId, t);
    },
  );

  app.delete(
    '/teams/:id',
    {
      config: write,
      schema: {
        tags: ['teams'],
        summary: 'Delete a team; its supervisors no longer see or spy on its agents through it',
        params: idParam,
        response: { 204: z.null(), 404: errorBodySchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const [t] = await store.db
        .delete(teams)
        .where(and(eq(teams.tenantId, tenantId), eq(teams.id, req.params.id)))
        .returning();
      if (!t) throw notFound('team');
      await audit(store.db, req, {
        action: 'team.delete',
        resource: 'teams',
        resourceId: t.id,
        details: { name: t.name },
      });
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/teams/:id/members/:personId',
    {
      config: write,
      schema: {
        tags: ['teams'],
        summary: 'Add a person to a team, or change their role in it (agent or supervisor)',
        params: memberParams,
        body: z.object({ role: memberRole }).strict(),
        response: { 200: teamSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const { id, personId } = req.params;
      const t = await load(req, id);
      const [person] = await store.db
        .select({ id: people.id })
        .from(people)
        .where(and(eq(people.tenantId, tenantId), eq(people.id, personId)))
        .limit(1);
      if (!person) throw notFound('person');
      await store.db
        .insert(teamMembers)
        .values({ teamId: t.id, personId, tenantId, role: req.body.role })
        .onConflictDoUpdate({
          target: [teamMembers.teamId, teamMembers.personId],
          set: { role: req.body.role },
        });
      await audit(store.db, req, {
        action: 'team.member.set',
        resource: 'teams',
        resourceId: t.id,
        details: { personId, role: req.body.role },
      });
      return full(tenantId, t);
    },
  );

  app.delete(
    '/teams/:id/members/:personId',
    {
      config: write,
      schema: {
        tags: ['teams'],
        summary: 'Remove a person from a team',
        params: memberParams,
        response: { 200: teamSchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const { id, personId } = req.params;
      const t = await load(req, id);
      const [gone] = await store.db
        .delete(teamMembers)
        .where(
          and(
            eq(teamMembers.tenantId, tenantId),
            eq(teamMembers.teamId, t.id),
            eq(teamMembers.personId, personId),
          ),
        )
        .returning();
      if (!gone) throw notFound('team member');
      await audit(store.db, req, {
        action: 'team.member.remove',
        resource: 'teams',
        resourceId: t.id,
        details: { personId },
      });
      return full(tenantId, t);
    },
  );
};
