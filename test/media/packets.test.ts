import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MediaError } from '../../src/media/errors.ts';
import { isRtcp, parseRtp, serializeRtp } from '../../src/media/rtp/packet.ts';
import { parseRtcp, serializeRtcp } from '../../src/media/rtp/rtcp.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

describe('RTP packets (RFC 3550 §5.1)', () => {
  it('parses a PCMA packet captured from sipp and serialises it back byte for byte', () => {
    const bin = fixture('rtp-pcma.bin');
    const p = parseRtp(bin);
    expect(p.payloadType).toBe(8);
    expect(p.marker).toBe(true);
    expect(p.sequenceNumber).toBe(0xe6fd);
    expect(p.timestamp).toBe(0xf0);
    expect(p.payload.length).toBe(240);
    expect(isRtcp(bin)).toBe(false);
    expect(Buffer.compare(serializeRtp(p), bin)).toBe(0);
  });

  it('honours CSRCs, a header extension and padding', () => {
    const raw = Buffer.from('b1000001000000a0deadbeef000000010bed0001cafebabe' + 'aabb' + '0002', 'hex');
    raw[0] = 0xb1; // V=2, P=1, X=1, CC=1
    const p = parseRtp(raw);
    expect(p.csrcs).toEqual([1]);
    expect(p.extension?.profile).toBe(0x0bed);
    expect(Buffer.from(p.extension?.data ?? []).toString('hex')).toBe('cafebabe');
    expect(Buffer.from(p.payload).toString('hex')).toBe('aabb');
  });

  it.each([
    ['too short', Buffer.alloc(11, 0x80)],
    ['version 1', Buffer.from('400000010000000000000001', 'hex')],
    ['CSRC count beyond the end', Buffer.from('8f0000010000000000000001', 'hex')],
    ['padding longer than the payload', Buffer.from('a000000100000000000000010a', 'hex')],
    [
      'larger than an MTU',
      Buffer.concat([Buffer.from('800000010000000000000001', 'hex'), Buffer.alloc(1500)]),
    ],
  ])('rejects a packet that is %s with a typed error', (_name, raw) => {
    expect(() => parseRtp(raw)).toThrow(MediaError);
    try {
      parseRtp(raw);
    } catch (e) {
      expect((e as MediaError).code).toBe('RTP_MALFORMED');
    }
  });
});

describe('RTCP compound packets (RFC 3550 §6.4, §6.5)', () => {
  it('parses a sender report with a report block and an SDES CNAME, and re-serialises it', () => {
    const bin = fixture('rtcp-sr-sdes.bin');
    expect(isRtcp(bin)).toBe(true);
    const packets = parseRtcp(bin);
    expect(packets).toEqual([
      {
        type: 'sr',
        ssrc: 0x11223344,
        sender: {
          ntpSeconds: 0xe4b0c4d3,
          ntpFraction: 0x80000000,
          rtpTimestamp: 160000,
          packetCount: 500,
          octetCount: 80000,
        },
        reports: [
          {
            ssrc: 0x55667788,
            fractionLost: 13,
            cumulativeLost: 42,
            highestSequence: 0x1ffff,
            jitter: 37,
            lastSr: 0xc4d38000,
            delaySinceLastSr: 0x18000,
          },
        ],
      },
      { type: 'sdes', chunks: [{ ssrc: 0x11223344, cname: 'sb@10.0.0.1' }] },
    ]);
    expect(Buffer.compare(serializeRtcp(packets), bin)).toBe(0);
  });

  it('rejects a sub-packet whose length runs past the datagram', () => {
    const bin = Buffer.from(fixture('rtcp-sr-sdes.bin'));
    bin.writeUInt16BE(40, 2);
    expect(() => parseRtcp(bin)).toThrow(/beyond datagram/);
  });

  it('round-trips a receiver report with negative cumulative loss and a BYE', () => {
    const packets = [
      {
        type: 'rr' as const,
        ssrc: 7,
        reports: [
          {
            ssrc: 9,
            fractionLost: 0,
            cumulativeLost: -2,
            highestSequence: 5,
            jitter: 1,
            lastSr: 0,
            delaySinceLastSr: 0,
          },
        ],
      },
      { type: 'bye' as const, ssrcs: [7] },
    ];
    expect(parseRtcp(serializeRtcp(packets))).toEqual(packets);
  });
});
