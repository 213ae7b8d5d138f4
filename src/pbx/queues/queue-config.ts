// A tenant's queues as the runtime needs them, read from the database: the dispatcher's
// settings and members, and what the waiting caller hears (music, announcements, callback key).
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../store/database.ts';
import { queueMembers, queues, tenants } from '../../store/schema.ts';
import type { QueueDispatcher } from './dispatcher.ts';
import { DEFAULT_QUEUE_SETTINGS, type QueueMember, type QueueSettings } from './types.ts';

/** After a missed ring the agent rests this long before another offer (no tight re-ring loop). */
export const RETRY_SEC = 2;

export interface QueueConfig {
  id: string;
  tenantId: string;
  name: string;
  settings: QueueSettings;
  members: MemberConfig[];
  musicPromptId: string | null;
  announcePosition: boolean;
  announceWaitTime: boolean;
  announceEverySec: number;
  callbackKey: string | null;
  record: boolean;
  teamId: string | null;
}

export interface MemberConfig extends QueueMember {
  memberId: string;
  personId: string | null;
  lineId: string | null;
  loggedIn: boolean;
  pausedReason: string | null;
}

/** `person:<id>` or `line:<id>`: one agent across every queue it is a member of. */
export const agentIdOf = (m: { personId: string | null; lineId: string | null }): string =>
  m.personId ? `person:${m.personId}` : `line:${m.lineId}`;

type QueueRow = typeof queues.$inferSelect;
type MemberRow = typeof queueMembers.$inferSelect;

export function queueConfig(q: QueueRow, members: MemberRow[]): QueueConfig {
  return {
    id: q.id,
    tenantId: q.tenantId,
    name: q.name,
    settings: {
      ...DEFAULT_QUEUE_SETTINGS,
      strategy: q.strategy,
      ringTimeoutSec: q.ringTimeoutSeconds,
      wrapUpSec: q.wrapUpSeconds,
      retrySec: RETRY_SEC,
      // 0 in the database means no limit.
      maxWaitSec: q.maxWaitSeconds > 0 ? q.maxWaitSeconds : null,
      maxSize: q.maxCallers,
      serviceLevelSec: q.serviceLevelSeconds,
    },
    members: members.map((m) => ({
      agentId: agentIdOf(m),
      memberId: m.id,
      personId: m.personId,
      lineId: m.lineId,
      ringTimeoutSec: m.ringTimeoutSeconds,
      skills: m.skills,
      loggedIn: m.loggedIn,
      pausedReason: m.pausedReason,
    })),
    musicPromptId: q.musicPromptId,
    announcePosition: q.announcePosition,
    announceWaitTime: q.announceWaitTime,
    announceEverySec: q.announceEverySeconds,
    callbackKey: q.callbackKey,
    record: q.record,
    teamId: q.teamId,
  };
}

/** Every queue of a tenant with its members (in the order they were added), and its time zone. */
export async function loadTenantQueues(
  db: Db,
  tenantId: string,
): Promise<{ timeZone: string; queues: QueueConfig[] }> {
  const [tenant] = await db
    .select({ timeZone: tenants.timeZone })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  const rows = await db.select().from(queues).where(eq(queues.tenantId, tenantId));
  const members = await db
    .select()
    .from(queueMembers)
    .where(and(eq(queueMembers.tenantId, tenantId)))
    .orderBy(asc(queueMembers.createdAt), asc(queueMembers.id));
  return {
    timeZone: tenant?.timeZone ?? 'UTC',
    queues: rows.map((q) =>
      queueConfig(
        q,
        members.filter((m) => m.queueId === q.id),
      ),
    ),
  };
}

/** The next midnight in a time zone after `now` (fewest-calls counts run per local day). */
export function nextMidnight(now: number, timeZone: string): number {
  const offsetAt = (t: number): number => {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }).formatToParts(t);
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
    const wall = Date.UTC(
      get('year'),
      get('month') - 1,
      get('day'),
      get('hour'),
      get('minute'),
      get('second'),
    );
    return wall - Math.floor(t / 1000) * 1000;
  };
  let offset: number;
  try {
    offset = offsetAt(now);
  } catch {
    offset = 0; // an unknown zone counts in UTC
    timeZone = 'UTC';
  }
  const local = new Date(now + offset);
  const midnight = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1);
  // A change of offset (daylight saving) between now and midnight: measure again there.
  const guess = midnight - offset;
  return midnight - offsetAt(guess);
}

/** The database's login and pause state, applied to a dispatcher (idempotent). */
export function applyLogins(q: { config: QueueConfig; dispatcher: QueueDispatcher }): void {
  for (const m of q.config.members) {
    if (m.loggedIn) q.dispatcher.login(m.agentId);
    else q.dispatcher.logout(m.agentId);
    if (m.loggedIn && m.pausedReason) q.dispatcher.pause(m.agentId, m.pausedReason);
    else q.dispatcher.unpause(m.agentId);
  }
}
