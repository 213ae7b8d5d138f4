// Call queues through the API: administrators create and change queues and their members
// (people or lines, skills with levels), bad input is refused at its field, a queue a flow uses
// cannot be deleted; agents log themselves in, out and pause with a reason, supervisors do it
// for the people of their teams only; another company's queues are not found.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, type Company, signUpCompany } from '../helpers/accounts.ts';
import { databases, startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(databases())('queues on %s', (db) => {
  let server: TestServer;
  let acme: Company;
  let other: Company;
  let agent: Awaited<ReturnType<typeof addUser>>;
  let mate: Awaited<ReturnType<typeof addUser>>;
  let stranger: Awaited<ReturnType<typeof addUser>>;
  let sup: Awaited<ReturnType<typeof addUser>>;

  beforeAll(async () => {
    server = await startTestServer(db);
    acme = await signUpCompany(server, 'Acme Queues');
    other = await signUpCompany(server, 'Other Queues');
    agent = await addUser(server, acme, 'agent');
    mate = await addUser(server, acme, 'agent');
    stranger = await addUser(server, acme, 'agent');
    sup = await addUser(server, acme, 'supervisor');
    const team = await acme.admin.post('/api/teams', { name: 'Support team' });
    expect(team.status).toBe(201);
    for (const [p, role] of [
      [sup.personId, 'supervisor'],
      [agent.personId, 'agent'],
      [mate.personId, 'agent'],
    ] as const) {
      expect((await acme.admin.put(`/api/teams/${team.body.id}/members/${p}`, { role })).status).toBe(200);
    }
  });
  afterAll(() => server?.close());

  it('creates a queue with defaults, changes it, and lists it for the company only', async () => {
    const created = await acme.admin.post('/api/queues', { name: 'Support' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Support',
      strategy: 'ring-all',
      ringTimeoutSeconds: 20,
      wrapUpSeconds: 10,
      maxWaitSeconds: 600,
      maxCallers: 50,
      musicPromptId: null,
      callbackKey: null,
      record: false,
    });
    const id = created.body.id;
    const changed = await acme.admin.patch(`/api/queues/${id}`, {
      strategy: 'skills',
      callbackKey: '*',
      maxWaitSeconds: 0,
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ strategy: 'skills', callbackKey: '*', maxWaitSeconds: 0 });
    expect((await acme.admin.get('/api/queues')).body.items.map((q: { name: string }) => q.name)).toContain(
      'Support',
    );
    expect((await other.admin.get(`/api/queues/${id}`)).status).toBe(404);
    expect((await other.admin.get('/api/queues')).body.items).toEqual([]);
    const dup = await acme.admin.post('/api/queues', { name: 'Support' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'queue_name_taken', field: 'name' });
  });

  it('refuses bad settings at their field', async () => {
    const bad = async (body: Record<string, unknown>, field: string) => {
      const r = await acme.admin.post('/api/queues', { name: `Bad ${field}`, ...body });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error.field).toBe(field);
    };
    await bad({ strategy: 'fifo' }, 'strategy');
    await bad({ ringTimeoutSeconds: 1 }, 'ringTimeoutSeconds');
    await bad({ maxCallers: 0 }, 'maxCallers');
    await bad({ callbackKey: 'A' }, 'callbackKey');
    await bad({ musicPromptId: '0190f000-0000-7000-8000-000000000000' }, 'musicPromptId');
    const unknown = await acme.admin.post('/api/queues', { name: 'Bad key', surprise: true });
    expect(unknown.status).toBe(400);
  });

  it('adds people and lines as members with skills, changes and removes them', async () => {
    const q = (await acme.admin.post('/api/queues', { name: 'Sales' })).body.id;
    const line = await acme.admin.post(`/api/people/${mate.personId}/line`, { sipUsername: 'mate-phone' });
    expect(line.status).toBe(201);
    const a = await acme.admin.post(`/api/queues/${q}/members`, {
      personId: agent.personId,
      skills: { Billing: 7, latvian: 10 },
      ringTimeoutSeconds: 15,
    });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    expect(a.body).toMatchObject({
      personId: agent.personId,
      lineId: null,
      skills: { billing: 7, latvian: 10 },
      ringTimeoutSeconds: 15,
      loggedIn: true,
      pausedReason: null,
    });
    const l = await acme.admin.post(`/api/queues/${q}/members`, { lineId: line.body.id });
    expect(l.status).toBe(201);
    expect((await acme.admin.post(`/api/queues/${q}/members`, { personId: agent.personId })).status).toBe(
      409,
    );
    const both = await acme.admin.post(`/api/queues/${q}/members`, {
      personId: stranger.personId,
      lineId: line.body.id,
    });
    expect(both.status).toBe(400);
    const level = await acme.admin.post(`/api/queues/${q}/members`, {
      personId: stranger.personId,
      skills: { sales: 11 },
    });
    expect(level.status).toBe(400);
    expect(level.body.error.message).toMatch(/1 to 10/);
    const foreign = await other.admin.post(`/api/queues/${q}/members`, { personId: agent.personId });
    expect(foreign.status).toBe(404);

    const patched = await acme.admin.patch(`/api/queues/${q}/members/${a.body.id}`, { skills: { sales: 3 } });
    expect(patched.body.skills).toEqual({ sales: 3 });
    const list = await acme.admin.get(`/api/queues/${q}/members`);
    expect(list.body.items.map((m: { id: string }) => m.id)).toEqual([a.body.id, l.body.id]);
    expect((await acme.admin.delete(`/api/queues/${q}/members/${l.body.id}`)).status).toBe(204);
    expect((await acme.admin.get(`/api/queues/${q}/members`)).body.items).toHaveLength(1);
  });

  it('lets administrators manage queues, supervisors and agents only read them', async () => {
    expect((await sup.client.get('/api/queues')).status).toBe(200);
    expect((await agent.client.get('/api/queues')).status).toBe(200);
    expect((await sup.client.post('/api/queues', { name: 'Mine' })).status).toBe(403);
    expect((await agent.client.post('/api/queues', { name: 'Mine' })).status).toBe(403);
  });

  it('logs agents in, out and pauses them: themselves, their team for supervisors, anyone for admins', async () => {
    const q = (await acme.admin.post('/api/queues', { name: 'Agents' })).body.id;
    for (const p of [agent.personId, mate.personId, stranger.personId]) {
      expect((await acme.admin.post(`/api/queues/${q}/members`, { personId: p })).status).toBe(201);
    }
    const paused = await agent.client.post('/api/queues/agents/me/pause', { reason: 'Lunch' });
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    // Without a queue id: every queue the agent is in (it joined Sales in the test before).
    const all = paused.body.memberships as { queueId: string; queueName: string; pausedReason: string }[];
    expect(all.map((m) => m.queueName).sort()).toEqual(['Agents', 'Sales']);
    expect(all.every((m) => m.pausedReason === 'Lunch')).toBe(true);
    expect((await agent.client.post('/api/queues/agents/me/pause', {})).status).toBe(400);
    const out = await agent.client.post('/api/queues/agents/me/logout', { queueId: q });
    const byQueue = (r: typeof out, id: string) =>
      (r.body.memberships as { queueId: string }[]).find((m) => m.queueId === id);
    expect(byQueue(out, q)).toMatchObject({ loggedIn: false, pausedReason: null });
    expect(byQueue(out, all.find((m) => m.queueName === 'Sales')?.queueId as string)).toMatchObject({
      loggedIn: true,
      pausedReason: 'Lunch',
    });
    // An agent may not act for someone else.
    const forMate = await agent.client.post(`/api/queues/agents/${mate.personId}/logout`, {});
    expect(forMate.status).toBe(403);
    // A supervisor acts for the team, not for others.
    expect(
      (await sup.client.post(`/api/queues/agents/${mate.personId}/pause`, { reason: 'Coaching' })).status,
    ).toBe(200);
    expect((await sup.client.post(`/api/queues/agents/${stranger.personId}/logout`, {})).status).toBe(403);
    expect((await acme.admin.post(`/api/queues/agents/${stranger.personId}/logout`, {})).status).toBe(200);
    const seen = await sup.client.get(`/api/queues/agents/${mate.personId}`);
    expect(seen.body.memberships[0]).toMatchObject({ pausedReason: 'Coaching', state: null });
    expect((await agent.client.post('/api/queues/agents/me/login', { queueId: q })).status).toBe(200);
    const members = (await acme.admin.get(`/api/queues/${q}/members`)).body.items;
    expect(
      members.map((m: { loggedIn: boolean; pausedReason: string | null }) => [m.loggedIn, m.pausedReason]),
    ).toEqual([
      [true, null],
      [true, 'Coaching'],
      [false, null],
    ]);
    // Someone who is in no queue.
    expect((await sup.client.post('/api/queues/agents/me/login', {})).status).toBe(404);
    expect((await other.admin.post(`/api/queues/agents/${agent.personId}/login`, {})).status).toBe(404);
  });

  it('answers 503 for the live state when the phone system is off', async () => {
    const q = (await acme.admin.post('/api/queues', { name: 'Live' })).body.id;
    const live = await acme.admin.get(`/api/queues/${q}/live`);
    expect(live.status).toBe(503);
    expect(live.body.error.code).toBe('pbx_unavailable');
  });

  it('refuses to delete a queue the flow uses; deletes it once it is out', async () => {
    const q = (await acme.admin.post('/api/queues', { name: 'In use' })).body.id;
    const draft = {
      tabs: [{ id: 'main', name: 'Main' }],
      nodes: [
        { id: 'entry', type: 'internal-number', name: 'Line', config: { extension: '650' } },
        { id: 'q', type: 'queue', name: 'Queue', config: { queueId: q } },
      ],
      edges: [{ id: 'e1', from: 'entry', output: 'next', to: 'q' }],
      layout: {},
    };
    expect((await acme.admin.put('/api/workspace', { draft })).status).toBe(200);
    const refused = await acme.admin.delete(`/api/queues/${q}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'queue_in_use',
      message: expect.stringContaining('draft (q)'),
    });
    const empty = { tabs: [{ id: 'main', name: 'Main' }], nodes: [], edges: [], layout: {} };
    expect((await acme.admin.put('/api/workspace', { draft: empty })).status).toBe(200);
    expect((await acme.admin.delete(`/api/queues/${q}`)).status).toBe(204);
    expect((await acme.admin.get(`/api/queues/${q}`)).status).toBe(404);
  });
});
