// Who may do what to whom by phone: a person's role (from the user that signs in as them) and
// the teams that join supervisors to their agents. Read from the database when a feature code
// is dialled (rare, and a role or team change must count at once); never on a plain call.
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../store/database.ts';
import { teamMembers, users } from '../../store/schema.ts';

export type PersonRole = 'administrator' | 'supervisor' | 'agent';

/** The role of the (enabled) user who is this person, or undefined when nobody signs in as them. */
export async function personRole(
  db: Db,
  tenantId: string,
  personId: string,
): Promise<PersonRole | undefined> {
  const [u] = await db
    .select({ role: users.role })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.personId, personId), isNull(users.disabledAt)))
    .limit(1);
  return u && u.role !== 'operator' ? u.role : undefined;
}

/** The teams a person supervises, as a subquery. */
function teamsLedBy(db: Db, tenantId: string, supervisor: string) {
  return db
    .select({ teamId: teamMembers.teamId })
    .from(teamMembers)
    .where(
      and(
        eq(teamMembers.tenantId, tenantId),
        eq(teamMembers.personId, supervisor),
        eq(teamMembers.role, 'supervisor'),
      ),
    );
}

/** True when `supervisor` is a supervisor of some team that `agent` belongs to (in any role). */
export async function supervises(
  db: Db,
  tenantId: string,
  supervisor: string,
  agent: string,
): Promise<boolean> {
  const led = teamsLedBy(db, tenantId, supervisor);
  const [row] = await db
    .select({ teamId: teamMembers.teamId })
    .from(teamMembers)
    .where(
      and(
        eq(teamMembers.tenantId, tenantId),
        eq(teamMembers.personId, agent),
        inArray(teamMembers.teamId, led),
      ),
    )
    .limit(1);
  return !!row;
}

/** Everyone who shares a team with the person (in any role), the person left out. */
export async function teamMates(db: Db, tenantId: string, personId: string): Promise<Set<string>> {
  const own = db
    .select({ teamId: teamMembers.teamId })
    .from(teamMembers)
    .where(and(eq(teamMembers.tenantId, tenantId), eq(teamMembers.personId, personId)));
  const rows = await db
    .select({ personId: teamMembers.personId })
    .from(teamMembers)
    .where(and(eq(teamMembers.tenantId, tenantId), inArray(teamMembers.teamId, own)));
  const out = new Set(rows.map((r) => r.personId));
  out.delete(personId);
  return out;
}

/** The people of the teams a person supervises (for supervisors' views of their teams). */
export async function supervisedPeople(db: Db, tenantId: string, supervisor: string): Promise<Set<string>> {
  const led = teamsLedBy(db, tenantId, supervisor);
  const rows = await db
    .select({ personId: teamMembers.personId })
    .from(teamMembers)
    .where(and(eq(teamMembers.tenantId, tenantId), inArray(teamMembers.teamId, led)));
  return new Set(rows.map((r) => r.personId));
}
