// Lines (SIP accounts and their call settings), registrations and number destinations, over HTTP.
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthFailureBan } from '../../src/pbx/auth-ban.ts';
import { type Binding, MemoryLocationService } from '../../src/pbx/location.ts';
import type { Pbx } from '../../src/pbx/pbx.ts';
import { newId } from '../../src/store/ids.ts';
import { auditEvents, files, lines } from '../../src/store/schema.ts';
import { addUser, type Company, signInOperator, signUpCompany } from '../helpers/accounts.ts';
import type { ApiClient } from '../helpers/client.ts';
import { databases, startTestServer, type TestServer } from '../helpers/server.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The parts of the phone system the line routes use, with a real location service. */
function fakePbx() {
  const location = new MemoryLocationService();
  const state = { reloads: 0 };
  const pbx = {
    location,
    ban: new AuthFailureBan({ maxFailures: 3, windowMs: 60_000, banMs: 60_000 }),
    directory: {
      reload: async () => {
        state.reloads++;
      },
    },
    trunks: { status: () => undefined },
    sipPort: 5099,
  };
  return { pbx: pbx as unknown as Pbx, location, state };
}

function binding(tenantId: string, lineId: string, over: Partial<Binding> = {}): Binding {
  const now = Date.now();
  return {
    tenantId,
    lineId,
    contact: 'sip:100@192.0.2.10:5062;transport=udp',
    instanceId: '<urn:uuid:00000000-0000-4000-8000-000000000001>',
    callId: `call-${Math.random()}`,
    cseq: 1,
    registeredAt: now,
    expiresAt: now + 300_000,
    userAgent: 'Yealink T46U',
    flow: { protocol: 'udp', address: '192.0.2.10', port: 5062, localAddress: '127.0.0.1', localPort: 5099 },
    path: [],
    ...over,
  } as Binding;
}

describe.each(databases())('lines on %s', (db) => {
  let server: TestServer;
  let operator: ApiClient;
  let acme: Company;
  let other: Company;
  let fake: ReturnType<typeof fakePbx>;
  let sipDomain: string;
  const numberIds: Record<string, string> = {};

  const person = async (c: Company, extension: string | null, firstName = 'Line') => {
    const res = await c.admin.post('/api/people', {
      firstName,
      lastName: 'Owner',
      ...(extension ? { extension } : {}),
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  beforeAll(async () => {
    server = await startTestServer(db);
    fake = fakePbx();
    server.running.app.services.pbx = fake.pbx;
    operator = await signInOperator(server);
    acme = await signUpCompany(server, 'Acme Lines');
    other = await signUpCompany(server, 'Other Lines');
    sipDomain = (await acme.admin.get('/api/tenant')).body.sipDomain;
    const add = await operator.post('/api/operator/numbers', {
      numbers: ['+37167100001', '+37167100002', '+37167100003'].map((e164) => ({
        e164,
        country: 'LV',
        areaCode: '67',
        type: 'local',
      })),
    });
    expect(add.status).toBe(201);
    for (const e164 of ['+37167100001', '+37167100002']) {
      const n = await acme.admin.post('/api/numbers', { e164 });
      numberIds[e164] = n.body.id;
    }
    const n3 = await other.admin.post('/api/numbers', { e164: '+37167100003' });
    numberIds['+37167100003'] = n3.body.id;
  });
  afterAll(async () => {
    fake?.location.close();
    await server?.close();
  });

  it('creates a line with a generated password shown once, storing only digest HA1s', async () => {
    const personId = await person(acme, '201');
    const reloads = fake.state.reloads;
    const res = await acme.admin.post(`/api/people/${personId}/line`, {});
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      personId,
      sipUsername: '201',
      sipDomain,
      registrar: { host: '127.0.0.1', port: 5099 },
      status: 'offline',
      externalCallsAllowed: false,
      whenUnavailable: { action: 'hangup' },
      ringTimeoutSeconds: 30,
    });
    const password: string = res.body.sipPassword;
    expect(password.length).toBeGreaterThanOrEqual(24);
    expect(fake.state.reloads).toBeGreaterThan(reloads);

    const [row] = await server.running.store.db.select().from(lines).where(eq(lines.id, res.body.id));
    expect(row?.ha1Md5).toBe(md5(`201:${sipDomain}:${password}`));
    expect(row?.ha1Sha256).toBe(sha256(`201:${sipDomain}:${password}`));
    expect(JSON.stringify(row)).not.toContain(password);

    const got = await acme.admin.get(`/api/lines/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body.sipPassword).toBeUndefined();
    expect(got.text).not.toContain(password);
    const list = await acme.admin.get(`/api/lines?personId=${personId}`);
    expect(list.body.items.map((l: { id: string }) => l.id)).toEqual([res.body.id]);
    expect(list.text).not.toContain(password);

    const events = await server.running.store.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, res.body.id));
    expect(events.map((e) => e.action)).toEqual(['line.create']);
    expect(events[0]?.details).toMatchObject({ sipUsername: '201', passwordGenerated: true });
    expect(JSON.stringify(events)).not.toContain(password);
  });

  it('takes a chosen username and password, and refuses duplicates and bad credentials', async () => {
    const personId = await person(acme, null);
    const missing = await acme.admin.post(`/api/people/${personId}/line`, {});
    expect(missing.status).toBe(422);
    expect(missing.body.error).toMatchObject({ code: 'sip_username_required', field: 'sipUsername' });
    for (const [body, field] of [
      [{ sipUsername: 'ab' }, 'sipUsername'],
      [{ sipUsername: 'bad name' }, 'sipUsername'],
      [{ sipUsername: 'desk.phone', password: 'short' }, 'password'],
      [{ sipUsername: 'desk.phone', secret: 'x' }, undefined],
    ] as const) {
      const res = await acme.admin.post(`/api/people/${personId}/line`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      if (field) expect(res.body.error.field).toBe(field);
    }
    const chosen = 'a long enough secret';
    const ok = await acme.admin.post(`/api/people/${personId}/line`, {
      sipUsername: 'desk.phone',
      password: chosen,
    });
    expect(ok.status).toBe(201);
    expect(ok.body.sipPassword).toBe(chosen);
    const [row] = await server.running.store.db.select().from(lines).where(eq(lines.id, ok.body.id));
    expect(row?.ha1Md5).toBe(md5(`desk.phone:${sipDomain}:${chosen}`));
    const events = await server.running.store.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, ok.body.id));
    expect(JSON.stringify(events)).not.toContain(chosen);

    const again = await acme.admin.post(`/api/people/${personId}/line`, { sipUsername: 'other.name' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('line_exists');
    const second = await person(acme, null);
    const taken = await acme.admin.post(`/api/people/${second}/line`, { sipUsername: 'desk.phone' });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'sip_username_taken', field: 'sipUsername' });
    // Usernames are per company.
    const elsewhere = await person(other, null);
    expect(
      (await other.admin.post(`/api/people/${elsewhere}/line`, { sipUsername: 'desk.phone' })).status,
    ).toBe(201);
  });

  it('validates settings against the company and names the field', async () => {
    const personId = await person(acme, '210');
    await person(acme, '211');
    const line = await acme.admin.post(`/api/people/${personId}/line`, {});
    const id = line.body.id;
    const [foreignFile] = await server.running.store.db
      .insert(files)
      .values({
        id: newId(),
        tenantId: other.tenantId,
        purpose: 'announcement',
        filename: 'x.wav',
        contentType: 'audio/wav',
        size: 1,
        sha256: 'x',
        storageKey: 'x',
      })
      .returning();
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ ringTimeoutSeconds: 4 }, 400, 'validation_failed', 'ringTimeoutSeconds'],
      [{ ringTimeoutSeconds: 301 }, 400, 'validation_failed', 'ringTimeoutSeconds'],
      [{ forwardTo: '12' }, 400, 'validation_failed', 'forwardTo'],
      [{ externalCallerIds: ['37167100001'] }, 400, 'validation_failed', 'externalCallerIds.0'],
      [{ whenUnavailable: { action: 'forward' } }, 400, 'validation_failed', 'whenUnavailable.to'],
      [{ internalCallerId: '999' }, 422, 'unknown_extension', 'internalCallerId'],
      [{ forwardTo: '998' }, 422, 'unknown_extension', 'forwardTo'],
      [{ forwardTo: '210' }, 422, 'forward_loop', 'forwardTo'],
      [
        { externalCallerIds: ['+37167100001', '+37167100003'] },
        422,
        'number_not_yours',
        'externalCallerIds.1',
      ],
      [
        { externalCallerIds: ['+37167100001', '+37167100001'] },
        422,
        'duplicate_caller_id',
        'externalCallerIds.1',
      ],
      [{ externalCallsAllowed: true }, 422, 'caller_id_required', 'externalCallerIds'],
      [{ whenUnavailable: { action: 'forward', to: '997' } }, 422, 'unknown_extension', 'whenUnavailable.to'],
      [{ internalAnnouncementFileId: foreignFile?.id }, 422, 'unknown_file', 'internalAnnouncementFileId'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await acme.admin.patch(`/api/lines/${id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error, JSON.stringify(body)).toMatchObject({ code, field });
    }
    expect((await acme.admin.get(`/api/lines/${id}`)).body.ringTimeoutSeconds).toBe(30);

    const ok = await acme.admin.patch(`/api/lines/${id}`, {
      callerIdName: 'Support desk',
      internalCallerId: '211',
      externalCallerIds: ['+37167100002', '+37167100001'],
      externalCallsAllowed: true,
      doNotDisturb: true,
      smartDoNotDisturb: true,
      forwardTo: '+37120000000',
      whenUnavailable: { action: 'forward', to: '211' },
      ringTimeoutSeconds: 45,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      callerIdName: 'Support desk',
      internalCallerId: '211',
      externalCallerIds: ['+37167100002', '+37167100001'],
      externalCallsAllowed: true,
      doNotDisturb: true,
      smartDoNotDisturb: true,
      forwardTo: '+37120000000',
      whenUnavailable: { action: 'forward', to: '211' },
      ringTimeoutSeconds: 45,
    });
    // Removing the last caller ID while external calls stay on is refused.
    const empty = await acme.admin.patch(`/api/lines/${id}`, { externalCallerIds: [] });
    expect(empty.status).toBe(422);
    const off = await acme.admin.patch(`/api/lines/${id}`, {
      externalCallsAllowed: false,
      externalCallerIds: [],
      forwardTo: null,
    });
    expect(off.body).toMatchObject({ externalCallsAllowed: false, externalCallerIds: [], forwardTo: null });
    // Settings can be given when the line is created, checked the same way.
    const p2 = await person(acme, '212');
    const created = await acme.admin.post(`/api/people/${p2}/line`, {
      externalCallsAllowed: true,
      externalCallerIds: ['+37167100001'],
      doNotDisturb: true,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ externalCallsAllowed: true, doNotDisturb: true });
    const p3 = await person(acme, '213');
    const refused = await acme.admin.post(`/api/people/${p3}/line`, {
      whenUnavailable: { action: 'forward', to: '999' },
    });
    expect(refused.status).toBe(422);
    expect((await acme.admin.get(`/api/lines?personId=${p3}`)).body.items).toEqual([]);
    // Voicemail when unavailable, and which calls are recorded, are line settings.
    const recorded = await acme.admin.post(`/api/people/${p3}/line`, {
      whenUnavailable: { action: 'voicemail' },
      recording: {
        inboundInternal: false,
        inboundExternal: true,
        outboundInternal: false,
        outboundExternal: true,
        onDemand: true,
      },
    });
    expect(recorded.status).toBe(201);
    expect(recorded.body).toMatchObject({
      whenUnavailable: { action: 'voicemail' },
      recording: { inboundExternal: true, outboundExternal: true, onDemand: true, inboundInternal: false },
    });
  });

  it('rotates the password: new HA1s, the new password shown once, phones signed out', async () => {
    const personId = await person(acme, '220');
    const line = await acme.admin.post(`/api/people/${personId}/line`, {});
    fake.location.put(binding(acme.tenantId, line.body.id));
    expect((await acme.admin.get(`/api/lines/${line.body.id}`)).body.status).toBe('online');
    const rotated = await acme.admin.post(`/api/lines/${line.body.id}/password`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.sipPassword).not.toBe(line.body.sipPassword);
    expect(rotated.body.sipPassword.length).toBeGreaterThanOrEqual(24);
    expect(rotated.body.status).toBe('offline');
    const [row] = await server.running.store.db.select().from(lines).where(eq(lines.id, line.body.id));
    expect(row?.ha1Md5).toBe(md5(`220:${sipDomain}:${rotated.body.sipPassword}`));
    const chosen = await acme.admin.post(`/api/lines/${line.body.id}/password`, {
      password: 'another good secret',
    });
    expect(chosen.body.sipPassword).toBe('another good secret');
    const short = await acme.admin.post(`/api/lines/${line.body.id}/password`, { password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error.field).toBe('password');
    const log = await acme.admin.get('/api/audit-events?resource=lines&limit=200');
    expect(log.text).not.toContain(rotated.body.sipPassword);
    expect(log.text).not.toContain('another good secret');
  });

  it('shows registered phones per line and the status of every line', async () => {
    const co = await signUpCompany(server, 'Registrations Co');
    const p1 = await person(co, '301');
    const p2 = await person(co, '302');
    const l1 = (await co.admin.post(`/api/people/${p1}/line`, {})).body;
    const l2 = (await co.admin.post(`/api/people/${p2}/line`, {})).body;
    fake.location.put(binding(co.tenantId, l1.id));
    fake.location.put(
      binding(co.tenantId, l1.id, {
        contact: 'sip:301@198.51.100.7:40000;transport=ws',
        instanceId: null,
        userAgent: 'Switchboard web',
        flow: {
          protocol: 'ws',
          address: '198.51.100.7',
          port: 40000,
          localAddress: '127.0.0.1',
          localPort: 8080,
        } as Binding['flow'],
      }),
    );
    const regs = await co.admin.get(`/api/lines/${l1.id}/registrations`);
    expect(regs.status).toBe(200);
    expect(regs.body).toMatchObject({ lineId: l1.id, sipUsername: '301', status: 'online' });
    expect(regs.body.devices).toHaveLength(2);
    expect(regs.body.devices[0]).toMatchObject({
      status: 'online',
      userAgent: 'Yealink T46U',
      transport: 'udp',
      sourceAddress: '192.0.2.10',
      sourcePort: 5062,
    });
    expect(Date.parse(regs.body.devices[0].expiresAt)).toBeGreaterThan(Date.now());
    expect(regs.body.devices[1]).toMatchObject({ transport: 'ws', userAgent: 'Switchboard web' });

    const all = await co.admin.get('/api/registrations');
    expect(all.body.items.map((r: { lineId: string; status: string }) => [r.lineId, r.status])).toEqual([
      [l1.id, 'online'],
      [l2.id, 'offline'],
    ]);
    const online = await co.admin.get('/api/registrations?status=online');
    expect(online.body.items.map((r: { lineId: string }) => r.lineId)).toEqual([l1.id]);
    const offline = await co.admin.get('/api/registrations?status=offline');
    expect(offline.body.items.map((r: { lineId: string }) => r.lineId)).toEqual([l2.id]);
    const page = await co.admin.get('/api/registrations?limit=1');
    expect(page.body.nextCursor).toBeTypeOf('string');
    // Another company sees none of it.
    expect((await other.admin.get(`/api/lines/${l1.id}/registrations`)).status).toBe(404);
    expect(
      (await other.admin.get('/api/registrations?limit=200')).body.items.some(
        (r: { lineId: string }) => r.lineId === l1.id,
      ),
    ).toBe(false);

    // Without a phone system (SIP disabled) everything is offline and empty.
    server.running.app.services.pbx = null;
    try {
      const off = await co.admin.get(`/api/lines/${l1.id}/registrations`);
      expect(off.body).toMatchObject({ status: 'offline', devices: [] });
      expect((await co.admin.get(`/api/lines/${l1.id}`)).body.registrar.port).toBeNull();
      expect((await co.admin.get('/api/registrations?status=online')).body.items).toEqual([]);
    } finally {
      server.running.app.services.pbx = fake.pbx;
    }
  });

  it('routes a number to a line of the company and shows the destination', async () => {
    const personId = await person(acme, '230');
    const line = (await acme.admin.post(`/api/people/${personId}/line`, {})).body;
    const numberId = numberIds['+37167100002'] as string;
    const reloads = fake.state.reloads;
    const set = await acme.admin.patch(`/api/numbers/${numberId}`, { destination: { lineId: line.id } });
    expect(set.status).toBe(200);
    expect(set.body.destination).toEqual({ lineId: line.id });
    expect(fake.state.reloads).toBeGreaterThan(reloads);
    expect((await acme.admin.get(`/api/numbers/${numberId}`)).body.destination).toEqual({ lineId: line.id });

    const foreignPerson = await person(other, '230');
    const foreignLine = (await other.admin.post(`/api/people/${foreignPerson}/line`, {})).body;
    const foreign = await acme.admin.patch(`/api/numbers/${numberId}`, {
      destination: { lineId: foreignLine.id },
    });
    expect(foreign.status).toBe(422);
    expect(foreign.body.error).toMatchObject({ code: 'unknown_line', field: 'destination.lineId' });
    expect(
      (await other.admin.patch(`/api/numbers/${numberId}`, { destination: { lineId: foreignLine.id } }))
        .status,
    ).toBe(404);

    // Deleting the line leaves the number without a destination.
    fake.location.put(binding(acme.tenantId, line.id));
    expect((await acme.admin.delete(`/api/lines/${line.id}`)).status).toBe(204);
    expect(fake.location.bindings(line.id)).toEqual([]);
    expect((await acme.admin.get(`/api/numbers/${numberId}`)).body.destination).toBeNull();
    expect((await acme.admin.get(`/api/lines/${line.id}`)).status).toBe(404);

    // A released number forgets its destination.
    const p2 = await person(acme, '231');
    const l2 = (await acme.admin.post(`/api/people/${p2}/line`, {})).body;
    await acme.admin.patch(`/api/numbers/${numberId}`, { destination: { lineId: l2.id } });
    const cleared = await acme.admin.patch(`/api/numbers/${numberId}`, { destination: null });
    expect(cleared.body.destination).toBeNull();
    await acme.admin.patch(`/api/numbers/${numberId}`, { destination: { lineId: l2.id } });
    expect((await acme.admin.delete(`/api/numbers/${numberId}`)).status).toBe(204);
    const rebought = await other.admin.post('/api/numbers', { e164: '+37167100002' });
    expect(rebought.body.destination).toBeNull();
  });

  it('keeps lines to their company and roles', async () => {
    const personId = await person(acme, '240');
    const line = (await acme.admin.post(`/api/people/${personId}/line`, {})).body;
    for (const res of [
      await other.admin.get(`/api/lines/${line.id}`),
      await other.admin.patch(`/api/lines/${line.id}`, { doNotDisturb: true }),
      await other.admin.post(`/api/lines/${line.id}/password`),
      await other.admin.delete(`/api/lines/${line.id}`),
      await other.admin.post(`/api/people/${personId}/line`, { sipUsername: 'stolen' }),
    ]) {
      expect(res.status).toBe(404);
    }
    const supervisor = await addUser(server, acme, 'supervisor');
    const agent = await addUser(server, acme, 'agent');
    expect((await supervisor.client.get('/api/lines')).status).toBe(200);
    expect((await supervisor.client.get(`/api/lines/${line.id}/registrations`)).status).toBe(200);
    expect((await supervisor.client.patch(`/api/lines/${line.id}`, { doNotDisturb: true })).status).toBe(403);
    expect((await supervisor.client.post(`/api/lines/${line.id}/password`)).status).toBe(403);
    expect((await agent.client.get('/api/lines')).status).toBe(403);
    expect((await agent.client.get('/api/registrations')).status).toBe(403);
    // API keys get the new resource as a scope.
    const key = await acme.admin.post('/api/api-keys', {
      name: 'provisioning',
      scopes: [{ resource: 'lines', access: 'read' }],
    });
    expect(key.status).toBe(201);
    const bot = server.client();
    bot.bearer = key.body.key;
    expect((await bot.get('/api/lines')).status).toBe(200);
    expect((await bot.patch(`/api/lines/${line.id}`, { doNotDisturb: true })).status).toBe(403);
  });
});

describe('lines with the phone system running', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { sipEnabled: true });
  });
  afterAll(() => server?.close());

  it('reaches the directory the registrar authenticates against, with the right realm', async () => {
    const pbx = server.running.app.services.pbx as Pbx;
    expect(pbx).toBeTruthy();
    const co = await signUpCompany(server, 'Live Lines');
    const domain = (await co.admin.get('/api/tenant')).body.sipDomain as string;
    const p = await co.admin.post('/api/people', { firstName: 'Live', lastName: 'Phone', extension: '400' });
    const line = await co.admin.post(`/api/people/${p.body.id}/line`, { internalCallerId: '400' });
    expect(line.status).toBe(201);
    expect(line.body.registrar).toEqual({ host: '127.0.0.1', port: pbx.sipPort });
    const route = pbx.directory.lineByUsername(co.tenantId, '400');
    expect(route?.ha1.MD5).toBe(md5(`400:${domain}:${line.body.sipPassword}`));
    expect(route?.ha1['SHA-256']).toBe(sha256(`400:${domain}:${line.body.sipPassword}`));
    expect(route?.internalCallerId).toBe('400');
    await co.admin.patch(`/api/lines/${line.body.id}`, { doNotDisturb: true });
    expect(pbx.directory.line(line.body.id)?.doNotDisturb).toBe(true);
    await co.admin.delete(`/api/lines/${line.body.id}`);
    expect(pbx.directory.line(line.body.id)).toBeUndefined();
  });
});
