// A plain bridge relays packets without decoding them: what the peer gets, and when the
// engine still listens to the audio (in-band DTMF only where it is wanted). With rtcp-mux an
// endpoint holds one socket.
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDtmf } from '../../src/media/audio/tones.ts';
import { InbandDtmfDetector } from '../../src/media/dtmf/goertzel.ts';
import { createAnswer, MediaEngine, type MediaEvent, parseSdp } from '../../src/media/index.ts';
import { serializeRtp } from '../../src/media/rtp/packet.ts';
import { delay, eventually, type Law, RtpPeer } from './rtp-peer.ts';

let engine: MediaEngine;
const events: MediaEvent[] = [];
const peers: RtpPeer[] = [];

beforeAll(() => {
  engine = new MediaEngine({ portMin: 41100, portMax: 41299, workers: 1, onEvent: (e) => events.push(e) });
});
afterAll(async () => {
  await engine.stop();
  await Promise.all(peers.map((p) => p.close()));
});

async function call(law: Law, group: string, opts: { telephoneEvent?: boolean; rtcpMux?: boolean } = {}) {
  const peer = await RtpPeer.open();
  peers.push(peer);
  const ep = await engine.allocateEndpoint({ group, inactivityMs: 0, rtcpIntervalMs: 500 });
  const { negotiated } = createAnswer(parseSdp(peer.offer(law, opts)), {
    address: ep.address,
    port: ep.port,
  });
  await engine.configureEndpoint(ep.id, negotiated);
  return { peer, ep };
}

const digitsOf = (id: string) =>
  events.filter((e) => e.type === 'dtmf' && e.endpointId === id).map((e) => e.type === 'dtmf' && e.digit);

describe('passthrough bridge', () => {
  it('keeps one SSRC, consecutive sequence numbers and a continuous timeline across a source change', async () => {
    const a = await call('PCMU', 'pt1');
    const b = await call('PCMU', 'pt1');
    await engine.bridge(a.ep.id, b.ep.id);
    const payload = new Uint8Array(160).map((_, i) => i);
    const send = (ssrc: number, seq: number, timestamp: number, extra = {}) =>
      a.peer.socket.send(
        serializeRtp({
          payloadType: 0,
          marker: false,
          sequenceNumber: seq,
          timestamp,
          ssrc,
          csrcs: [],
          payload,
          ...extra,
        }),
        a.ep.port,
        '127.0.0.1',
      );
    for (let i = 0; i < 3; i++) {
      send(111, 10 + i, 1000 + 160 * i);
      await delay(20);
    }
    // A new source far away in sequence and time, with a CSRC and a header extension.
    for (let i = 0; i < 3; i++) {
      send(222, 50_000 + i, 9_000_000 + 160 * i, {
        csrcs: [7],
        extension: { profile: 0xbede, data: new Uint8Array(4) },
      });
      await delay(20);
    }
    const got = await eventually(() => (b.peer.received.length >= 6 ? b.peer.received : undefined));
    expect(new Set(got.map((p) => p.ssrc)).size).toBe(1);
    expect(got.every((p) => p.csrcs.length === 0 && p.extension === undefined)).toBe(true);
    expect(got.every((p) => Buffer.from(p.payload).equals(Buffer.from(payload)))).toBe(true);
    for (let i = 1; i < got.length; i++) {
      expect((got[i - 1]?.sequenceNumber as number) + 1).toBe(got[i]?.sequenceNumber);
    }
    expect(got.map((p) => p.marker)).toEqual([true, false, false, true, false, false]);
    // Within a source the timestamps step by 160; across the change they follow wall time (~20 ms).
    const steps = got.slice(1).map((p, i) => (p.timestamp - (got[i]?.timestamp as number)) >>> 0);
    expect([steps[0], steps[1], steps[3], steps[4]]).toEqual([160, 160, 160, 160]);
    expect(steps[2]).toBeGreaterThan(0);
    expect(steps[2]).toBeLessThan(8000);
  });

  it('relays in-band tones untouched without detecting them, until the controller asks for digits', async () => {
    const a = await call('PCMA', 'pt2', { telephoneEvent: false });
    const b = await call('PCMA', 'pt2', { telephoneEvent: false });
    await engine.bridge(a.ep.id, b.ep.id);
    await a.peer.stream(a.ep.port, 'PCMA', renderDtmf(['5']));
    await delay(150);
    expect(new InbandDtmfDetector().push(b.peer.audio('PCMA'))).toEqual(['5']);
    expect(digitsOf(a.ep.id)).toEqual([]);
    await engine.setDtmfMode(a.ep.id, 'both');
    await a.peer.stream(a.ep.port, 'PCMA', renderDtmf(['8']));
    await eventually(() => digitsOf(a.ep.id).length > 0);
    expect(digitsOf(a.ep.id)).toEqual(['8']);
  });

  it('listens for in-band digits on a bridged leg while a barge-in prompt plays to it', async () => {
    const a = await call('PCMU', 'pt3', { telephoneEvent: false });
    const b = await call('PCMU', 'pt3', { telephoneEvent: false });
    await engine.bridge(a.ep.id, b.ep.id);
    const playbackId = await engine.play(
      a.ep.id,
      { kind: 'tone', tone: 'ringback' },
      { loop: true, stopOnDtmf: true },
    );
    await a.peer.stream(a.ep.port, 'PCMU', renderDtmf(['9']));
    const ended = await eventually(() =>
      events.find((e) => e.type === 'playback-ended' && e.playbackId === playbackId),
    );
    expect(ended).toMatchObject({ reason: 'dtmf', digit: '9' });
  });
});

/** Whether this host can bind 127.0.0.1:port right now (then frees it). */
function bindable(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

describe('rtcp-mux', () => {
  it('closes the RTCP port once mux is negotiated, reports on the RTP port, and reopens it without mux', async () => {
    const { peer, ep } = await call('PCMU', 'mux1', { rtcpMux: true });
    expect(await bindable(ep.port + 1)).toBe(true);
    await eventually(() => peer.rtcp.length > 0);
    expect(peer.rtcp[0]?.[0]?.type).toBe('rr');
    // A re-INVITE without mux: RTCP goes back to its own port.
    const { negotiated } = createAnswer(parseSdp(peer.offer('PCMU')), { address: ep.address, port: ep.port });
    await engine.configureEndpoint(ep.id, negotiated);
    for (let i = 0; i < 50 && (await bindable(ep.port + 1)); i++) await delay(20);
    expect(await bindable(ep.port + 1)).toBe(false);
  });

  it('a re-INVITE that adds mux moves the reports onto the RTP port', async () => {
    const { peer, ep } = await call('PCMA', 'mux2');
    const { negotiated } = createAnswer(parseSdp(peer.offer('PCMA', { rtcpMux: true })), {
      address: ep.address,
      port: ep.port,
    });
    await engine.configureEndpoint(ep.id, negotiated);
    expect(await bindable(ep.port + 1)).toBe(true);
    await eventually(() => peer.rtcp.length > 0);
  });
});
