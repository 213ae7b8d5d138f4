// Who a caller last spoke to: the flow's history node routes a returning caller back to them.
// Read from the call records (answered calls either way: they called us, or we called them).
import { and, desc, eq, gte, isNotNull, or } from 'drizzle-orm';
import type { RingTarget } from '../../flows/index.ts';
import type { Db } from '../../store/database.ts';
import { callRecords } from '../../store/schema.ts';

export async function lastAgent(
  db: Db,
  tenantId: string,
  callerNumber: string,
  withinHours: number,
): Promise<RingTarget | undefined> {
  const since = new Date(Date.now() - withinHours * 3_600_000);
  const [row] = await db
    .select({
      callerNumber: callRecords.callerNumber,
      callerLineId: callRecords.callerLineId,
      calleeLineId: callRecords.calleeLineId,
    })
    .from(callRecords)
    .where(
      and(
        eq(callRecords.tenantId, tenantId),
        gte(callRecords.startedAt, since),
        isNotNull(callRecords.answeredAt),
        or(
          and(eq(callRecords.callerNumber, callerNumber), isNotNull(callRecords.calleeLineId)),
          and(eq(callRecords.calleeNumber, callerNumber), isNotNull(callRecords.callerLineId)),
        ),
      ),
    )
    .orderBy(desc(callRecords.startedAt))
    .limit(1);
  if (!row) return undefined;
  const lineId = row.callerNumber === callerNumber ? row.calleeLineId : row.callerLineId;
  return lineId ? { kind: 'line', id: lineId } : undefined;
}
