// Dialled feature codes from real phones (baresip registered as extensions at the real
// server): do not disturb and forwarding switched by code change what the lines API shows
// and where the next call rings; a company's own codes replace the defaults at once; codes
// that cannot be served are refused with a status that says why.
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signUpCompany } from '../helpers/accounts.ts';
import { BARESIP_BIN, type Baresip, type BaresipEvent } from '../helpers/baresip.ts';
import type { ApiClient } from '../helpers/client.ts';
import { createExtensions, type Extension, extensionPhone } from '../helpers/extensions.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { toneInWav } from '../helpers/tone.ts';

let server: TestServer;
let admin: ApiClient;
let exts = new Map<string, Extension>();
const running: Baresip[] = [];

const ext = (e: string) => exts.get(e) as Extension;
const uri = (dialled: string) => `sip:${encodeURIComponent(dialled)}@${ext('201').domain}`;
const outgoing = (type: BaresipEvent['type']) => (e: BaresipEvent) =>
  e.type === type && e.direction === 'outgoing';

async function phone(e: string, hz: number, autoAnswer = true): Promise<Baresip> {
  const b = await extensionPhone(server, `feat${e}`, ext(e), { hz, autoAnswer });
  running.push(b);
  return b;
}

/** Dials a feature code that Switchboard answers, confirms by voice and hangs up. */
async function dialCode(b: Baresip, code: string): Promise<void> {
  const since = b.mark();
  await b.dial(uri(code));
  await b.waitFor(outgoing('established'), { since });
  const closed = await b.waitFor(outgoing('closed'), { since, timeoutMs: 15_000 });
  // Hung up by Switchboard (BYE) once the confirmation was said, not refused.
  expect(closed.param ?? '', b.logTail()).not.toMatch(/^\d{3}/);
}

/** Dials something Switchboard refuses: the final status and reason baresip saw. */
async function refused(b: Baresip, dialled: string): Promise<string> {
  const since = b.mark();
  await b.dial(uri(dialled));
  const closed = await b.waitFor(outgoing('closed'), { since });
  expect(b.events.slice(since).some((e) => e.type === 'established')).toBe(false);
  return closed.param ?? '';
}

const lineOf = async (e: string) => {
  const res = await admin.get(`/api/lines/${ext(e).lineId}`);
  expect(res.status).toBe(200);
  return res.body;
};

describe.skipIf(!existsSync(BARESIP_BIN))('dialled feature codes', () => {
  beforeAll(async () => {
    server = await startTestServer('pglite', { sipEnabled: true }, { digestAlgorithms: ['MD5'] });
    admin = (await signUpCompany(server)).admin;
    exts = await createExtensions(admin, ['201', '202', '203']);
  }, 60_000);

  afterEach(async () => {
    await Promise.all(running.splice(0).map((b) => b.stop()));
    for (const e of exts.values()) server?.running.pbx?.location.removeAll(e.lineId);
  });
  afterAll(async () => server?.close());

  it('*78 turns do not disturb on: the API shows it and calls get 480; *79 turns it off and calls ring again', async () => {
    const a = await phone('201', 600, false);
    const b = await phone('202', 1000);

    await dialCode(b, '*78');
    expect((await lineOf('202')).doNotDisturb).toBe(true);
    const since = b.mark();
    expect(await refused(a, '202')).toMatch(/^480/);
    expect(b.events.slice(since).some((e) => e.direction === 'incoming')).toBe(false);

    await dialCode(b, '*79');
    expect((await lineOf('202')).doNotDisturb).toBe(false);
    const s2 = a.mark();
    await a.dial(uri('202'));
    await a.waitFor(outgoing('established'), { since: s2 });
    await a.hangup();
    await a.waitFor(outgoing('closed'), { since: s2 });
  });

  it('*72 + extension forwards every call there; *73 stops forwarding', async () => {
    const a = await phone('201', 600, false);
    const b = await phone('202', 1000);
    const c = await phone('203', 1400);

    await dialCode(b, '*72203');
    expect((await lineOf('202')).forwardTo).toBe('203');
    let since = a.mark();
    const bSince = b.mark();
    await a.dial(uri('202'));
    await c.waitFor((e) => e.type === 'established' && e.direction === 'incoming');
    await a.waitFor(outgoing('established'), { since });
    expect(b.events.slice(bSince).some((e) => e.direction === 'incoming')).toBe(false);
    await a.hangup();
    await a.waitFor(outgoing('closed'), { since });

    await dialCode(b, '*73');
    expect((await lineOf('202')).forwardTo).toBeNull();
    since = a.mark();
    const b2 = b.mark();
    await a.dial(uri('202'));
    await b.waitFor((e) => e.type === 'established' && e.direction === 'incoming', { since: b2 });
    await a.hangup();
    await a.waitFor(outgoing('closed'), { since });
  });

  it('refuses a forwarding it cannot make, leaving the line as it was', async () => {
    const b = await phone('202', 1000);
    expect(await refused(b, '*72')).toMatch(/^484/);
    expect(await refused(b, '*72999')).toMatch(/^404 No such extension/);
    expect(await refused(b, '*72202')).toMatch(/^482/);
    // An outside number: the line may not call out, so it may not forward out either.
    expect(await refused(b, '*7226000000')).toMatch(/^403 External forwarding not allowed/);
    expect((await lineOf('202')).forwardTo).toBeNull();
  });

  it('an unknown *-code is 404 No such feature code; a spy code from someone who is not a supervisor is 403', async () => {
    const b = await phone('202', 1000);
    expect(await refused(b, '*55')).toMatch(/^404 No such feature code/);
    expect(await refused(b, '4#201')).toMatch(/^403/);
    // The same answer whether or not the extension exists.
    expect(await refused(b, '4#999')).toMatch(/^403/);
  });

  it('pickup of an extension where nothing rings is 404', async () => {
    const b = await phone('202', 1000);
    expect(await refused(b, '*8201')).toMatch(/^404/);
  });

  it('*8 + extension answers the call ringing there: the caller talks to the picker; the phone stops ringing', async () => {
    const a = await phone('201', 600, false);
    const b = await phone('202', 1000, false);
    const c = await phone('203', 1400, false);
    const since = a.mark();
    await a.dial(uri('202'));
    await b.waitFor((e) => e.type === 'incoming');
    await c.dial(uri('*8202'));
    await c.waitFor(outgoing('established'));
    await a.waitFor(outgoing('established'), { since });
    await b.waitFor((e) => e.type === 'closed' && e.direction === 'incoming');
    expect(b.events.some((e) => e.type === 'established')).toBe(false);
    await new Promise((r) => setTimeout(r, 2000));
    await c.hangup();
    await a.waitFor(outgoing('closed'), { since });
    const heard = (await c.recordings()).find((r) => r.direction === 'received');
    expect((await toneInWav(heard?.path as string, 600)).share).toBeGreaterThan(0.5);
  });

  it('*8 alone answers a call ringing someone of the picker’s team (404 while nothing rings there)', async () => {
    const team = await admin.post('/api/teams', { name: 'Pickup group' });
    await admin.put(`/api/teams/${team.body.id}/members/${ext('202').personId}`, { role: 'agent' });
    await admin.put(`/api/teams/${team.body.id}/members/${ext('203').personId}`, { role: 'agent' });
    try {
      const a = await phone('201', 600, false);
      const b = await phone('202', 1000, false);
      const c = await phone('203', 1400, false);
      const since = a.mark();
      // Nothing rings yet.
      expect(await refused(c, '*8')).toMatch(/^404 Nothing ringing in your teams/);
      await a.dial(uri('202'));
      await b.waitFor((e) => e.type === 'incoming');
      await c.dial(uri('*8'));
      await c.waitFor(outgoing('established'));
      await a.waitFor(outgoing('established'), { since });
      await a.hangup();
      await c.waitFor(outgoing('closed'));
    } finally {
      await admin.delete(`/api/teams/${team.body.id}`);
    }
  });

  it('agent codes: *46 logs out of the queues, *45 in, *47 + number pauses with that reason, *48 resumes', async () => {
    const q = await admin.post('/api/queues', { name: 'Support' });
    expect(q.status, JSON.stringify(q.body)).toBe(201);
    const m = await admin.post(`/api/queues/${q.body.id}/members`, { personId: ext('202').personId });
    expect(m.status, JSON.stringify(m.body)).toBe(201);
    const membership = async () => {
      const res = await admin.get(`/api/queues/agents/${ext('202').personId}`);
      expect(res.status).toBe(200);
      return res.body.memberships[0];
    };
    try {
      const b = await phone('202', 1000);
      await dialCode(b, '*46');
      expect(await membership()).toMatchObject({ loggedIn: false, pausedReason: null });
      await dialCode(b, '*45');
      expect(await membership()).toMatchObject({ loggedIn: true, pausedReason: null });
      await dialCode(b, '*473');
      expect(await membership()).toMatchObject({ loggedIn: true, pausedReason: 'code 3' });
      await dialCode(b, '*48');
      expect(await membership()).toMatchObject({ loggedIn: true, pausedReason: null });
      expect(await refused(b, '*4712345')).toMatch(/^484 A pause reason is a number/);

      const c = await phone('203', 1400);
      expect(await refused(c, '*45')).toMatch(/^404 Not a member of any queue/);
    } finally {
      await admin.delete(`/api/queues/${q.body.id}`);
    }
  });

  it('*97 hands the caller to its voicemail box (answered, not refused)', async () => {
    const b = await phone('202', 1000);
    const since = b.mark();
    await b.dial(uri('*97'));
    await b.waitFor(outgoing('established'), { since });
    await b.hangup();
    await b.waitFor(outgoing('closed'), { since });
  });

  it('follows the company’s own codes: a changed code works at once and the old one is unknown', async () => {
    const put = await admin.put('/api/feature-codes', { dndOn: '*70' });
    expect(put.status).toBe(200);
    try {
      const b = await phone('202', 1000);
      expect(await refused(b, '*78')).toMatch(/^404 No such feature code/);
      expect((await lineOf('202')).doNotDisturb).toBe(false);
      await dialCode(b, '*70');
      expect((await lineOf('202')).doNotDisturb).toBe(true);
      await dialCode(b, '*79');
    } finally {
      await admin.put('/api/feature-codes', {});
    }
  });
});
