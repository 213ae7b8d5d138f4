// `--demo`: a demo company to explore (people with extensions, a number, a sample flow).
// Idempotent: a second start finds it and changes nothing.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { hashPassword } from '../api/auth/crypto.ts';
import type { Config } from '../config/index.ts';
import type { FlowNode, Workspace } from '../flows/index.ts';
import type { Store } from '../store/database.ts';
import { newId } from '../store/ids.ts';
import { numbers, people, tenants, trunks, users, workspaces, workspaceVersions } from '../store/schema.ts';

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

/**
 * The sample flow (docs/flows.md): number -> business hours -> greeting -> menu -> sales or
 * support; after hours, and when nobody answers, a message and goodbye. Published as version 1.
 */
export function demoFlow(peopleIds: string[]): Workspace {
  const tts = (text: string) => ({ kind: 'tts' as const, text, language: 'en' });
  const person = (i: number) => ({ kind: 'person' as const, id: peopleIds[i] as string });
  const node = (id: string, type: FlowNode['type'], name: string, config: unknown): FlowNode => ({
    id,
    type,
    name,
    config,
  });
  const nodes: FlowNode[] = [
    node('n-number', 'number', 'Main number', { number: DEMO_NUMBER }),
    node('n-hours', 'schedule', 'Business hours', {
      timezone: 'Europe/Riga',
      weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' }],
      holidays: [],
    }),
    node('n-greeting', 'play', 'Greeting', {
      prompt: tts('Thank you for calling Demo Company.'),
      bargeIn: true,
    }),
    node('n-menu', 'menu', 'Main menu', {
      prompt: tts('For sales press 1. For support press 2.'),
      invalidPrompt: tts('Sorry, that is not an option.'),
      keys: ['1', '2'],
      timeoutSec: 5,
      retries: 2,
    }),
    node('n-sales', 'ring', 'Sales', { targets: [person(1)], strategy: 'simultaneous', timeoutSec: 25 }),
    node('n-support', 'ring', 'Support', {
      targets: [person(2), person(3)],
      strategy: 'sequential',
      stepTimeoutSec: 15,
    }),
    node('n-closed', 'play', 'Closed message', {
      prompt: tts('We are closed. Our hours are nine to six, Monday to Friday.'),
    }),
    node('n-sorry', 'play', 'Nobody free', {
      prompt: tts('Sorry, nobody can take your call. Please call again.'),
    }),
    node('n-bye', 'hangup', 'Goodbye', {}),
  ];
  const cables: [string, string, string][] = [
    ['n-number', 'next', 'n-hours'],
    ['n-hours', 'open', 'n-greeting'],
    ['n-hours', 'closed', 'n-closed'],
    ['n-greeting', 'next', 'n-menu'],
    ['n-menu', '1', 'n-sales'],
    ['n-menu', '2', 'n-support'],
    ['n-menu', 'timeout', 'n-sorry'],
    ['n-menu', 'invalid', 'n-sorry'],
    ['n-menu', 'default', 'n-sorry'],
    ['n-sales', 'answered', 'n-bye'],
    ['n-sales', 'no-answer', 'n-sorry'],
    ['n-sales', 'busy', 'n-sorry'],
    ['n-support', 'answered', 'n-bye'],
    ['n-support', 'no-answer', 'n-sorry'],
    ['n-support', 'busy', 'n-sorry'],
    ['n-closed', 'next', 'n-bye'],
    ['n-sorry', 'next', 'n-bye'],
  ];
  const at: Record<string, [number, number]> = {
    'n-number': [40, 200],
    'n-hours': [240, 200],
    'n-greeting': [440, 120],
    'n-menu': [640, 120],
    'n-sales': [860, 40],
    'n-support': [860, 200],
    'n-closed': [440, 340],
    'n-sorry': [860, 340],
    'n-bye': [1080, 340],
  };
  return {
    tabs: [{ id: 'main', name: 'Main line' }],
    nodes,
    edges: cables.map(([from, output, to]) => ({ id: `${from}--${output}`, from, output, to })),
    layout: Object.fromEntries(Object.entries(at).map(([id, [x, y]]) => [id, { tab: 'main', x, y }])),
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
    // The demo answers its number with the sample flow at once: the draft is also version 1.
    const flow = demoFlow(ids) as unknown as Record<string, unknown>;
    await tx.insert(workspaces).values({ tenantId, draft: flow, publishedVersion: 1 });
    await tx.insert(workspaceVersions).values({
      id: newId(),
      tenantId,
      version: 1,
      graph: flow,
      note: 'Demo flow',
    });
  });
  return { created: true, password };
}
