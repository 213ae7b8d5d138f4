// The company calling policy: SIP ACL, external call limits, spend cap, blocked prefixes,
// dialing rules and the spend of the current month, over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMoney, monthStartUtc } from '../../src/api/routes/calling.ts';
import type { Pbx } from '../../src/pbx/pbx.ts';
import { newId } from '../../src/store/ids.ts';
import { callRecords } from '../../src/store/schema.ts';
import { addUser, type Company, signUpCompany } from '../helpers/accounts.ts';
import { databases, startTestServer, type TestServer } from '../helpers/server.ts';

describe('money and months', () => {
  it('formats micros with at least two decimals', () => {
    expect(formatMoney(0)).toBe('0.00');
    expect(formatMoney(1_500_000)).toBe('1.50');
    expect(formatMoney(1234)).toBe('0.001234');
    expect(formatMoney(12_345_600)).toBe('12.3456');
  });
  it('starts the month at midnight UTC on the 1st', () => {
    expect(monthStartUtc(new Date('2025-03-01T00:30:00+02:00')).toISOString()).toBe(
      '2025-02-01T00:00:00.000Z',
    );
    expect(monthStartUtc(new Date('2025-12-31T23:59:59Z')).toISOString()).toBe('2025-12-01T00:00:00.000Z');
  });
});

describe.each(databases())('tenant calling settings on %s', (db) => {
  let server: TestServer;
  let acme: Company;
  let other: Company;
  let reloads = 0;

  beforeAll(async () => {
    server = await startTestServer(db);
    server.running.app.services.pbx = {
      directory: {
        reload: async () => {
          reloads++;
        },
      },
    } as unknown as Pbx;
    acme = await signUpCompany(server, 'Acme Calling');
    other = await signUpCompany(server, 'Other Calling');
  });
  afterAll(() => server?.close());

  it('starts with safe defaults', async () => {
    const res = await acme.admin.get('/api/tenant/calling');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      sipAcl: [],
      maxExternalCalls: 10,
      monthlySpendCap: null,
      blockedPrefixes: [],
      dialingRules: [],
      outboundTrunkId: null,
      spentThisMonth: '0.00',
    });
  });

  it('stores the policy normalised, reloads routing and audits the change', async () => {
    const before = reloads;
    const res = await acme.admin.patch('/api/tenant/calling', {
      sipAcl: ['10.0.0.0/8', '2001:DB8::/32', '192.0.2.7', '10.0.0.0/8'],
      maxExternalCalls: 3,
      monthlySpendCap: '250.5',
      blockedPrefixes: ['+1 900', '44', '+44'],
      dialingRules: [{ startsWith: '01', replaceWith: '1', minLength: 10 }],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      sipAcl: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7/32'],
      maxExternalCalls: 3,
      monthlySpendCap: '250.50',
      blockedPrefixes: ['+1900', '+44'],
      dialingRules: [{ startsWith: '01', replaceWith: '1', minLength: 10 }],
    });
    expect(reloads).toBeGreaterThan(before);
    expect(
      (await acme.admin.patch('/api/tenant/calling', { monthlySpendCap: 0.000001 })).body.monthlySpendCap,
    ).toBe('0.000001');
    expect(
      (await acme.admin.patch('/api/tenant/calling', { monthlySpendCap: null })).body.monthlySpendCap,
    ).toBeNull();
    expect((await other.admin.get('/api/tenant/calling')).body.sipAcl).toEqual([]);
    const log = await acme.admin.get('/api/audit-events?resource=tenant');
    const first = log.body.items.find((e: { action: string }) => e.action === 'tenant.calling.update');
    expect(first.details).toMatchObject({ maxExternalCalls: 3, monthlySpendCap: '250.50' });
  });

  it.each([
    [
      { sipAcl: ['10.0.0.0/8', '10.0.0.1/8'] },
      422,
      'invalid_ip_range',
      'sipAcl.1',
      /10\.0\.0\.1\/8.*host bits/,
    ],
    [{ sipAcl: ['not-an-ip'] }, 422, 'invalid_ip_range', 'sipAcl.0', /not-an-ip/],
    [{ blockedPrefixes: ['+44', '90x'] }, 422, 'invalid_prefix', 'blockedPrefixes.1', /90x/],
    [{ maxExternalCalls: 10_001 }, 400, 'validation_failed', 'maxExternalCalls', /./],
    [{ maxExternalCalls: -1 }, 400, 'validation_failed', 'maxExternalCalls', /./],
    [{ monthlySpendCap: '12.3456789' }, 400, 'validation_failed', 'monthlySpendCap', /6 decimals/],
    [{ monthlySpendCap: -5 }, 400, 'validation_failed', 'monthlySpendCap', /./],
    [{ monthlySpendCap: '1e3' }, 400, 'validation_failed', 'monthlySpendCap', /./],
    [
      { dialingRules: [{ startsWith: '', replaceWith: '1', minLength: 3 }] },
      400,
      'validation_failed',
      'dialingRules.0.startsWith',
      /digits/,
    ],
    [
      { dialingRules: [{ startsWith: '0', replaceWith: '1', minLength: 21 }] },
      400,
      'validation_failed',
      'dialingRules.0.minLength',
      /./,
    ],
    [{ outboundTrunkId: null }, 400, 'validation_failed', undefined, /./],
  ])('refuses %j naming the field', async (body, status, code, field, message) => {
    const res = await acme.admin.patch('/api/tenant/calling', body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    if (field) expect(res.body.error.field).toBe(field);
    expect(res.body.error.message).toMatch(message);
  });

  it("sums this month's call costs of the company", async () => {
    const co = await signUpCompany(server, 'Spend Co');
    const now = new Date();
    const start = monthStartUtc(now);
    const record = (tenantId: string, startedAt: Date, costMicros: number) => ({
      id: newId(),
      tenantId,
      sipCallId: `cdr-${Math.random()}`,
      direction: 'outbound' as const,
      callerNumber: '+37167100001',
      calleeNumber: '+442070000000',
      startedAt,
      endedAt: new Date(startedAt.getTime() + 60_000),
      durationSeconds: 60,
      billableSeconds: 60,
      disposition: 'answered' as const,
      costMicros,
    });
    await server.running.store.db.insert(callRecords).values([
      record(co.tenantId, start, 1_250_000),
      record(co.tenantId, new Date(Math.max(start.getTime(), now.getTime() - 1000)), 3_000_001),
      record(co.tenantId, new Date(start.getTime() - 1), 99_000_000), // last month
      record(other.tenantId, now, 7_000_000), // another company
    ]);
    const res = await co.admin.get('/api/tenant/calling');
    expect(res.body.spentThisMonth).toBe('4.250001');
  });

  it('lets administrators change it; others may only read', async () => {
    const supervisor = await addUser(server, acme, 'supervisor');
    expect((await supervisor.client.get('/api/tenant/calling')).status).toBe(200);
    expect((await supervisor.client.patch('/api/tenant/calling', { maxExternalCalls: 100 })).status).toBe(
      403,
    );
  });
});
