// Call recording by line policy on real calls (sipp as the phones), and what users then see
// of the recordings through the API: the stereo WAV (caller left, the other party right),
// Range requests, who may list, hear and delete which recording, and the retention job
// deleting an expired recording while keeping a fresh one.
//
// People: A (201) an agent whose line records inbound internal calls; B (202) an agent whose
// line records outbound internal calls; C (203) with no recording; S a supervisor of a team
// that has A in it (not B). Last, calls from the phone network (sipp as the carrier on
// 127.0.0.3) to a number of A's line and one of D's (204), whose line records inbound
// external calls.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeWav } from '../../src/media/audio/wav.ts';
import { RetentionJob } from '../../src/pbx/recording/index.ts';
import { addUser, type Company, signInOperator, signUpCompany } from '../helpers/accounts.ts';
import type { ApiClient } from '../helpers/client.ts';
import type { Line } from '../helpers/lines.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { callerPhone, registeredPhone, sipPort, sippOk } from '../helpers/sipp-phones.ts';
import { runSipp } from '../sip/interop/sipp.ts';

const DAY_MS = 86_400_000;
const OFF = {
  inboundInternal: false,
  inboundExternal: false,
  outboundInternal: false,
  outboundExternal: false,
  onDemand: false,
};

let server: TestServer;
let company: Company;
let admin: ApiClient;
let supervisor: ApiClient;
let agentA: ApiClient;
let agentB: ApiClient;
const people: Record<'A' | 'B' | 'C' | 'D', string> = { A: '', B: '', C: '', D: '' };
const lines: Record<string, Line> = {};

const pbx = () => {
  const p = server.running.pbx;
  if (!p) throw new Error('SIP is not running');
  return p;
};
/** Scenarios of test/pbx/scenarios/calls by name; others as a path from there. */
const ours = (name: string) => `../recording/${name}`;

/** A line for the person, with an extension and recording settings, through the API. */
async function lineFor(personId: string, ext: string, recording: Partial<typeof OFF>): Promise<void> {
  expect((await admin.patch(`/api/people/${personId}`, { extension: ext })).status).toBe(200);
  const created = await admin.post(`/api/people/${personId}/line`, {
    password: `password-of-${ext}`,
    recording: { ...OFF, ...recording },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  lines[ext] = {
    id: created.body.id,
    tenantId: company.tenantId,
    username: created.body.sipUsername,
    password: created.body.sipPassword,
    domain: created.body.sipDomain,
  };
}

/** Phones of earlier calls (sipp runs that have ended) are unregistered: only the new one rings. */
function forgetPhones(): void {
  for (const l of Object.values(lines)) pbx().location.removeAll(l.id);
}

/** `from` calls `to`: the caller runs `callerFile`, the callee (registered first) `calleeFile`. */
async function call(from: string, to: string, callerFile: string, calleeFile: string): Promise<void> {
  forgetPhones();
  const callee = await registeredPhone(server, calleeFile, lines[to] as Line);
  await sippOk(await callerPhone(server, callerFile, lines[from] as Line, to));
  await sippOk(callee);
  await pbx().recordings.idle();
}

/** The recordings the admin lists that started at or after `since`, once all are complete. */
async function recordedSince(since: Date, count: number) {
  let items: any[] = [];
  await vi.waitFor(
    async () => {
      const list = await admin.get(`/api/recordings?from=${encodeURIComponent(since.toISOString())}`);
      expect(list.status).toBe(200);
      items = list.body.items;
      expect(items).toHaveLength(count);
      for (const r of items) expect(r.endedAt).not.toBeNull();
    },
    { timeout: 10_000, interval: 100 },
  );
  return items;
}

/** The audio as bytes (ApiClient gives text), with the client's session cookie. */
async function audio(client: ApiClient, id: string, range?: string) {
  const jar = (client as unknown as { cookies: Map<string, string> }).cookies;
  const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await fetch(`${server.url}/api/recordings/${id}/audio`, {
    headers: { cookie, ...(range ? { range } : {}) },
  });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

function rms(x: Float32Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return Math.sqrt(sum / Math.max(1, x.length));
}

const ids = (list: { items: { id: string }[] }) => list.items.map((r) => r.id).sort();

beforeAll(async () => {
  // sipp answers only MD5 challenges.
  server = await startTestServer('pglite', { sipEnabled: true }, { digestAlgorithms: ['MD5'] });
  company = await signUpCompany(server);
  admin = company.admin;
  const a = await addUser(server, company, 'agent');
  const b = await addUser(server, company, 'agent');
  const s = await addUser(server, company, 'supervisor');
  agentA = a.client;
  agentB = b.client;
  supervisor = s.client;
  people.A = a.personId;
  people.B = b.personId;
  const c = await admin.post('/api/people', { firstName: 'Carl', lastName: 'Caller' });
  expect(c.status).toBe(201);
  people.C = c.body.id;
  await lineFor(people.A, '201', { inboundInternal: true });
  await lineFor(people.B, '202', { outboundInternal: true });
  await lineFor(people.C, '203', {});
  // S supervises a team of A.
  const team = await admin.post('/api/teams', { name: 'Front desk' });
  expect(team.status, JSON.stringify(team.body)).toBe(201);
  for (const [personId, role] of [
    [s.personId, 'supervisor'],
    [people.A, 'agent'],
  ]) {
    const added = await admin.put(`/api/teams/${team.body.id}/members/${personId}`, { role });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
  }
}, 90_000);
afterAll(async () => server?.close());

let toA: any; // C calls A: recorded by A's inbound-internal setting
let fromB: any; // B calls C: recorded by B's outbound-internal setting

describe('line policy', () => {
  it('records a call the callee’s line asks for (inbound internal): stereo, the caller on the left', async () => {
    const since = new Date();
    await call('203', '201', ours('caller_talks.xml'), 'callee_answer.xml');
    [toA] = await recordedSince(since, 1);
    expect(toA).toMatchObject({ source: 'line', callerNumber: '203', calleeNumber: '201', queueId: null });
    expect(toA.personIds.sort()).toEqual([people.A, people.C].sort());
    expect(toA.durationMs).toBeGreaterThan(1000);
    // 8 kHz, 16-bit, two channels: 32 bytes a millisecond, after the 44-byte header.
    expect(toA.bytes).toBe(44 + toA.durationMs * 32);
    expect(Date.parse(toA.expiresAt) - Date.parse(toA.endedAt)).toBe(365 * DAY_MS);
    const file = join(server.config.dataDir, 'recordings', company.tenantId, `${toA.id}.wav`);
    expect(existsSync(file)).toBe(true);

    const wav = await audio(admin, toA.id);
    expect(wav.status).toBe(200);
    expect(wav.headers.get('content-type')).toBe('audio/wav');
    expect(wav.headers.get('accept-ranges')).toBe('bytes');
    expect(wav.bytes.length).toBe(toA.bytes);
    const decoded = decodeWav(wav.bytes);
    expect(decoded.sampleRate).toBe(8000);
    expect(decoded.channels).toHaveLength(2);
    const [left, right] = decoded.channels.map(rms) as [number, number];
    expect(left).toBeGreaterThan(0.01);
    expect(right).toBeLessThan(0.001);
  });

  it('records a call the caller’s line asks for (outbound internal): the callee on the right', async () => {
    const since = new Date();
    await call('202', '203', ours('caller_listens.xml'), '../flows/callee_talks.xml');
    [fromB] = await recordedSince(since, 1);
    expect(fromB).toMatchObject({ source: 'line', callerNumber: '202', calleeNumber: '203' });
    expect(fromB.personIds.sort()).toEqual([people.B, people.C].sort());
    const decoded = decodeWav((await audio(admin, fromB.id)).bytes);
    const [left, right] = decoded.channels.map(rms) as [number, number];
    expect(left).toBeLessThan(0.001);
    expect(right).toBeGreaterThan(0.01);
  });

  it('records a flow call once the line asking for it answers (the flow had answered the caller)', async () => {
    const flow = {
      tabs: [{ id: 'main', name: 'Main' }],
      nodes: [
        { id: 'entry', type: 'internal-number', name: 'Desk', config: { extension: '777' } },
        {
          id: 'hello',
          type: 'play',
          name: 'Hello',
          config: { prompt: { kind: 'tts', text: 'Hi', language: 'en' } },
        },
        { id: 'ring', type: 'ring', name: 'Ring A', config: { targets: [{ kind: 'person', id: people.A }] } },
      ],
      edges: [
        { id: 'e1', from: 'entry', output: 'next', to: 'hello' },
        { id: 'e2', from: 'hello', output: 'next', to: 'ring' },
      ],
      layout: {},
    };
    const saved = await admin.put('/api/workspace', { draft: flow });
    expect(saved.body.issues.filter((i: { severity: string }) => i.severity === 'error')).toEqual([]);
    expect((await admin.post('/api/workspace/publish', {})).status).toBe(201);

    const since = new Date();
    forgetPhones();
    const callee = await registeredPhone(server, 'callee_answer.xml', lines['201'] as Line);
    await sippOk(await callerPhone(server, ours('caller_talks.xml'), lines['203'] as Line, '777'));
    await sippOk(callee);
    await pbx().recordings.idle();
    const [viaFlow] = await recordedSince(since, 1);
    // A's inbound-internal setting, applied when A answered: not at the flow's answer.
    expect(viaFlow).toMatchObject({ source: 'line', callerNumber: '203' });
    expect(viaFlow.personIds).toContain(people.A);
    const [left] = decodeWav((await audio(admin, viaFlow.id)).bytes).channels.map(rms) as [number];
    expect(left).toBeGreaterThan(0.01);
    // The API tests below count the recordings of the other calls only.
    expect((await admin.delete(`/api/recordings/${viaFlow.id}`)).status).toBe(204);
    await admin.put('/api/workspace', {
      draft: { tabs: [{ id: 'main', name: 'Main' }], nodes: [], edges: [], layout: {} },
    });
    expect((await admin.post('/api/workspace/publish', {})).status).toBe(201);
  });

  it('does not record a call no line asks for: B records outbound calls only, C nothing', async () => {
    const since = new Date();
    await call('203', '202', ours('caller_talks.xml'), 'callee_answer.xml');
    await pbx().cdrs.flush();
    const cdr = (await admin.get('/api/calls?limit=1')).body.items[0];
    expect(cdr).toMatchObject({ callerNumber: '203', calleeNumber: '202', disposition: 'answered' });
    const list = await admin.get(`/api/recordings?from=${encodeURIComponent(since.toISOString())}`);
    expect(list.body.items).toEqual([]);
  });
});

describe('the recordings API', () => {
  it('streams a byte range (206) for players that seek', async () => {
    const head = await audio(admin, toA.id, 'bytes=0-43');
    expect(head.status).toBe(206);
    expect(head.headers.get('content-range')).toBe(`bytes 0-43/${toA.bytes}`);
    expect(head.bytes.length).toBe(44);
    expect(Buffer.from(head.bytes.subarray(0, 4)).toString('latin1')).toBe('RIFF');
    const whole = await audio(admin, toA.id);
    const tail = await audio(admin, toA.id, 'bytes=-1000');
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe(`bytes ${toA.bytes - 1000}-${toA.bytes - 1}/${toA.bytes}`);
    expect(Buffer.from(tail.bytes).equals(Buffer.from(whole.bytes.subarray(toA.bytes - 1000)))).toBe(true);
    const past = await audio(admin, toA.id, `bytes=${toA.bytes}-`);
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${toA.bytes}`);
  });

  it('filters by source, person and number', async () => {
    expect(ids((await admin.get('/api/recordings?source=line')).body)).toEqual([toA.id, fromB.id].sort());
    expect(ids((await admin.get('/api/recordings?source=queue')).body)).toEqual([]);
    expect(ids((await admin.get(`/api/recordings?person=${people.A}`)).body)).toEqual([toA.id]);
    expect(ids((await admin.get('/api/recordings?number=202')).body)).toEqual([fromB.id]);
    const first = await admin.get('/api/recordings?limit=1');
    expect(first.body.items).toHaveLength(1);
    const second = await admin.get(`/api/recordings?limit=1&cursor=${first.body.nextCursor}`);
    expect([first.body.items[0].id, second.body.items[0].id].sort()).toEqual([toA.id, fromB.id].sort());
    expect(second.body.nextCursor).toBeNull();
  });

  it('shows supervisors their teams’ recordings and agents their own; others are not found', async () => {
    expect(ids((await admin.get('/api/recordings')).body)).toEqual([toA.id, fromB.id].sort());
    expect(ids((await supervisor.get('/api/recordings')).body)).toEqual([toA.id]);
    expect(ids((await agentA.get('/api/recordings')).body)).toEqual([toA.id]);
    expect(ids((await agentB.get('/api/recordings')).body)).toEqual([fromB.id]);
    expect((await supervisor.get(`/api/recordings/${fromB.id}`)).status).toBe(404);
    expect((await audio(supervisor, fromB.id)).status).toBe(404);
    expect((await agentA.get(`/api/recordings/${fromB.id}`)).status).toBe(404);
    expect((await audio(agentB, fromB.id)).status).toBe(200);
    expect((await agentB.get(`/api/recordings/${toA.id}`)).status).toBe(404);
  });

  it('lets supervisors delete their teams’ recordings, not agents; the file goes with the row', async () => {
    expect((await agentA.delete(`/api/recordings/${toA.id}`)).status).toBe(403);
    expect((await supervisor.delete(`/api/recordings/${fromB.id}`)).status).toBe(404);
    const file = join(server.config.dataDir, 'recordings', company.tenantId, `${toA.id}.wav`);
    expect(existsSync(file)).toBe(true);
    expect((await supervisor.delete(`/api/recordings/${toA.id}`)).status).toBe(204);
    expect(existsSync(file)).toBe(false);
    expect((await admin.get(`/api/recordings/${toA.id}`)).status).toBe(404);
    expect(ids((await admin.get('/api/recordings')).body)).toEqual([fromB.id]);
  });
});

describe('retention', () => {
  it('a new retention window applies to existing recordings', async () => {
    const changed = await admin.patch('/api/tenant', { recordingRetentionDays: 30 });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.recordingRetentionDays).toBe(30);
    const r = (await admin.get(`/api/recordings/${fromB.id}`)).body;
    expect(Date.parse(r.expiresAt) - Date.parse(r.endedAt)).toBe(30 * DAY_MS);
  });

  it('the job deletes an expired recording and keeps a fresh one; a missing file still goes', async () => {
    const since = new Date();
    await call('203', '201', ours('caller_talks.xml'), 'callee_answer.xml');
    const [fresh] = await recordedSince(since, 1);
    expect(Date.parse(fresh.expiresAt) - Date.parse(fresh.endedAt)).toBe(30 * DAY_MS);
    const old = (await admin.get(`/api/recordings/${fromB.id}`)).body;
    expect(Date.parse(old.expiresAt)).toBeLessThan(Date.parse(fresh.expiresAt));
    const fileOf = (id: string) => join(server.config.dataDir, 'recordings', company.tenantId, `${id}.wav`);

    let now = new Date(Date.parse(old.expiresAt) + 1);
    const job = new RetentionJob({
      db: server.running.store.db,
      dataDir: server.config.dataDir,
      log: pino({ level: 'silent' }),
      now: () => now,
    });
    expect(await job.runOnce()).toMatchObject({ deleted: 1, missingFiles: 0, failed: 0 });
    expect((await admin.get(`/api/recordings/${old.id}`)).status).toBe(404);
    expect(existsSync(fileOf(old.id))).toBe(false);
    expect((await admin.get(`/api/recordings/${fresh.id}`)).status).toBe(200);
    expect(existsSync(fileOf(fresh.id))).toBe(true);

    // Its file lost some other way: the row is deleted all the same once it expires.
    rmSync(fileOf(fresh.id));
    now = new Date(Date.parse(fresh.expiresAt) + 1);
    expect(await job.runOnce()).toMatchObject({ deleted: 1, missingFiles: 1 });
    expect((await admin.get(`/api/recordings/${fresh.id}`)).status).toBe(404);
  });
});

describe('calls from the phone network', () => {
  const CARRIER = '127.0.0.3';
  const TO_A = '+37167200001';
  const TO_D = '+37167200004';

  beforeAll(async () => {
    const operator = await signInOperator(server);
    const trunk = await operator.post('/api/operator/trunks', {
      name: 'carrier',
      host: CARRIER,
      port: 5060,
      transport: 'udp',
      inboundAddresses: [`${CARRIER}/32`],
    });
    expect(trunk.status, JSON.stringify(trunk.body)).toBe(201);
    const added = await operator.post('/api/operator/numbers', {
      numbers: [TO_A, TO_D].map((e164) => ({
        e164,
        country: 'LV',
        areaCode: '67',
        type: 'local',
        trunkId: trunk.body.id,
      })),
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const d = await admin.post('/api/people', { firstName: 'Dora', lastName: 'Desk' });
    people.D = d.body.id;
    await lineFor(d.body.id, '204', { inboundExternal: true });
    for (const [e164, ext] of [
      [TO_A, '201'],
      [TO_D, '204'],
    ] as const) {
      const bought = await admin.post('/api/numbers', { e164 });
      expect(bought.status, JSON.stringify(bought.body)).toBe(201);
      const routed = await admin.patch(`/api/numbers/${bought.body.id}`, {
        destination: { lineId: (lines[ext] as Line).id },
      });
      expect(routed.status, JSON.stringify(routed.body)).toBe(200);
    }
  }, 30_000);

  async function carrierCall(number: string, from: string, ext: string): Promise<void> {
    forgetPhones();
    const callee = await registeredPhone(server, 'callee_answer.xml', lines[ext] as Line);
    const carrier = await runSipp({
      scenario: { file: '../../pbx/scenarios/flows/carrier_talks.xml' },
      transport: 'udp',
      remote: `127.0.0.1:${sipPort(server)}`,
      localIp: CARRIER,
      inject: ['SEQUENTIAL', `${number.slice(1)};${from.slice(1)}`],
    });
    await sippOk(carrier);
    await sippOk(callee);
    await pbx().recordings.idle();
  }

  it('records an inbound external call the callee’s line asks for, not one it does not', async () => {
    const since = new Date();
    // A records inbound internal calls only.
    await carrierCall(TO_A, '+37120000041', '201');
    await pbx().cdrs.flush();
    const cdr = (await admin.get('/api/calls?limit=1')).body.items[0];
    expect(cdr).toMatchObject({
      direction: 'inbound',
      callerNumber: '+37120000041',
      disposition: 'answered',
    });
    expect(
      (await admin.get(`/api/recordings?from=${encodeURIComponent(since.toISOString())}`)).body.items,
    ).toEqual([]);
    await carrierCall(TO_D, '+37120000042', '204');
    const [r] = await recordedSince(since, 1);
    expect(r).toMatchObject({ source: 'line', callerNumber: '+37120000042', personIds: [people.D] });
    const decoded = decodeWav((await audio(admin, r.id)).bytes);
    const [left, right] = decoded.channels.map(rms) as [number, number];
    expect(left).toBeGreaterThan(0.01);
    expect(right).toBeLessThan(0.001);
  });
});
