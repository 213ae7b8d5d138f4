// In-call features with real phones (baresip, see test/helpers/baresip.ts) registered as
// extensions 201, 202 and 203, each sending its own tone: `*2` + extension pressed during a
// call (RFC 4733 from baresip's `sndcode`), a blind transfer by REFER (baresip's `transfer`),
// hold with our music heard by the held phone (baresip's `hold`, then `resume`), and `*1`
// recording the call on demand as a stereo WAV. What each phone heard is checked in its
// recording by tone analysis.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/media/audio/wav.ts';
import { HOLD_MUSIC_NOTES } from '../../src/media/index.ts';
import { recordings } from '../../src/store/schema.ts';
import { signUpCompany } from '../helpers/accounts.ts';
import { BARESIP_BIN, type Baresip, type BaresipEvent } from '../helpers/baresip.ts';
import type { ApiClient } from '../helpers/client.ts';
import { createExtensions, type Extension, extensionPhone } from '../helpers/extensions.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { checkToneInSamples, describeTone, wavSamples } from '../helpers/tone.ts';

let server: TestServer;
let admin: ApiClient;
let exts = new Map<string, Extension>();
const running: Baresip[] = [];

// Tones of the phones: clear of each other, of DTMF and of the hold music's notes.
const HZ = { '201': 1300, '202': 350, '203': 1750 } as const;

const pbx = () => {
  const p = server?.running.pbx;
  if (!p) throw new Error('SIP is not running');
  return p;
};
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const callEvent = (type: BaresipEvent['type'], direction: 'incoming' | 'outgoing') => (e: BaresipEvent) =>
  e.type === type && e.direction === direction;

async function phone(ext: keyof typeof HZ, autoAnswer: boolean): Promise<Baresip> {
  const b = await extensionPhone(server, `xfer${ext}`, exts.get(ext) as Extension, {
    hz: HZ[ext],
    autoAnswer,
  });
  running.push(b);
  return b;
}

/** What a phone received in its (only) call. */
async function received(b: Baresip): Promise<string> {
  const recs = await b.recordings();
  const r = recs.find((x) => x.direction === 'received');
  if (!r) throw new Error(`${b.name} recorded nothing received\n${b.logTail()}`);
  return r.path;
}

/** The last `seconds` of a recording: what the phone heard once things had settled. */
async function tail(path: string, seconds: number): Promise<{ samples: Float32Array; rate: number }> {
  const { rate, samples } = wavSamples(await readFile(path));
  return { rate, samples: samples.subarray(Math.max(0, samples.length - Math.round(seconds * rate))) };
}

/** Share of the energy at a tone (±25 Hz) in some samples. */
function share(audio: { samples: Float32Array; rate: number }, hz: number): number {
  return checkToneInSamples(audio.samples, audio.rate, hz, { skipSeconds: 0 }).share;
}

/** Share of the energy at the hold music's notes. */
function musicShare(audio: { samples: Float32Array; rate: number }): number {
  return [...new Set(HOLD_MUSIC_NOTES)].reduce((sum, hz) => sum + share(audio, hz), 0);
}

/** Presses keys one by one, as a person would (RFC 4733 events from baresip). */
async function press(b: Baresip, keys: string): Promise<void> {
  for (const k of keys) {
    await b.command('sndcode', k);
    await delay(250);
  }
}

/** Polls `get` until it gives something (15 s at most). */
async function eventually<T>(what: string, get: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + 15_000;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`still waiting: ${what}`);
    await delay(200);
  }
}

async function until(what: string, cond: () => boolean): Promise<void> {
  const end = Date.now() + 15_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`still waiting: ${what}`);
    await delay(50);
  }
}

/** 201 calls 202, which answers: the call every test starts from. */
async function connected(): Promise<{ a: Baresip; b: Baresip }> {
  const a = await phone('201', false);
  const b = await phone('202', true);
  await a.dial(`sip:202@${(exts.get('202') as Extension).domain}`);
  await b.waitFor(callEvent('established', 'incoming'));
  await a.waitFor(callEvent('established', 'outgoing'));
  return { a, b };
}

describe.skipIf(!existsSync(BARESIP_BIN))('in-call features with baresip phones', () => {
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

  it('*2 203 #: 202 is let go and 201 is put through to 203, which sees 201 calling', async () => {
    const { a, b } = await connected();
    const c = await phone('203', true);
    await delay(1000);
    await press(b, '*2203#');
    const incoming = await c.waitFor('incoming');
    expect(incoming.peerUri).toContain('sip:201@');
    await c.waitFor(callEvent('established', 'incoming'));
    // The presser's call ends at once (our BYE).
    await b.waitFor(callEvent('closed', 'incoming'));
    await delay(2500);
    await a.hangup();
    await a.waitFor(callEvent('closed', 'outgoing'));
    await c.waitFor(callEvent('closed', 'incoming'));
    const aHeard = await tail(await received(a), 1.5);
    expect(share(aHeard, HZ['203']), 'the transferee hears the target').toBeGreaterThan(0.8);
    expect(share(aHeard, HZ['202'])).toBeLessThan(0.01);
    const cHeard = await tail(await received(c), 1.5);
    expect(share(cHeard, HZ['201']), 'the target hears the transferee').toBeGreaterThan(0.8);
    await until('no call is left', () => pbx().calls.size === 0);
  });

  it('*2 to an extension whose phone is offline: 202 is rung back (transfer recall) and talks to 201 again', async () => {
    const { a, b } = await connected();
    await delay(1000);
    const before = b.mark();
    await press(b, '*2203#');
    await b.waitFor(callEvent('closed', 'incoming'), { since: before });
    // 203 has no phone and nothing to do when unavailable: the transferor's phone rings again.
    await b.waitFor(callEvent('established', 'incoming'), { since: before });
    await delay(2500);
    await a.hangup();
    await a.waitFor(callEvent('closed', 'outgoing'));
    const aHeard = await tail(await received(a), 1.5);
    expect(share(aHeard, HZ['202'])).toBeGreaterThan(0.8);
    await until('no call is left', () => pbx().calls.size === 0);
  });

  it('REFER from the phone (baresip transfer): 201 ends up talking to 203', async () => {
    const { a, b } = await connected();
    const c = await phone('203', true);
    await delay(500);
    await b.command('transfer', `sip:203@${(exts.get('203') as Extension).domain}`);
    await c.waitFor(callEvent('established', 'incoming'));
    // The transferor leaves once told the transfer succeeded (its BYE, or ours).
    await b.waitFor(callEvent('closed', 'incoming'));
    await delay(2500);
    await c.hangup();
    await c.waitFor(callEvent('closed', 'incoming'));
    await a.waitFor(callEvent('closed', 'outgoing'));
    const aHeard = await tail(await received(a), 1.5);
    expect(share(aHeard, HZ['203'])).toBeGreaterThan(0.8);
    await until('no call is left', () => pbx().calls.size === 0);
  });

  it('hold: 202 holds, 201 hears our hold music, not 202', async () => {
    const { a, b } = await connected();
    await delay(1000);
    await b.command('hold');
    await delay(3000);
    await a.hangup();
    await a.waitFor(callEvent('closed', 'outgoing'));
    await b.waitFor(callEvent('closed', 'incoming'));
    const heard = await tail(await received(a), 2);
    const music = musicShare(heard);
    expect(
      music,
      `music share ${music.toFixed(3)} ${describeTone(checkToneInSamples(heard.samples, heard.rate, HZ['202'], { skipSeconds: 0 }))}`,
    ).toBeGreaterThan(0.6);
    expect(share(heard, HZ['202'])).toBeLessThan(0.02);
  });

  it('resume: after 202 resumes, 201 hears 202 again and no more music', async () => {
    const { a, b } = await connected();
    await delay(1000);
    await b.command('hold');
    await delay(2000);
    await b.command('resume');
    await delay(2500);
    await a.hangup();
    await a.waitFor(callEvent('closed', 'outgoing'));
    const heard = await tail(await received(a), 1.5);
    expect(share(heard, HZ['202'])).toBeGreaterThan(0.8);
    expect(musicShare(heard)).toBeLessThan(0.05);
  });

  it('*1 on a line allowed to record on demand: a stereo WAV, the caller left and the other party right', async () => {
    const line = exts.get('202') as Extension;
    const recording = {
      inboundInternal: false,
      inboundExternal: false,
      outboundInternal: false,
      outboundExternal: false,
      onDemand: true,
    };
    expect((await admin.patch(`/api/lines/${line.lineId}`, { recording })).status).toBe(200);
    try {
      const { a, b } = await connected();
      await delay(500);
      await press(b, '*1');
      await delay(3000);
      await a.hangup();
      await a.waitFor(callEvent('closed', 'outgoing'));
      await until('no call is left', () => pbx().calls.size === 0);
      const listed = await eventually('the recording is listed with its end', async () => {
        const list = await admin.get('/api/recordings?source=on-demand');
        expect(list.status).toBe(200);
        const item = list.body.items[0];
        return item?.endedAt
          ? (item as { id: string; callerNumber: string; calleeNumber: string })
          : undefined;
      });
      expect(listed).toMatchObject({ callerNumber: '201', calleeNumber: '202' });
      const [row] = await server.running.store.db
        .select({ path: recordings.path })
        .from(recordings)
        .where(eq(recordings.id, listed.id));
      const wav = decodeWav(await readFile(join(server.config.dataDir, row?.path as string)));
      expect(wav.channels).toHaveLength(2);
      const [left, right] = wav.channels as [Float32Array, Float32Array];
      const rate = wav.sampleRate;
      const at = (ch: Float32Array, hz: number) =>
        checkToneInSamples(ch, rate, hz, { skipSeconds: 0.5 }).share;
      // The caller on the left, the other party on the right, each alone on its channel.
      expect(at(left, HZ['201'])).toBeGreaterThan(0.8);
      expect(at(left, HZ['202'])).toBeLessThan(0.02);
      expect(at(right, HZ['202'])).toBeGreaterThan(0.8);
      expect(at(right, HZ['201'])).toBeLessThan(0.02);
    } finally {
      await admin.patch(`/api/lines/${line.lineId}`, { recording: { ...recording, onDemand: false } });
    }
  });
});
