// The consent prompt with real phones: baresip 301 (a 400 Hz tone) calls baresip 302 (600 Hz),
// whose line records inbound internal calls; the company's consent prompt is an 800 Hz tone.
// When 302 answers, the caller hears the prompt over the conversation first, then 302; the
// recording has each party on its own channel.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeWav, encodeWav } from '../../src/media/audio/wav.ts';
import { signUpCompany } from '../helpers/accounts.ts';
import { BARESIP_BIN, type Baresip } from '../helpers/baresip.ts';
import type { ApiClient } from '../helpers/client.ts';
import { createExtensions, type Extension, extensionPhone } from '../helpers/extensions.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { analyseSamples, wavSamples } from '../helpers/tone.ts';
import { sine } from '../media/rtp-peer.ts';

const CALLER_HZ = 400;
const CALLEE_HZ = 600;
const NOTICE_HZ = 800;

let server: TestServer;
let admin: ApiClient;
let tenantId = '';
let exts = new Map<string, Extension>();
const running: Baresip[] = [];
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The tone heard in each quarter second of mono audio: its frequency, or null (silence, noise). */
function toneTrack(samples: Float32Array, rate: number): (number | null)[] {
  const n = rate / 4;
  const out: (number | null)[] = [];
  for (let at = 0; at + n <= samples.length; at += n) {
    const a = analyseSamples(samples.subarray(at, at + n), rate, { skipSeconds: 0 });
    const hz = [CALLER_HZ, CALLEE_HZ, NOTICE_HZ].find((f) => Math.abs(a.dominantHz - f) <= 25);
    out.push(a.rms > 0.003 && a.dominantShare > 0.5 && hz ? hz : null);
  }
  return out;
}

function channelTone(x: Float32Array): number {
  return analyseSamples(x, 8000, { skipSeconds: 0.5 }).dominantHz;
}

describe.skipIf(!existsSync(BARESIP_BIN))('the consent prompt (baresip)', () => {
  beforeAll(async () => {
    server = await startTestServer('pglite', { sipEnabled: true }, { digestAlgorithms: ['MD5'] });
    const company = await signUpCompany(server);
    admin = company.admin;
    tenantId = company.tenantId;
    exts = await createExtensions(admin, ['301', '302']);
    const recorded = await admin.patch(`/api/lines/${(exts.get('302') as Extension).lineId}`, {
      recording: {
        inboundInternal: true,
        inboundExternal: false,
        outboundInternal: false,
        outboundExternal: false,
        onDemand: false,
      },
    });
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(200);
    const form = new FormData();
    form.set('name', 'This call is recorded');
    form.set(
      'file',
      new Blob([encodeWav(8000, 1, sine([NOTICE_HZ], 2000, 8000))], { type: 'audio/wav' }),
      'notice.wav',
    );
    const prompt = await admin.post('/api/prompts', form);
    expect(prompt.status, JSON.stringify(prompt.body)).toBe(201);
    const set = await admin.patch('/api/tenant', { recordingConsentPromptId: prompt.body.id });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
  }, 60_000);

  afterEach(async () => {
    await Promise.all(running.splice(0).map((b) => b.stop()));
  });
  afterAll(async () => server?.close());

  it('the caller hears the notice, then the callee; the recording has each on its channel', async () => {
    const callee = await extensionPhone(server, 'consent302', exts.get('302') as Extension, {
      hz: CALLEE_HZ,
      autoAnswer: true,
    });
    const caller = await extensionPhone(server, 'consent301', exts.get('301') as Extension, {
      hz: CALLER_HZ,
      autoAnswer: false,
    });
    running.push(callee, caller);
    await caller.dial(`sip:302@${(exts.get('301') as Extension).domain}`);
    await caller.waitFor((e) => e.type === 'established' && e.direction === 'outgoing');
    await delay(5000);
    await caller.hangup();
    await caller.waitFor((e) => e.type === 'closed' && e.direction === 'outgoing');

    const heard = (await caller.recordings()).filter((r) => r.direction === 'received').at(-1);
    if (!heard) throw new Error(`no recording of what the caller heard: ${caller.logTail()}`);
    const { rate, samples } = wavSamples(readFileSync(heard.path));
    const track = toneTrack(samples, rate);
    const firstNotice = track.indexOf(NOTICE_HZ);
    const lastNotice = track.lastIndexOf(NOTICE_HZ);
    expect(firstNotice, track.join(' ')).toBeGreaterThanOrEqual(0);
    // Most of the 2 s notice is heard, and the callee after it.
    expect(track.filter((t) => t === NOTICE_HZ).length, track.join(' ')).toBeGreaterThanOrEqual(5);
    expect(
      track.slice(lastNotice + 1).filter((t) => t === CALLEE_HZ).length,
      track.join(' '),
    ).toBeGreaterThanOrEqual(4);
    // The notice comes first: at most a moment of the callee is heard before it starts.
    expect(
      track.slice(0, firstNotice).filter((t) => t === CALLEE_HZ).length,
      track.join(' '),
    ).toBeLessThanOrEqual(1);

    let rec: { id: string; endedAt: string | null } | undefined;
    await vi.waitFor(
      async () => {
        rec = (await admin.get('/api/recordings')).body.items[0];
        expect(rec?.endedAt).toBeTruthy();
      },
      { timeout: 10_000, interval: 100 },
    );
    const wav = decodeWav(
      readFileSync(join(server.config.dataDir, 'recordings', tenantId, `${rec?.id}.wav`)),
    );
    const [left, right] = wav.channels as [Float32Array, Float32Array];
    expect(Math.abs(channelTone(left) - CALLER_HZ)).toBeLessThan(25);
    expect(Math.abs(channelTone(right) - CALLEE_HZ)).toBeLessThan(25);
  }, 60_000);
});
