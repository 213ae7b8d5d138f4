// The audit log, for administrators: every change with who, what, when and from where.
import { and, eq, gte, lte } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditEvents } from '../../store/schema.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { listPage, pageOf, pageQuery } from '../pagination.ts';
import { iso } from '../schemas.ts';

const eventSchema = z.object({
  id: z.string(),
  at: z.string(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  actor: z.string().nullable(),
  action: z.string(),
  resource: z.string(),
  resourceId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});

export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.services;
  app.get(
    '/audit-events',
    {
      config: { access: { resource: 'audit', access: 'read' } },
      schema: {
        tags: ['company'],
        summary: 'Audit log, oldest first; filter by action, resource, actor or time',
        querystring: pageQuery.extend({
          action: z.string().max(60).optional(),
          resource: z.string().max(60).optional(),
          actorId: z.uuid().optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
        }),
        response: { 200: pageOf(eventSchema) },
      },
    },
    async (req) => {
      const q = req.query;
      return listPage(
        store.db,
        auditEvents,
        q,
        (e) => ({
          id: e.id,
          at: iso(e.at) as string,
          actorType: e.actorType,
          actorId: e.actorId,
          actor: e.actorLabel,
          action: e.action,
          resource: e.resource,
          resourceId: e.resourceId,
          details: e.details,
          ip: e.ip,
          userAgent: e.userAgent,
        }),
        and(
          eq(auditEvents.tenantId, tenantIdOf(req)),
          q.action ? eq(auditEvents.action, q.action) : undefined,
          q.resource ? eq(auditEvents.resource, q.resource) : undefined,
          q.actorId ? eq(auditEvents.actorId, q.actorId) : undefined,
          q.from ? gte(auditEvents.at, new Date(q.from)) : undefined,
          q.to ? lte(auditEvents.at, new Date(q.to)) : undefined,
        ),
      );
    },
  );
};
