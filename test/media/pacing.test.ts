import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { RtpSession } from '../../src/media/engine/rtp-session.ts';
import { createAnswer, MediaEngine, type MediaEvent, parseSdp } from '../../src/media/index.ts';
import { parseRtp } from '../../src/media/rtp/packet.ts';
import { eventually } from './rtp-peer.ts';

const events: MediaEvent[] = [];
const engine = new MediaEngine({
  portMin: 40400,
  portMax: 40499,
  workers: 1,
  onEvent: (e) => events.push(e),
});
afterAll(() => engine.stop());

function offerTo(port: number, ptime: number): string {
  return [
    'v=0',
    'o=p 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    `a=ptime:${ptime}`,
    '',
  ].join('\r\n');
}

/** Plays a 1.2 s tone to a phone that asked for `ptime`; returns arrival times and packets. */
async function receive(ptime: number) {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const got: { at: number; ts: number; bytes: number }[] = [];
  sock.on('message', (buf) => {
    const p = parseRtp(buf);
    got.push({ at: performance.now(), ts: p.timestamp, bytes: p.payload.length });
  });
  const offer = offerTo(sock.address().port, ptime);
  const ep = await engine.allocateEndpoint({ inactivityMs: 0 });
  const { negotiated } = createAnswer(parseSdp(offer), { address: ep.address, port: ep.port });
  await engine.configureEndpoint(ep.id, negotiated);
  const id = await engine.play(ep.id, { kind: 'custom-tone', frequencies: [440], durationMs: 1200 });
  await eventually(() => events.find((e) => e.type === 'playback-ended' && e.playbackId === id), 5000);
  await new Promise((r) => setTimeout(r, 100));
  await engine.releaseEndpoint(ep.id);
  sock.close();
  return got;
}

/** An endpoint on a real socket driven by hand: the half tick (10 ms) at which each packet left. */
let nextPort = 47100;
async function schedule(ptime: number, halfTicks: number): Promise<number[]> {
  const host = { emit: () => {}, onDigit: () => {}, pace: () => {} };
  let s: RtpSession | undefined;
  let port = 0;
  // Any free even port: other suites on this host hold some.
  for (let attempt = 0; !s && attempt < 50; attempt++) {
    port = nextPort += 2;
    const candidate = new RtpSession('t', '127.0.0.1', port, {}, host);
    s = await candidate.bind().then(
      () => candidate,
      () => undefined,
    );
  }
  if (!s) throw new Error('no free port');
  const { negotiated } = createAnswer(parseSdp(offerTo(9, ptime)), { address: '127.0.0.1', port });
  s.configure(negotiated, 0);
  const sentAt: number[] = [];
  const frame = new Int16Array(160).fill(100);
  for (let h = 0; h < halfTicks; h++) {
    const before = s.snapshot().packetsSent;
    // As the worker does: frames on even half ticks, then pace() on every one while asked.
    if (h % 2 === 0) s.sendFrame(frame, h * 10);
    if (ptime % 20 !== 0) s.pace(h * 10);
    for (let n = s.snapshot().packetsSent - before; n > 0; n--) sentAt.push(h);
  }
  s.close();
  return sentAt;
}

describe('packet pacing', () => {
  it('sends 30 ms packets every third 10 ms sub-tick, 10 ms packets every sub-tick', async () => {
    const at30 = await schedule(30, 60);
    const gaps30 = at30.slice(1).map((h, i) => h - (at30[i] as number));
    expect(gaps30.length).toBeGreaterThanOrEqual(17);
    expect(new Set(gaps30)).toEqual(new Set([3]));
    const at10 = await schedule(10, 20);
    expect(at10.slice(1).map((h, i) => h - (at10[i] as number))).toEqual(Array(at10.length - 1).fill(1));
    // 20 and 40 ms stay on the frame ticks: every 2nd and 4th sub-tick.
    const at40 = await schedule(40, 40);
    expect(new Set(at40.slice(1).map((h, i) => h - (at40[i] as number)))).toEqual(new Set([4]));
  });

  it('30 ms packets carry 240 samples each, timestamps 240 apart, and all the audio (end to end)', async () => {
    const got = await receive(30);
    expect(got.length).toBeGreaterThanOrEqual(39); // 1200 ms / 30 ms
    expect(got.every((p) => p.bytes === 240)).toBe(true);
    for (let i = 1; i < got.length; i++) expect(((got[i]?.ts ?? 0) - (got[i - 1]?.ts ?? 0)) >>> 0).toBe(240);
    // Arrival spacing is not asserted here: a loaded test host moves timers by tens of ms.
    // The clock went back to 20 ms ticks and nothing leaked.
    const [load] = await engine.load();
    expect(load?.endpoints).toBe(0);
  });

  it('still sends 20 and 40 ms packets from the frame ticks, all audio delivered', async () => {
    for (const ptime of [20, 40]) {
      const got = await receive(ptime);
      const samples = got.reduce((n, p) => n + p.bytes, 0);
      expect(samples).toBeGreaterThanOrEqual(1200 * 8 - ptime * 8);
      expect(got.every((p) => p.bytes === ptime * 8)).toBe(true);
    }
  });
});
