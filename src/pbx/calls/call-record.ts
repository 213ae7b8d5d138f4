// The call record (CDR) of a call that ended: one row with its legs, built from the call.
import type { CallLegRecord, callRecords } from '../../store/schema.ts';
import type { Call } from './call.ts';
import type { OutboundLeg } from './legs.ts';

/** The record of one leg we rang. */
export function calleeLegRecord(leg: OutboundLeg, status: number, answered: boolean): CallLegRecord {
  return {
    role: 'callee',
    kind: leg.label.kind,
    ...(leg.label.kind === 'line'
      ? { lineId: leg.label.id }
      : leg.label.kind === 'trunk'
        ? { trunkId: leg.label.id }
        : {}),
    uri: leg.options.uri.toString(),
    status,
    ...(answered ? { answeredAt: new Date().toISOString() } : {}),
  };
}

export function callRecordOf(
  call: Call,
  o: { ended: Date; billable: number; cost: number; answeredTrunkId: string | null; legs: CallLegRecord[] },
): typeof callRecords.$inferInsert {
  const { ended } = o;
  return {
    id: call.id,
    tenantId: call.tenantId,
    sipCallId: call.a.invite.callId,
    direction: call.direction,
    callerNumber: call.caller.number,
    callerName: call.caller.name,
    calleeNumber: call.callee.number,
    callerLineId: call.caller.lineId ?? null,
    calleeLineId: call.callee.lineId ?? null,
    trunkId: call.trunkId ?? o.answeredTrunkId,
    startedAt: call.startedAt,
    answeredAt: call.answeredAt ?? null,
    endedAt: ended,
    durationSeconds: Math.ceil((ended.getTime() - call.startedAt.getTime()) / 1000),
    billableSeconds: o.billable,
    disposition: call.disposition,
    hangupCause: call.hangupCause,
    endedBy: call.endedBy,
    costMicros: o.cost,
    legs: [
      {
        role: 'caller',
        kind: call.trunkId ? 'trunk' : 'line',
        ...(call.caller.lineId ? { lineId: call.caller.lineId } : {}),
        ...(call.trunkId ? { trunkId: call.trunkId } : {}),
        uri: call.a.invite.from.uriText,
        ...(call.answeredAt ? { answeredAt: call.answeredAt.toISOString() } : {}),
        endedAt: ended.toISOString(),
      },
      ...o.legs,
    ],
  };
}
