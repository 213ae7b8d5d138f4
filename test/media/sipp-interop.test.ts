// RTP interop with sipp: a caller playing a real capture (pcap play), and a callee that
// echoes our RTP back (-rtp_echo). The SIP side is a hand-written minimal UA.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/media/audio/wav.ts';
import {
  applyAnswer,
  createAnswer,
  createOffer,
  MediaEngine,
  type MediaEvent,
  parseSdp,
  serializeSdp,
} from '../../src/media/index.ts';
import { delay, eventually, tonesIn } from './rtp-peer.ts';
import { response, runSipp, SipSocket } from './sip-peer.ts';

const scenario = (name: string) => fileURLToPath(new URL(`./sipp/${name}`, import.meta.url));
let engine: MediaEngine;
let dir: string;
const events: MediaEvent[] = [];

beforeAll(async () => {
  engine = new MediaEngine({ portMin: 40600, portMax: 40799, workers: 1, onEvent: (e) => events.push(e) });
  dir = await mkdtemp(join(tmpdir(), 'media-sipp-'));
});
afterAll(async () => {
  await engine.stop();
  await rm(dir, { recursive: true, force: true });
});

const toPcm = (f: Float32Array | undefined) => Int16Array.from(f ?? [], (v) => Math.round(v * 32767));

describe('sipp interop', () => {
  it('receives the G.711 A-law capture sipp plays (pcap play), without loss, and records it', async () => {
    const sip = await SipSocket.open();
    const sipp = runSipp([
      '-sf',
      scenario('uac_pcap.xml'),
      '-i',
      '127.0.0.1',
      '-p',
      '40890',
      '-mp',
      '40892',
      `127.0.0.1:${sip.port}`,
    ]);
    try {
      const invite = await sip.next(/^INVITE /);
      const ep = await engine.allocateEndpoint({ group: 'sipp-pcap' });
      const { answer, negotiated } = createAnswer(parseSdp(invite.body), {
        address: ep.address,
        port: ep.port,
      });
      expect(negotiated.codec).toBe('PCMA');
      await engine.configureEndpoint(ep.id, negotiated);
      const path = join(dir, 'pcap.wav');
      const rec = await engine.startRecording({ path, left: ep.id, channels: 1 });
      sip.send(
        response(
          invite,
          '200 OK',
          ['Content-Type: application/sdp', `Contact: <sip:media@127.0.0.1:${sip.port}>`],
          serializeSdp(answer),
        ),
        invite.from.port,
      );
      await sip.next(/^ACK /);
      const bye = await sip.next(/^BYE /);
      sip.send(response(bye, '200 OK'), bye.from.port);
      const { code, output } = await sipp.done;
      expect(code, output).toBe(0);
      await engine.stopRecording(rec);
      const stats = await engine.stats(ep.id);
      // 2.5 s of a 30 ms-ptime capture: about 80 packets, none lost, from sipp's media port.
      expect(stats.packetsReceived).toBeGreaterThan(60);
      expect(stats.packetsLost).toBe(0);
      expect(stats.latched?.address).toBe('127.0.0.1');
      const wav = decodeWav(await readFile(path));
      const pcm = toPcm(wav.channels[0]);
      const loud = pcm.filter((v) => Math.abs(v) > 2000).length;
      expect(loud).toBeGreaterThan(800);
      await engine.releaseEndpoint(ep.id);
    } finally {
      sipp.kill();
      await sip.close();
    }
  });

  it('hears its own tone back through sipp -rtp_echo', async () => {
    const sip = await SipSocket.open();
    const sipp = runSipp([
      '-sf',
      scenario('uas_echo.xml'),
      '-rtp_echo',
      '-i',
      '127.0.0.1',
      '-p',
      '40894',
      '-mp',
      '40896',
    ]);
    try {
      await delay(300); // let sipp bind
      const ep = await engine.allocateEndpoint({ group: 'sipp-echo' });
      const offer = createOffer({
        address: ep.address,
        port: ep.port,
        codecs: ['PCMU'],
        telephoneEvent: false,
      });
      const body = serializeSdp(offer);
      const callId = `echo-${Date.now()}@127.0.0.1`;
      const common = [
        `Via: SIP/2.0/UDP 127.0.0.1:${sip.port};branch=z9hG4bK-media-1`,
        `From: <sip:media@127.0.0.1:${sip.port}>;tag=m1`,
        'To: <sip:echo@127.0.0.1:40894>',
        `Call-ID: ${callId}`,
      ];
      sip.send(
        [
          'INVITE sip:echo@127.0.0.1:40894 SIP/2.0',
          ...common,
          'CSeq: 1 INVITE',
          `Contact: <sip:media@127.0.0.1:${sip.port}>`,
          'Max-Forwards: 70',
          'Content-Type: application/sdp',
          `Content-Length: ${Buffer.byteLength(body)}`,
          '',
          body,
        ].join('\r\n'),
        40894,
      );
      const ok = await sip.next(/^SIP\/2\.0 200/);
      const to = ok.headers.get('to')?.[0] ?? '';
      await engine.configureEndpoint(ep.id, applyAnswer(offer, parseSdp(ok.body)));
      const inDialog = (method: string, cseq: number, branch: string) =>
        [
          `${method} sip:echo@127.0.0.1:40894 SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${sip.port};branch=${branch}`,
          `From: <sip:media@127.0.0.1:${sip.port}>;tag=m1`,
          `To: ${to}`,
          `Call-ID: ${callId}`,
          `CSeq: ${cseq} ${method}`,
          'Max-Forwards: 70',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n');
      sip.send(inDialog('ACK', 1, 'z9hG4bK-media-2'), 40894);
      const path = join(dir, 'echo.wav');
      const rec = await engine.startRecording({ path, left: ep.id, channels: 1 });
      const playbackId = await engine.play(ep.id, {
        kind: 'custom-tone',
        frequencies: [1200],
        durationMs: 1000,
      });
      await eventually(() => events.find((e) => e.type === 'playback-ended' && e.playbackId === playbackId));
      await delay(300);
      await engine.stopRecording(rec);
      sip.send(inDialog('BYE', 2, 'z9hG4bK-media-3'), 40894);
      await sip.next(/^SIP\/2\.0 200/);
      const { code, output } = await sipp.done;
      expect(code, output).toBe(0);
      const pcm = toPcm(decodeWav(await readFile(path)).channels[0]);
      const start = pcm.findIndex((v) => Math.abs(v) > 1000);
      expect(start).toBeGreaterThanOrEqual(0);
      expect(tonesIn(pcm.subarray(start + 800, start + 4800), [600, 1200, 1800])).toEqual([1200]);
      const stats = await engine.stats(ep.id);
      expect(stats.packetsReceived).toBeGreaterThan(40);
      await engine.releaseEndpoint(ep.id);
    } finally {
      sipp.kill();
      await sip.close();
    }
  });
});
