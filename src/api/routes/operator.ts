// Platform operator: number inventory, carrier trunks, companies, port-in handling, outbox.
import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { normalizePrefix } from '../../pbx/dial-plan.ts';
import { canonicalIp } from '../../pbx/ip-acl.ts';
import { newId } from '../../store/ids.ts';
import { numbers, portInRequests, rates, tenants, trunks } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { ApiError, badRequest, conflict, errorBodySchema, isUniqueViolation, notFound } from '../errors.ts';
import { listPage, pageOf, pageQuery } from '../pagination.ts';
import { countryCode, e164, idParam, iso, name } from '../schemas.ts';
import { formatMoney, money, unprocessable, validCidrs } from './calling.ts';
import { inventoryConds, inventoryFilter, numberSchema, numberType, numberView } from './numbers.ts';
import { portInSchema, portInView } from './port-in.ts';
import { tenantView } from './tenant.ts';

const operator = { access: { operator: true as const } };

const hostName = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address');
const portNumber = z.number().int().min(1).max(65535);
const trunkFields = {
  name: name(80),
  host: hostName,
  port: portNumber,
  transport: z.enum(['udp', 'tcp', 'tls']),
  secondaryHost: hostName.nullable().describe('Tried when the first host times out, fails or answers 503'),
  secondaryPort: portNumber.nullable(),
  authMode: z
    .enum(['ip', 'register'])
    .describe("'ip': the carrier's calls are recognised by source address; 'register': we register to it"),
  inboundAddresses: z
    .array(z.string().max(100))
    .max(50)
    .describe('Extra source ranges (CIDR) the carrier sends from, beside its hosts'),
  username: z.string().trim().min(1).max(100).nullable(),
  password: z.string().min(1).max(200).nullable().describe('Write-only: never returned'),
  registerExpires: z.number().int().min(60).max(86_400),
  numberFormat: z.enum(['e164', 'e164-no-plus']),
};
const trunkCreateBody = z
  .object(trunkFields)
  .partial()
  .required({ name: true, host: true })
  .extend({ port: portNumber.default(5060), transport: trunkFields.transport.default('udp') })
  .strict();
const trunkUpdateBody = z.object(trunkFields).partial().strict();
type TrunkInput = z.infer<typeof trunkUpdateBody>;
type TrunkRow = typeof trunks.$inferSelect;

const trunkSchema = z.object({
  id: z.string(),
  name: z.string(),
  host: z.string(),
  port: z.number(),
  transport: z.enum(['udp', 'tcp', 'tls']),
  secondaryHost: z.string().nullable(),
  secondaryPort: z.number().nullable(),
  authMode: z.enum(['ip', 'register']),
  inboundAddresses: z.array(z.string()),
  username: z.string().nullable(),
  hasPassword: z.boolean(),
  registerExpires: z.number(),
  numberFormat: z.enum(['e164', 'e164-no-plus']),
  registration: z
    .object({
      state: z.enum(['registering', 'registered', 'failed', 'unregistered']),
      registrar: z.string(),
      expiresAt: z.string().nullable(),
      lastError: z.string().nullable(),
    })
    .nullable()
    .describe('Our registration to the carrier (authMode register), when SIP runs'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** The trunk input without its password, for the audit log. */
function trunkAudit(b: TrunkInput): Record<string, unknown> {
  const { password, ...rest } = b;
  return password === undefined ? rest : { ...rest, passwordSet: password !== null };
}

const operatorTenantSchema = z.object({
  id: z.string(),
  name: z.string(),
  country: z.string(),
  sipDomain: z.string(),
  status: z.string(),
  outboundTrunkId: z.string().nullable(),
  createdAt: z.string(),
});

const rateInput = z
  .object({
    prefix: z.string().trim().min(1).max(40),
    perMinute: money,
    description: z.string().trim().max(200).nullish(),
  })
  .strict();
const rateSchema = z.object({
  prefix: z.string(),
  perMinute: z.string().describe('Currency units per minute'),
  description: z.string().nullable(),
});
const rateView = (r: typeof rates.$inferSelect) => ({
  prefix: r.prefix,
  perMinute: formatMoney(r.perMinuteMicros),
  description: r.description,
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

  const trunkView = (t: TrunkRow) => {
    const reg = app.services.pbx?.trunks.status(t.id);
    return {
      id: t.id,
      name: t.name,
      host: t.host,
      port: t.port,
      transport: t.transport,
      secondaryHost: t.secondaryHost,
      secondaryPort: t.secondaryPort,
      authMode: t.authMode,
      inboundAddresses: t.inboundAddresses,
      username: t.username,
      hasPassword: !!t.password,
      registerExpires: t.registerExpires,
      numberFormat: t.numberFormat,
      registration: reg
        ? { state: reg.state, registrar: reg.registrar, expiresAt: reg.expiresAt, lastError: reg.lastError }
        : null,
      createdAt: iso(t.createdAt) as string,
      updatedAt: iso(t.updatedAt) as string,
    };
  };

  /** Checks a trunk as it will be; returns the input with its address ranges canonical. */
  function checkTrunk(b: TrunkInput, merged: TrunkInput): TrunkInput {
    if (merged.authMode === 'register') {
      if (!merged.username)
        throw unprocessable('username_required', 'a registering trunk needs a username', 'username');
      if (!merged.password)
        throw unprocessable('password_required', 'a registering trunk needs a password', 'password');
    }
    if (merged.secondaryPort != null && !merged.secondaryHost)
      throw unprocessable(
        'secondary_host_required',
        'a secondary port needs a secondary host',
        'secondaryHost',
      );
    return b.inboundAddresses
      ? { ...b, inboundAddresses: validCidrs(b.inboundAddresses, 'inboundAddresses') }
      : b;
  }

  const trunkNameTaken = () => conflict('trunk_name_taken', 'a trunk with this name exists', 'name');
  const reload = async () => {
    await app.services.pbx?.directory.reload();
  };

  app.post(
    '/operator/trunks',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary: 'Add a carrier trunk',
        body: trunkCreateBody,
        response: { 201: trunkSchema, 400: errorBodySchema, 409: errorBodySchema, 422: errorBodySchema },
      },
    },
    async (req, reply) => {
      const body = checkTrunk(req.body, req.body);
      try {
        const [t] = await store.db
          .insert(trunks)
          .values({ id: newId(), ...body, name: req.body.name, host: req.body.host })
          .returning();
        if (!t) throw new Error('insert returned nothing');
        await audit(store.db, req, {
          action: 'trunk.create',
          resource: 'trunks',
          resourceId: t.id,
          details: trunkAudit(body),
        });
        await reload();
        return reply.status(201).send(trunkView(t));
      } catch (err) {
        if (isUniqueViolation(err)) throw trunkNameTaken();
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
        summary: 'Carrier trunks, with the state of our registration to each',
        querystring: pageQuery,
        response: { 200: pageOf(trunkSchema) },
      },
    },
    async (req) => {
      return listPage(store.db, trunks, req.query, trunkView);
    },
  );

  async function loadTrunk(id: string): Promise<TrunkRow> {
    const [t] = await store.db.select().from(trunks).where(eq(trunks.id, id)).limit(1);
    if (!t) throw notFound('trunk');
    return t;
  }

  app.get(
    '/operator/trunks/:id',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary: 'One carrier trunk',
        params: idParam,
        response: { 200: trunkSchema, 404: errorBodySchema },
      },
    },
    async (req) => trunkView(await loadTrunk(req.params.id)),
  );

  app.patch(
    '/operator/trunks/:id',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary: 'Change a carrier trunk (password: null clears it; leave it out to keep it)',
        params: idParam,
        body: trunkUpdateBody,
        response: {
          200: trunkSchema,
          400: errorBodySchema,
          404: errorBodySchema,
          409: errorBodySchema,
          422: errorBodySchema,
        },
      },
    },
    async (req) => {
      const cur = await loadTrunk(req.params.id);
      const body = checkTrunk(req.body, { ...cur, ...req.body });
      try {
        const [t] = await store.db
          .update(trunks)
          .set({ ...body, updatedAt: new Date() })
          .where(eq(trunks.id, cur.id))
          .returning();
        if (!t) throw notFound('trunk');
        await audit(store.db, req, {
          action: 'trunk.update',
          resource: 'trunks',
          resourceId: t.id,
          details: trunkAudit(body),
        });
        await reload();
        return trunkView(t);
      } catch (err) {
        if (isUniqueViolation(err)) throw trunkNameTaken();
        throw err;
      }
    },
  );

  app.delete(
    '/operator/trunks/:id',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary: "Remove a carrier trunk; refused while a company's outbound calls use it",
        params: idParam,
        response: { 204: z.null(), 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      const t = await loadTrunk(req.params.id);
      const users = await store.db
        .select({ name: tenants.name })
        .from(tenants)
        .where(eq(tenants.outboundTrunkId, t.id))
        .limit(3);
      if (users.length)
        throw conflict(
          'trunk_in_use',
          `outbound calls of ${users.map((u) => u.name).join(', ')} use this trunk; move them first`,
        );
      await store.db.delete(trunks).where(eq(trunks.id, t.id));
      await audit(store.db, req, {
        action: 'trunk.delete',
        resource: 'trunks',
        resourceId: t.id,
        details: { name: t.name },
      });
      await reload();
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/operator/rates',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary: 'The outbound price list: per-minute rate by destination prefix (longest prefix wins)',
        querystring: pageQuery,
        response: { 200: pageOf(rateSchema) },
      },
    },
    async (req) => listPage(store.db, rates, req.query, rateView),
  );

  app.put(
    '/operator/rates',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary: 'Replace the whole price list (prefixes such as +44 or 44; perMinute in currency units)',
        body: z.object({ rates: z.array(rateInput).max(20_000) }).strict(),
        response: { 200: z.object({ count: z.number() }), 400: errorBodySchema, 422: errorBodySchema },
      },
    },
    async (req) => {
      const seen = new Map<string, number>();
      const rows = req.body.rates.map((r, i) => {
        const prefix = normalizePrefix(r.prefix);
        if (prefix === null)
          throw unprocessable(
            'invalid_prefix',
            `${JSON.stringify(r.prefix)} is not a number prefix such as +44`,
            `rates.${i}.prefix`,
          );
        const first = seen.get(prefix);
        if (first !== undefined)
          throw unprocessable(
            'duplicate_prefix',
            `${prefix} is given twice (rates ${first} and ${i})`,
            `rates.${i}.prefix`,
          );
        seen.set(prefix, i);
        return { id: newId(), prefix, perMinuteMicros: r.perMinute, description: r.description ?? null };
      });
      await store.db.transaction(async (tx) => {
        await tx.delete(rates);
        for (let i = 0; i < rows.length; i += 1000) await tx.insert(rates).values(rows.slice(i, i + 1000));
      });
      await audit(store.db, req, {
        action: 'rates.replace',
        resource: 'rates',
        tenantId: null,
        details: { count: rows.length },
      });
      await reload();
      return { count: rows.length };
    },
  );

  app.get(
    '/operator/sip-bans',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary: 'Addresses banned for repeated SIP authentication failures, soonest to expire first',
        response: {
          200: z.object({ items: z.array(z.object({ ip: z.string(), expiresAt: z.string() })) }),
        },
      },
    },
    async () => ({
      items: (app.services.pbx?.ban.banned() ?? []).map((b) => ({
        ip: b.ip,
        expiresAt: new Date(b.expiresAt).toISOString(),
      })),
    }),
  );

  app.delete(
    '/operator/sip-bans/:ip',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary: 'Lift the ban of an address',
        params: z.object({ ip: z.string().max(64) }),
        response: { 204: z.null(), 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (req, reply) => {
      const ip = canonicalIp(req.params.ip);
      if (!ip) throw badRequest('validation_failed', 'ip: must be an IPv4 or IPv6 address', 'ip');
      if (!app.services.pbx?.ban.unban(ip)) throw notFound('ban of this address');
      await audit(store.db, req, {
        action: 'sip_ban.lift',
        resource: 'sip_bans',
        tenantId: null,
        details: { ip },
      });
      return reply.status(204).send(null);
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
      await reload();
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
      await reload();
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

  app.patch(
    '/operator/tenants/:id',
    {
      config: operator,
      schema: {
        tags: ['platform'],
        summary:
          "Set the carrier trunk a company's outbound calls leave through (null: the platform default)",
        params: idParam,
        body: z
          .object({ outboundTrunkId: z.uuid('must be an id').nullable() })
          .partial()
          .strict(),
        response: {
          200: operatorTenantSchema,
          400: errorBodySchema,
          404: errorBodySchema,
          422: errorBodySchema,
        },
      },
    },
    async (req) => {
      const { outboundTrunkId } = req.body;
      if (outboundTrunkId) {
        const [t] = await store.db
          .select({ id: trunks.id })
          .from(trunks)
          .where(eq(trunks.id, outboundTrunkId));
        if (!t)
          throw unprocessable('unknown_trunk', `trunk ${outboundTrunkId} does not exist`, 'outboundTrunkId');
      }
      const [t] = await store.db
        .update(tenants)
        .set({ ...(outboundTrunkId !== undefined ? { outboundTrunkId } : {}), updatedAt: new Date() })
        .where(eq(tenants.id, req.params.id))
        .returning();
      if (!t) throw notFound('company');
      await audit(store.db, req, {
        action: 'tenant.outbound_trunk',
        resource: 'tenant',
        resourceId: t.id,
        tenantId: t.id,
        details: req.body,
      });
      await reload();
      return { ...tenantView(t), outboundTrunkId: t.outboundTrunkId };
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
      if (status === 'completed') await reload();
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
