// Queue agents by phone: the login, logout, pause and unpause codes change the caller's
// queue memberships (as a person, or through their line) the way the queue agents API does,
// then the running queues of the company are told, and a short confirmation is said.
import { and, eq, inArray, or } from 'drizzle-orm';
import type { Db } from '../../store/database.ts';
import { lines, queueMembers } from '../../store/schema.ts';
import type { Refusal } from '../calls/toll-fraud.ts';
import type { LineRoute, TenantRoute } from '../directory.ts';
import type { AgentAction, QueueAgentAction } from './dialled.ts';
import { spoken } from './spoken.ts';

const CONFIRMATION: Record<AgentAction, string> = {
  login: 'You are logged in to your queues.',
  logout: 'You are logged out of your queues.',
  pause: 'You are paused.',
  unpause: 'You are back from your pause.',
};

/** A pause code's argument: the number of a reason, kept as "code N" (the API takes free text). */
const REASON_CODE = /^\d{1,4}$/;

export function queueAgentCodes(
  db: Db,
  /** Tells the running queues that logins or pauses of the company changed. */
  reloadQueues: (tenantId: string) => Promise<void>,
): QueueAgentAction {
  return async (tenant: TenantRoute, line: LineRoute, action: AgentAction, argument: string) => {
    if (argument && (action !== 'pause' || !REASON_CODE.test(argument)))
      return { status: 484, reason: 'A pause reason is a number of up to 4 digits' } satisfies Refusal;
    const ownLines = db.select({ id: lines.id }).from(lines).where(eq(lines.personId, line.personId));
    const rows = await db
      .select({ id: queueMembers.id })
      .from(queueMembers)
      .where(
        and(
          eq(queueMembers.tenantId, tenant.id),
          or(eq(queueMembers.personId, line.personId), inArray(queueMembers.lineId, ownLines)),
        ),
      );
    if (rows.length === 0) return { status: 404, reason: 'Not a member of any queue' } satisfies Refusal;
    const set =
      action === 'login'
        ? { loggedIn: true }
        : action === 'logout'
          ? { loggedIn: false, pausedReason: null }
          : action === 'pause'
            ? { loggedIn: true, pausedReason: argument ? `code ${argument}` : 'paused' }
            : { pausedReason: null };
    await db
      .update(queueMembers)
      .set(set)
      .where(
        inArray(
          queueMembers.id,
          rows.map((r) => r.id),
        ),
      );
    await reloadQueues(tenant.id);
    return spoken(`feature-agent-${action}`, CONFIRMATION[action]);
  };
}
