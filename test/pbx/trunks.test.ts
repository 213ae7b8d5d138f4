// Calls with the phone network through a carrier trunk, with sipp as the carrier on
// 127.0.0.3: an inbound call to a number reaches the number's line; outbound calls leave with
// E.164 numbers, the line's caller ID, the anonymous suffix h (Privacy: id) and the caller-ID
// suffix c2; toll-fraud controls refuse what they must. Everything is set up through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInOperator, signUpCompany } from '../helpers/accounts.ts';
import type { ApiClient } from '../helpers/client.ts';
import type { Line } from '../helpers/lines.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { callerPhone, receivedRequest, registeredPhone, sipPort, sippOk } from '../helpers/sipp-phones.ts';
import { runSipp } from '../sip/interop/sipp.ts';

const CARRIER = '127.0.0.3';
let server: TestServer;
let admin: ApiClient;
let operator: ApiClient;
let trunkId: string;
const lines: Record<string, Line & { lineId: string }> = {};
const numberIds: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer('pglite', { sipEnabled: true }, { digestAlgorithms: ['MD5'] });
  operator = await signInOperator(server);
  const trunk = await operator.post('/api/operator/trunks', {
    name: 'carrier',
    host: CARRIER,
    port: 5060,
    transport: 'udp',
    // The carrier's calls come from any port of its address; its host:port alone would not do.
    inboundAddresses: [`${CARRIER}/32`],
  });
  expect(trunk.status).toBe(201);
  trunkId = trunk.body.id;
  expect(
    (
      await operator.post('/api/operator/numbers', {
        numbers: ['+37167000001', '+37167000002'].map((e164) => ({
          e164,
          country: 'LV',
          areaCode: '67',
          type: 'local',
          trunkId,
        })),
      })
    ).status,
  ).toBe(201);
  const company = await signUpCompany(server);
  admin = company.admin;
  for (const e164 of ['+37167000001', '+37167000002']) {
    const bought = await admin.post('/api/numbers', { e164 });
    expect(bought.status).toBe(201);
    numberIds[e164] = bought.body.id;
  }
  for (const [ext, external] of [
    ['100', true],
    ['101', false],
    ['102', false],
  ] as const) {
    const person = await admin.post('/api/people', { firstName: 'Ext', lastName: ext, extension: ext });
    const line = await admin.post(`/api/people/${person.body.id}/line`, {
      password: `password-of-${ext}`,
      callerIdName: `Person ${ext}`,
      externalCallsAllowed: external,
      ...(external ? { externalCallerIds: ['+37167000001', '+37167000002'] } : {}),
    });
    expect(line.status, JSON.stringify(line.body)).toBe(201);
    lines[ext] = {
      id: line.body.id,
      lineId: line.body.id,
      tenantId: company.tenantId,
      username: line.body.sipUsername,
      password: line.body.sipPassword,
      domain: line.body.sipDomain,
    };
  }
  const routed = await admin.patch(`/api/numbers/${numberIds['+37167000001']}`, {
    destination: { lineId: lines['101']?.lineId },
  });
  expect(routed.status).toBe(200);
}, 60_000);
afterAll(async () => server?.close());

const line = (ext: string) => lines[ext] as Line;

async function lastRecord() {
  await server.running.pbx?.cdrs.flush();
  const list = await admin.get('/api/calls?limit=1');
  return list.body.items[0];
}

/** The carrier as a UAS on 127.0.0.3, with the trunk pointed at it. */
async function carrier(scenario = 'carrier_answer.xml') {
  const run = await runSipp({
    scenario: { file: `../../pbx/scenarios/calls/${scenario}` },
    transport: 'udp',
    localIp: CARRIER,
    extra: ['-trace_msg'],
  });
  expect((await operator.patch(`/api/operator/trunks/${trunkId}`, { port: run.port })).status).toBe(200);
  return run;
}

describe('inbound calls from the carrier', () => {
  it('a call to a number rings the line it is routed to, with the outside caller number', async () => {
    const phone = await registeredPhone(server, 'callee_answer.xml', line('101'));
    const call = await runSipp({
      scenario: { file: '../../pbx/scenarios/calls/carrier_inbound.xml' },
      transport: 'udp',
      remote: `127.0.0.1:${sipPort(server)}`,
      localIp: CARRIER,
      inject: ['SEQUENTIAL', '37167000001;37120000099'],
    });
    await sippOk(call);
    await sippOk(phone);
    const invite = receivedRequest(phone, 'INVITE');
    expect(invite).toMatch(/^From: "Outside Caller" <sip:\+37120000099@/m);
    expect(await lastRecord()).toMatchObject({
      direction: 'inbound',
      callerNumber: '+37120000099',
      calleeNumber: '101',
      disposition: 'answered',
      trunkId,
    });
  });

  it('a number the carrier sends that nobody owns gets 404, and strangers are not carriers', async () => {
    const unknown = await runSipp({
      scenario: { file: '../../pbx/scenarios/calls/carrier_inbound.xml' },
      transport: 'udp',
      remote: `127.0.0.1:${sipPort(server)}`,
      localIp: CARRIER,
      inject: ['SEQUENTIAL', '37199999999;37120000099'],
      extra: ['-timeout', '5s'],
    });
    const r = await unknown.done;
    expect(r.code).not.toBe(0);
    expect(r.errors).toMatch(/404/);
    // The same INVITE from an address that is not the carrier's is challenged like a phone's.
    const stranger = await runSipp({
      scenario: { file: '../../pbx/scenarios/calls/carrier_inbound.xml' },
      transport: 'udp',
      remote: `127.0.0.1:${sipPort(server)}`,
      localIp: '127.0.0.4',
      inject: ['SEQUENTIAL', '37167000001;37120000099'],
      extra: ['-timeout', '5s'],
    });
    expect((await stranger.done).errors).toMatch(/407/);
  });
});

describe('telling carriers from phones', () => {
  it('a phone on a carrier host (another port) still authenticates: a 127.0.0.1:5080 trunk does not swallow local phones', async () => {
    const local = await operator.post('/api/operator/trunks', {
      name: 'local carrier',
      host: '127.0.0.1',
      port: 5080,
      transport: 'udp',
    });
    expect(local.status).toBe(201);
    try {
      // caller_403 expects the 407 challenge first: the phone is treated as a phone.
      await sippOk(await callerPhone(server, 'caller_403.xml', line('102'), '20000099'));
    } finally {
      expect((await operator.delete(`/api/operator/trunks/${local.body.id}`)).status).toBe(204);
    }
  });
});

describe('outbound calls through the trunk', () => {
  it('a national number leaves as E.164 with the line caller ID, name and P-Asserted-Identity', async () => {
    const net = await carrier();
    await sippOk(await callerPhone(server, 'caller_answered.xml', line('100'), '20000099'));
    await sippOk(net);
    const invite = receivedRequest(net, 'INVITE');
    expect(invite).toMatch(
      new RegExp(`^INVITE sip:\\+37120000099@${CARRIER.replace(/\./g, '\\.')}:\\d+ SIP/2\\.0`),
    );
    expect(invite).toMatch(/^From: "Person 100" <sip:\+37167000001@/m);
    expect(invite).toMatch(/^P-Asserted-Identity: <sip:\+37167000001@/m);
    expect(invite).not.toMatch(/^Privacy:/m);
    expect(await lastRecord()).toMatchObject({
      direction: 'outbound',
      callerNumber: '+37167000001',
      calleeNumber: '+37120000099',
      disposition: 'answered',
      trunkId,
    });
  });

  it('the suffix h withholds the caller ID (anonymous From, Privacy: id) but tells the carrier who pays', async () => {
    const net = await carrier();
    await sippOk(await callerPhone(server, 'caller_answered.xml', line('100'), '20000099h'));
    await sippOk(net);
    const invite = receivedRequest(net, 'INVITE');
    expect(invite).toMatch(/^From: "Anonymous" <sip:anonymous@anonymous\.invalid>/m);
    expect(invite).toMatch(/^Privacy: id/m);
    expect(invite).toMatch(/^P-Asserted-Identity: <sip:\+37167000001@/m);
    expect(invite).not.toContain('Person 100');
  });

  it('the suffix c2 presents the line second caller ID; an international prefix is understood', async () => {
    const net = await carrier();
    await sippOk(await callerPhone(server, 'caller_answered.xml', line('100'), '0037120000099c2'));
    await sippOk(net);
    const invite = receivedRequest(net, 'INVITE');
    expect(invite).toMatch(/^INVITE sip:\+37120000099@/);
    expect(invite).toMatch(/^From: "Person 100" <sip:\+37167000002@/m);
  });

  it('a caller ID the line does not have (c3) is refused 403', async () => {
    await sippOk(await callerPhone(server, 'caller_403.xml', line('100'), '20000099c3'));
  });

  it('a line without external calls is refused 403', async () => {
    await sippOk(await callerPhone(server, 'caller_403.xml', line('102'), '20000099'));
  });
});

describe('toll-fraud controls', () => {
  it('refuse blocked prefixes, calls over the concurrent limit, and calls once the spend cap is reached', async () => {
    const set = (body: object) => admin.patch('/api/tenant/calling', body);
    expect((await set({ blockedPrefixes: ['+3712'] })).status).toBe(200);
    await sippOk(await callerPhone(server, 'caller_403.xml', line('100'), '20000099'));

    expect((await set({ blockedPrefixes: [], maxExternalCalls: 0 })).status).toBe(200);
    await sippOk(await callerPhone(server, 'caller_403.xml', line('100'), '20000099'));

    // 1.00 per minute to Latvia and a cap of 0.01: one answered second costs more than the cap.
    expect(
      (await operator.put('/api/operator/rates', { rates: [{ prefix: '+371', perMinute: '1' }] })).status,
    ).toBe(200);
    expect((await set({ maxExternalCalls: 10, monthlySpendCap: '0.01' })).status).toBe(200);
    const net = await carrier();
    await sippOk(await callerPhone(server, 'caller_answered.xml', line('100'), '20000099'));
    await sippOk(net);
    const charged = await lastRecord();
    expect(Number(charged.cost)).toBeGreaterThan(0.01);
    const calling = await admin.get('/api/tenant/calling');
    expect(Number(calling.body.spentThisMonth)).toBeGreaterThan(0.01);
    await sippOk(await callerPhone(server, 'caller_403.xml', line('100'), '20000099'));
    expect((await set({ monthlySpendCap: null })).status).toBe(200);
  });
});
