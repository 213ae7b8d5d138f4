// The delivery queue in the database (recording_deliveries): claiming a due delivery so that
// one worker of one node sends it, recording the outcome, and what the API shows and retries.
// A claim pushes the row's next attempt a lease ahead and counts the attempt: a node that dies
// mid-attempt leaves a row that becomes due again when the lease ends.
import { and, asc, eq, inArray, lte, min, sql } from 'drizzle-orm';
import type { Db } from '../../store/database.ts';
import { type DeliveryKind, deliveryMethods, recordingDeliveries } from '../../store/schema.ts';

const rd = recordingDeliveries;

export interface ClaimedDelivery {
  recordingId: string;
  methodId: string;
  tenantId: string;
  /** Attempts so far, this one included. */
  attempts: number;
}

/** Claims the delivery due longest, if any: skipped by other workers while they claim theirs. */
export async function claimDue(db: Db, now: Date, leaseMs: number): Promise<ClaimedDelivery | undefined> {
  const due = db
    .select({ recordingId: rd.recordingId, methodId: rd.methodId })
    .from(rd)
    .where(and(eq(rd.status, 'pending'), lte(rd.nextAttemptAt, now)))
    .orderBy(asc(rd.nextAttemptAt))
    .limit(1)
    .for('update', { skipLocked: true });
  const [row] = await db
    .update(rd)
    .set({ attempts: sql`${rd.attempts} + 1`, nextAttemptAt: new Date(now.getTime() + leaseMs) })
    .where(sql`(${rd.recordingId}, ${rd.methodId}) in (${due})`)
    .returning({
      recordingId: rd.recordingId,
      methodId: rd.methodId,
      tenantId: rd.tenantId,
      attempts: rd.attempts,
    });
  return row;
}

const key = (d: { recordingId: string; methodId: string }) =>
  and(eq(rd.recordingId, d.recordingId), eq(rd.methodId, d.methodId));

export async function markDelivered(db: Db, d: ClaimedDelivery, at: Date): Promise<void> {
  await db
    .update(rd)
    .set({ status: 'delivered', deliveredAt: at, lastError: null })
    .where(and(key(d), eq(rd.status, 'pending')));
}

/** A failed attempt: pending again at `retryAt`, or failed for good when there is none. */
export async function markAttemptFailed(
  db: Db,
  d: ClaimedDelivery,
  error: string,
  retryAt: Date | undefined,
): Promise<void> {
  await db
    .update(rd)
    .set(retryAt ? { lastError: error, nextAttemptAt: retryAt } : { status: 'failed', lastError: error })
    .where(and(key(d), eq(rd.status, 'pending')));
}

/** An attempt cut short by the node stopping: due again at once, and not counted. */
export async function releaseClaim(db: Db, d: ClaimedDelivery, now: Date): Promise<void> {
  await db
    .update(rd)
    .set({ nextAttemptAt: now, attempts: sql`greatest(${rd.attempts} - 1, 0)` })
    .where(and(key(d), eq(rd.status, 'pending')));
}

/** When the next pending delivery is due (claimed ones included, at their lease's end). */
export async function nextDue(db: Db): Promise<Date | undefined> {
  const [row] = await db
    .select({ at: min(rd.nextAttemptAt) })
    .from(rd)
    .where(eq(rd.status, 'pending'));
  return row?.at ?? undefined;
}

export interface DeliveryView {
  methodId: string;
  methodName: string;
  kind: DeliveryKind;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  deliveredAt: string | null;
}

/** The deliveries of these recordings of the tenant, by recording, in the methods' name order. */
export async function deliveriesOf(
  db: Db,
  tenantId: string,
  recordingIds: readonly string[],
): Promise<Map<string, DeliveryView[]>> {
  const out = new Map<string, DeliveryView[]>();
  if (recordingIds.length === 0) return out;
  const rows = await db
    .select({
      recordingId: rd.recordingId,
      methodId: rd.methodId,
      methodName: deliveryMethods.name,
      kind: deliveryMethods.kind,
      status: rd.status,
      attempts: rd.attempts,
      lastError: rd.lastError,
      deliveredAt: rd.deliveredAt,
    })
    .from(rd)
    .innerJoin(deliveryMethods, eq(deliveryMethods.id, rd.methodId))
    .where(and(eq(rd.tenantId, tenantId), inArray(rd.recordingId, [...recordingIds])))
    .orderBy(asc(deliveryMethods.name), asc(rd.methodId));
  for (const { recordingId, deliveredAt, ...d } of rows) {
    const list = out.get(recordingId) ?? [];
    out.set(recordingId, list);
    list.push({ ...d, deliveredAt: deliveredAt ? deliveredAt.toISOString() : null });
  }
  return out;
}

/**
 * A failed delivery back in the queue, due now, with the whole retry schedule before it.
 * Returns 'retried', or what stops it: 'missing', or 'not-failed' (pending or delivered).
 */
export async function retryFailed(
  db: Db,
  tenantId: string,
  recordingId: string,
  methodId: string,
  now: Date,
): Promise<'retried' | 'missing' | 'not-failed'> {
  const [row] = await db
    .update(rd)
    .set({ status: 'pending', attempts: 0, nextAttemptAt: now })
    .where(and(eq(rd.tenantId, tenantId), key({ recordingId, methodId }), eq(rd.status, 'failed')))
    .returning({ status: rd.status });
  if (row) return 'retried';
  const [exists] = await db
    .select({ status: rd.status })
    .from(rd)
    .where(and(eq(rd.tenantId, tenantId), key({ recordingId, methodId })))
    .limit(1);
  return exists ? 'not-failed' : 'missing';
}
