// Calls between two real SIP phones (baresip, see test/helpers/baresip.ts) registered as
// extensions 201 and 202 at the real server: the call goes through our B2BUA and its audio
// through our anchored RTP endpoints, both ways; the caller hears our ringback while it rings.
//
// Digest: baresip v1.0.0 runs on libre 1.1.0, whose client digest code answers MD5 only and
// gives up with ENOSYS ("Function not implemented", REGISTER_FAIL) as soon as any challenge in
// the 401 names another algorithm, whatever the order: our default SHA-256 + MD5 challenge,
// SHA-256 alone and MD5 then SHA-256 all fail to register. So this server offers MD5 only.
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signUpCompany } from '../helpers/accounts.ts';
import { BARESIP_BIN, type Baresip, type BaresipEvent } from '../helpers/baresip.ts';
import type { ApiClient } from '../helpers/client.ts';
import { createExtensions, type Extension, extensionPhone } from '../helpers/extensions.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { assertToneInWav, toneInWav } from '../helpers/tone.ts';

let server: TestServer;
let admin: ApiClient;
let exts = new Map<string, Extension>();

const pbx = () => {
  const p = server?.running.pbx;
  if (!p) throw new Error('SIP is not running');
  return p;
};

const running: Baresip[] = [];

/** A baresip phone registered at our server as extension `ext`. */
async function phone(ext: string, o: { hz: number; autoAnswer: boolean }): Promise<Baresip> {
  const b = await extensionPhone(server, `ext${ext}`, exts.get(ext) as Extension, {
    ...o,
    displayName: `Ext ${ext}`,
  });
  running.push(b);
  return b;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const callEvent = (type: BaresipEvent['type'], direction: 'incoming' | 'outgoing') => (e: BaresipEvent) =>
  e.type === type && e.direction === direction;

/** Waits until `cond` holds; throws `what` if it does not within 10 s. */
async function until(what: string, cond: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`still waiting: ${what}`);
    await delay(50);
  }
}

async function lastRecord() {
  await pbx().cdrs.flush();
  const list = await admin.get('/api/calls?limit=1');
  expect(list.status).toBe(200);
  return list.body.items[0];
}

const recorded = async (b: Baresip, direction: 'sent' | 'received') => {
  const recs = await b.recordings();
  expect(recs.map((r) => r.direction).sort(), b.logTail()).toEqual(['received', 'sent']);
  return (recs.find((r) => r.direction === direction) as { path: string }).path;
};

describe.skipIf(!existsSync(BARESIP_BIN))('calls between baresip phones through Switchboard', () => {
  beforeAll(async () => {
    server = await startTestServer('pglite', { sipEnabled: true }, { digestAlgorithms: ['MD5'] });
    const company = await signUpCompany(server);
    admin = company.admin;
    exts = await createExtensions(admin, ['201', '202']);
  }, 60_000);

  afterEach(async () => {
    await Promise.all(running.splice(0).map((b) => b.stop()));
    // quit un-REGISTERs; should one not arrive, the next test's phones must still be the only bindings.
    for (const e of exts.values()) server?.running.pbx?.location.removeAll(e.lineId);
  });
  afterAll(async () => server?.close());

  it('201 calls 202, which answers: each hears the other’s tone through our media; 201 hangs up', async () => {
    const a = await phone('201', { hz: 1000, autoAnswer: false });
    const b = await phone('202', { hz: 600, autoAnswer: true });
    const domain = (exts.get('202') as Extension).domain;

    await a.dial(`sip:202@${domain}`);
    const incoming = await b.waitFor('incoming');
    expect(incoming.peerUri).toBe(`sip:201@${domain}`);
    await b.waitFor(callEvent('established', 'incoming'));
    await a.waitFor(callEvent('established', 'outgoing'));
    expect(pbx().calls.size).toBe(1);
    await delay(2500); // let audio flow both ways; nothing below depends on how long exactly

    await a.hangup();
    const closedA = await a.waitFor(callEvent('closed', 'outgoing'));
    const closedB = await b.waitFor(callEvent('closed', 'incoming'));
    // Two legs of a B2BUA: two dialogs.
    expect(closedA.callId).not.toBe(closedB.callId);

    // What each phone received is the other phone's sine, relayed by our media engine.
    const bHeard = await assertToneInWav(await recorded(b, 'received'), 1000);
    const aHeard = await assertToneInWav(await recorded(a, 'received'), 600);
    expect(bHeard.share).toBeGreaterThan(0.9);
    expect(aHeard.share).toBeGreaterThan(0.9);
    // Not an echo of their own tone.
    expect((await toneInWav(await recorded(b, 'received'), 600)).share).toBeLessThan(0.01);
    expect((await toneInWav(await recorded(a, 'received'), 1000)).share).toBeLessThan(0.01);

    expect(await lastRecord()).toMatchObject({
      direction: 'internal',
      callerNumber: '201',
      calleeNumber: '202',
      disposition: 'answered',
      endedBy: 'caller',
    });
    await until('the PBX has no call left', () => pbx().calls.size === 0);
  });

  it('201 calls 202, which rings: 201 hears our ringback, hangs up; 202 is cancelled', async () => {
    const a = await phone('201', { hz: 1000, autoAnswer: false });
    const b = await phone('202', { hz: 600, autoAnswer: false });
    const domain = (exts.get('202') as Extension).domain;

    await a.dial(`sip:202@${domain}`);
    await b.waitFor('incoming');
    // Our 180 carries SDP (ringback is our audio): baresip reports that as progress, not ringing.
    await a.waitFor((e) => e.type === 'progress' || e.type === 'ringing');
    // Ringback for LV (CEPT, src/media/audio/tones.ts): 425 Hz, 1 s on, 4 s off, starting with
    // the tone. Let some of it arrive; nothing below depends on how long exactly.
    await delay(2000);

    await a.hangup();
    await a.waitFor(callEvent('closed', 'outgoing'));
    // CANCEL reached 202: its call ends without ever being established.
    await b.waitFor(callEvent('closed', 'incoming'));
    expect(b.events.some((e) => e.type === 'established')).toBe(false);

    // baresip starts its audio stream on a 180 with SDP, so it records the early media: our
    // ringback, and nothing of 202's 600 Hz (202 never answered).
    const heard = await assertToneInWav(await recorded(a, 'received'), 425, { skipSeconds: 0.1 });
    expect(heard.share).toBeGreaterThan(0.9);
    expect((await toneInWav(await recorded(a, 'received'), 600, { skipSeconds: 0.1 })).share).toBeLessThan(
      0.01,
    );

    expect(await lastRecord()).toMatchObject({
      direction: 'internal',
      callerNumber: '201',
      calleeNumber: '202',
      disposition: 'cancelled',
      endedBy: 'caller',
      answeredAt: null,
    });
    await until('the PBX has no call left', () => pbx().calls.size === 0);
  });
});
