import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { g711Decode, g711Encode } from '../../src/media/codecs/g711.ts';
import { dtmfFrequencies, InbandDtmfDetector, toneShare } from '../../src/media/dtmf/goertzel.ts';
import {
  parseTelephoneEvent,
  serializeTelephoneEvent,
  TelephoneEventDecoder,
  TelephoneEventEncoder,
} from '../../src/media/dtmf/telephone-event.ts';
import { parseRtp } from '../../src/media/rtp/packet.ts';

/** The packets of one capture, stored as 16-bit length + datagram. */
function packets(name: string): Buffer[] {
  const bin = readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
  const out: Buffer[] = [];
  for (let o = 0; o < bin.length; ) {
    const len = bin.readUInt16BE(o);
    out.push(bin.subarray(o + 2, o + 2 + len));
    o += 2 + len;
  }
  return out;
}

function sine(freqs: number[], ms: number, amplitude = 6000): Int16Array {
  const n = (ms * 8000) / 1000;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.round(freqs.reduce((s, f) => s + amplitude * Math.sin((2 * Math.PI * f * i) / 8000), 0));
  }
  return out;
}

describe('RFC 4733 telephone-events', () => {
  it.each([
    ['dtmf-5.bin', '5', 5],
    ['dtmf-star.bin', '*', 10],
    ['dtmf-pound.bin', '#', 11],
  ])(
    'reads the captured %s: start with marker, growing duration, three end packets',
    (file, digit, event) => {
      const rtp = packets(file).map((b) => parseRtp(b));
      expect(rtp).toHaveLength(10);
      expect(rtp[0]?.marker).toBe(true);
      expect(rtp.slice(1).every((p) => !p.marker)).toBe(true);
      const events = rtp.map((p) => parseTelephoneEvent(p.payload));
      expect(events.every((e) => e.event === event && e.volume === 10)).toBe(true);
      expect(events.map((e) => e.duration)).toEqual([0, 320, 640, 960, 1280, 1600, 1920, 2240, 2240, 2240]);
      expect(events.map((e) => e.end)).toEqual([
        false,
        false,
        false,
        false,
        false,
        false,
        false,
        true,
        true,
        true,
      ]);
      // Every payload re-serialises to the captured bytes.
      events.forEach((e, i) => {
        expect(
          Buffer.compare(Buffer.from(serializeTelephoneEvent(e)), Buffer.from(rtp[i]?.payload ?? [])),
        ).toBe(0);
      });
      const decoder = new TelephoneEventDecoder();
      const digits = rtp
        .map((p) => decoder.receive(p.timestamp, p.payload)?.digit)
        .filter((d) => d !== undefined);
      expect(digits).toEqual([digit]);
    },
  );

  it('reports a digit once even when its first packets are lost', () => {
    const rtp = packets('dtmf-5.bin').map((b) => parseRtp(b));
    const decoder = new TelephoneEventDecoder();
    const digits = rtp.slice(3).map((p) => decoder.receive(p.timestamp, p.payload)?.digit);
    expect(digits.filter((d) => d !== undefined)).toEqual(['5']);
  });

  it('reports the same digit pressed twice as two events', () => {
    const decoder = new TelephoneEventDecoder();
    const steps = new TelephoneEventEncoder().steps('7', 100);
    const seen: string[] = [];
    for (const ts of [1000, 3000]) {
      for (const s of steps) for (const p of s.payloads) seen.push(decoder.receive(ts, p)?.digit ?? '');
    }
    expect(seen.filter((d) => d)).toEqual(['7', '7']);
  });

  it('encodes the sender schedule of §2.5.1: marker first, duration per 20 ms, end sent three times', () => {
    const steps = new TelephoneEventEncoder().steps('#', 100);
    expect(steps[0]?.marker).toBe(true);
    const decoded = steps.map((s) => s.payloads.map((p) => parseTelephoneEvent(p)));
    expect(decoded.map((d) => d.length)).toEqual([1, 1, 1, 1, 3]);
    expect(decoded.flat().map((d) => [d.event, d.duration, d.end])).toEqual([
      [11, 160, false],
      [11, 320, false],
      [11, 480, false],
      [11, 640, false],
      [11, 800, true],
      [11, 800, true],
      [11, 800, true],
    ]);
  });

  it('rejects a truncated payload and a silly duration', () => {
    expect(() => parseTelephoneEvent(Uint8Array.of(1, 2, 3))).toThrow(/telephone-event payload/);
    expect(() => new TelephoneEventEncoder().steps('1', 10)).toThrow(/duration/);
  });
});

describe('in-band DTMF (Goertzel)', () => {
  it('detects every digit through a G.711 round trip, once per key press', () => {
    for (const law of ['PCMU', 'PCMA'] as const) {
      const detector = new InbandDtmfDetector();
      const found: string[] = [];
      for (const d of '0123456789*#ABCD') {
        const tone = sine(dtmfFrequencies(d as never), 80);
        const heard = g711Decode(law, g711Encode(law, tone));
        found.push(...detector.push(heard), ...detector.push(new Int16Array(480)));
      }
      expect(found.join('')).toBe('0123456789*#ABCD');
    }
  });

  it('stays silent on speech-like single tones, on noise and on a too-short blip', () => {
    const detector = new InbandDtmfDetector();
    const noise = Int16Array.from({ length: 8000 }, () => Math.round((Math.random() - 0.5) * 12000));
    expect(detector.push(sine([440], 500))).toEqual([]);
    expect(detector.push(sine([697, 1209], 20))).toEqual([]);
    expect(detector.push(noise)).toEqual([]);
  });

  it('measures the share of a tone at its own frequency', () => {
    const tone = sine([1000], 20);
    expect(toneShare(tone, 1000)).toBeGreaterThan(0.9);
    expect(toneShare(tone, 1400)).toBeLessThan(0.05);
  });
});
