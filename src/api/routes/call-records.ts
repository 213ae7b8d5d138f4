// Call records (CDRs): one row per call, written by the call engine. Listed newest first with
// filters, one by id with its legs, and exported as CSV with the same filters.
import { and, desc, eq, gte, ilike, lt, or, type SQL } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../store/database.ts';
import { isUuid } from '../../store/ids.ts';
import { callRecords } from '../../store/schema.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { toCsv } from '../csv.ts';
import { badRequest, errorBodySchema, notFound } from '../errors.ts';
import { containsPattern, idParam, iso } from '../schemas.ts';
import { formatMoney } from './calling.ts';

type CallRow = typeof callRecords.$inferSelect;

const DIRECTIONS = ['inbound', 'outbound', 'internal'] as const;
const DISPOSITIONS = ['answered', 'busy', 'no-answer', 'cancelled', 'failed', 'rejected'] as const;

const callFilter = z.object({
  direction: z.enum(DIRECTIONS).optional(),
  disposition: z.enum(DISPOSITIONS).optional(),
  from: z.iso
    .datetime({ offset: true, message: 'must be an ISO time such as 2025-01-31T12:00:00Z' })
    .optional(),
  to: z.iso
    .datetime({ offset: true, message: 'must be an ISO time such as 2025-01-31T12:00:00Z' })
    .optional(),
  number: z
    .string()
    .trim()
    .min(1)
    .max(20)
    .regex(/^\+?\d+$/, 'must be digits, optionally after +')
    .optional(),
  lineId: z.uuid('must be an id').optional(),
});
type CallFilter = z.infer<typeof callFilter>;

const callSchema = z.object({
  id: z.string(),
  direction: z.enum(DIRECTIONS),
  callerNumber: z.string(),
  callerName: z.string().nullable(),
  calleeNumber: z.string(),
  callerLineId: z.string().nullable(),
  calleeLineId: z.string().nullable(),
  trunkId: z.string().nullable(),
  startedAt: z.string(),
  answeredAt: z.string().nullable(),
  endedAt: z.string(),
  durationSeconds: z.number(),
  billableSeconds: z.number(),
  disposition: z.enum(DISPOSITIONS),
  hangupCause: z.string().nullable(),
  endedBy: z.enum(['caller', 'callee', 'system']).nullable(),
  cost: z.string().describe('In currency units'),
});
const callDetailSchema = callSchema.extend({
  sipCallId: z.string(),
  legs: z.array(
    z.object({
      role: z.enum(['caller', 'callee']),
      kind: z.enum(['line', 'trunk', 'sip']),
      lineId: z.string().optional(),
      trunkId: z.string().optional(),
      uri: z.string(),
      status: z.number().optional(),
      answeredAt: z.string().optional(),
      endedAt: z.string().optional(),
    }),
  ),
});

const callView = (c: CallRow) => ({
  id: c.id,
  direction: c.direction,
  callerNumber: c.callerNumber,
  callerName: c.callerName,
  calleeNumber: c.calleeNumber,
  callerLineId: c.callerLineId,
  calleeLineId: c.calleeLineId,
  trunkId: c.trunkId,
  startedAt: iso(c.startedAt) as string,
  answeredAt: iso(c.answeredAt),
  endedAt: iso(c.endedAt) as string,
  durationSeconds: c.durationSeconds,
  billableSeconds: c.billableSeconds,
  disposition: c.disposition,
  hangupCause: c.hangupCause,
  endedBy: c.endedBy,
  cost: formatMoney(c.costMicros),
});

// Newest first: the cursor is the (startedAt, id) of the last row shown.
function encodeCursor(c: CallRow): string {
  return Buffer.from(`${c.startedAt.toISOString()}|${c.id}`, 'utf8').toString('base64url');
}
function decodeCallCursor(cursor: string | undefined): { startedAt: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const [t, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const startedAt = new Date(t ?? '');
  if (!id || !isUuid(id) || Number.isNaN(startedAt.getTime()))
    throw badRequest('invalid_cursor', 'cursor is not one this API returned', 'cursor');
  return { startedAt, id };
}

function conditions(tenantId: string, f: CallFilter): (SQL | undefined)[] {
  const like = f.number ? containsPattern(f.number) : undefined;
  return [
    eq(callRecords.tenantId, tenantId),
    f.direction ? eq(callRecords.direction, f.direction) : undefined,
    f.disposition ? eq(callRecords.disposition, f.disposition) : undefined,
    f.from ? gte(callRecords.startedAt, new Date(f.from)) : undefined,
    f.to ? lt(callRecords.startedAt, new Date(f.to)) : undefined,
    like ? or(ilike(callRecords.callerNumber, like), ilike(callRecords.calleeNumber, like)) : undefined,
    f.lineId ? or(eq(callRecords.callerLineId, f.lineId), eq(callRecords.calleeLineId, f.lineId)) : undefined,
  ];
}

async function page(
  db: Db,
  where: (SQL | undefined)[],
  after: { startedAt: Date; id: string } | undefined,
  limit: number,
): Promise<CallRow[]> {
  return db
    .select()
    .from(callRecords)
    .where(
      and(
        ...where,
        after
          ? or(
              lt(callRecords.startedAt, after.startedAt),
              and(eq(callRecords.startedAt, after.startedAt), lt(callRecords.id, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(callRecords.startedAt), desc(callRecords.id))
    .limit(limit);
}

const CSV_COLUMNS = [
  'id',
  'started_at',
  'answered_at',
  'ended_at',
  'direction',
  'caller_number',
  'caller_name',
  'callee_number',
  'duration_seconds',
  'billable_seconds',
  'disposition',
  'hangup_cause',
  'ended_by',
  'cost',
] as const;
const CSV_MAX_ROWS = 100_000;

export const callRecordRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.services;
  const read = { access: { resource: 'calls' as const, access: 'read' as const } };

  app.get(
    '/calls',
    {
      config: read,
      schema: {
        tags: ['calls'],
        summary:
          'Call records, newest first: by direction, disposition, start time (from inclusive, to exclusive), number (caller or callee contains it) or line',
        querystring: z
          .object({
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().max(200).optional(),
          })
          .extend(callFilter.shape),
        response: { 200: z.object({ items: z.array(callSchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => {
      const { limit, cursor, ...filter } = req.query;
      const rows = await page(
        store.db,
        conditions(tenantIdOf(req), filter),
        decodeCallCursor(cursor),
        limit + 1,
      );
      const more = rows.length > limit;
      const items = more ? rows.slice(0, limit) : rows;
      const last = items[items.length - 1];
      return { items: items.map(callView), nextCursor: more && last ? encodeCursor(last) : null };
    },
  );

  app.get(
    '/calls.csv',
    {
      config: read,
      schema: {
        tags: ['calls'],
        summary: `Call records as CSV, newest first, with the filters of GET /calls (at most ${CSV_MAX_ROWS} rows)`,
        querystring: callFilter,
        produces: ['text/csv'],
      },
    },
    async (req, reply) => {
      const where = conditions(tenantIdOf(req), req.query);
      const out: string[][] = [];
      let after: { startedAt: Date; id: string } | undefined;
      while (out.length < CSV_MAX_ROWS) {
        const rows = await page(store.db, where, after, Math.min(1000, CSV_MAX_ROWS - out.length));
        for (const c of rows)
          out.push([
            c.id,
            c.startedAt.toISOString(),
            iso(c.answeredAt) ?? '',
            c.endedAt.toISOString(),
            c.direction,
            c.callerNumber,
            c.callerName ?? '',
            c.calleeNumber,
            String(c.durationSeconds),
            String(c.billableSeconds),
            c.disposition,
            c.hangupCause ?? '',
            c.endedBy ?? '',
            formatMoney(c.costMicros),
          ]);
        const last = rows[rows.length - 1];
        if (rows.length < 1000 || !last) break;
        after = { startedAt: last.startedAt, id: last.id };
      }
      reply.header('content-type', 'text/csv; charset=utf-8');
      reply.header('content-disposition', 'attachment; filename="calls.csv"');
      return toCsv(CSV_COLUMNS, out);
    },
  );

  app.get(
    '/calls/:id',
    {
      config: read,
      schema: {
        tags: ['calls'],
        summary: 'One call record with its legs',
        params: idParam,
        response: { 200: callDetailSchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const [c] = await store.db
        .select()
        .from(callRecords)
        .where(and(eq(callRecords.tenantId, tenantIdOf(req)), eq(callRecords.id, req.params.id)))
        .limit(1);
      if (!c) throw notFound('call');
      return { ...callView(c), sipCallId: c.sipCallId, legs: c.legs };
    },
  );
};
