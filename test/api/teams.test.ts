// Teams over HTTP: administrators create them and set who is an agent or a supervisor in
// them; supervisors see the teams they supervise and no other; agents see none; another
// company's teams and people are not found.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, type Company, signUpCompany } from '../helpers/accounts.ts';
import type { ApiClient } from '../helpers/client.ts';
import { databases, startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(databases())('teams on %s', (db) => {
  let server: TestServer;
  let acme: Company;
  let other: Company;
  let sup: { client: ApiClient; personId: string };
  let agent: { client: ApiClient; personId: string };
  let otherSup: { client: ApiClient; personId: string };
  let foreignPerson: string;

  const person = async (firstName: string, extension?: string) => {
    const res = await acme.admin.post('/api/people', { firstName, lastName: 'Member', extension });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  beforeAll(async () => {
    server = await startTestServer(db);
    acme = await signUpCompany(server, 'Acme Teams');
    other = await signUpCompany(server, 'Other Teams');
    sup = await addUser(server, acme, 'supervisor');
    agent = await addUser(server, acme, 'agent');
    otherSup = await addUser(server, acme, 'supervisor');
    const f = await other.admin.post('/api/people', { firstName: 'Foreign', lastName: 'Person' });
    foreignPerson = f.body.id;
  });
  afterAll(async () => server?.close());

  it('an administrator creates a team, adds an agent and a supervisor, changes a role, removes one', async () => {
    const created = await acme.admin.post('/api/teams', { name: 'Sales' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: 'Sales', members: [] });
    const id = created.body.id;

    const ann = await person('Ann', '301');
    const added = await acme.admin.put(`/api/teams/${id}/members/${ann}`, { role: 'agent' });
    expect(added.status).toBe(200);
    expect(added.body.members).toEqual([
      { personId: ann, firstName: 'Ann', lastName: 'Member', extension: '301', role: 'agent' },
    ]);
    const withSup = await acme.admin.put(`/api/teams/${id}/members/${sup.personId}`, { role: 'supervisor' });
    expect(withSup.body.members).toHaveLength(2);

    // PUT again changes the role: one membership per person and team.
    const promoted = await acme.admin.put(`/api/teams/${id}/members/${ann}`, { role: 'supervisor' });
    expect(promoted.body.members.filter((m: { personId: string }) => m.personId === ann)).toEqual([
      expect.objectContaining({ role: 'supervisor' }),
    ]);
    const removed = await acme.admin.delete(`/api/teams/${id}/members/${ann}`);
    expect(removed.status).toBe(200);
    expect(removed.body.members.map((m: { personId: string }) => m.personId)).toEqual([sup.personId]);
    expect((await acme.admin.delete(`/api/teams/${id}/members/${ann}`)).status).toBe(404);

    const got = await acme.admin.get(`/api/teams/${id}`);
    expect(got.body).toMatchObject({ id, name: 'Sales', members: [{ personId: sup.personId }] });
  });

  it('refuses a second team of the same name (409) and a bad member role or name (400)', async () => {
    const dup = await acme.admin.post('/api/teams', { name: 'Sales' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'team_name_taken', field: 'name' });
    expect((await acme.admin.post('/api/teams', { name: '  ' })).status).toBe(400);
    const t = (await acme.admin.post('/api/teams', { name: 'Support' })).body.id;
    const bad = await acme.admin.put(`/api/teams/${t}/members/${agent.personId}`, { role: 'boss' });
    expect(bad.status).toBe(400);
    const renamed = await acme.admin.patch(`/api/teams/${t}`, { name: 'Sales' });
    expect(renamed.status).toBe(409);
    // The same name in another company is fine.
    expect((await other.admin.post('/api/teams', { name: 'Sales' })).status).toBe(201);
  });

  it('supervisors see only the teams they supervise; agents see none', async () => {
    const mine = (await acme.admin.post('/api/teams', { name: 'Night shift' })).body.id;
    const theirs = (await acme.admin.post('/api/teams', { name: 'Day shift' })).body.id;
    await acme.admin.put(`/api/teams/${mine}/members/${sup.personId}`, { role: 'supervisor' });
    await acme.admin.put(`/api/teams/${mine}/members/${agent.personId}`, { role: 'agent' });
    await acme.admin.put(`/api/teams/${theirs}/members/${otherSup.personId}`, { role: 'supervisor' });
    // Being an agent of a team is not supervising it.
    await acme.admin.put(`/api/teams/${theirs}/members/${sup.personId}`, { role: 'agent' });

    const listed = await sup.client.get('/api/teams');
    expect(listed.status).toBe(200);
    const names = listed.body.items.map((t: { name: string }) => t.name).sort();
    expect(names).toEqual(['Night shift', 'Sales']);
    expect((await sup.client.get(`/api/teams/${mine}`)).status).toBe(200);
    expect((await sup.client.get(`/api/teams/${theirs}`)).status).toBe(404);

    const all = await acme.admin.get('/api/teams');
    expect(all.body.items.map((t: { name: string }) => t.name).sort()).toEqual([
      'Day shift',
      'Night shift',
      'Sales',
      'Support',
    ]);
    expect((await agent.client.get('/api/teams')).status).toBe(403);
    expect((await agent.client.get(`/api/teams/${mine}`)).status).toBe(403);
  });

  it('only administrators change teams', async () => {
    const t = (await acme.admin.get('/api/teams')).body.items[0].id;
    for (const c of [sup.client, agent.client]) {
      expect((await c.post('/api/teams', { name: 'Mine' })).status).toBe(403);
      expect((await c.patch(`/api/teams/${t}`, { name: 'Mine' })).status).toBe(403);
      expect((await c.put(`/api/teams/${t}/members/${agent.personId}`, { role: 'supervisor' })).status).toBe(
        403,
      );
      expect((await c.delete(`/api/teams/${t}`)).status).toBe(403);
    }
  });

  it('another company’s team and people are not found', async () => {
    const foreignTeam = (await other.admin.get('/api/teams')).body.items[0].id;
    expect((await acme.admin.get(`/api/teams/${foreignTeam}`)).status).toBe(404);
    expect((await acme.admin.patch(`/api/teams/${foreignTeam}`, { name: 'X' })).status).toBe(404);
    expect((await acme.admin.delete(`/api/teams/${foreignTeam}`)).status).toBe(404);
    const t = (await acme.admin.post('/api/teams', { name: 'Mixed' })).body.id;
    const res = await acme.admin.put(`/api/teams/${t}/members/${foreignPerson}`, { role: 'agent' });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe('person not found');
  });

  it('deleting a team removes its memberships', async () => {
    const t = (await acme.admin.post('/api/teams', { name: 'Temporary' })).body.id;
    await acme.admin.put(`/api/teams/${t}/members/${sup.personId}`, { role: 'supervisor' });
    expect((await acme.admin.delete(`/api/teams/${t}`)).status).toBe(204);
    expect((await acme.admin.get(`/api/teams/${t}`)).status).toBe(404);
    const listed = await sup.client.get('/api/teams');
    expect(listed.body.items.map((x: { name: string }) => x.name)).not.toContain('Temporary');
  });

  it('pages through teams', async () => {
    const first = await acme.admin.get('/api/teams?limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).not.toBeNull();
    const next = await acme.admin.get(`/api/teams?limit=2&cursor=${first.body.nextCursor}`);
    expect(next.status).toBe(200);
    expect(next.body.items[0].id > first.body.items[1].id).toBe(true);
  });
});
