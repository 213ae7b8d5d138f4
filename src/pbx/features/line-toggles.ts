// Do not disturb and unconditional forwarding switched from the phone by feature code: the
// caller's own line changes in the database, as the lines API would change it, and the
// routing data is reloaded so the next call sees it.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../store/database.ts';
import { lines } from '../../store/schema.ts';
import type { Refusal } from '../calls/toll-fraud.ts';
import {
  applyDialingRules,
  callingCodeOf,
  DialPlanError,
  isInternalNumber,
  type NumberingPlan,
  toE164,
} from '../dial-plan.ts';
import type { Directory, LineRoute, TenantRoute } from '../directory.ts';

const E164 = /^\+[1-9]\d{1,14}$/;

/** Dialling rules' fallback when the company's country has no numbering plan (as the router). */
const NANP: NumberingPlan = { countryCallingCode: '1', trunkPrefix: '1', internationalPrefix: '011' };

/**
 * Where a line may forward to, from what its phone dialled after the code: an extension of
 * the company (with a line, not this one) or a number made E.164 the way the router makes a
 * dialled number E.164. External forwarding needs a line allowed external calls, since the
 * forwarding line pays for it. The lines API applies the same rules to `forwardTo`.
 */
export function forwardTarget(
  directory: Directory,
  tenant: TenantRoute,
  line: LineRoute,
  dialled: string,
): { to: string } | Refusal {
  if (!/^\+?\d{1,20}$/.test(dialled))
    return { status: 484, reason: 'Forwarding needs a number or an extension' };
  const number = dialled.startsWith('+') ? dialled : applyDialingRules(dialled, tenant.dialingRules);
  if (isInternalNumber(number)) {
    const target = directory.lineByExtension(tenant.id, number);
    if (!target) return { status: 404, reason: 'No such extension' };
    if (target.personId === line.personId) return { status: 482, reason: 'Cannot forward to yourself' };
    return { to: number };
  }
  let e164: string;
  try {
    e164 = toE164(number, callingCodeOf(tenant.country) ?? NANP);
  } catch (e) {
    if (e instanceof DialPlanError) return { status: 484, reason: e.message };
    throw e;
  }
  if (!E164.test(e164)) return { status: 484, reason: 'Not a phone number' };
  if (!line.externalCallsAllowed)
    return { status: 403, reason: 'External forwarding not allowed on this line' };
  return { to: e164 };
}

export async function setDoNotDisturb(db: Db, directory: Directory, line: LineRoute, on: boolean) {
  await update(db, directory, line, { doNotDisturb: on });
}

/** Unconditional forwarding to `to`, or none. */
export async function setForwarding(db: Db, directory: Directory, line: LineRoute, to: string | null) {
  await update(db, directory, line, { forwardTo: to });
}

async function update(
  db: Db,
  directory: Directory,
  line: LineRoute,
  set: { doNotDisturb?: boolean; forwardTo?: string | null },
): Promise<void> {
  await db
    .update(lines)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(lines.tenantId, line.tenantId), eq(lines.id, line.id)));
  await directory.reload();
}
