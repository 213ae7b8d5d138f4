// Which delivery methods a completed recording goes to (spec 001 "Delivery Methods"): those
// named by the lines of the people on the call, each once. Planned off the call path, when
// the recording's row is complete; each (recording, method) becomes a pending delivery that
// the worker sends (delivery-worker.ts).
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../store/database.ts';
import { isUuid } from '../../store/ids.ts';
import { deliveryMethods, type LineRecording, lines, recordingDeliveries } from '../../store/schema.ts';

/** Most delivery methods one line may name (the API refuses more). */
export const MAX_LINE_DELIVERY_METHODS = 5;

/** A line's delivery methods; rows written before delivery methods existed have none. */
export function deliveryMethodIdsOf(recording: LineRecording | null | undefined): string[] {
  const ids = recording?.deliveryMethodIds;
  return Array.isArray(ids) ? ids.filter((id) => typeof id === 'string') : [];
}

/** The union of the lines' delivery methods, each once, in the order first named. */
export function unionOfMethods(settings: readonly (LineRecording | null | undefined)[]): string[] {
  const out = new Set<string>();
  for (const s of settings)
    for (const id of deliveryMethodIdsOf(s)) if (isUuid(id)) out.add(id.toLowerCase());
  return [...out];
}

export interface CompletedRecording {
  id: string;
  tenantId: string;
  /** The people on the call (the row's personIds). */
  personIds: readonly string[];
}

/**
 * Queues the recording's deliveries: one pending row per method its people's lines name and
 * the tenant still has. Planning twice adds nothing. Returns how many rows were added.
 */
export async function planDeliveries(db: Db, r: CompletedRecording, now = new Date()): Promise<number> {
  const people = r.personIds.filter(isUuid);
  if (people.length === 0) return 0;
  const rows = await db
    .select({ recording: lines.recording })
    .from(lines)
    .where(and(eq(lines.tenantId, r.tenantId), inArray(lines.personId, people)));
  const wanted = unionOfMethods(rows.map((l) => l.recording));
  if (wanted.length === 0) return 0;
  // A method deleted since the line named it is skipped; another tenant's id never matches.
  const methods = await db
    .select({ id: deliveryMethods.id })
    .from(deliveryMethods)
    .where(and(eq(deliveryMethods.tenantId, r.tenantId), inArray(deliveryMethods.id, wanted)));
  if (methods.length === 0) return 0;
  const added = await db
    .insert(recordingDeliveries)
    .values(
      methods.map((m) => ({
        recordingId: r.id,
        methodId: m.id,
        tenantId: r.tenantId,
        status: 'pending' as const,
        nextAttemptAt: now,
      })),
    )
    .onConflictDoNothing()
    .returning({ methodId: recordingDeliveries.methodId });
  return added.length;
}
