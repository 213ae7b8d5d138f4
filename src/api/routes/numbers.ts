// Phone numbers: a tenant browses the operator's inventory, takes numbers and releases
// them, and keeps an emergency service address per number.
import { and, eq, isNull, type SQL } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { lines, numbers } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { ApiError, conflict, errorBodySchema, notFound } from '../errors.ts';
import { listPage, pageOf, pageQuery } from '../pagination.ts';
import { countryCode, e164, idParam, iso, postalAddress } from '../schemas.ts';

export const numberType = z.enum(['local', 'mobile', 'toll-free']);
export const numberSchema = z.object({
  id: z.string(),
  e164: z.string(),
  country: z.string(),
  areaCode: z.string(),
  type: numberType,
  source: z.enum(['inventory', 'port-in']),
  assignedAt: z.string().nullable(),
  emergencyAddress: postalAddress.nullable(),
  destination: z
    .object({ lineId: z.string() })
    .nullable()
    .describe('Where inbound calls to the number go; null: nowhere yet'),
});
type NumberRow = typeof numbers.$inferSelect;
export const numberView = (n: NumberRow) => ({
  id: n.id,
  e164: n.e164,
  country: n.country,
  areaCode: n.areaCode,
  type: n.type,
  source: n.source,
  assignedAt: iso(n.assignedAt),
  emergencyAddress: n.emergencyAddress,
  destination: n.destinationLineId ? { lineId: n.destinationLineId } : null,
});
export const inventoryFilter = z.object({
  country: countryCode.optional(),
  areaCode: z
    .string()
    .trim()
    .regex(/^\d{1,6}$/, 'must be 1 to 6 digits')
    .optional(),
  type: numberType.optional(),
});
export function inventoryConds(q: z.infer<typeof inventoryFilter>): SQL[] {
  const conds: SQL[] = [];
  if (q.country) conds.push(eq(numbers.country, q.country));
  if (q.areaCode) conds.push(eq(numbers.areaCode, q.areaCode));
  if (q.type) conds.push(eq(numbers.type, q.type));
  return conds;
}

export const numberRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.services;
  const read = { access: { resource: 'numbers' as const, access: 'read' as const } };
  const write = { access: { resource: 'numbers' as const, access: 'write' as const } };

  app.get(
    '/numbers/available',
    {
      config: read,
      schema: {
        tags: ['numbers'],
        summary: 'Numbers you can buy, by country, area code and type',
        querystring: pageQuery.extend(inventoryFilter.shape),
        response: { 200: pageOf(numberSchema) },
      },
    },
    async (req) => {
      return listPage(
        store.db,
        numbers,
        req.query,
        numberView,
        and(isNull(numbers.tenantId), ...inventoryConds(req.query)),
      );
    },
  );

  app.post(
    '/numbers',
    {
      config: write,
      schema: {
        tags: ['numbers'],
        summary: 'Buy (take) a number from the inventory; it can be routed at once',
        body: z.object({ e164 }).strict(),
        response: { 201: numberSchema, 400: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      // One conditional update: two tenants buying the same number cannot both win.
      const [n] = await store.db
        .update(numbers)
        .set({ tenantId, assignedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(numbers.e164, req.body.e164), isNull(numbers.tenantId)))
        .returning();
      if (!n) throw conflict('number_unavailable', `${req.body.e164} is not available`, 'e164');
      await audit(store.db, req, {
        action: 'number.buy',
        resource: 'numbers',
        resourceId: n.id,
        details: { e164: n.e164 },
      });
      await app.services.pbx?.directory.reload();
      return reply.status(201).send(numberView(n));
    },
  );

  app.get(
    '/numbers',
    {
      config: read,
      schema: {
        tags: ['numbers'],
        summary: 'Your numbers',
        querystring: pageQuery,
        response: { 200: pageOf(numberSchema) },
      },
    },
    async (req) => {
      return listPage(store.db, numbers, req.query, numberView, eq(numbers.tenantId, tenantIdOf(req)));
    },
  );

  app.get(
    '/numbers/:id',
    {
      config: read,
      schema: {
        tags: ['numbers'],
        summary: 'One of your numbers',
        params: idParam,
        response: { 200: numberSchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const [n] = await store.db
        .select()
        .from(numbers)
        .where(and(eq(numbers.tenantId, tenantIdOf(req)), eq(numbers.id, req.params.id)));
      if (!n) throw notFound('number');
      return numberView(n);
    },
  );

  app.delete(
    '/numbers/:id',
    {
      config: write,
      schema: {
        tags: ['numbers'],
        summary: 'Release a number back to the inventory',
        params: idParam,
        response: { 204: z.null(), 404: errorBodySchema },
      },
    },
    async (req, reply) => {
      const [n] = await store.db
        .update(numbers)
        .set({
          tenantId: null,
          assignedAt: null,
          emergencyAddress: null,
          destinationLineId: null,
          updatedAt: new Date(),
        })
        .where(and(eq(numbers.tenantId, tenantIdOf(req)), eq(numbers.id, req.params.id)))
        .returning();
      if (!n) throw notFound('number');
      await audit(store.db, req, {
        action: 'number.release',
        resource: 'numbers',
        resourceId: n.id,
        details: { e164: n.e164 },
      });
      await app.services.pbx?.directory.reload();
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/numbers/:id/emergency-address',
    {
      config: write,
      schema: {
        tags: ['numbers'],
        summary: 'Set or clear the emergency service address of a number',
        params: idParam,
        body: z.object({ address: postalAddress.nullable() }).strict(),
        response: { 200: numberSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const [n] = await store.db
        .update(numbers)
        .set({ emergencyAddress: req.body.address, updatedAt: new Date() })
        .where(and(eq(numbers.tenantId, tenantIdOf(req)), eq(numbers.id, req.params.id)))
        .returning();
      if (!n) throw notFound('number');
      await audit(store.db, req, {
        action: 'number.emergency_address',
        resource: 'numbers',
        resourceId: n.id,
        details: { address: req.body.address },
      });
      return numberView(n);
    },
  );

  app.patch(
    '/numbers/:id',
    {
      config: write,
      schema: {
        tags: ['numbers'],
        summary: 'Route a number: inbound calls go to a line of your company (null: nowhere)',
        params: idParam,
        body: z
          .object({
            destination: z
              .object({ lineId: z.uuid('must be an id') })
              .strict()
              .nullable(),
          })
          .partial()
          .strict(),
        response: { 200: numberSchema, 400: errorBodySchema, 404: errorBodySchema, 422: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const [cur] = await store.db
        .select()
        .from(numbers)
        .where(and(eq(numbers.tenantId, tenantId), eq(numbers.id, req.params.id)));
      if (!cur) throw notFound('number');
      const { destination } = req.body;
      if (destination === undefined) return numberView(cur);
      if (destination) {
        const [l] = await store.db
          .select({ id: lines.id })
          .from(lines)
          .where(and(eq(lines.tenantId, tenantId), eq(lines.id, destination.lineId)));
        if (!l)
          throw new ApiError(
            422,
            'unknown_line',
            `line ${destination.lineId} is not one of your company's lines`,
            'destination.lineId',
          );
      }
      const [n] = await store.db
        .update(numbers)
        .set({ destinationLineId: destination?.lineId ?? null, updatedAt: new Date() })
        .where(and(eq(numbers.tenantId, tenantId), eq(numbers.id, cur.id)))
        .returning();
      if (!n) throw notFound('number');
      await audit(store.db, req, {
        action: 'number.destination',
        resource: 'numbers',
        resourceId: n.id,
        details: { e164: n.e164, destination },
      });
      await app.services.pbx?.directory.reload();
      return numberView(n);
    },
  );
};
