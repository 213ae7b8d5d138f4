// The operator's phone-system settings: carrier trunks (write-only passwords, registration
// state), the rate table, a company's outbound trunk and SIP authentication bans.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthFailureBan } from '../../src/pbx/auth-ban.ts';
import type { Pbx } from '../../src/pbx/pbx.ts';
import type { TrunkRegistrationState } from '../../src/pbx/trunk-registrations.ts';
import { auditEvents } from '../../src/store/schema.ts';
import { type Company, signInOperator, signUpCompany } from '../helpers/accounts.ts';
import type { ApiClient } from '../helpers/client.ts';
import { databases, startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(databases())('operator phone system settings on %s', (db) => {
  let server: TestServer;
  let operator: ApiClient;
  let acme: Company;
  let reloads = 0;
  const registrations = new Map<string, TrunkRegistrationState>();
  const ban = new AuthFailureBan({ maxFailures: 2, windowMs: 60_000, banMs: 600_000 });

  beforeAll(async () => {
    server = await startTestServer(db);
    server.running.app.services.pbx = {
      directory: {
        reload: async () => {
          reloads++;
        },
      },
      trunks: { status: (id: string) => registrations.get(id) },
      ban,
    } as unknown as Pbx;
    operator = await signInOperator(server);
    acme = await signUpCompany(server, 'Acme Operator');
  });
  afterAll(() => server?.close());

  it('adds a registering trunk without ever returning its password', async () => {
    const before = reloads;
    const res = await operator.post('/api/operator/trunks', {
      name: 'carrier-reg',
      host: 'sip.carrier.example',
      secondaryHost: 'sip2.carrier.example',
      secondaryPort: 5080,
      authMode: 'register',
      username: 'acct-1',
      password: 'carrier secret 1',
      registerExpires: 300,
      numberFormat: 'e164-no-plus',
      inboundAddresses: ['203.0.113.0/24', '::ffff:198.51.100.9'],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'carrier-reg',
      port: 5060,
      transport: 'udp',
      secondaryHost: 'sip2.carrier.example',
      secondaryPort: 5080,
      authMode: 'register',
      username: 'acct-1',
      hasPassword: true,
      registerExpires: 300,
      numberFormat: 'e164-no-plus',
      inboundAddresses: ['203.0.113.0/24', '198.51.100.9/32'],
      registration: null,
    });
    expect(res.text).not.toContain('carrier secret 1');
    expect(reloads).toBeGreaterThan(before);

    registrations.set(res.body.id, {
      trunkId: res.body.id,
      state: 'registered',
      registrar: 'sip.carrier.example:5060',
      expiresAt: '2030-01-01T00:00:00.000Z',
      lastError: null,
    });
    const got = await operator.get(`/api/operator/trunks/${res.body.id}`);
    expect(got.body.registration).toEqual({
      state: 'registered',
      registrar: 'sip.carrier.example:5060',
      expiresAt: '2030-01-01T00:00:00.000Z',
      lastError: null,
    });
    const list = await operator.get('/api/operator/trunks');
    expect(list.text).not.toContain('carrier secret 1');
    expect(list.body.items.find((t: { id: string }) => t.id === res.body.id).hasPassword).toBe(true);

    // Password: left out keeps it, a new one replaces it, null clears it.
    const renamed = await operator.patch(`/api/operator/trunks/${res.body.id}`, { port: 5070 });
    expect(renamed.body).toMatchObject({ port: 5070, hasPassword: true });
    const changed = await operator.patch(`/api/operator/trunks/${res.body.id}`, {
      password: 'carrier secret 2',
    });
    expect(changed.status).toBe(200);
    expect(changed.text).not.toContain('carrier secret 2');
    const cleared = await operator.patch(`/api/operator/trunks/${res.body.id}`, {
      authMode: 'ip',
      password: null,
    });
    expect(cleared.body).toMatchObject({ authMode: 'ip', hasPassword: false });

    const text = JSON.stringify(await server.running.store.db.select().from(auditEvents));
    expect(text).not.toContain('carrier secret');
    expect(text).toContain('passwordSet');
  });

  it.each([
    [{ authMode: 'register', username: 'u' }, 422, 'password_required', 'password'],
    [{ authMode: 'register', password: 'p' }, 422, 'username_required', 'username'],
    [{ secondaryPort: 5080 }, 422, 'secondary_host_required', 'secondaryHost'],
    [
      { inboundAddresses: ['203.0.113.0/24', '203.0.113.1/24'] },
      422,
      'invalid_ip_range',
      'inboundAddresses.1',
    ],
    [{ port: 70000 }, 400, 'validation_failed', 'port'],
    [{ numberFormat: 'national' }, 400, 'validation_failed', 'numberFormat'],
    [{ registerExpires: 10 }, 400, 'validation_failed', 'registerExpires'],
    [{ host: 'bad host!' }, 400, 'validation_failed', 'host'],
  ])('refuses trunk %j naming the field', async (body, status, code, field) => {
    const res = await operator.post('/api/operator/trunks', {
      name: `bad-${Math.random()}`,
      host: 'sip.bad.example',
      ...body,
    });
    expect(res.status).toBe(status);
    expect(res.body.error).toMatchObject({ code, field });
  });

  it('checks a changed trunk as a whole, and keeps names unique', async () => {
    const a = await operator.post('/api/operator/trunks', { name: 'carrier-a', host: 'a.example' });
    await operator.post('/api/operator/trunks', { name: 'carrier-b', host: 'b.example' });
    const reg = await operator.patch(`/api/operator/trunks/${a.body.id}`, { authMode: 'register' });
    expect(reg.status).toBe(422);
    expect(reg.body.error.code).toBe('username_required');
    const dup = await operator.patch(`/api/operator/trunks/${a.body.id}`, { name: 'carrier-b' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'trunk_name_taken', field: 'name' });
    expect((await operator.patch(`/api/operator/trunks/${crypto.randomUUID()}`, { port: 5061 })).status).toBe(
      404,
    );
  });

  it("sets a company's outbound trunk, and keeps a trunk in use from being removed", async () => {
    const t = await operator.post('/api/operator/trunks', { name: 'carrier-out', host: 'out.example' });
    const unknown = await operator.patch(`/api/operator/tenants/${acme.tenantId}`, {
      outboundTrunkId: crypto.randomUUID(),
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: 'unknown_trunk', field: 'outboundTrunkId' });
    const before = reloads;
    const set = await operator.patch(`/api/operator/tenants/${acme.tenantId}`, {
      outboundTrunkId: t.body.id,
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ id: acme.tenantId, outboundTrunkId: t.body.id });
    expect(reloads).toBeGreaterThan(before);
    expect((await acme.admin.get('/api/tenant/calling')).body.outboundTrunkId).toBe(t.body.id);
    // Not something a company sets itself.
    expect(
      (await acme.admin.patch(`/api/operator/tenants/${acme.tenantId}`, { outboundTrunkId: null })).status,
    ).toBe(403);
    const inUse = await operator.delete(`/api/operator/trunks/${t.body.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.code).toBe('trunk_in_use');
    await operator.patch(`/api/operator/tenants/${acme.tenantId}`, { outboundTrunkId: null });
    expect((await operator.delete(`/api/operator/trunks/${t.body.id}`)).status).toBe(204);
    expect((await operator.get(`/api/operator/trunks/${t.body.id}`)).status).toBe(404);
    expect((await operator.patch(`/api/operator/tenants/${crypto.randomUUID()}`, {})).status).toBe(404);
  });

  it('replaces the rate table, normalising prefixes', async () => {
    const before = reloads;
    const put = await operator.put('/api/operator/rates', {
      rates: [
        { prefix: '+44', perMinute: '0.012', description: 'United Kingdom' },
        { prefix: '44 7', perMinute: 0.05 },
        { prefix: '+1 900', perMinute: '1.5' },
      ],
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ count: 3 });
    expect(reloads).toBeGreaterThan(before);
    const got = await operator.get('/api/operator/rates');
    expect(got.body.items).toEqual([
      { prefix: '+44', perMinute: '0.012', description: 'United Kingdom' },
      { prefix: '+447', perMinute: '0.05', description: null },
      { prefix: '+1900', perMinute: '1.50', description: null },
    ]);
    const paged = await operator.get('/api/operator/rates?limit=2');
    expect(paged.body.items).toHaveLength(2);
    expect(paged.body.nextCursor).toBeTypeOf('string');

    for (const [rates, status, code, field] of [
      [
        [
          { prefix: '+44', perMinute: 1 },
          { prefix: '44', perMinute: 2 },
        ],
        422,
        'duplicate_prefix',
        'rates.1.prefix',
      ],
      [[{ prefix: 'uk', perMinute: 1 }], 422, 'invalid_prefix', 'rates.0.prefix'],
      [[{ prefix: '+44', perMinute: '0.0000001' }], 400, 'validation_failed', 'rates.0.perMinute'],
      [[{ prefix: '+44', perMinute: -1 }], 400, 'validation_failed', 'rates.0.perMinute'],
    ] as const) {
      const res = await operator.put('/api/operator/rates', { rates });
      expect(res.status, JSON.stringify(rates)).toBe(status);
      expect(res.body.error).toMatchObject({ code, field });
    }
    // A refused table leaves the old one in place; an empty one clears it.
    expect((await operator.get('/api/operator/rates')).body.items).toHaveLength(3);
    expect((await operator.put('/api/operator/rates', { rates: [] })).body).toEqual({ count: 0 });
    expect((await operator.get('/api/operator/rates')).body.items).toEqual([]);
    expect((await acme.admin.get('/api/operator/rates')).status).toBe(403);
  });

  it('lists SIP bans and lifts one', async () => {
    ban.recordFailure('192.0.2.66');
    ban.recordFailure('192.0.2.66');
    ban.recordFailure('2001:db8::66');
    ban.recordFailure('2001:db8::66');
    const list = await operator.get('/api/operator/sip-bans');
    expect(list.status).toBe(200);
    expect(list.body.items.map((b: { ip: string }) => b.ip).sort()).toEqual(['192.0.2.66', '2001:db8::66']);
    expect(Date.parse(list.body.items[0].expiresAt)).toBeGreaterThan(Date.now());
    expect((await operator.delete('/api/operator/sip-bans/192.0.2.66')).status).toBe(204);
    expect((await operator.delete('/api/operator/sip-bans/2001:DB8:0::66')).status).toBe(204);
    expect(ban.isBanned('192.0.2.66')).toBe(false);
    expect((await operator.get('/api/operator/sip-bans')).body.items).toEqual([]);
    const again = await operator.delete('/api/operator/sip-bans/192.0.2.66');
    expect(again.status).toBe(404);
    const bad = await operator.delete('/api/operator/sip-bans/not-an-ip');
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('ip');
    expect((await acme.admin.get('/api/operator/sip-bans')).status).toBe(403);

    // Without a phone system (SIP disabled): nothing banned, no registration state.
    const pbx = server.running.app.services.pbx;
    server.running.app.services.pbx = null;
    try {
      expect((await operator.get('/api/operator/sip-bans')).body.items).toEqual([]);
      expect((await operator.delete('/api/operator/sip-bans/192.0.2.66')).status).toBe(404);
      const t = await operator.post('/api/operator/trunks', { name: 'no-sip', host: 'x.example' });
      expect(t.body.registration).toBeNull();
    } finally {
      server.running.app.services.pbx = pbx;
    }
  });
});
