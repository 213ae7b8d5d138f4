// End-to-end behaviour of the media engine over loopback, with independent RTP peers.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDtmf } from '../../src/media/audio/tones.ts';
import { decodeWav } from '../../src/media/audio/wav.ts';
import { InbandDtmfDetector } from '../../src/media/dtmf/goertzel.ts';
import { TelephoneEventDecoder, TelephoneEventEncoder } from '../../src/media/dtmf/telephone-event.ts';
import {
  createAnswer,
  type EndpointOptions,
  MediaEngine,
  type MediaEvent,
  parseSdp,
} from '../../src/media/index.ts';
import { serializeRtcp } from '../../src/media/rtp/rtcp.ts';
import { delay, eventually, type Law, RtpPeer, sine, tonesIn } from './rtp-peer.ts';

let engine: MediaEngine;
let dir: string;
const events: MediaEvent[] = [];
const peers: RtpPeer[] = [];

beforeAll(async () => {
  engine = new MediaEngine({ portMin: 40200, portMax: 40599, workers: 2, onEvent: (e) => events.push(e) });
  dir = await mkdtemp(join(tmpdir(), 'media-test-'));
});
afterAll(async () => {
  await engine.stop();
  await Promise.all(peers.map((p) => p.close()));
  await rm(dir, { recursive: true, force: true });
});

/** A phone on a fresh socket, answered by a new engine endpoint in `group`. */
async function call(law: Law, group: string, opts: EndpointOptions & { telephoneEvent?: boolean } = {}) {
  const peer = await RtpPeer.open();
  peers.push(peer);
  const ep = await engine.allocateEndpoint({ group, ...opts });
  const offer = parseSdp(peer.offer(law, { telephoneEvent: opts.telephoneEvent ?? true }));
  const { negotiated } = createAnswer(offer, { address: ep.address, port: ep.port });
  await engine.configureEndpoint(ep.id, negotiated);
  return { peer, ep, law };
}

describe('bridge', () => {
  it('relays a µ-law caller to an A-law callee, transcoding, with the callee latched behind NAT', async () => {
    const a = await call('PCMU', 'bridge1');
    const b = await call('PCMA', 'bridge1');
    await engine.bridge(a.ep.id, b.ep.id);
    // The callee's real address differs from its SDP (NAT): it sends first from another socket.
    const natted = await RtpPeer.open();
    peers.push(natted);
    natted.send(b.ep.port, {
      payloadType: 8,
      marker: true,
      timestamp: 1,
      payload: new Uint8Array(160).fill(0xd5),
    });
    await eventually(() => events.find((e) => e.type === 'latched' && e.endpointId === b.ep.id));
    // A stranger's packets are ignored once latched.
    b.peer.send(b.ep.port, { payloadType: 8, marker: false, timestamp: 2, payload: new Uint8Array(160) });
    await a.peer.stream(a.ep.port, 'PCMU', sine([700], 800));
    await delay(100);
    expect(b.peer.received).toHaveLength(0);
    const heard = natted.audio('PCMA');
    expect(heard.length).toBeGreaterThan(4000);
    expect(tonesIn(heard.subarray(800), [400, 700, 1100])).toEqual([700]);
    const stats = await engine.stats(b.ep.id);
    expect(stats.latched?.port).toBe(natted.port);
    expect(stats.rejectedPackets).toBeGreaterThan(0);
    const sa = await engine.stats(a.ep.id);
    expect(sa.packetsReceived).toBeGreaterThanOrEqual(39);
    expect(sa.packetsLost).toBe(0);
  });
});

describe('DTMF round trips', () => {
  it('RFC 4733: digits from the phone are events; digits sent by the engine decode at the phone', async () => {
    const { peer, ep } = await call('PCMU', 'dtmf1');
    const encoder = new TelephoneEventEncoder();
    for (const digit of ['4', '#'] as const) {
      const ts = peer.nextTimestamp();
      for (const step of encoder.steps(digit, 80)) {
        for (const payload of step.payloads)
          peer.send(ep.port, { payloadType: 101, marker: step.marker, timestamp: ts, payload });
        await delay(20);
      }
    }
    await eventually(() => events.filter((e) => e.type === 'dtmf' && e.endpointId === ep.id).length >= 2);
    expect(events.filter((e) => e.type === 'dtmf' && e.endpointId === ep.id)).toEqual([
      { type: 'dtmf', endpointId: ep.id, digit: '4', method: 'rfc4733' },
      { type: 'dtmf', endpointId: ep.id, digit: '#', method: 'rfc4733' },
    ]);
    await engine.sendDtmf(ep.id, '19*', { durationMs: 80 });
    const decoder = new TelephoneEventDecoder();
    const digits = () =>
      peer.received
        .filter((p) => p.payloadType === 101)
        .map((p) => decoder.receive(p.timestamp, p.payload)?.digit);
    const seen: string[] = [];
    await eventually(() => {
      seen.push(...(digits().filter((d) => d !== undefined) as string[]));
      peer.received.length = 0;
      return seen.length >= 3;
    });
    expect(seen).toEqual(['1', '9', '*']);
  });

  it('in-band: tones from a phone without telephone-event are detected; engine tones are detected at the phone', async () => {
    const { peer, ep } = await call('PCMA', 'dtmf2', { telephoneEvent: false });
    await peer.stream(ep.port, 'PCMA', renderDtmf(['7', '0', 'D']));
    await eventually(() => events.filter((e) => e.type === 'dtmf' && e.endpointId === ep.id).length >= 3);
    expect(
      events
        .filter((e) => e.type === 'dtmf' && e.endpointId === ep.id)
        .map((e) => e.type === 'dtmf' && [e.digit, e.method]),
    ).toEqual([
      ['7', 'inband'],
      ['0', 'inband'],
      ['D', 'inband'],
    ]);
    await engine.sendDtmf(ep.id, '52', { method: 'inband' });
    await eventually(() => events.find((e) => e.type === 'playback-ended' && e.endpointId === ep.id));
    await delay(100);
    expect(new InbandDtmfDetector().push(peer.audio('PCMA'))).toEqual(['5', '2']);
  });

  it('a digit stops a prompt played with stopOnDtmf (barge-in)', async () => {
    const { peer, ep } = await call('PCMU', 'dtmf3');
    const playbackId = await engine.play(
      ep.id,
      { kind: 'tone', tone: 'ringback', country: 'GB' },
      { loop: true, stopOnDtmf: true },
    );
    await delay(200);
    const ts = peer.nextTimestamp();
    for (const step of new TelephoneEventEncoder().steps('3', 60)) {
      for (const payload of step.payloads)
        peer.send(ep.port, { payloadType: 101, marker: step.marker, timestamp: ts, payload });
    }
    const ended = await eventually(() =>
      events.find((e) => e.type === 'playback-ended' && e.playbackId === playbackId),
    );
    expect(ended).toMatchObject({ reason: 'dtmf', digit: '3' });
  });
});

describe('recording', () => {
  it('stereo: the caller on the left channel, the agent on the right, each with its own tone', async () => {
    const caller = await call('PCMU', 'rec1');
    const agent = await call('PCMA', 'rec1');
    await engine.bridge(caller.ep.id, agent.ep.id);
    const path = join(dir, 'stereo.wav');
    const recordingId = await engine.startRecording({
      path,
      left: caller.ep.id,
      right: agent.ep.id,
      channels: 2,
    });
    await Promise.all([
      caller.peer.stream(caller.ep.port, 'PCMU', sine([500], 1000)),
      agent.peer.stream(agent.ep.port, 'PCMA', sine([1500], 1000)),
    ]);
    await delay(200);
    await engine.stopRecording(recordingId);
    const ended = await eventually(() =>
      events.find((e) => e.type === 'recording-ended' && e.recordingId === recordingId),
    );
    expect(ended).toMatchObject({ reason: 'stopped', path });
    const wav = decodeWav(await readFile(path));
    expect(wav.sampleRate).toBe(8000);
    expect(wav.channels).toHaveLength(2);
    const toPcm = (f: Float32Array | undefined) => Int16Array.from(f ?? [], (v) => Math.round(v * 32767));
    const [left, right] = [toPcm(wav.channels[0]), toPcm(wav.channels[1])];
    const mid = (x: Int16Array) => {
      // The loudest second of the channel, where the tone is.
      const start = x.findIndex((v) => Math.abs(v) > 1000);
      return x.subarray(start + 800, start + 4800);
    };
    expect(tonesIn(mid(left), [500, 1500])).toEqual([500]);
    expect(tonesIn(mid(right), [500, 1500])).toEqual([1500]);
  });
});

describe('conference and supervisor modes: who hears whom', () => {
  const TONES = { customer: 400, agent: 900, supervisor: 1700 } as const;
  type Who = keyof typeof TONES;

  async function hearing(
    mode: 'participant' | 'listen' | 'whisper' | 'barge',
  ): Promise<Record<Who, number[]>> {
    const group = `conf-${mode}`;
    const parties = {
      customer: await call('PCMU', group),
      agent: await call('PCMA', group),
      supervisor: await call('PCMU', group),
    };
    const conf = await engine.createConference(group);
    await engine.joinConference(conf, parties.customer.ep.id);
    await engine.joinConference(conf, parties.agent.ep.id);
    await engine.joinConference(
      conf,
      parties.supervisor.ep.id,
      mode,
      mode === 'whisper' ? parties.agent.ep.id : undefined,
    );
    await Promise.all(
      (Object.keys(parties) as Who[]).map((who) =>
        parties[who].peer.stream(parties[who].ep.port, parties[who].law, sine([TONES[who]], 1200, 4000)),
      ),
    );
    await delay(150);
    await engine.destroyConference(conf);
    const out = {} as Record<Who, number[]>;
    for (const who of Object.keys(parties) as Who[]) {
      const audio = parties[who].peer.audio(parties[who].law);
      const start = audio.findIndex((v) => Math.abs(v) > 500);
      out[who] = start < 0 ? [] : tonesIn(audio.subarray(start + 1600, start + 6400), Object.values(TONES));
    }
    return out;
  }

  it.each([
    ['participant', { customer: [900, 1700], agent: [400, 1700], supervisor: [400, 900] }],
    ['listen', { customer: [900], agent: [400], supervisor: [400, 900] }],
    ['whisper', { customer: [900], agent: [400, 1700], supervisor: [400, 900] }],
    ['barge', { customer: [900, 1700], agent: [400, 1700], supervisor: [400, 900] }],
  ] as const)('%s', async (mode, expected) => {
    expect(await hearing(mode)).toEqual(expected);
  });
});

describe('RTCP and dead media', () => {
  it('sends sender reports, reads the peer receiver report, and reports dead media once', async () => {
    const { peer, ep } = await call('PCMU', 'rtcp1', { inactivityMs: 600, rtcpIntervalMs: 500 });
    await engine.play(ep.id, { kind: 'custom-tone', frequencies: [800], durationMs: 400 });
    await peer.stream(ep.port, 'PCMU', sine([300], 200));
    // The peer reports on our stream: 2% lost.
    await eventually(() => peer.received[0]);
    const ourSsrc = peer.received[0]?.ssrc ?? 0;
    const rr = serializeRtcp([
      {
        type: 'rr',
        ssrc: 0x1234abcd,
        reports: [
          {
            ssrc: ourSsrc,
            fractionLost: 5,
            cumulativeLost: 1,
            highestSequence: 20,
            jitter: 16,
            lastSr: 0,
            delaySinceLastSr: 0,
          },
        ],
      },
    ]);
    peer.socket.send(rr, ep.port + 1, '127.0.0.1');
    const sr = await eventually(() => peer.rtcp.flat().find((p) => p.type === 'sr'), 4000);
    expect(sr).toMatchObject({ type: 'sr', ssrc: ourSsrc });
    const s = await engine.stats(ep.id);
    expect(s.remoteReport).toEqual({ fractionLost: 5 / 256, cumulativeLost: 1, jitterMs: 2 });
    expect(s.packetsReceived).toBe(10);
    const timeout = await eventually(
      () => events.find((e) => e.type === 'media-timeout' && e.endpointId === ep.id),
      4000,
    );
    expect(timeout.type).toBe('media-timeout');
    await delay(800);
    expect(events.filter((e) => e.type === 'media-timeout' && e.endpointId === ep.id)).toHaveLength(1);
  });
});
