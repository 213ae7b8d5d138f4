// Lines (spec 001 "configure application line", 003 contact method): a person's SIP account
// that phones register with, and its inbound and outbound settings. Only digest HA1s are
// stored; the password is shown once, when created or rotated. Registrations come from the
// running phone system's location service.
import { and, asc, eq, gt, inArray, notInArray, type SQL } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { lineSettings } from '../../pbx/directory.ts';
import { generateSipPassword, lineCredentials } from '../../pbx/line-credentials.ts';
import type { Binding } from '../../pbx/location.ts';
import { publicHostOf } from '../../pbx/pbx.ts';
import { deliveryMethodIdsOf, MAX_LINE_DELIVERY_METHODS } from '../../pbx/recording/index.ts';
import { newId } from '../../store/ids.ts';
import { files, lines, numbers, people, tenants, type WhenUnavailable } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { conflict, errorBodySchema, isUniqueViolation, notFound } from '../errors.ts';
import { decodeCursor, pageOf, pageQuery, toPage } from '../pagination.ts';
import { contactNumberValue, E164_RE, e164, extension, idParam, iso } from '../schemas.ts';
import { unprocessable } from './calling.ts';
import { checkLineDeliveryMethods } from './delivery-methods.ts';

type LineRow = typeof lines.$inferSelect;

const SIP_USERNAME_RE = /^[a-zA-Z0-9._-]{3,32}$/;
const sipUsername = z
  .string()
  .trim()
  .regex(SIP_USERNAME_RE, 'must be 3 to 32 letters, digits, dots, dashes or underscores');
const sipPassword = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(128, 'must be at most 128 characters')
  .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII characters (phones cannot type others)');

const whenUnavailable = z.discriminatedUnion('action', [
  z.object({ action: z.literal('hangup') }).strict(),
  z.object({ action: z.literal('forward'), to: contactNumberValue }).strict(),
  z.object({ action: z.literal('voicemail') }).strict(),
]);

/** Which calls of the line are recorded, by direction and internal/external (spec 001/003). */
const recordingSchema = z
  .object({
    inboundInternal: z.boolean(),
    inboundExternal: z.boolean(),
    outboundInternal: z.boolean(),
    outboundExternal: z.boolean(),
    onDemand: z.boolean(),
    deliveryMethodIds: z
      .array(z.uuid('must be a delivery method id'))
      .max(MAX_LINE_DELIVERY_METHODS, `at most ${MAX_LINE_DELIVERY_METHODS} delivery methods`)
      .optional()
      .describe(
        "Where recordings of this line's calls are sent (/api/delivery-methods); left out: unchanged",
      ),
  })
  .strict();
const recordingView = recordingSchema.extend({ deliveryMethodIds: z.array(z.string()) });

const settings = {
  callerIdName: z.string().trim().min(1, 'must not be empty').max(80).nullable(),
  internalCallerId: extension.nullable(),
  externalCallerIds: z.array(e164).max(20),
  externalCallsAllowed: z.boolean(),
  doNotDisturb: z.boolean(),
  smartDoNotDisturb: z.boolean(),
  forwardTo: contactNumberValue.nullable(),
  whenUnavailable,
  ringTimeoutSeconds: z.number().int().min(5).max(300),
  recording: recordingSchema,
  internalAnnouncementFileId: z.uuid('must be a file id').nullable(),
  externalAnnouncementFileId: z.uuid('must be a file id').nullable(),
};
const settingsBody = z.object(settings).partial().strict();
type Settings = z.infer<typeof settingsBody>;
const createBody = z
  .object({ sipUsername, password: sipPassword, ...settings })
  .partial()
  .strict();

const deviceSchema = z.object({
  status: z.literal('online'),
  contact: z.string(),
  instanceId: z.string().nullable(),
  userAgent: z.string().nullable(),
  transport: z.string(),
  sourceAddress: z.string(),
  sourcePort: z.number(),
  registeredAt: z.string(),
  expiresAt: z.string(),
});
const lineStatus = z.enum(['online', 'offline']);

const lineSchema = z.object({
  id: z.string(),
  personId: z.string(),
  sipUsername: z.string(),
  sipDomain: z.string(),
  registrar: z
    .object({ host: z.string(), port: z.number().nullable() })
    .describe('Where phones register: the SIP server host and UDP/TCP port (null when SIP is off)'),
  status: lineStatus,
  callerIdName: z.string().nullable(),
  internalCallerId: z.string().nullable(),
  externalCallerIds: z.array(z.string()),
  externalCallsAllowed: z.boolean(),
  doNotDisturb: z.boolean(),
  smartDoNotDisturb: z.boolean(),
  forwardTo: z.string().nullable(),
  whenUnavailable: z.union([
    z.object({ action: z.literal('hangup') }),
    z.object({ action: z.literal('forward'), to: z.string() }),
    z.object({ action: z.literal('voicemail') }),
  ]),
  recording: recordingView,
  ringTimeoutSeconds: z.number(),
  internalAnnouncementFileId: z.string().nullable(),
  externalAnnouncementFileId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const lineWithPasswordSchema = lineSchema.extend({
  sipPassword: z.string().describe('Shown only in this response: configure the phone with it now'),
});

const registrationsSchema = z.object({
  lineId: z.string(),
  personId: z.string(),
  sipUsername: z.string(),
  status: lineStatus,
  devices: z.array(deviceSchema),
});

const deviceView = (b: Binding) => ({
  status: 'online' as const,
  contact: b.contact,
  instanceId: b.instanceId,
  userAgent: b.userAgent,
  transport: b.flow.protocol,
  sourceAddress: b.flow.address,
  sourcePort: b.flow.port,
  registeredAt: new Date(b.registeredAt).toISOString(),
  expiresAt: new Date(b.expiresAt).toISOString(),
});

export const lineRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store, config } = app.services;
  const read = { access: { resource: 'lines' as const, access: 'read' as const } };
  const write = { access: { resource: 'lines' as const, access: 'write' as const } };

  const bindingsOf = (lineId: string): Binding[] =>
    (app.services.pbx?.location.bindings(lineId) ?? []).sort((a, b) => a.registeredAt - b.registeredAt);

  const registrar = () => ({ host: publicHostOf(config), port: app.services.pbx?.sipPort ?? null });

  const view = (l: LineRow, sipDomain: string) => ({
    id: l.id,
    personId: l.personId,
    sipUsername: l.sipUsername,
    sipDomain,
    registrar: registrar(),
    status: bindingsOf(l.id).length > 0 ? ('online' as const) : ('offline' as const),
    ...lineSettings(l),
    recording: { ...l.recording, deliveryMethodIds: deliveryMethodIdsOf(l.recording) },
    createdAt: iso(l.createdAt) as string,
    updatedAt: iso(l.updatedAt) as string,
  });

  async function sipDomainOf(tenantId: string): Promise<string> {
    const [t] = await store.db
      .select({ d: tenants.sipDomain })
      .from(tenants)
      .where(eq(tenants.id, tenantId))
      .limit(1);
    if (!t) throw notFound('company');
    return t.d.toLowerCase();
  }

  async function load(tenantId: string, id: string): Promise<LineRow> {
    const [l] = await store.db
      .select()
      .from(lines)
      .where(and(eq(lines.tenantId, tenantId), eq(lines.id, id)))
      .limit(1);
    if (!l) throw notFound('line');
    return l;
  }

  async function extensionExists(tenantId: string, ext: string): Promise<boolean> {
    const [p] = await store.db
      .select({ id: people.id })
      .from(people)
      .where(and(eq(people.tenantId, tenantId), eq(people.extension, ext)))
      .limit(1);
    return !!p;
  }

  /** A forwarding target: any E.164 number, or an extension someone in the company has. */
  async function checkTarget(tenantId: string, target: string, field: string, ownExtension: string | null) {
    if (E164_RE.test(target)) return;
    if (target === ownExtension)
      throw unprocessable('forward_loop', `${target} is this line's own extension`, field);
    if (!(await extensionExists(tenantId, target)))
      throw unprocessable('unknown_extension', `nobody in your company has extension ${target}`, field);
  }

  /**
   * Checks what the settings point at (extensions, numbers, files) against the company;
   * `merged` is the line as it will be, for rules across fields.
   */
  async function checkSettings(
    tenantId: string,
    given: Settings,
    merged: { externalCallsAllowed: boolean; externalCallerIds: string[] },
    ownExtension: string | null,
  ): Promise<void> {
    if (given.internalCallerId && !(await extensionExists(tenantId, given.internalCallerId)))
      throw unprocessable(
        'unknown_extension',
        `nobody in your company has extension ${given.internalCallerId}`,
        'internalCallerId',
      );
    if (given.externalCallerIds?.length) {
      const ids = given.externalCallerIds;
      ids.forEach((n, i) => {
        if (ids.indexOf(n) !== i)
          throw unprocessable('duplicate_caller_id', `${n} is listed twice`, `externalCallerIds.${i}`);
      });
      const owned = new Set(
        (
          await store.db
            .select({ e164: numbers.e164 })
            .from(numbers)
            .where(and(eq(numbers.tenantId, tenantId), inArray(numbers.e164, ids)))
        ).map((r) => r.e164),
      );
      ids.forEach((n, i) => {
        if (!owned.has(n))
          throw unprocessable(
            'number_not_yours',
            `${n} is not one of your company's numbers`,
            `externalCallerIds.${i}`,
          );
      });
    }
    if (merged.externalCallsAllowed && merged.externalCallerIds.length === 0)
      throw unprocessable(
        'caller_id_required',
        'external calls need at least one external caller ID (one of your numbers)',
        'externalCallerIds',
      );
    if (given.forwardTo) await checkTarget(tenantId, given.forwardTo, 'forwardTo', ownExtension);
    const wu = given.whenUnavailable;
    if (wu?.action === 'forward') await checkTarget(tenantId, wu.to, 'whenUnavailable.to', ownExtension);
    for (const field of ['internalAnnouncementFileId', 'externalAnnouncementFileId'] as const) {
      const id = given[field];
      if (!id) continue;
      const [f] = await store.db
        .select({ id: files.id })
        .from(files)
        .where(and(eq(files.tenantId, tenantId), eq(files.id, id)))
        .limit(1);
      if (!f) throw unprocessable('unknown_file', `file ${id} is not one of your company's files`, field);
    }
    const methods = given.recording?.deliveryMethodIds;
    if (methods) await checkLineDeliveryMethods(store.db, tenantId, methods, 'recording.deliveryMethodIds');
  }

  /**
   * The settings as columns (voicemail never gets here: checkSettings refuses it). Recording
   * settings without delivery methods keep the line's (`current`).
   */
  const columns = (s: Settings, current?: LineRow) => {
    const { whenUnavailable: wu, recording, ...rest } = s;
    return {
      ...rest,
      ...(wu ? { whenUnavailable: wu as WhenUnavailable } : {}),
      ...(recording
        ? {
            recording: {
              ...recording,
              deliveryMethodIds: recording.deliveryMethodIds ?? deliveryMethodIdsOf(current?.recording),
            },
          }
        : {}),
    };
  };

  const reload = async () => {
    await app.services.pbx?.directory.reload();
  };

  app.post(
    '/people/:personId/line',
    {
      config: write,
      schema: {
        tags: ['lines'],
        summary:
          'Give a person their line (SIP account). The password (generated unless given) is returned only here: store it in the phone',
        params: z.object({ personId: z.uuid('must be an id') }),
        body: createBody,
        response: {
          201: lineWithPasswordSchema,
          400: errorBodySchema,
          404: errorBodySchema,
          409: errorBodySchema,
          422: errorBodySchema,
        },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const [person] = await store.db
        .select()
        .from(people)
        .where(and(eq(people.tenantId, tenantId), eq(people.id, req.params.personId)))
        .limit(1);
      if (!person) throw notFound('person');
      const { sipUsername: givenUsername, password: givenPassword, ...given } = req.body;
      const username = givenUsername ?? person.extension;
      if (!username)
        throw unprocessable(
          'sip_username_required',
          'this person has no extension to use as SIP username; give a sipUsername',
          'sipUsername',
        );
      const [existing] = await store.db
        .select({ id: lines.id })
        .from(lines)
        .where(eq(lines.personId, person.id))
        .limit(1);
      if (existing) throw conflict('line_exists', 'this person already has a line', 'personId');
      await checkSettings(
        tenantId,
        given,
        {
          externalCallsAllowed: given.externalCallsAllowed ?? false,
          externalCallerIds: given.externalCallerIds ?? [],
        },
        person.extension,
      );
      const sipDomain = await sipDomainOf(tenantId);
      const password = givenPassword ?? generateSipPassword();
      let line: LineRow | undefined;
      try {
        [line] = await store.db
          .insert(lines)
          .values({
            id: newId(),
            tenantId,
            personId: person.id,
            sipUsername: username,
            ...lineCredentials(username, sipDomain, password),
            ...columns(given),
          })
          .returning();
      } catch (err) {
        if (isUniqueViolation(err, 'lines_tenant_username'))
          throw conflict(
            'sip_username_taken',
            `SIP username ${username} is already used in your company`,
            'sipUsername',
          );
        if (isUniqueViolation(err, 'lines_person'))
          throw conflict('line_exists', 'this person already has a line', 'personId');
        throw err;
      }
      if (!line) throw new Error('insert returned nothing');
      await audit(store.db, req, {
        action: 'line.create',
        resource: 'lines',
        resourceId: line.id,
        details: { personId: person.id, sipUsername: username, passwordGenerated: !givenPassword, ...given },
      });
      await reload();
      return reply.status(201).send({ ...view(line, sipDomain), sipPassword: password });
    },
  );

  app.get(
    '/lines',
    {
      config: read,
      schema: {
        tags: ['lines'],
        summary: 'Lines, optionally of one person',
        querystring: pageQuery.extend({ personId: z.uuid('must be an id').optional() }),
        response: { 200: pageOf(lineSchema) },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const { limit, cursor, personId } = req.query;
      const after = decodeCursor(cursor);
      const conds: (SQL | undefined)[] = [
        eq(lines.tenantId, tenantId),
        personId ? eq(lines.personId, personId) : undefined,
        after ? gt(lines.id, after) : undefined,
      ];
      const rows = await store.db
        .select()
        .from(lines)
        .where(and(...conds))
        .orderBy(asc(lines.id))
        .limit(limit + 1);
      const sipDomain = await sipDomainOf(tenantId);
      return toPage(rows, limit, (l) => view(l, sipDomain));
    },
  );

  app.get(
    '/lines/:id',
    {
      config: read,
      schema: {
        tags: ['lines'],
        summary: 'One line, with whether a phone is registered on it',
        params: idParam,
        response: { 200: lineSchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      return view(await load(tenantId, req.params.id), await sipDomainOf(tenantId));
    },
  );

  app.patch(
    '/lines/:id',
    {
      config: write,
      schema: {
        tags: ['lines'],
        summary: 'Change the settings of a line (caller IDs, DND, forwarding, when unavailable, ...)',
        params: idParam,
        body: settingsBody,
        response: {
          200: lineSchema,
          400: errorBodySchema,
          404: errorBodySchema,
          422: errorBodySchema,
        },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const cur = await load(tenantId, req.params.id);
      const [person] = await store.db
        .select({ extension: people.extension })
        .from(people)
        .where(eq(people.id, cur.personId))
        .limit(1);
      const given = req.body;
      await checkSettings(
        tenantId,
        given,
        {
          externalCallsAllowed: given.externalCallsAllowed ?? cur.externalCallsAllowed,
          externalCallerIds: given.externalCallerIds ?? cur.externalCallerIds,
        },
        person?.extension ?? null,
      );
      const [l] = await store.db
        .update(lines)
        .set({ ...columns(given, cur), updatedAt: new Date() })
        .where(and(eq(lines.tenantId, tenantId), eq(lines.id, cur.id)))
        .returning();
      if (!l) throw notFound('line');
      await audit(store.db, req, {
        action: 'line.update',
        resource: 'lines',
        resourceId: l.id,
        details: given,
      });
      await reload();
      return view(l, await sipDomainOf(tenantId));
    },
  );

  app.post(
    '/lines/:id/password',
    {
      config: write,
      schema: {
        tags: ['lines'],
        summary:
          'Set a new SIP password (generated unless given) and sign out its phones; the password is returned only here',
        params: idParam,
        body: z.object({ password: sipPassword }).partial().strict().optional(),
        response: { 200: lineWithPasswordSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const cur = await load(tenantId, req.params.id);
      const sipDomain = await sipDomainOf(tenantId);
      const given = req.body?.password;
      const password = given ?? generateSipPassword();
      const [l] = await store.db
        .update(lines)
        .set({ ...lineCredentials(cur.sipUsername, sipDomain, password), updatedAt: new Date() })
        .where(and(eq(lines.tenantId, tenantId), eq(lines.id, cur.id)))
        .returning();
      if (!l) throw notFound('line');
      await audit(store.db, req, {
        action: 'line.password',
        resource: 'lines',
        resourceId: l.id,
        details: { passwordGenerated: !given },
      });
      await reload();
      // Phones registered with the old password must authenticate again.
      app.services.pbx?.location.removeAll(l.id);
      return { ...view(l, sipDomain), sipPassword: password };
    },
  );

  app.delete(
    '/lines/:id',
    {
      config: write,
      schema: {
        tags: ['lines'],
        summary: 'Remove a line; its phones are signed out and numbers routed to it lose their destination',
        params: idParam,
        response: { 204: z.null(), 404: errorBodySchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const [l] = await store.db
        .delete(lines)
        .where(and(eq(lines.tenantId, tenantId), eq(lines.id, req.params.id)))
        .returning();
      if (!l) throw notFound('line');
      await audit(store.db, req, {
        action: 'line.delete',
        resource: 'lines',
        resourceId: l.id,
        details: { personId: l.personId, sipUsername: l.sipUsername },
      });
      await reload();
      app.services.pbx?.location.removeAll(l.id);
      return reply.status(204).send(null);
    },
  );

  const registrationsOf = (l: LineRow) => {
    const devices = bindingsOf(l.id).map(deviceView);
    return {
      lineId: l.id,
      personId: l.personId,
      sipUsername: l.sipUsername,
      status: devices.length > 0 ? ('online' as const) : ('offline' as const),
      devices,
    };
  };

  app.get(
    '/lines/:id/registrations',
    {
      config: read,
      schema: {
        tags: ['lines'],
        summary: 'The phones registered on a line now',
        params: idParam,
        response: { 200: registrationsSchema, 404: errorBodySchema },
      },
    },
    async (req) => registrationsOf(await load(tenantIdOf(req), req.params.id)),
  );

  app.get(
    '/registrations',
    {
      config: read,
      schema: {
        tags: ['lines'],
        summary: 'Every line of the company with its status (online, offline) and registered phones',
        querystring: pageQuery.extend({ status: lineStatus.optional() }),
        response: { 200: pageOf(registrationsSchema) },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const { limit, cursor, status } = req.query;
      const after = decodeCursor(cursor);
      const base = and(eq(lines.tenantId, tenantId), after ? gt(lines.id, after) : undefined);
      if (!status) {
        const rows = await store.db
          .select()
          .from(lines)
          .where(base)
          .orderBy(asc(lines.id))
          .limit(limit + 1);
        return toPage(rows, limit, registrationsOf);
      }
      // By status: the online lines are those with a live binding of this tenant.
      const online = [
        ...new Set((app.services.pbx?.location.tenantBindings(tenantId) ?? []).map((b) => b.lineId)),
      ];
      if (status === 'online' && online.length === 0) return { items: [], nextCursor: null };
      const rows = await store.db
        .select()
        .from(lines)
        .where(
          and(
            base,
            status === 'online'
              ? inArray(lines.id, online)
              : online.length
                ? notInArray(lines.id, online)
                : undefined,
          ),
        )
        .orderBy(asc(lines.id))
        .limit(limit + 1);
      return toPage(rows, limit, registrationsOf);
    },
  );
};
