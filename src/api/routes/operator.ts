// Platform operator: number inventory, carrier trunks, companies, port-in handling, outbox.
import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newId } from '../../store/ids.ts';
import { numbers, portInRequests, tenants, trunks } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { ApiError, conflict, errorBodySchema, isUniqueViolation, notFound } from '../errors.ts';
import { listPage, pageOf, pageQuery } from '../pagination.ts';
import { countryCode, e164, idParam, iso, name } from '../schemas.ts';
import { inventoryConds, inventoryFilter, numberSchema, numberType, numberView } from './numbers.ts';
import { portInSchema, portInView } from './port-in.ts';
import { tenantView } from './tenant.ts';

const operator = { access: { operator: true as const } };

const trunkBody = z.object({
  name: name(80),
  host: z
    .string()
    .trim()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address'),
  port: z.number().int().min(1).max(65535).default(5060),
  transport: z.enum(['udp', 'tcp', 'tls']).default('udp'),
});
const trunkSchema = trunkBody.extend({ id: z.string(), createdAt: z.string() });
const trunkView = (t: typeof trunks.$inferSelect) => ({
  id: t.id,
  name: t.name,
  host: t.host,
  port: t.port,
  transport: t.transport,
  createdAt: iso(t.createdAt) as string,
});

// Which status may follow which: completed and rejected are final.
const NEXT_STATUS: Record<string, string[]> = {
  submitted: ['in_progress', 'rejected'],
  in_progress: ['completed', 'rejected'],
  completed: [],
  rejected: [],
};

export const operatorRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store, outbox } = app.services;

  app.post(
    '/operator/trunks',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary: 'Add a carrier trunk',
        body: trunkBody,
        response: { 201: trunkSchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      try {
        const [t] = await store.db
          .insert(trunks)
          .values({ id: newId(), ...req.body })
          .returning();
        if (!t) throw new Error('insert returned nothing');
        await audit(store.db, req, {
          action: 'trunk.create',
          resource: 'trunks',
          resourceId: t.id,
          details: req.body,
        });
        return reply.status(201).send(trunkView(t));
      } catch (err) {
        if (isUniqueViolation(err))
          throw conflict('trunk_name_taken', 'a trunk with this name exists', 'name');
        throw err;
      }
    },
  );

  app.get(
    '/operator/trunks',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary: 'Carrier trunks',
        querystring: pageQuery,
        response: { 200: pageOf(trunkSchema) },
      },
    },
    async (req) => {
      return listPage(store.db, trunks, req.query, trunkView);
    },
  );

  app.post(
    '/operator/numbers',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary: 'Add numbers to the inventory (all or none)',
        body: z.object({
          numbers: z
            .array(
              z.object({
                e164,
                country: countryCode,
                areaCode: z
                  .string()
                  .trim()
                  .regex(/^\d{1,6}$/, 'must be 1 to 6 digits'),
                type: numberType,
                trunkId: z.uuid().optional(),
              }),
            )
            .min(1)
            .max(1000),
        }),
        response: { 201: z.object({ created: z.number() }), 400: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      const list = req.body.numbers;
      const seen = new Set<string>();
      list.forEach((n, i) => {
        if (seen.has(n.e164))
          throw conflict('duplicate_number', `${n.e164} appears twice`, `numbers.${i}.e164`);
        seen.add(n.e164);
      });
      const trunkIds = [...new Set(list.map((n) => n.trunkId).filter((t): t is string => !!t))];
      for (const id of trunkIds) {
        const [t] = await store.db.select({ id: trunks.id }).from(trunks).where(eq(trunks.id, id));
        if (!t) throw new ApiError(400, 'unknown_trunk', `trunk ${id} does not exist`, 'trunkId');
      }
      try {
        await store.db
          .insert(numbers)
          .values(list.map((n) => ({ id: newId(), ...n, trunkId: n.trunkId ?? null })));
      } catch (err) {
        if (isUniqueViolation(err))
          throw conflict('number_exists', 'one of these numbers is already in the inventory', 'numbers');
        throw err;
      }
      await audit(store.db, req, {
        action: 'inventory.add',
        resource: 'numbers',
        details: { count: list.length },
      });
      return reply.status(201).send({ created: list.length });
    },
  );

  app.get(
    '/operator/numbers',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary: 'The number inventory, available or assigned',
        querystring: pageQuery.extend({
          ...inventoryFilter.shape,
          status: z.enum(['available', 'assigned']).optional(),
        }),
        response: { 200: pageOf(numberSchema.extend({ tenantId: z.string().nullable() })) },
      },
    },
    async (req) => {
      const q = req.query;
      return listPage(
        store.db,
        numbers,
        q,
        (n) => ({ ...numberView(n), tenantId: n.tenantId }),
        and(
          ...inventoryConds(q),
          q.status === 'available'
            ? isNull(numbers.tenantId)
            : q.status === 'assigned'
              ? isNotNull(numbers.tenantId)
              : undefined,
        ),
      );
    },
  );

  app.delete(
    '/operator/numbers/:id',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary: 'Remove an unassigned number from the inventory',
        params: idParam,
        response: { 204: z.null(), 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      const [n] = await store.db.select().from(numbers).where(eq(numbers.id, req.params.id));
      if (!n) throw notFound('number');
      if (n.tenantId)
        throw conflict('number_assigned', 'the number belongs to a company; it must release it first');
      await store.db.delete(numbers).where(and(eq(numbers.id, n.id), isNull(numbers.tenantId)));
      await audit(store.db, req, {
        action: 'inventory.remove',
        resource: 'numbers',
        resourceId: n.id,
        details: { e164: n.e164 },
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/operator/tenants',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary: 'Companies on the platform',
        querystring: pageQuery,
        response: { 200: pageOf(z.any()) },
      },
    },
    async (req) => {
      return listPage(store.db, tenants, req.query, tenantView);
    },
  );

  app.get(
    '/operator/port-in-requests',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary: 'Port-in requests of every company',
        querystring: pageQuery.extend({
          status: z.enum(['submitted', 'in_progress', 'completed', 'rejected']).optional(),
        }),
        response: { 200: pageOf(portInSchema.extend({ tenantId: z.string() })) },
      },
    },
    async (req) => {
      return listPage(
        store.db,
        portInRequests,
        req.query,
        (r) => ({ ...portInView(r), tenantId: r.tenantId }),
        and(req.query.status ? eq(portInRequests.status, req.query.status) : undefined),
      );
    },
  );

  app.patch(
    '/operator/port-in-requests/:id',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary:
          'Move a port-in request on: in_progress, then completed (numbers join the company) or rejected (with a reason)',
        params: idParam,
        body: z
          .object({
            status: z.enum(['in_progress', 'completed', 'rejected']),
            reason: z.string().trim().min(1).max(500).optional(),
            trunkId: z.uuid().optional(),
          })
          .refine((b) => b.status !== 'rejected' || !!b.reason, {
            message: 'a rejection needs a reason',
            path: ['reason'],
          }),
        response: { 200: portInSchema, 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req) => {
      const { status, reason, trunkId } = req.body;
      const row = await store.db.transaction(async (tx) => {
        const [cur] = await tx.select().from(portInRequests).where(eq(portInRequests.id, req.params.id));
        if (!cur) throw notFound('port-in request');
        if (!NEXT_STATUS[cur.status]?.includes(status)) {
          throw conflict('invalid_transition', `a ${cur.status} request cannot become ${status}`, 'status');
        }
        const now = new Date();
        if (status === 'completed') {
          const [tenant] = await tx.select().from(tenants).where(eq(tenants.id, cur.tenantId));
          try {
            await tx.insert(numbers).values(
              cur.numbers.map((e) => ({
                id: newId(),
                e164: e,
                country: tenant?.country ?? 'ZZ',
                areaCode: '',
                type: 'local' as const,
                trunkId: trunkId ?? null,
                tenantId: cur.tenantId,
                assignedAt: now,
                source: 'port-in' as const,
              })),
            );
          } catch (err) {
            if (isUniqueViolation(err))
              throw conflict('number_exists', 'a ported number is already on the platform');
            throw err;
          }
        }
        const [updated] = await tx
          .update(portInRequests)
          .set({
            status,
            updatedAt: now,
            ...(status === 'in_progress' ? { startedAt: now } : {}),
            ...(status === 'completed' ? { completedAt: now } : {}),
            ...(status === 'rejected' ? { rejectedAt: now, rejectionReason: reason ?? null } : {}),
          })
          .where(eq(portInRequests.id, cur.id))
          .returning();
        return updated as typeof cur;
      });
      await audit(store.db, req, {
        action: `port_in.${status}`,
        resource: 'port_in',
        resourceId: row.id,
        tenantId: row.tenantId,
        details: reason ? { reason } : {},
      });
      return portInView(row);
    },
  );

  app.get(
    '/operator/outbox',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary: 'Mail kept in the local outbox (when no SMTP server is configured), newest first',
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
          before: z.string().max(80).optional(),
          to: z.string().max(254).optional(),
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.string(),
                from: z.string(),
                to: z.string(),
                subject: z.string(),
                text: z.string(),
                createdAt: z.string(),
              }),
            ),
            smtp: z.boolean(),
          }),
        },
      },
    },
    async (req) => ({
      items: outbox ? await outbox.list(req.query.limit, req.query.before, req.query.to) : [],
      smtp: !outbox,
    }),
  );
};
