// Call recordings: listed newest first with filters, one by id, its audio streamed (with HTTP
// Range, RFC 9110 §14, so players can seek), and deleted. Who sees what: administrators and
// API keys every recording of the company; supervisors those of the people in the teams they
// supervise (and their own); agents their own. Anything else is "not found".
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { and, desc, eq, gte, ilike, lt, or, type SQL, sql } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { supervisedPeople } from '../../pbx/features/team-access.ts';
import {
  type DeliveryView,
  deleteFile,
  deliveriesOf,
  recordingFile,
  retryFailed,
} from '../../pbx/recording/index.ts';
import { isUuid } from '../../store/ids.ts';
import { recordings } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { ApiError, badRequest, conflict, errorBodySchema, notFound } from '../errors.ts';
import { containsPattern, idParam, iso } from '../schemas.ts';

type RecordingRow = typeof recordings.$inferSelect;

const SOURCES = ['line', 'flow', 'queue', 'on-demand'] as const;
const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO time such as 2025-01-31T12:00:00Z' });

const recordingFilter = z.object({
  from: isoTime.optional(),
  to: isoTime.optional(),
  person: z.uuid('must be a person id').optional(),
  queue: z.uuid('must be a queue id').optional(),
  source: z.enum(SOURCES).optional(),
  number: z
    .string()
    .trim()
    .min(1)
    .max(20)
    .regex(/^\+?\d+$/, 'must be digits, optionally after +')
    .optional(),
});
type RecordingFilter = z.infer<typeof recordingFilter>;

const recordingSchema = z.object({
  id: z.string(),
  callId: z.string(),
  source: z.enum(SOURCES),
  callerNumber: z.string(),
  calleeNumber: z.string(),
  personIds: z.array(z.string()).describe('The people on the call (their lines took part)'),
  queueId: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable().describe('Null while the call is still being recorded'),
  durationMs: z.number().nullable(),
  bytes: z.number().nullable(),
  expiresAt: z.string().nullable().describe('When the retention job deletes it'),
  deliveries: z
    .array(
      z.object({
        methodId: z.string(),
        methodName: z.string(),
        kind: z.enum(['email', 'ftp', 'ftps', 'sftp']),
        status: z.enum(['pending', 'delivered', 'failed']),
        attempts: z.number().int(),
        lastError: z.string().nullable(),
        deliveredAt: z.string().nullable(),
      }),
    )
    .describe("Where the recording is sent by its lines' delivery methods, and how far that got"),
});

const recordingView = (r: RecordingRow, deliveries: DeliveryView[] = []) => ({
  id: r.id,
  callId: r.callId,
  source: r.source,
  callerNumber: r.callerNumber,
  calleeNumber: r.calleeNumber,
  personIds: r.personIds,
  queueId: r.queueId,
  startedAt: iso(r.startedAt) as string,
  endedAt: iso(r.endedAt),
  durationMs: r.durationMs,
  bytes: r.bytes,
  expiresAt: iso(r.expiresAt),
  deliveries,
});

// Newest first: the cursor is the (startedAt, id) of the last row shown, as for /calls.
function encodeCursor(r: RecordingRow): string {
  return Buffer.from(`${r.startedAt.toISOString()}|${r.id}`, 'utf8').toString('base64url');
}
function decodeCursor(cursor: string | undefined): { startedAt: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const [t, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const startedAt = new Date(t ?? '');
  if (!id || !isUuid(id) || Number.isNaN(startedAt.getTime()))
    throw badRequest('invalid_cursor', 'cursor is not one this API returned', 'cursor');
  return { startedAt, id };
}

/** Recordings with one of these people on the call. */
const withAnyOf = (people: string[]): SQL =>
  people.length === 0
    ? sql`false`
    : sql`${recordings.personIds} ?| array[${sql.join(
        people.map((p) => sql`${p}`),
        sql`, `,
      )}]::text[]`;

const rangeUnsatisfiable = (size: number) =>
  new ApiError(416, 'range_not_satisfiable', `the recording has ${size} bytes`);

/**
 * One byte range of a file of `size` bytes (RFC 9110 §14.1.2): first-last, first-, -suffix.
 * Undefined for no Range, one that is not bytes, or several ranges (the whole file is sent,
 * as §14.2 allows); an error for a range that starts past the end.
 */
export function byteRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | undefined {
  if (!header || header.length > 100) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) throw rangeUnsatisfiable(size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size) throw rangeUnsatisfiable(size);
  if (end < start) return undefined;
  return { start, end };
}

export const recordingRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store, config } = app.services;
  const read = { access: { resource: 'recordings' as const, access: 'read' as const } };
  const write = { access: { resource: 'recordings' as const, access: 'write' as const } };

  /** What the principal may see: everything of the tenant, or the recordings of these people. */
  async function visible(req: FastifyRequest): Promise<SQL | undefined> {
    const p = req.principal;
    if (!p || p.kind === 'api_key' || p.role === 'administrator') return undefined;
    const me = p.personId;
    if (!me) return sql`false`;
    if (p.role !== 'supervisor') return withAnyOf([me]);
    const members = await supervisedPeople(store.db, tenantIdOf(req), me);
    return withAnyOf([...new Set([me, ...members])]);
  }

  function conditions(tenantId: string, f: RecordingFilter): (SQL | undefined)[] {
    const like = f.number ? containsPattern(f.number) : undefined;
    return [
      eq(recordings.tenantId, tenantId),
      f.from ? gte(recordings.startedAt, new Date(f.from)) : undefined,
      f.to ? lt(recordings.startedAt, new Date(f.to)) : undefined,
      f.person ? sql`${recordings.personIds} @> ${JSON.stringify([f.person])}::jsonb` : undefined,
      f.queue ? eq(recordings.queueId, f.queue) : undefined,
      f.source ? eq(recordings.source, f.source) : undefined,
      like ? or(ilike(recordings.callerNumber, like), ilike(recordings.calleeNumber, like)) : undefined,
    ];
  }

  /** One recording the principal may see, or 404. */
  async function load(req: FastifyRequest, id: string): Promise<RecordingRow> {
    const [r] = await store.db
      .select()
      .from(recordings)
      .where(and(eq(recordings.tenantId, tenantIdOf(req)), eq(recordings.id, id), await visible(req)))
      .limit(1);
    if (!r) throw notFound('recording');
    return r;
  }

  app.get(
    '/recordings',
    {
      config: read,
      schema: {
        tags: ['recordings'],
        summary:
          'Call recordings you may hear, newest first: by start time (from inclusive, to exclusive), person on the call, queue, source, or number (caller or callee contains it)',
        querystring: z
          .object({
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().max(200).optional(),
          })
          .extend(recordingFilter.shape),
        response: {
          200: z.object({ items: z.array(recordingSchema), nextCursor: z.string().nullable() }),
          400: errorBodySchema,
        },
      },
    },
    async (req) => {
      const { limit, cursor, ...filter } = req.query;
      const after = decodeCursor(cursor);
      const rows = await store.db
        .select()
        .from(recordings)
        .where(
          and(
            ...conditions(tenantIdOf(req), filter),
            await visible(req),
            after
              ? or(
                  lt(recordings.startedAt, after.startedAt),
                  and(eq(recordings.startedAt, after.startedAt), lt(recordings.id, after.id)),
                )
              : undefined,
          ),
        )
        .orderBy(desc(recordings.startedAt), desc(recordings.id))
        .limit(limit + 1);
      const more = rows.length > limit;
      const items = more ? rows.slice(0, limit) : rows;
      const last = items[items.length - 1];
      const sent = await deliveriesOf(
        store.db,
        tenantIdOf(req),
        items.map((r) => r.id),
      );
      return {
        items: items.map((r) => recordingView(r, sent.get(r.id))),
        nextCursor: more && last ? encodeCursor(last) : null,
      };
    },
  );

  app.get(
    '/recordings/:id',
    {
      config: read,
      schema: {
        tags: ['recordings'],
        summary: 'One recording',
        params: idParam,
        response: { 200: recordingSchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const r = await load(req, req.params.id);
      return recordingView(r, (await deliveriesOf(store.db, r.tenantId, [r.id])).get(r.id));
    },
  );

  app.post(
    '/recordings/:id/deliveries/:methodId/retry',
    {
      // Deliveries are the administrators' business, as the methods are.
      config: { access: { resource: 'delivery_methods', access: 'write' } },
      schema: {
        tags: ['recordings'],
        summary: 'Send a failed delivery again now, with the whole retry schedule before it fails again',
        params: z.object({ id: z.uuid('must be an id'), methodId: z.uuid('must be an id') }),
        response: { 200: recordingSchema, 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req) => {
      const r = await load(req, req.params.id);
      const done = await retryFailed(store.db, r.tenantId, r.id, req.params.methodId, new Date());
      if (done === 'missing') throw notFound('delivery');
      if (done === 'not-failed')
        throw conflict(
          'delivery_not_failed',
          'only a failed delivery can be retried; this one is pending or delivered',
        );
      app.services.pbx?.recordings.deliveries.kick();
      await audit(store.db, req, {
        action: 'recording.delivery_retry',
        resource: 'recordings',
        resourceId: r.id,
        details: { methodId: req.params.methodId },
      });
      return recordingView(r, (await deliveriesOf(store.db, r.tenantId, [r.id])).get(r.id));
    },
  );

  app.get(
    '/recordings/:id/audio',
    {
      config: read,
      schema: {
        tags: ['recordings'],
        summary:
          'The recording as a stereo WAV (8 kHz, 16-bit; the caller left, the other party right). Honours a single HTTP Range (206 Partial Content)',
        params: idParam,
        produces: ['audio/wav'],
      },
    },
    async (req, reply) => {
      const r = await load(req, req.params.id);
      if (!r.endedAt) throw conflict('recording_in_progress', 'the call is still being recorded');
      const file = recordingFile(config.dataDir, r.path);
      const size = file
        ? await stat(file).then(
            (s) => (s.isFile() ? s.size : -1),
            () => -1,
          )
        : -1;
      if (!file || size < 0) throw notFound('recording audio');
      let range: { start: number; end: number } | undefined;
      try {
        range = byteRange(req.headers.range, size);
      } catch (e) {
        // RFC 9110 §15.5.17: a 416 says the current length.
        reply.header('content-range', `bytes */${size}`);
        throw e;
      }
      reply.headers({
        'content-type': 'audio/wav',
        'accept-ranges': 'bytes',
        'cache-control': 'private, max-age=0',
        'content-disposition': `inline; filename="recording-${r.id}.wav"`,
        'x-content-type-options': 'nosniff',
      });
      if (!range) {
        reply.header('content-length', String(size));
        // With its end given, the stream ends with its last chunk instead of after one more
        // read: the response is complete when the client has every byte (a client that then
        // closes the server finds the connection idle, not waiting out the keep-alive).
        return reply.send(createReadStream(file, { start: 0, end: Math.max(0, size - 1) }));
      }
      reply.status(206).headers({
        'content-range': `bytes ${range.start}-${range.end}/${size}`,
        'content-length': String(range.end - range.start + 1),
      });
      return reply.send(createReadStream(file, range));
    },
  );

  app.delete(
    '/recordings/:id',
    {
      config: write,
      schema: {
        tags: ['recordings'],
        summary: 'Delete a recording and its audio (administrators; supervisors for their teams)',
        params: idParam,
        response: { 204: z.null(), 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      const r = await load(req, req.params.id);
      if (!r.endedAt) throw conflict('recording_in_progress', 'the call is still being recorded');
      // The file first: a failure leaves the row, and the recording can be deleted again.
      const gone = await deleteFile(recordingFile(config.dataDir, r.path));
      if (gone === 'failed') throw new ApiError(500, 'internal', 'the recording file could not be deleted');
      await store.db.delete(recordings).where(eq(recordings.id, r.id));
      await audit(store.db, req, {
        action: 'recording.delete',
        resource: 'recordings',
        resourceId: r.id,
        details: { callId: r.callId, source: r.source, startedAt: r.startedAt.toISOString() },
      });
      return reply.status(204).send(null);
    },
  );
};
