import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnswer, MediaEngine, type MediaEvent, parseSdp } from '../../src/media/index.ts';
import { eventually, RtpPeer, tonesIn } from './rtp-peer.ts';

let engine: MediaEngine;
const events: MediaEvent[] = [];

beforeAll(() => {
  engine = new MediaEngine({ portMin: 40000, portMax: 40199, workers: 2, onEvent: (e) => events.push(e) });
});
afterAll(async () => {
  await engine.stop();
});

describe('loopback call', () => {
  it("a player's tone reaches the phone and is detected at its frequency", async () => {
    const peer = await RtpPeer.open();
    const ep = await engine.allocateEndpoint();
    expect(ep.port).toBeGreaterThanOrEqual(40000);
    expect(ep.port % 2).toBe(0);
    const { negotiated } = createAnswer(parseSdp(peer.offer('PCMA')), { address: ep.address, port: ep.port });
    await engine.configureEndpoint(ep.id, negotiated);
    const playbackId = await engine.play(ep.id, {
      kind: 'custom-tone',
      frequencies: [1000],
      durationMs: 600,
    });
    const ended = await eventually(() =>
      events.find((e) => e.type === 'playback-ended' && e.playbackId === playbackId),
    );
    expect(ended).toMatchObject({ reason: 'completed' });
    await eventually(() => peer.received.length >= 30);
    const audio = peer.audio('PCMA');
    expect(tonesIn(audio.subarray(800, 4000), [500, 1000, 1500])).toEqual([1000]);
    // One SSRC, consecutive sequence numbers, timestamps 160 apart.
    const rx = peer.received;
    expect(new Set(rx.map((p) => p.ssrc)).size).toBe(1);
    for (let i = 1; i < rx.length; i++) {
      expect(((rx[i]?.sequenceNumber ?? 0) - (rx[i - 1]?.sequenceNumber ?? 0) + 65536) % 65536).toBe(1);
      expect(((rx[i]?.timestamp ?? 0) - (rx[i - 1]?.timestamp ?? 0)) >>> 0).toBe(160);
    }
    await engine.releaseEndpoint(ep.id);
    await peer.close();
    // Nothing leaks: no endpoint is left on any worker.
    expect((await engine.load()).map((w) => w.endpoints)).toEqual([0, 0]);
  });

  it('rejects bridging endpoints of different groups, and unknown endpoints, with typed errors', async () => {
    const a = await engine.allocateEndpoint({ group: 'one' });
    const b = await engine.allocateEndpoint({ group: 'two' });
    await expect(engine.bridge(a.id, b.id)).rejects.toMatchObject({ code: 'WRONG_WORKER' });
    await expect(engine.play('nope', { kind: 'silence', durationMs: 100 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(engine.play(a.id, { kind: 'file', path: '/nonexistent.wav' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await engine.releaseEndpoint(a.id);
    await engine.releaseEndpoint(b.id);
  });
});
