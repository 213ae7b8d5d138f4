// Conferences built from a call, with three real phones (baresip) each sending its own tone:
// 202 presses *3 + 203 during its call with 201, and all three hear the two others (never
// themselves); then the host controls a participant through the API (mute, hold with our
// music, remove), and who hears whom is checked in the phones' recordings.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HOLD_MUSIC_NOTES } from '../../src/media/index.ts';
import { addUser, type Company, signUpCompany } from '../helpers/accounts.ts';
import { BARESIP_BIN, type Baresip, type BaresipEvent } from '../helpers/baresip.ts';
import type { ApiClient } from '../helpers/client.ts';
import { createExtensions, type Extension, extensionPhone } from '../helpers/extensions.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { checkToneInSamples, wavSamples } from '../helpers/tone.ts';

let server: TestServer;
let company: Company;
let admin: ApiClient;
/** The agent whose line is 202: the host of the conferences below. */
let host: ApiClient;
/** An agent on none of the calls. */
let stranger: ApiClient;
const exts = new Map<string, Extension>();
const running: Baresip[] = [];

const HZ = { '201': 1300, '202': 350, '203': 1750 } as const;
type Ext = keyof typeof HZ;

const pbx = () => {
  const p = server?.running.pbx;
  if (!p) throw new Error('SIP is not running');
  return p;
};
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const callEvent = (type: BaresipEvent['type'], direction: 'incoming' | 'outgoing') => (e: BaresipEvent) =>
  e.type === type && e.direction === direction;

async function phone(ext: Ext, autoAnswer: boolean): Promise<Baresip> {
  const b = await extensionPhone(server, `conf${ext}`, exts.get(ext) as Extension, {
    hz: HZ[ext],
    autoAnswer,
  });
  running.push(b);
  return b;
}

type Audio = { samples: Float32Array; rate: number };

/** What a phone received in its call; `fromS`/`toS` cut a window (seconds from its start). */
async function heard(b: Baresip, window?: { fromS: number; toS: number }): Promise<Audio> {
  const r = (await b.recordings()).find((x) => x.direction === 'received');
  if (!r) throw new Error(`${b.name} recorded nothing\n${b.logTail()}`);
  const { rate, samples } = wavSamples(await readFile(r.path));
  if (!window) return { rate, samples: samples.subarray(Math.round(0.5 * rate)) };
  return { rate, samples: samples.subarray(Math.round(window.fromS * rate), Math.round(window.toS * rate)) };
}

/** The last seconds a phone received. */
async function tail(b: Baresip, seconds: number): Promise<Audio> {
  const all = await heard(b);
  return {
    rate: all.rate,
    samples: all.samples.subarray(Math.max(0, all.samples.length - seconds * all.rate)),
  };
}

const share = (a: Audio, hz: number) => checkToneInSamples(a.samples, a.rate, hz, { skipSeconds: 0 }).share;
const musicShare = (a: Audio) => [...new Set(HOLD_MUSIC_NOTES)].reduce((sum, hz) => sum + share(a, hz), 0);

/** Each of `others` is clearly in the mix, and the listener's own tone is not. */
function hearsOnly(a: Audio, own: Ext, others: Ext[]): void {
  for (const o of others) expect(share(a, HZ[o]), `hears ${o}`).toBeGreaterThan(0.2);
  expect(share(a, HZ[own]), `does not hear itself (${own})`).toBeLessThan(0.02);
}

async function press(b: Baresip, keys: string): Promise<void> {
  for (const k of keys) {
    await b.command('sndcode', k);
    await delay(250);
  }
}

async function until(what: string, cond: () => boolean): Promise<void> {
  const end = Date.now() + 15_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`still waiting: ${what}`);
    await delay(50);
  }
}

/** 201 calls 202 (the host's line), which answers; the live call's id. */
async function call(): Promise<{ a: Baresip; b: Baresip; id: string; startedAt: number }> {
  const a = await phone('201', false);
  const b = await phone('202', true);
  await a.dial(`sip:202@${(exts.get('202') as Extension).domain}`);
  await a.waitFor(callEvent('established', 'outgoing'));
  const startedAt = Date.now();
  await b.waitFor(callEvent('established', 'incoming'));
  const [live] = pbx().calls.calls(company.tenantId);
  if (!live) throw new Error('no live call');
  return { a, b, id: live.id, startedAt };
}

describe.skipIf(!existsSync(BARESIP_BIN))('conferences from a call (baresip)', () => {
  beforeAll(async () => {
    server = await startTestServer('pglite', { sipEnabled: true }, { digestAlgorithms: ['MD5'] });
    company = await signUpCompany(server);
    admin = company.admin;
    for (const [ext, e] of await createExtensions(admin, ['201', '203'])) exts.set(ext, e);
    // 202 is the line of a signed-in agent, who controls the conferences it hosts.
    const agent = await addUser(server, company, 'agent');
    host = agent.client;
    expect((await admin.patch(`/api/people/${agent.personId}`, { extension: '202' })).status).toBe(200);
    const line = await admin.post(`/api/people/${agent.personId}/line`, {});
    expect(line.status, JSON.stringify(line.body)).toBe(201);
    exts.set('202', {
      personId: agent.personId,
      lineId: line.body.id,
      username: line.body.sipUsername,
      password: line.body.sipPassword,
      domain: line.body.sipDomain,
    });
    stranger = (await addUser(server, company, 'agent')).client;
  }, 60_000);

  afterEach(async () => {
    await Promise.all(running.splice(0).map((b) => b.stop()));
    for (const e of exts.values()) server?.running.pbx?.location.removeAll(e.lineId);
  });
  afterAll(async () => server?.close());

  it('*3 203 #: 203 joins, and each of the three hears the two others', async () => {
    const { a, b, id } = await call();
    const c = await phone('203', true);
    await delay(500);
    await press(b, '*3203#');
    await c.waitFor(callEvent('established', 'incoming'));
    await until(
      'three parties are connected',
      () =>
        pbx()
          .calls.call(company.tenantId, id)
          ?.participants()
          .filter((p) => p.state === 'connected').length === 3,
    );
    const list = await host.get(`/api/calls/${id}/participants`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((p: { number: string; host: boolean }) => [p.number, p.host])).toEqual([
      ['201', false],
      ['202', true],
      ['203', false],
    ]);
    await delay(3000);
    // 201 leaves: the two others stay in the conference.
    await a.hangup();
    await a.waitFor(callEvent('closed', 'outgoing'));
    await delay(1500);
    expect(pbx().calls.call(company.tenantId, id)?.participants()).toHaveLength(2);
    await c.hangup();
    await c.waitFor(callEvent('closed', 'incoming'));
    // One party left alone: the call ends with our BYE.
    await b.waitFor(callEvent('closed', 'incoming'));
    hearsOnly(await tail(a, 2), '201', ['202', '203']);
    const bHeard = await heard(b);
    expect(share(bHeard, HZ['201'])).toBeGreaterThan(0.1);
    expect(share(bHeard, HZ['203'])).toBeGreaterThan(0.1);
    expect(share(bHeard, HZ['202'])).toBeLessThan(0.02);
    // 203 heard 201 and 202 until 201 left, then 202 alone.
    expect(share(await heard(c), HZ['201'])).toBeGreaterThan(0.1);
    expect(share(await tail(c, 1), HZ['202'])).toBeGreaterThan(0.8);
    await until('no call is left', () => pbx().calls.size === 0);
  });

  it('the host adds 203 by API, mutes it, holds it (it hears our music), removes it', async () => {
    const { a, b, id, startedAt } = await call();
    const c = await phone('203', true);
    expect((await stranger.get(`/api/calls/${id}/participants`)).status).toBe(404);
    expect((await host.post(`/api/calls/${id}/participants`, { number: 'abc' })).status).toBe(400);
    expect((await host.post(`/api/calls/${id}/participants`, { number: '299' })).status).toBe(422);
    const added = await host.post(`/api/calls/${id}/participants`, { number: '203' });
    expect(added.status, JSON.stringify(added.body)).toBe(202);
    expect(added.body).toMatchObject({ number: '203', state: 'ringing' });
    await c.waitFor(callEvent('established', 'incoming'));
    await until('203 is connected', () =>
      (pbx().calls.call(company.tenantId, id)?.participants() ?? []).some(
        (p) => p.number === '203' && p.state === 'connected',
      ),
    );
    const joinedAt = Date.now();
    await delay(2500);
    const muted = await host.patch(`/api/calls/${id}/participants/${added.body.id}`, { muted: true });
    expect(muted.status, JSON.stringify(muted.body)).toBe(200);
    expect(muted.body).toMatchObject({ muted: true, held: false });
    const mutedAt = Date.now();
    await delay(2500);
    const held = await admin.patch(`/api/calls/${id}/participants/${added.body.id}`, { held: true });
    expect(held.body).toMatchObject({ muted: true, held: true });
    await delay(2500);
    expect((await stranger.delete(`/api/calls/${id}/participants/${added.body.id}`)).status).toBe(404);
    expect((await host.delete(`/api/calls/${id}/participants/${added.body.id}`)).status).toBe(204);
    await c.waitFor(callEvent('closed', 'incoming'));
    // The two others go on talking.
    expect(
      pbx()
        .calls.call(company.tenantId, id)
        ?.participants()
        .map((p) => p.number),
    ).toEqual(['201', '202']);
    await delay(500);
    await a.hangup();
    await a.waitFor(callEvent('closed', 'outgoing'));
    await b.waitFor(callEvent('closed', 'incoming'));
    const s = (t: number) => (t - startedAt) / 1000;
    // Three parties: 201 hears 202 and 203. Muted, 203 is heard no more.
    hearsOnly(await heard(a, { fromS: s(joinedAt) + 0.7, toS: s(mutedAt) - 0.3 }), '201', ['202', '203']);
    const afterMute = await heard(a, { fromS: s(mutedAt) + 0.7, toS: s(mutedAt) + 2.2 });
    expect(share(afterMute, HZ['203'])).toBeLessThan(0.02);
    expect(share(afterMute, HZ['202'])).toBeGreaterThan(0.8);
    // Held by the host, 203 heard our music until it was removed.
    expect(musicShare(await tail(c, 1.5))).toBeGreaterThan(0.6);
    await until('no call is left', () => pbx().calls.size === 0);
  });
});
