// Call queues (spec 000 "Call queues", 002 "Queue"): a queue's strategy, limits and what its
// callers hear, and its members (people or lines) with skills and ring timeouts. Administrators
// manage them; supervisors and agents read them. Live state and agent log-in/pause are in
// queue-agents.ts. Every change reloads the running queues of the tenant.
import { and, asc, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tagSchema } from '../../flows/configs.ts';
import { newId } from '../../store/ids.ts';
import { audioPrompts, lines, people, queueMembers, queues, teams } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { badRequest, conflict, errorBodySchema, isUniqueViolation, notFound } from '../errors.ts';
import { listPage, pageOf, pageQuery } from '../pagination.ts';
import { idParam, iso, name } from '../schemas.ts';
import { draftJson, liveGraph, workspaceRow } from './flow-store.ts';
import { queueAgentRoutes } from './queue-agents.ts';
import { voicemailLeftovers } from './voicemail.ts';

export const MAX_QUEUES = 200;
export const MAX_MEMBERS = 500;

const STRATEGIES = ['ring-all', 'round-robin', 'longest-idle', 'fewest-calls', 'skills', 'random'] as const;
const KEYS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'] as const;

const settings = {
  strategy: z.enum(STRATEGIES),
  ringTimeoutSeconds: z.number().int().min(5).max(300),
  wrapUpSeconds: z.number().int().min(0).max(3600),
  maxWaitSeconds: z.number().int().min(0).max(86_400).describe('0: no limit'),
  maxCallers: z.number().int().min(1).max(10_000),
  musicPromptId: z.uuid('must be a prompt id').nullable().describe('null: the built-in music'),
  announcePosition: z.boolean(),
  announceWaitTime: z.boolean(),
  announceEverySeconds: z.number().int().min(15).max(3600),
  callbackKey: z
    .enum(KEYS)
    .nullable()
    .describe('The key a waiting caller presses to be called back; null: none'),
  serviceLevelSeconds: z.number().int().min(1).max(3600),
  record: z.boolean(),
  teamId: z.uuid('must be a team id').nullable(),
};
const patchBody = z
  .object({ name: name(100), ...settings })
  .partial()
  .strict();
const createBody = patchBody.required({ name: true });

const queueSchema = z.object({
  id: z.string(),
  name: z.string(),
  strategy: z.enum(STRATEGIES),
  ringTimeoutSeconds: z.number(),
  wrapUpSeconds: z.number(),
  maxWaitSeconds: z.number(),
  maxCallers: z.number(),
  musicPromptId: z.string().nullable(),
  announcePosition: z.boolean(),
  announceWaitTime: z.boolean(),
  announceEverySeconds: z.number(),
  callbackKey: z.string().nullable(),
  serviceLevelSeconds: z.number(),
  record: z.boolean(),
  teamId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
type QueueRow = typeof queues.$inferSelect;
const queueView = (q: QueueRow) => ({
  id: q.id,
  name: q.name,
  strategy: q.strategy,
  ringTimeoutSeconds: q.ringTimeoutSeconds,
  wrapUpSeconds: q.wrapUpSeconds,
  maxWaitSeconds: q.maxWaitSeconds,
  maxCallers: q.maxCallers,
  musicPromptId: q.musicPromptId,
  announcePosition: q.announcePosition,
  announceWaitTime: q.announceWaitTime,
  announceEverySeconds: q.announceEverySeconds,
  callbackKey: q.callbackKey,
  serviceLevelSeconds: q.serviceLevelSeconds,
  record: q.record,
  teamId: q.teamId,
  createdAt: iso(q.createdAt) as string,
  updatedAt: iso(q.updatedAt) as string,
});

const skills = z
  .record(tagSchema, z.number().int().min(1, 'levels are 1 to 10').max(10, 'levels are 1 to 10'))
  .refine((s) => Object.keys(s).length <= 64, 'at most 64 skills')
  .describe('Skill tag → level, 1 (novice) to 10 (expert); matched to the tags a flow puts on callers');
const memberBody = z
  .object({
    personId: z.uuid('must be a person id').optional(),
    lineId: z.uuid('must be a line id').optional(),
    skills: skills.optional(),
    ringTimeoutSeconds: z.number().int().min(5).max(300).nullable().optional(),
  })
  .strict()
  .refine((m) => !!m.personId !== !!m.lineId, {
    message: 'give either personId (all their lines ring) or lineId (that line only)',
    path: ['personId'],
  });
const memberPatch = z
  .object({ skills, ringTimeoutSeconds: z.number().int().min(5).max(300).nullable() })
  .partial()
  .strict();
const memberParams = z.object({ id: z.uuid('must be an id'), memberId: z.uuid('must be an id') });

export const memberSchema = z.object({
  id: z.string(),
  queueId: z.string(),
  personId: z.string().nullable(),
  lineId: z.string().nullable(),
  skills: z.record(z.string(), z.number()),
  ringTimeoutSeconds: z.number().nullable(),
  loggedIn: z.boolean(),
  pausedReason: z.string().nullable(),
  createdAt: z.string(),
});
type MemberRow = typeof queueMembers.$inferSelect;
export const memberView = (m: MemberRow) => ({
  id: m.id,
  queueId: m.queueId,
  personId: m.personId,
  lineId: m.lineId,
  skills: m.skills,
  ringTimeoutSeconds: m.ringTimeoutSeconds,
  loggedIn: m.loggedIn,
  pausedReason: m.pausedReason,
  createdAt: iso(m.createdAt) as string,
});

export const queueRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store, files, config } = app.services;
  const read = { access: { resource: 'queues' as const, access: 'read' as const } };
  const write = { access: { resource: 'queues' as const, access: 'write' as const } };
  const reload = (tenantId: string) => app.services.pbx?.queues.reload(tenantId);

  async function load(tenantId: string, id: string): Promise<QueueRow> {
    const [q] = await store.db
      .select()
      .from(queues)
      .where(and(eq(queues.tenantId, tenantId), eq(queues.id, id)));
    if (!q) throw notFound('queue');
    return q;
  }

  /** The prompt and team a queue names must be the company's own. */
  async function checkRefs(tenantId: string, b: { musicPromptId?: string | null; teamId?: string | null }) {
    if (b.musicPromptId) {
      const [p] = await store.db
        .select({ id: audioPrompts.id })
        .from(audioPrompts)
        .where(and(eq(audioPrompts.tenantId, tenantId), eq(audioPrompts.id, b.musicPromptId)));
      if (!p) throw badRequest('unknown_prompt', 'no such prompt in your company', 'musicPromptId');
    }
    if (b.teamId) {
      const [t] = await store.db
        .select({ id: teams.id })
        .from(teams)
        .where(and(eq(teams.tenantId, tenantId), eq(teams.id, b.teamId)));
      if (!t) throw badRequest('unknown_team', 'no such team in your company', 'teamId');
    }
  }

  const nameTaken = (err: unknown) =>
    isUniqueViolation(err, 'queues_tenant_name')
      ? conflict('queue_name_taken', 'another queue has this name', 'name')
      : err;

  app.get(
    '/queues',
    {
      config: read,
      schema: {
        tags: ['queues'],
        summary: 'The call queues',
        querystring: pageQuery,
        response: { 200: pageOf(queueSchema) },
      },
    },
    async (req) => listPage(store.db, queues, req.query, queueView, eq(queues.tenantId, tenantIdOf(req))),
  );

  app.post(
    '/queues',
    {
      config: write,
      schema: {
        tags: ['queues'],
        summary: 'Create a queue',
        description:
          'Settings left out take their defaults: ring-all, 20 s ring, 10 s wrap-up, 600 s maximum wait, 50 callers.',
        body: createBody,
        response: { 201: queueSchema, 400: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const body = req.body;
      await checkRefs(tenantId, body);
      const existing = await store.db.$count(queues, eq(queues.tenantId, tenantId));
      if (existing >= MAX_QUEUES)
        throw conflict('too_many_queues', `a company has at most ${MAX_QUEUES} queues`);
      let row: QueueRow | undefined;
      try {
        [row] = await store.db
          .insert(queues)
          .values({ ...body, id: newId(), tenantId })
          .returning();
      } catch (err) {
        throw nameTaken(err);
      }
      if (!row) throw new Error('insert returned nothing');
      await audit(store.db, req, {
        action: 'queue.create',
        resource: 'queues',
        resourceId: row.id,
        details: { name: row.name, strategy: row.strategy },
      });
      await reload(tenantId);
      return reply.status(201).send(queueView(row));
    },
  );

  app.get(
    '/queues/:id',
    {
      config: read,
      schema: {
        tags: ['queues'],
        summary: 'One queue',
        params: idParam,
        response: { 200: queueSchema, 404: errorBodySchema },
      },
    },
    async (req) => queueView(await load(tenantIdOf(req), req.params.id)),
  );

  app.patch(
    '/queues/:id',
    {
      config: write,
      schema: {
        tags: ['queues'],
        summary: "Change a queue's settings",
        description: 'Callers already waiting keep their place; a new strategy or limit applies at once.',
        params: idParam,
        body: patchBody,
        response: { 200: queueSchema, 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      await load(tenantId, req.params.id);
      await checkRefs(tenantId, req.body);
      let row: QueueRow | undefined;
      try {
        [row] = await store.db
          .update(queues)
          .set({ ...req.body, updatedAt: new Date() })
          .where(and(eq(queues.tenantId, tenantId), eq(queues.id, req.params.id)))
          .returning();
      } catch (err) {
        throw nameTaken(err);
      }
      if (!row) throw notFound('queue');
      await audit(store.db, req, {
        action: 'queue.update',
        resource: 'queues',
        resourceId: row.id,
        details: { changed: Object.keys(req.body) },
      });
      await reload(tenantId);
      return queueView(row);
    },
  );

  app.delete(
    '/queues/:id',
    {
      config: write,
      schema: {
        tags: ['queues'],
        summary: 'Delete a queue that neither the draft nor the live flow uses',
        description: 'Callers waiting in it leave by the overflow output; its callback requests are dropped.',
        params: idParam,
        response: { 204: z.null(), 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const q = await load(tenantId, req.params.id);
      const where: string[] = [];
      const inDraft = nodesUsingQueue(draftJson(await workspaceRow(store.db, tenantId)), q.id);
      if (inDraft.length) where.push(`the draft (${inDraft.join(', ')})`);
      const live = await liveGraph(store.db, tenantId);
      const inLive = live ? nodesUsingQueue(live.graph, q.id) : [];
      if (live && inLive.length) where.push(`live version ${live.version} (${inLive.join(', ')})`);
      if (where.length)
        throw conflict(
          'queue_in_use',
          `queue "${q.name}" is used by ${where.join(' and ')}; take it out of the flow (and publish) first`,
        );
      const leftovers = await voicemailLeftovers(store.db, files, config.dataDir, tenantId, {
        queueId: q.id,
      });
      await store.db.delete(queues).where(eq(queues.id, q.id));
      await leftovers();
      await audit(store.db, req, {
        action: 'queue.delete',
        resource: 'queues',
        resourceId: q.id,
        details: { name: q.name },
      });
      await reload(tenantId);
      return reply.status(204).send(null);
    },
  );

  // ---- members ----

  app.get(
    '/queues/:id/members',
    {
      config: read,
      schema: {
        tags: ['queues'],
        summary: "A queue's members, in the order they were added (round robin's order)",
        params: idParam,
        response: { 200: z.object({ items: z.array(memberSchema) }), 404: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      await load(tenantId, req.params.id);
      const rows = await store.db
        .select()
        .from(queueMembers)
        .where(and(eq(queueMembers.tenantId, tenantId), eq(queueMembers.queueId, req.params.id)))
        .orderBy(asc(queueMembers.createdAt), asc(queueMembers.id));
      return { items: rows.map(memberView) };
    },
  );

  app.post(
    '/queues/:id/members',
    {
      config: write,
      schema: {
        tags: ['queues'],
        summary: 'Add a member: a person (all their lines ring) or one line',
        description: 'A new member is logged in; it takes calls once one of its phones is registered.',
        params: idParam,
        body: memberBody,
        response: { 201: memberSchema, 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const q = await load(tenantId, req.params.id);
      const b = req.body;
      if (b.personId) {
        const [p] = await store.db
          .select({ id: people.id })
          .from(people)
          .where(and(eq(people.tenantId, tenantId), eq(people.id, b.personId)));
        if (!p) throw badRequest('unknown_person', 'no such person in your company', 'personId');
      } else {
        const [l] = await store.db
          .select({ id: lines.id })
          .from(lines)
          .where(and(eq(lines.tenantId, tenantId), eq(lines.id, b.lineId as string)));
        if (!l) throw badRequest('unknown_line', 'no such line in your company', 'lineId');
      }
      const current = await store.db
        .select({ personId: queueMembers.personId, lineId: queueMembers.lineId })
        .from(queueMembers)
        .where(eq(queueMembers.queueId, q.id));
      if (current.length >= MAX_MEMBERS)
        throw conflict('too_many_members', `a queue has at most ${MAX_MEMBERS} members`);
      if (
        current.some((m) => (b.personId && m.personId === b.personId) || (b.lineId && m.lineId === b.lineId))
      )
        throw conflict(
          'already_member',
          'this is a member of the queue already',
          b.personId ? 'personId' : 'lineId',
        );
      const [row] = await store.db
        .insert(queueMembers)
        .values({
          id: newId(),
          tenantId,
          queueId: q.id,
          personId: b.personId ?? null,
          lineId: b.lineId ?? null,
          skills: normalizeSkills(b.skills ?? {}),
          ringTimeoutSeconds: b.ringTimeoutSeconds ?? null,
        })
        .returning();
      if (!row) throw new Error('insert returned nothing');
      await audit(store.db, req, {
        action: 'queue.member.add',
        resource: 'queues',
        resourceId: q.id,
        details: { memberId: row.id, personId: row.personId, lineId: row.lineId },
      });
      await reload(tenantId);
      return reply.status(201).send(memberView(row));
    },
  );

  app.patch(
    '/queues/:id/members/:memberId',
    {
      config: write,
      schema: {
        tags: ['queues'],
        summary: "Change a member's skills or ring timeout",
        params: memberParams,
        body: memberPatch,
        response: { 200: memberSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const { skills: s, ringTimeoutSeconds } = req.body;
      const [row] = await store.db
        .update(queueMembers)
        .set({
          ...(s ? { skills: normalizeSkills(s) } : {}),
          ...(ringTimeoutSeconds !== undefined ? { ringTimeoutSeconds } : {}),
        })
        .where(
          and(
            eq(queueMembers.tenantId, tenantId),
            eq(queueMembers.queueId, req.params.id),
            eq(queueMembers.id, req.params.memberId),
          ),
        )
        .returning();
      if (!row) throw notFound('member');
      await audit(store.db, req, {
        action: 'queue.member.update',
        resource: 'queues',
        resourceId: req.params.id,
        details: { memberId: row.id, changed: Object.keys(req.body) },
      });
      await reload(tenantId);
      return memberView(row);
    },
  );

  app.delete(
    '/queues/:id/members/:memberId',
    {
      config: write,
      schema: {
        tags: ['queues'],
        summary: 'Remove a member (a call it is on goes on)',
        params: memberParams,
        response: { 204: z.null(), 404: errorBodySchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const [row] = await store.db
        .delete(queueMembers)
        .where(
          and(
            eq(queueMembers.tenantId, tenantId),
            eq(queueMembers.queueId, req.params.id),
            eq(queueMembers.id, req.params.memberId),
          ),
        )
        .returning();
      if (!row) throw notFound('member');
      await audit(store.db, req, {
        action: 'queue.member.remove',
        resource: 'queues',
        resourceId: req.params.id,
        details: { memberId: row.id },
      });
      await reload(tenantId);
      return reply.status(204).send(null);
    },
  );

  await app.register(queueAgentRoutes);
};

/** Skill names as the dispatcher compares them: lower case. */
function normalizeSkills(s: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Nodes of a flow graph that send callers to this queue. */
export function nodesUsingQueue(graph: unknown, queueId: string): string[] {
  const nodes = (graph as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return [];
  return nodes
    .filter((n) => (n as { type?: unknown })?.type === 'queue')
    .filter((n) => (n as { config?: { queueId?: unknown } }).config?.queueId === queueId)
    .map((n) => String((n as { id?: unknown }).id));
}
