// Recording delivery methods (spec 001 "Delivery Methods", spec 003 Settings > Delivery
// Methods): where the recordings of a line's calls are sent, by email or to the company's
// FTP, FTPS or SFTP server. Administrators only. The server's password or private key is
// write-only: never returned, never logged, audited only as "changed". Lines name methods in
// their recording settings; a method a line uses cannot be deleted. Dropbox, Google Drive and
// OneDrive need OAuth apps registered with those services and are not offered.
import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  isPrivateKey,
  MAX_LINE_DELIVERY_METHODS,
  type RecordingMailer,
  remoteTarget,
  testMail,
} from '../../pbx/recording/index.ts';
import { checkTarget, DEFAULT_PORTS, FileTransferError } from '../../services/file-transfer/index.ts';
import type { Db } from '../../store/database.ts';
import { newId } from '../../store/ids.ts';
import {
  type DeliveryKind,
  type DeliverySettings,
  deliveryMethods,
  type EmailDeliverySettings,
  lines,
  people,
  type RemoteDeliverySettings,
} from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { conflict, errorBodySchema, isUniqueViolation, notFound } from '../errors.ts';
import { listPage, pageOf, pageQuery } from '../pagination.ts';
import { email, idParam, iso, name } from '../schemas.ts';
import { unprocessable } from './calling.ts';

type MethodRow = typeof deliveryMethods.$inferSelect;

/** Most delivery methods a company keeps. */
export const MAX_DELIVERY_METHODS = 20;
const MAX_ADDRESSES = 10;
/** How long the "test" button waits for a server. */
const TEST_TIMEOUT_MS = 15_000;

const KINDS = ['email', 'ftp', 'ftps', 'sftp'] as const;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const format = z
  .enum(['mp3', 'wav'])
  .describe('The file sent: MP3 (encoded once per recording) or the stereo WAV as recorded');
const addresses = z
  .array(email)
  .min(1, 'give at least one address')
  .max(MAX_ADDRESSES, `at most ${MAX_ADDRESSES} addresses`);
const host = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(253)
  .regex(/^[A-Za-z0-9.-]+$|^[0-9A-Fa-f:.]+$/, 'must be a host name or an IP address')
  .describe('The server: a host name or IP address');
const port = z.number().int().min(1, 'must be 1 to 65535').max(65535, 'must be 1 to 65535');
const username = z
  .string()
  .min(1, 'must not be empty')
  .max(255)
  .refine((v) => !CONTROL.test(v), 'must not contain control characters');
const directory = z
  .string()
  .trim()
  .max(500)
  .refine((v) => !CONTROL.test(v), 'must not contain control characters')
  .refine((v) => !v.includes('\\'), 'separate folders with /, not \\')
  .refine((v) => !v.split('/').includes('..'), 'must not contain ".." folders')
  .describe('Folder on the server, created if missing; relative to the login folder unless it starts with /');
const secret = z
  .string()
  .min(1, 'must not be empty')
  .max(32 * 1024, 'must be at most 32 KB')
  .refine((v) => !v.includes('\0'), 'must not contain NUL characters')
  .refine((v) => isPrivateKey(v) || !/[\r\n]/.test(v), 'a password must not contain line breaks')
  .describe(
    'Write-only: the FTP or FTPS password; for SFTP a password or a private key (OpenSSH or PEM text, no passphrase)',
  );
const hostKeySha256 = z
  .string()
  .trim()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'must be a fingerprint as ssh-keygen -lf prints it: SHA256:...')
  .describe("SFTP: the server's host key fingerprint; a server showing another key is refused");
const verifyCertificate = z
  .boolean()
  .describe('FTPS: false accepts a server certificate that does not verify (self-signed). Default true');

const common = { name: name(100), format: format.default('mp3') };
const remote = { host, port: port.optional(), username, directory: directory.default('') };
const createBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('email'), ...common, addresses }).strict(),
  z.object({ kind: z.literal('ftp'), ...common, ...remote, secret: secret.optional() }).strict(),
  z
    .object({
      kind: z.literal('ftps'),
      ...common,
      ...remote,
      secret: secret.optional(),
      verifyCertificate: verifyCertificate.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('sftp'),
      ...common,
      ...remote,
      secret,
      hostKeySha256: hostKeySha256.nullable().optional(),
    })
    .strict(),
]);
type CreateBody = z.infer<typeof createBody>;

const patchBody = z
  .object({
    name: name(100),
    format,
    addresses,
    host,
    port,
    username,
    directory,
    secret: secret.nullable().describe('Omitted: unchanged. null: removed (FTP and FTPS only)'),
    hostKeySha256: hostKeySha256.nullable(),
    verifyCertificate,
  })
  .partial()
  .strict();
type PatchBody = z.infer<typeof patchBody>;

const methodSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(KINDS),
  format,
  addresses: z.array(z.string()).describe('Email: where recordings are mailed (one mail per address)'),
  host: z.string().nullable(),
  port: z.number().nullable(),
  username: z.string().nullable(),
  directory: z.string().nullable(),
  hostKeySha256: z.string().nullable(),
  verifyCertificate: z.boolean().nullable(),
  secretSet: z.boolean().describe('Whether a password or key is stored (it is never returned)'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

function view(m: MethodRow) {
  const email = m.kind === 'email' ? (m.settings as EmailDeliverySettings) : undefined;
  const r = m.kind === 'email' ? undefined : (m.settings as RemoteDeliverySettings);
  return {
    id: m.id,
    name: m.name,
    kind: m.kind,
    format: m.settings.format === 'wav' ? ('wav' as const) : ('mp3' as const),
    addresses: email?.addresses ?? [],
    host: r?.host ?? null,
    port: r?.port ?? null,
    username: r?.username ?? null,
    directory: r ? r.directory : null,
    hostKeySha256: m.kind === 'sftp' ? (r?.hostKeySha256 ?? null) : null,
    verifyCertificate: m.kind === 'ftps' ? r?.verifyCertificate !== false : null,
    secretSet: m.secret !== null,
    createdAt: iso(m.createdAt) as string,
    updatedAt: iso(m.updatedAt) as string,
  };
}

/** Fields that only some kinds have: given for another kind, they are an error (422). */
const ONLY_FOR: Partial<Record<keyof PatchBody, readonly DeliveryKind[]>> = {
  addresses: ['email'],
  host: ['ftp', 'ftps', 'sftp'],
  port: ['ftp', 'ftps', 'sftp'],
  username: ['ftp', 'ftps', 'sftp'],
  directory: ['ftp', 'ftps', 'sftp'],
  secret: ['ftp', 'ftps', 'sftp'],
  hostKeySha256: ['sftp'],
  verifyCertificate: ['ftps'],
};

/** The stored settings of a new method (no secret: it has its own column). */
function settingsOf(b: CreateBody): DeliverySettings {
  if (b.kind === 'email') return { addresses: [...new Set(b.addresses)], format: b.format };
  const s: RemoteDeliverySettings = {
    host: b.host,
    port: b.port ?? DEFAULT_PORTS[b.kind],
    username: b.username,
    directory: b.directory,
    format: b.format,
  };
  if (b.kind === 'sftp' && b.hostKeySha256) s.hostKeySha256 = b.hostKeySha256;
  if (b.kind === 'ftps' && b.verifyCertificate === false) s.verifyCertificate = false;
  return s;
}

/** The settings after a patch; a field of another kind is refused. */
function patched(m: MethodRow, b: PatchBody): DeliverySettings {
  for (const [field, kinds] of Object.entries(ONLY_FOR) as [keyof PatchBody, DeliveryKind[]][]) {
    if (b[field] !== undefined && !kinds.includes(m.kind))
      throw unprocessable('not_for_kind', `${m.kind} methods have no ${field}`, field);
  }
  if (m.kind === 'sftp' && b.secret === null)
    throw unprocessable('secret_required', 'SFTP needs a password or a private key', 'secret');
  const format = b.format ?? m.settings.format;
  if (m.kind === 'email') {
    const cur = m.settings as EmailDeliverySettings;
    return { addresses: b.addresses ? [...new Set(b.addresses)] : cur.addresses, format };
  }
  const cur = m.settings as RemoteDeliverySettings;
  const next: RemoteDeliverySettings = {
    host: b.host ?? cur.host,
    port: b.port ?? cur.port,
    username: b.username ?? cur.username,
    directory: b.directory ?? cur.directory,
    format,
  };
  const key = b.hostKeySha256 === undefined ? cur.hostKeySha256 : b.hostKeySha256;
  if (m.kind === 'sftp' && key) next.hostKeySha256 = key;
  const verify = b.verifyCertificate ?? cur.verifyCertificate;
  if (m.kind === 'ftps' && verify === false) next.verifyCertificate = false;
  return next;
}

/** What an audit entry says of a change: the fields given, the secret only as changed. */
function auditDetails(b: Record<string, unknown>): Record<string, unknown> {
  const { secret: given, ...rest } = b;
  return given === undefined ? rest : { ...rest, secret: given === null ? 'removed' : 'changed' };
}

/** Lines whose recording settings name the method (for the "in use" refusal). */
async function linesUsing(db: Db, tenantId: string, methodId: string) {
  return db
    .select({ firstName: people.firstName, lastName: people.lastName, extension: people.extension })
    .from(lines)
    .innerJoin(people, eq(people.id, lines.personId))
    .where(
      and(
        eq(lines.tenantId, tenantId),
        sql`coalesce(${lines.recording}->'deliveryMethodIds', '[]'::jsonb) ? ${methodId}`,
      ),
    )
    .orderBy(asc(people.lastName), asc(people.firstName))
    .limit(6);
}

/**
 * Checks a line's delivery methods: ids of the company's methods, each once, at most five.
 * `field` is where the list is in the request (recording.deliveryMethodIds).
 */
export async function checkLineDeliveryMethods(
  db: Db,
  tenantId: string,
  ids: readonly string[],
  field: string,
): Promise<void> {
  if (ids.length > MAX_LINE_DELIVERY_METHODS)
    throw unprocessable(
      'too_many_delivery_methods',
      `a line sends its recordings to at most ${MAX_LINE_DELIVERY_METHODS} delivery methods`,
      field,
    );
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i)
      throw unprocessable(
        'duplicate_delivery_method',
        'this delivery method is listed twice',
        `${field}.${i}`,
      );
  });
  if (ids.length === 0) return;
  const known = new Set(
    (
      await db
        .select({ id: deliveryMethods.id })
        .from(deliveryMethods)
        .where(and(eq(deliveryMethods.tenantId, tenantId), inArray(deliveryMethods.id, [...ids])))
    ).map((m) => m.id),
  );
  ids.forEach((id, i) => {
    if (!known.has(id))
      throw unprocessable(
        'unknown_delivery_method',
        `${id} is not one of your company's delivery methods`,
        `${field}.${i}`,
      );
  });
}

export const deliveryMethodRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.services;
  const read = { access: { resource: 'delivery_methods' as const, access: 'read' as const } };
  const write = { access: { resource: 'delivery_methods' as const, access: 'write' as const } };

  async function load(tenantId: string, id: string): Promise<MethodRow> {
    const [m] = await store.db
      .select()
      .from(deliveryMethods)
      .where(and(eq(deliveryMethods.tenantId, tenantId), eq(deliveryMethods.id, id)))
      .limit(1);
    if (!m) throw notFound('delivery method');
    return m;
  }

  /**
   * A failed write as the API answers it. A query error lists the query's parameters, the
   * secret among them: it is replaced by one that says only what the database said.
   */
  const writeFailed = (err: unknown, given: string) => {
    if (isUniqueViolation(err, 'delivery_methods_tenant_name'))
      return conflict(
        'delivery_method_name_taken',
        `a delivery method named "${given}" already exists`,
        'name',
      );
    const cause = (err as { cause?: unknown } | null)?.cause;
    return new Error(
      `delivery method not saved: ${cause instanceof Error ? cause.message : 'database error'}`,
    );
  };

  const errors = { 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 422: errorBodySchema };

  app.get(
    '/delivery-methods',
    {
      config: read,
      schema: {
        tags: ['recordings'],
        summary: 'Where recordings can be sent: email addresses or FTP, FTPS and SFTP servers',
        querystring: pageQuery,
        response: { 200: pageOf(methodSchema) },
      },
    },
    async (req) =>
      listPage(store.db, deliveryMethods, req.query, view, eq(deliveryMethods.tenantId, tenantIdOf(req))),
  );

  app.post(
    '/delivery-methods',
    {
      config: write,
      schema: {
        tags: ['recordings'],
        summary: `Add a delivery method (at most ${MAX_DELIVERY_METHODS} per company)`,
        body: createBody,
        response: { 201: methodSchema, ...errors },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const b = req.body;
      const [n] = await store.db
        .select({ n: count() })
        .from(deliveryMethods)
        .where(eq(deliveryMethods.tenantId, tenantId));
      if ((n?.n ?? 0) >= MAX_DELIVERY_METHODS)
        throw conflict(
          'too_many_delivery_methods',
          `a company keeps at most ${MAX_DELIVERY_METHODS} delivery methods; delete one first`,
        );
      let m: MethodRow | undefined;
      try {
        [m] = await store.db
          .insert(deliveryMethods)
          .values({
            id: newId(),
            tenantId,
            name: b.name,
            kind: b.kind,
            settings: settingsOf(b),
            secret: 'secret' in b && b.secret !== undefined ? b.secret : null,
          })
          .returning();
      } catch (err) {
        throw writeFailed(err, b.name);
      }
      if (!m) throw new Error('insert returned nothing');
      await audit(store.db, req, {
        action: 'delivery_method.create',
        resource: 'delivery_methods',
        resourceId: m.id,
        details: auditDetails({ name: m.name, kind: m.kind, ...m.settings, secret: m.secret ?? undefined }),
      });
      return reply.status(201).send(view(m));
    },
  );

  app.get(
    '/delivery-methods/:id',
    {
      config: read,
      schema: {
        tags: ['recordings'],
        summary: 'One delivery method (its password or key is never returned)',
        params: idParam,
        response: { 200: methodSchema, 404: errorBodySchema },
      },
    },
    async (req) => view(await load(tenantIdOf(req), req.params.id)),
  );

  app.patch(
    '/delivery-methods/:id',
    {
      config: write,
      schema: {
        tags: ['recordings'],
        summary: 'Change a delivery method; a secret left out stays as it is. The kind cannot change',
        params: idParam,
        body: patchBody,
        response: { 200: methodSchema, ...errors },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const cur = await load(tenantId, req.params.id);
      const b = req.body;
      const settings = patched(cur, b);
      let m: MethodRow | undefined;
      try {
        [m] = await store.db
          .update(deliveryMethods)
          .set({
            name: b.name ?? cur.name,
            settings,
            ...(b.secret !== undefined ? { secret: b.secret } : {}),
            updatedAt: new Date(),
          })
          .where(and(eq(deliveryMethods.tenantId, tenantId), eq(deliveryMethods.id, cur.id)))
          .returning();
      } catch (err) {
        throw writeFailed(err, b.name ?? cur.name);
      }
      if (!m) throw notFound('delivery method');
      await audit(store.db, req, {
        action: 'delivery_method.update',
        resource: 'delivery_methods',
        resourceId: m.id,
        details: auditDetails(b),
      });
      return view(m);
    },
  );

  app.delete(
    '/delivery-methods/:id',
    {
      config: write,
      schema: {
        tags: ['recordings'],
        summary: 'Delete a delivery method no line uses; deliveries still queued for it are dropped',
        params: idParam,
        response: { 204: z.null(), 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const m = await load(tenantId, req.params.id);
      const using = await linesUsing(store.db, tenantId, m.id);
      if (using.length > 0) {
        const names = using
          .slice(0, 5)
          .map((l) => `${l.firstName} ${l.lastName}${l.extension ? ` (${l.extension})` : ''}`);
        const more = using.length > 5 ? ' and others' : '';
        throw conflict(
          'delivery_method_in_use',
          `delivery method "${m.name}" is used by the lines of ${names.join(', ')}${more}; take it off those lines first`,
        );
      }
      await store.db
        .delete(deliveryMethods)
        .where(and(eq(deliveryMethods.tenantId, tenantId), eq(deliveryMethods.id, m.id)));
      await audit(store.db, req, {
        action: 'delivery_method.delete',
        resource: 'delivery_methods',
        resourceId: m.id,
        details: { name: m.name, kind: m.kind },
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/delivery-methods/:id/test',
    {
      config: write,
      schema: {
        tags: ['recordings'],
        summary:
          'Try the method now: a short test mail to each address, or log in to the server and write and remove a small file in its folder',
        params: idParam,
        response: { 200: z.object({ ok: z.literal(true) }), 404: errorBodySchema, 422: errorBodySchema },
      },
    },
    async (req) => {
      const m = await load(tenantIdOf(req), req.params.id);
      try {
        if (m.kind === 'email') {
          const send: RecordingMailer = (mail) => app.services.mailer.send(mail);
          for (const to of (m.settings as EmailDeliverySettings).addresses) await send(testMail(to, m.name));
        } else {
          await checkTarget(remoteTarget(m), { timeoutMs: TEST_TIMEOUT_MS });
        }
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        const code = e instanceof FileTransferError ? `delivery_test_${e.code}` : 'delivery_test_failed';
        req.log.info({ method: m.id, kind: m.kind, code }, 'delivery method test failed');
        throw unprocessable(code, redactSecret(message, m.secret));
      }
      return { ok: true as const };
    },
  );
};

/** A peer's error text without the method's secret in it (a server may echo what it got). */
function redactSecret(text: string, secret: string | null): string {
  const clean = text.replace(/\s+/g, ' ').trim().slice(0, 500) || 'failed';
  return secret && secret.length >= 4 ? clean.split(secret).join('***') : clean;
}
