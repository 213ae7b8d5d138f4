// Call records: newest first with filters and cursors, one with its legs, CSV export. Rows are
// inserted through the store, as the call engine's CDR writer does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/api/csv.ts';
import { newId } from '../../src/store/ids.ts';
import { callRecords } from '../../src/store/schema.ts';
import { addUser, type Company, signUpCompany } from '../helpers/accounts.ts';
import type { ApiResponse } from '../helpers/client.ts';
import { databases, startTestServer, type TestServer } from '../helpers/server.ts';

type Cdr = typeof callRecords.$inferInsert;

describe.each(databases())('call records on %s', (db) => {
  let server: TestServer;
  let acme: Company;
  let other: Company;
  const lineA = newId();
  const lineB = newId();
  const ids: Record<string, string> = {};

  const cdr = (tenantId: string, name: string, startedAt: string, over: Partial<Cdr> = {}): Cdr => {
    const id = newId();
    ids[name] = id;
    const start = new Date(startedAt);
    return {
      id,
      tenantId,
      sipCallId: `${name}@test`,
      direction: 'outbound',
      callerNumber: '201',
      calleeNumber: '+442070000000',
      startedAt: start,
      answeredAt: new Date(start.getTime() + 5000),
      endedAt: new Date(start.getTime() + 65_000),
      durationSeconds: 65,
      billableSeconds: 60,
      disposition: 'answered',
      endedBy: 'caller',
      costMicros: 120_000,
      ...over,
    };
  };

  beforeAll(async () => {
    server = await startTestServer(db);
    acme = await signUpCompany(server, 'Acme Calls');
    other = await signUpCompany(server, 'Other Calls');
    // Inserted out of time order: the list orders by start time, not by id.
    await server.running.store.db.insert(callRecords).values([
      cdr(acme.tenantId, 'out1', '2025-05-01T09:00:00Z', { callerLineId: lineA }),
      cdr(acme.tenantId, 'in1', '2025-05-03T10:00:00Z', {
        direction: 'inbound',
        callerNumber: '+37129111222',
        callerName: '=HYPERLINK("http://evil.example","click")',
        calleeNumber: '+37167100001',
        calleeLineId: lineA,
        trunkId: newId(),
        costMicros: 0,
        legs: [
          { role: 'caller', kind: 'trunk', uri: 'sip:+37129111222@carrier.example' },
          { role: 'callee', kind: 'line', lineId: lineA, uri: 'sip:201@192.0.2.1', status: 200 },
        ],
      }),
      cdr(acme.tenantId, 'int1', '2025-05-02T12:00:00Z', {
        direction: 'internal',
        callerNumber: '202',
        calleeNumber: '201',
        callerLineId: lineB,
        calleeLineId: lineA,
        disposition: 'no-answer',
        answeredAt: null,
        billableSeconds: 0,
        costMicros: 0,
      }),
      cdr(acme.tenantId, 'out2', '2025-05-02T12:00:00Z', {
        callerLineId: lineB,
        calleeNumber: '+19005550100',
        disposition: 'busy',
        answeredAt: null,
        costMicros: 0,
      }),
      cdr(acme.tenantId, 'old', '2025-04-30T23:59:59Z', { callerLineId: lineA }),
      cdr(other.tenantId, 'foreign', '2025-05-02T00:00:00Z', { callerLineId: lineA }),
    ]);
  });
  afterAll(() => server?.close());

  const names = (res: ApiResponse) =>
    res.body.items.map((c: { id: string }) => Object.keys(ids).find((k) => ids[k] === c.id));

  it('lists calls newest first, paging with a cursor', async () => {
    const all = await acme.admin.get('/api/calls');
    expect(all.status).toBe(200);
    // int1 and out2 start at the same time: the later id comes first.
    expect(names(all)).toEqual(['in1', 'out2', 'int1', 'out1', 'old']);
    expect(all.body.items[0]).toMatchObject({
      direction: 'inbound',
      callerNumber: '+37129111222',
      calleeLineId: lineA,
      disposition: 'answered',
      startedAt: '2025-05-03T10:00:00.000Z',
      durationSeconds: 65,
      cost: '0.00',
    });
    expect(all.body.items[3].cost).toBe('0.12');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse = await acme.admin.get(`/api/calls?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...names(res));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['in1', 'out2', 'int1', 'out1', 'old']);
    const bad = await acme.admin.get('/api/calls?cursor=garbage');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_cursor', field: 'cursor' });
  });

  it.each([
    ['direction=inbound', ['in1']],
    ['direction=outbound', ['out2', 'out1', 'old']],
    ['disposition=busy', ['out2']],
    ['disposition=no-answer&direction=internal', ['int1']],
    ['from=2025-05-02T00:00:00Z', ['in1', 'out2', 'int1']],
    ['from=2025-05-01T00:00:00Z&to=2025-05-02T12:00:00Z', ['out1']],
    ['to=2025-05-01T11:00:00%2B02:00', ['old']],
    ['to=2025-05-01T11:00:01%2B02:00', ['out1', 'old']],
    ['number=4420', ['out1', 'old']],
    ['number=%2B1900', ['out2']],
    ['number=201', ['out2', 'int1', 'out1', 'old']],
    [`lineId=${lineA}`, ['in1', 'int1', 'out1', 'old']],
    [`lineId=${lineB}&direction=outbound`, ['out2']],
  ])('filters by %s', async (query, expected) => {
    const res = await acme.admin.get(`/api/calls?${query}`);
    expect(res.status).toBe(200);
    expect(names(res)).toEqual(expected);
  });

  it.each([
    ['direction=sideways', 'direction'],
    ['from=yesterday', 'from'],
    ['number=abc', 'number'],
    ['lineId=42', 'lineId'],
  ])('refuses %s naming the field', async (query, field) => {
    const res = await acme.admin.get(`/api/calls?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', field });
  });

  it('shows one call with its legs, and only to its company', async () => {
    const res = await acme.admin.get(`/api/calls/${ids.in1}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sipCallId: 'in1@test', direction: 'inbound' });
    expect(res.body.legs).toHaveLength(2);
    expect(res.body.legs[1]).toMatchObject({ role: 'callee', kind: 'line', lineId: lineA, status: 200 });
    expect((await other.admin.get(`/api/calls/${ids.in1}`)).status).toBe(404);
    expect((await acme.admin.get(`/api/calls/${ids.foreign}`)).status).toBe(404);
    expect(names(await other.admin.get('/api/calls'))).toEqual(['foreign']);
  });

  it('exports the filtered calls as CSV with formulas defused', async () => {
    const res = await acme.admin.get('/api/calls.csv?from=2025-05-02T00:00:00Z');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/calls\.csv/);
    const rows = parseCsv(res.text, 100);
    expect(rows[0]).toEqual([
      'id',
      'started_at',
      'answered_at',
      'ended_at',
      'direction',
      'caller_number',
      'caller_name',
      'callee_number',
      'duration_seconds',
      'billable_seconds',
      'disposition',
      'hangup_cause',
      'ended_by',
      'cost',
    ]);
    expect(rows.slice(1).map((r) => r[0])).toEqual([ids.in1, ids.out2, ids.int1]);
    const inbound = rows[1] as string[];
    expect(inbound[5]).toBe('+37129111222'); // E.164 numbers are left alone
    expect(inbound[6]).toBe('\'=HYPERLINK("http://evil.example","click")');
    expect(rows[2]?.[10]).toBe('busy');
    const none = await acme.admin.get('/api/calls.csv?direction=inbound&disposition=busy');
    expect(parseCsv(none.text, 10)).toHaveLength(1);
  });

  it('lets administrators and supervisors read calls, not agents', async () => {
    const supervisor = await addUser(server, acme, 'supervisor');
    const agent = await addUser(server, acme, 'agent');
    expect((await supervisor.client.get('/api/calls')).status).toBe(200);
    expect((await supervisor.client.get('/api/calls.csv')).status).toBe(200);
    expect((await agent.client.get('/api/calls')).status).toBe(403);
    expect((await agent.client.get('/api/calls.csv')).status).toBe(403);
    expect((await agent.client.get(`/api/calls/${ids.in1}`)).status).toBe(403);
  });
});
