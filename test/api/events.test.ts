// The company's live event stream (Server-Sent Events): an administrator or supervisor sees
// its own company's queue and call events as they happen; an agent is refused; another
// company's events never reach it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, type Company, signUpCompany } from '../helpers/accounts.ts';
import type { ApiClient } from '../helpers/client.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** Opens the stream and collects its events until closed. */
async function openStream(server: TestServer, client: ApiClient) {
  const abort = new AbortController();
  const res = await fetch(`${server.url}/api/events`, {
    headers: client.authHeaders(),
    signal: abort.signal,
  });
  const events: { event: string; data: Record<string, unknown> }[] = [];
  let buffer = '';
  const reading = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    res,
    events,
    async until(pred: (e: { event: string; data: Record<string, unknown> }) => boolean) {
      for (let i = 0; i < 100; i++) {
        const found = events.find(pred);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no such event among ${JSON.stringify(events)}`);
    },
    async close() {
      abort.abort();
      await reading;
    },
  };
}

describe('live event stream', () => {
  let server: TestServer;
  let acme: Company;
  let other: Company;

  beforeAll(async () => {
    server = await startTestServer('pglite', { sipEnabled: true });
    acme = await signUpCompany(server, 'Acme Events');
    other = await signUpCompany(server, 'Other Events');
  });
  afterAll(() => server?.close());

  it('streams the company’s queue events to an administrator and a supervisor, not another company’s', async () => {
    const agent = await addUser(server, acme, 'agent');
    const sup = await addUser(server, acme, 'supervisor');
    const q = await acme.admin.post('/api/queues', { name: 'Events' });
    expect(q.status).toBe(201);
    expect(
      (await acme.admin.post(`/api/queues/${q.body.id}/members`, { personId: agent.personId })).status,
    ).toBe(201);
    const otherQ = await other.admin.post('/api/queues', { name: 'Elsewhere' });
    const otherAgent = await addUser(server, other, 'agent');
    await other.admin.post(`/api/queues/${otherQ.body.id}/members`, { personId: otherAgent.personId });

    // The queues are live once in use (here: the live state is asked for).
    expect((await acme.admin.get(`/api/queues/${q.body.id}/live`)).status).toBe(200);
    expect((await other.admin.get(`/api/queues/${otherQ.body.id}/live`)).status).toBe(200);
    const admin = await openStream(server, acme.admin);
    const supervisor = await openStream(server, sup.client);
    expect(admin.res.status).toBe(200);
    expect(admin.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    try {
      expect(
        (await otherAgent.client.post('/api/queues/agents/me/pause', { reason: 'Elsewhere' })).status,
      ).toBe(200);
      expect((await agent.client.post('/api/queues/agents/me/pause', { reason: 'Lunch' })).status).toBe(200);
      const seen = await admin.until((e) => e.event === 'queue' && e.data.pauseReason === 'Lunch');
      expect(seen.data).toMatchObject({ type: 'queue', queueId: q.body.id, change: 'agent-state' });
      await supervisor.until((e) => e.event === 'queue' && e.data.pauseReason === 'Lunch');
      expect(admin.events.some((e) => e.data.tenantId !== acme.tenantId)).toBe(false);
      expect(admin.events.some((e) => e.data.queueId === otherQ.body.id)).toBe(false);
    } finally {
      await admin.close();
      await supervisor.close();
    }
  });

  it('refuses an agent', async () => {
    const agent = await addUser(server, acme, 'agent');
    const res = await agent.client.get('/api/events');
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/administrators and supervisors/);
  });
});
