// Lines (SIP credentials of a person) for PBX tests: a row in `lines` with the digest HA1s for
// the tenant's SIP domain, then a directory reload so the running PBX knows it. (Switch to
// POST /api/people/:id/line once that route exists.)
import { eq } from 'drizzle-orm';
import { lineCredentials } from '../../src/pbx/line-auth.ts';
import { newId } from '../../src/store/ids.ts';
import { lines, tenants } from '../../src/store/schema.ts';
import type { TestServer } from './server.ts';

export interface NewLine {
  tenantId: string;
  personId: string;
  username: string;
  password: string;
  externalCallsAllowed?: boolean;
  callerIdName?: string;
  internalCallerId?: string;
  externalCallerIds?: string[];
}

export interface Line {
  id: string;
  tenantId: string;
  username: string;
  password: string;
  /** The tenant's SIP domain: the realm and the host of the line's address of record. */
  domain: string;
}

export async function createLine(server: TestServer, o: NewLine): Promise<Line> {
  const db = server.running.store.db;
  const [tenant] = await db
    .select({ sipDomain: tenants.sipDomain })
    .from(tenants)
    .where(eq(tenants.id, o.tenantId));
  if (!tenant) throw new Error(`no tenant ${o.tenantId}`);
  const id = newId();
  const { password, username, ...rest } = o;
  await db.insert(lines).values({
    id,
    ...rest,
    sipUsername: username,
    ...lineCredentials(username, tenant.sipDomain, password),
  });
  await server.running.pbx?.directory.reload();
  return { id, tenantId: o.tenantId, username, password, domain: tenant.sipDomain.toLowerCase() };
}
