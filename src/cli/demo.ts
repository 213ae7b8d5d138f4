// `--demo`: a demo company to explore (people with extensions, a number, a sample flow).
// Idempotent: a second start finds it and changes nothing.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { hashPassword } from '../api/auth/crypto.ts';
import type { Config } from '../config/index.ts';
import type { Store } from '../store/database.ts';
import { newId } from '../store/ids.ts';
import { numbers, people, tenants, trunks, users, workspaces } from '../store/schema.ts';

export const DEMO_ADMIN_EMAIL = 'admin@demo.switchboard.test';
export const DEMO_NUMBER = '+15550100100';

const DEMO_PEOPLE = [
  {
    firstName: 'Alice',
    lastName: 'Admin',
    department: 'Management',
    jobTitle: 'Office manager',
    extension: '100',
  },
  {
    firstName: 'Bob',
    lastName: 'Baker',
    department: 'Sales',
    jobTitle: 'Account executive',
    extension: '101',
  },
  {
    firstName: 'Carol',
    lastName: 'Chen',
    department: 'Support',
    jobTitle: 'Support agent',
    extension: '102',
  },
  { firstName: 'Dave', lastName: 'Diaz', department: 'Support', jobTitle: 'Team lead', extension: '103' },
];

/** The sample flow, in the workspace format of DESIGN.md: number -> greeting -> menu. */
export function demoFlow(peopleIds: string[]) {
  return {
    tabs: [{ id: 'main', name: 'Main line' }],
    nodes: [
      { id: 'n-number', type: 'number', config: { number: DEMO_NUMBER } },
      {
        id: 'n-hours',
        type: 'schedule',
        config: {
          timeZone: 'Europe/Riga',
          intervals: ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({
            day,
            start: '09:00',
            end: '18:00',
          })),
        },
      },
      {
        id: 'n-greeting',
        type: 'play',
        config: { tts: { text: 'Thank you for calling Demo Company.', language: 'en' } },
      },
      {
        id: 'n-menu',
        type: 'menu',
        config: {
          prompt: { tts: { text: 'For sales press 1. For support press 2.', language: 'en' } },
          digits: ['1', '2'],
          timeoutSeconds: 5,
          retries: 2,
        },
      },
      {
        id: 'n-sales',
        type: 'ring',
        config: { people: [peopleIds[1]], strategy: 'all', timeoutSeconds: 25 },
      },
      {
        id: 'n-support',
        type: 'ring',
        config: { people: [peopleIds[2], peopleIds[3]], strategy: 'all', timeoutSeconds: 25 },
      },
      { id: 'n-voicemail', type: 'voicemail', config: { mode: 'leave', box: peopleIds[0] } },
    ],
    edges: [
      { from: 'n-number', port: 'next', to: 'n-hours' },
      { from: 'n-hours', port: 'open', to: 'n-greeting' },
      { from: 'n-hours', port: 'closed', to: 'n-voicemail' },
      { from: 'n-greeting', port: 'next', to: 'n-menu' },
      { from: 'n-menu', port: '1', to: 'n-sales' },
      { from: 'n-menu', port: '2', to: 'n-support' },
      { from: 'n-menu', port: 'timeout', to: 'n-voicemail' },
      { from: 'n-menu', port: 'invalid', to: 'n-voicemail' },
      { from: 'n-sales', port: 'no-answer', to: 'n-voicemail' },
      { from: 'n-sales', port: 'busy', to: 'n-voicemail' },
      { from: 'n-support', port: 'no-answer', to: 'n-voicemail' },
      { from: 'n-support', port: 'busy', to: 'n-voicemail' },
    ],
    layout: {
      'n-number': { tab: 'main', x: 40, y: 200 },
      'n-hours': { tab: 'main', x: 240, y: 200 },
      'n-greeting': { tab: 'main', x: 440, y: 120 },
      'n-menu': { tab: 'main', x: 640, y: 120 },
      'n-sales': { tab: 'main', x: 860, y: 40 },
      'n-support': { tab: 'main', x: 860, y: 200 },
      'n-voicemail': { tab: 'main', x: 640, y: 340 },
    },
  };
}

/** Returns the admin password when the demo company was created now, else null. */
export async function seedDemo(
  store: Store,
  config: Config,
): Promise<{ created: boolean; password: string | null }> {
  const [existing] = await store.db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.email, DEMO_ADMIN_EMAIL));
  if (existing) return { created: false, password: null };
  const password = randomBytes(9).toString('base64url');
  const passwordHash = await hashPassword(password);
  await store.db.transaction(async (tx) => {
    const tenantId = newId();
    await tx.insert(tenants).values({
      id: tenantId,
      name: 'Demo Company',
      legalName: 'Demo Company Ltd',
      country: 'LV',
      timeZone: 'Europe/Riga',
      sipDomain: `demo.${config.sipDomainSuffix}`,
      status: 'active',
      billingAddress: { line1: '1 Demo Street', city: 'Riga', postalCode: 'LV-1001', country: 'LV' },
    });
    const ids: string[] = [];
    for (const p of DEMO_PEOPLE) {
      const id = newId();
      ids.push(id);
      const address = `${p.firstName.toLowerCase()}@demo.switchboard.test`;
      await tx
        .insert(people)
        .values({ id, tenantId, ...p, company: 'Demo Company', emails: [{ address, label: 'work' }] });
    }
    await tx.insert(users).values({
      id: newId(),
      tenantId,
      personId: ids[0] as string,
      email: DEMO_ADMIN_EMAIL,
      passwordHash,
      role: 'administrator',
      emailVerifiedAt: new Date(),
    });
    let [trunk] = await tx.select().from(trunks).where(eq(trunks.name, 'demo-carrier'));
    if (!trunk) {
      [trunk] = await tx
        .insert(trunks)
        .values({ id: newId(), name: 'demo-carrier', host: '127.0.0.1', port: 5080 })
        .returning();
    }
    await tx.insert(numbers).values({
      id: newId(),
      e164: DEMO_NUMBER,
      country: 'US',
      areaCode: '555',
      type: 'local',
      trunkId: trunk?.id ?? null,
      tenantId,
      assignedAt: new Date(),
    });
    await tx.insert(workspaces).values({ tenantId, draft: demoFlow(ids) });
  });
  return { created: true, password };
}
