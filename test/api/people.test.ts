// People, extensions, invitations, roles and tenant isolation, over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invitations } from '../../src/store/schema.ts';
import { addUser, type Company, PASSWORD, signUpCompany } from '../helpers/accounts.ts';
import type { ApiResponse } from '../helpers/client.ts';
import { databases, startTestServer, type TestServer, tokenFromMail } from '../helpers/server.ts';

describe.each(databases())('people on %s', (db) => {
  let server: TestServer;
  let acme: Company;
  let other: Company;
  beforeAll(async () => {
    server = await startTestServer(db);
    acme = await signUpCompany(server, 'Acme People');
    other = await signUpCompany(server, 'Other People');
  });
  afterAll(() => server?.close());

  it('creates a person with directory details and an extension', async () => {
    const res = await acme.admin.post('/api/people', {
      firstName: 'Ivan',
      lastName: 'Ozols',
      department: 'Support',
      jobTitle: 'Agent',
      emails: [
        { address: 'Ivan@Acme.example', label: 'work' },
        { address: 'ivan@home.example', label: 'home' },
      ],
      contactNumbers: [{ number: '+37120000000', label: 'mobile' }, { number: '205' }],
      extension: '201',
      timeSchedule: { timeZone: 'Europe/Riga', intervals: [{ day: 'mon', start: '09:00', end: '17:00' }] },
      emergencyAddress: { line1: 'Elizabetes 1', city: 'Riga', postalCode: 'LV-1010', country: 'lv' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      firstName: 'Ivan',
      extension: '201',
      showInDirectory: true,
      emails: [{ address: 'ivan@acme.example', label: 'work' }, { label: 'home' }],
      emergencyAddress: { country: 'LV' },
      user: null,
    });
    const got = await acme.admin.get(`/api/people/${res.body.id}`);
    expect(got.body.contactNumbers).toEqual([{ number: '+37120000000', label: 'mobile' }, { number: '205' }]);
  });

  it.each([
    [{ contactNumbers: [{ number: '0037120000000' }] }, 'contactNumbers.0.number', /E\.164/],
    [{ contactNumbers: [{ number: '+0123' }] }, 'contactNumbers.0.number', /E\.164/],
    [{ extension: '12' }, 'extension', /3 to 6 digits/],
    [{ extension: '1234567' }, 'extension', /3 to 6 digits/],
    [{ emails: [{ address: 'not-an-email', label: 'work' }] }, 'emails.0.address', /email/],
    [{ emails: [{ address: 'a@b.example', label: 'office' }] }, 'emails.0.label', /./],
    [
      { timeSchedule: { intervals: [{ day: 'mon', start: '18:00', end: '09:00' }] } },
      'timeSchedule.intervals.0.end',
      /before/,
    ],
  ])('rejects %j with 400 at the field', async (patch, field, message) => {
    const res = await acme.admin.post('/api/people', { firstName: 'Bad', lastName: 'Input', ...patch });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.field).toBe(field);
    expect(res.body.error.message).toMatch(message);
  });

  it('keeps extensions unique within a company but not across companies', async () => {
    expect(
      (await acme.admin.post('/api/people', { firstName: 'A', lastName: 'One', extension: '300' })).status,
    ).toBe(201);
    const dup = await acme.admin.post('/api/people', { firstName: 'B', lastName: 'Two', extension: '300' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toEqual({
      code: 'extension_taken',
      message: 'extension 300 is already used by someone in your company',
      field: 'extension',
    });
    expect(
      (await other.admin.post('/api/people', { firstName: 'C', lastName: 'Three', extension: '300' })).status,
    ).toBe(201);
    const person = await acme.admin.post('/api/people', {
      firstName: 'D',
      lastName: 'Four',
      extension: '301',
    });
    const clash = await acme.admin.patch(`/api/people/${person.body.id}`, { extension: '300' });
    expect(clash.status).toBe(409);
  });

  it("treats another company's person as not found", async () => {
    const mine = await acme.admin.post('/api/people', { firstName: 'Secret', lastName: 'Agent' });
    for (const res of [
      await other.admin.get(`/api/people/${mine.body.id}`),
      await other.admin.patch(`/api/people/${mine.body.id}`, { firstName: 'Hacked' }),
      await other.admin.delete(`/api/people/${mine.body.id}`),
      await other.admin.post(`/api/people/${mine.body.id}/invitations`, { role: 'agent' }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await acme.admin.get(`/api/people/${mine.body.id}`)).body.firstName).toBe('Secret');
    const list = await other.admin.get('/api/people?limit=200');
    expect(list.body.items.map((p: { id: string }) => p.id)).not.toContain(mine.body.id);
  });

  it('pages through people with a cursor and searches them', async () => {
    const co = await signUpCompany(server, 'Paging Co');
    for (let i = 0; i < 5; i++)
      await co.admin.post('/api/people', { firstName: `Page${i}`, lastName: 'Person' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse = await co.admin.get(`/api/people?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((p: { firstName: string }) => p.firstName));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['Olga', 'Page0', 'Page1', 'Page2', 'Page3', 'Page4']);
    const search = await co.admin.get('/api/people?search=page3');
    expect(search.body.items.map((p: { firstName: string }) => p.firstName)).toEqual(['Page3']);
    const bad = await co.admin.get('/api/people?cursor=garbage');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_cursor', field: 'cursor' });
  });

  it('invites a person, who accepts and signs in with the role given', async () => {
    const p = await acme.admin.post('/api/people', {
      firstName: 'Sam',
      lastName: 'Super',
      emails: [{ address: 'sam@acme.example', label: 'work' }],
    });
    const inv = await acme.admin.post(`/api/people/${p.body.id}/invitations`, { role: 'supervisor' });
    expect(inv.status).toBe(201);
    expect(inv.body).toMatchObject({ email: 'sam@acme.example', role: 'supervisor', status: 'pending' });
    const mail = await server.lastMailTo('sam@acme.example');
    expect(mail.subject).toMatch(/Acme People/);
    const c = server.client();
    const lookup = await c.get(`/api/invitations/lookup?token=${tokenFromMail(mail.text)}`);
    expect(lookup.body).toMatchObject({ companyName: 'Acme People', role: 'supervisor' });
    const accept = await c.post('/api/invitations/accept', {
      token: tokenFromMail(mail.text),
      password: PASSWORD,
    });
    expect(accept.status).toBe(201);
    expect(accept.body.user).toMatchObject({ role: 'supervisor', personId: p.body.id });
    expect((await c.get('/api/me')).body.user.email).toBe('sam@acme.example');
    const again = await server
      .client()
      .post('/api/invitations/accept', { token: tokenFromMail(mail.text), password: PASSWORD });
    expect(again.status).toBe(400);
    const twice = await acme.admin.post(`/api/people/${p.body.id}/invitations`, { role: 'agent' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('already_a_user');
  });

  it('refuses an expired invitation with 410', async () => {
    const p = await acme.admin.post('/api/people', { firstName: 'Late', lastName: 'Comer' });
    const inv = await acme.admin.post(`/api/people/${p.body.id}/invitations`, {
      role: 'agent',
      email: 'late@acme.example',
    });
    // Age the invitation past its expiry, as the clock would.
    const { eq } = await import('drizzle-orm');
    await server.running.store.db
      .update(invitations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(invitations.id, inv.body.id));
    const token = tokenFromMail((await server.lastMailTo('late@acme.example')).text);
    const res = await server.client().post('/api/invitations/accept', { token, password: PASSWORD });
    expect(res.status).toBe(410);
    expect(res.body.error.code).toBe('invitation_expired');
    const list = await acme.admin.get('/api/invitations?limit=200');
    expect(list.body.items.find((i: { id: string }) => i.id === inv.body.id).status).toBe('expired');
  });

  it('lets roles do what they may and no more', async () => {
    const agent = await addUser(server, acme, 'agent');
    const supervisor = await addUser(server, acme, 'supervisor');
    expect((await agent.client.get('/api/people')).status).toBe(200);
    expect((await agent.client.get('/api/directory')).status).toBe(200);
    const denied = await agent.client.post('/api/people', { firstName: 'No', lastName: 'Way' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
    expect((await agent.client.get('/api/audit-events')).status).toBe(403);
    expect((await agent.client.get('/api/api-keys')).status).toBe(403);
    expect(
      (await supervisor.client.post('/api/contacts', { firstName: 'Cust', lastName: 'Omer' })).status,
    ).toBe(201);
    expect((await supervisor.client.post('/api/people', { firstName: 'No', lastName: 'Way' })).status).toBe(
      403,
    );
    expect((await supervisor.client.get('/api/operator/tenants')).status).toBe(403);
    // An administrator promotes the agent; the change applies to their next request.
    const promoted = await acme.admin.put(`/api/people/${agent.personId}/user`, { role: 'administrator' });
    expect(promoted.body.user.role).toBe('administrator');
    expect((await agent.client.post('/api/people', { firstName: 'Now', lastName: 'Allowed' })).status).toBe(
      201,
    );
  });

  it('keeps at least one administrator and records changes in the audit log', async () => {
    const co = await signUpCompany(server, 'Audit Co');
    const me = await co.admin.get('/api/me');
    const self = await co.admin.put(`/api/people/${me.body.user.personId}/user`, { role: 'agent' });
    expect(self.status).toBe(409);
    expect(self.body.error.code).toBe('last_administrator');
    const p = await co.admin.post('/api/people', {
      firstName: 'Audited',
      lastName: 'Person',
      extension: '777',
    });
    await co.admin.patch(`/api/people/${p.body.id}`, { jobTitle: 'Tester' });
    await co.admin.delete(`/api/people/${p.body.id}`);
    const log = await co.admin.get('/api/audit-events?resource=people');
    expect(log.body.items.map((e: { action: string }) => e.action)).toEqual([
      'person.create',
      'person.update',
      'person.delete',
    ]);
    expect(log.body.items[0]).toMatchObject({
      actorType: 'user',
      actor: co.email,
      resourceId: p.body.id,
      ip: '127.0.0.1',
    });
    expect(log.body.items[1].details).toEqual({ jobTitle: 'Tester' });
    const otherLog = await other.admin.get('/api/audit-events?limit=200');
    expect(otherLog.body.items.some((e: { resourceId: string }) => e.resourceId === p.body.id)).toBe(false);
  });
});
