import { describe, expect, it } from 'vitest';
import {
  anchorSdp,
  answerDirection,
  applyAnswer,
  createAnswer,
  createOffer,
} from '../../src/media/sdp/offer-answer.ts';
import { type Direction, parseSdp, serializeSdp } from '../../src/media/sdp/session-description.ts';

const LOCAL = { address: '192.0.2.10', port: 20000 };

function offer(lines: string[], c = '198.51.100.7'): string {
  return ['v=0', `o=alice 1 1 IN IP4 ${c}`, 's=-', `c=IN IP4 ${c}`, 't=0 0', ...lines, ''].join('\r\n');
}

describe('SDP parse and serialise (RFC 4566)', () => {
  it('reads the audio stream of a typical phone offer and writes it back unchanged', () => {
    const text = offer([
      'm=audio 4000 RTP/AVP 8 0 101',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=ptime:20',
      'a=rtcp:4001',
      'a=sendrecv',
    ]);
    const sdp = parseSdp(text);
    const m = sdp.media[0];
    expect(m?.port).toBe(4000);
    expect(m?.rtpmaps.map((r) => [r.payloadType, r.encoding])).toEqual([
      [8, 'PCMA'],
      [0, 'PCMU'],
      [101, 'telephone-event'],
    ]);
    expect(m?.rtpmaps[2]?.fmtp).toBe('0-16');
    expect(m?.rtcp?.port).toBe(4001);
    expect(serializeSdp(sdp)).toBe(text);
  });

  it('knows static payload types without rtpmap (RFC 3551)', () => {
    const sdp = parseSdp(offer(['m=audio 4000 RTP/AVP 0 8']));
    expect(sdp.media[0]?.rtpmaps.map((r) => r.encoding)).toEqual(['PCMU', 'PCMA']);
  });

  it.each([
    ['no v=0', 'o=a 1 1 IN IP4 1.2.3.4\r\n'],
    ['a bad port', offer(['m=audio 70000 RTP/AVP 0'])],
    ['a bad c= line', offer(['m=audio 4000 RTP/AVP 0', 'c=IN IPX 1.2.3.4'])],
    ['a bad rtpmap', offer(['m=audio 4000 RTP/AVP 0', 'a=rtpmap:zero PCMU'])],
    ['too large', offer(['m=audio 4000 RTP/AVP 0', `a=x:${'y'.repeat(17000)}`])],
  ])('rejects SDP with %s', (_n, text) => {
    expect(() => parseSdp(text)).toThrow(/SDP|port|c= line|rtpmap|bytes/);
  });
});

describe('offer/answer (RFC 3264)', () => {
  it.each<[string, string[], { codec: string; pt: number; te?: number }]>([
    [
      'PCMA first',
      ['m=audio 4000 RTP/AVP 8 0 101', 'a=rtpmap:101 telephone-event/8000'],
      { codec: 'PCMA', pt: 8, te: 101 },
    ],
    ['PCMU only', ['m=audio 4000 RTP/AVP 0'], { codec: 'PCMU', pt: 0 }],
    [
      'unknown codecs first',
      ['m=audio 4000 RTP/AVP 18 3 0', 'a=rtpmap:18 G729/8000'],
      { codec: 'PCMU', pt: 0 },
    ],
    [
      'dynamic PT for PCMU and telephone-event at 96',
      ['m=audio 4000 RTP/AVP 112 96', 'a=rtpmap:112 PCMU/8000', 'a=rtpmap:96 telephone-event/8000'],
      { codec: 'PCMU', pt: 112, te: 96 },
    ],
    [
      'telephone-event at 16 kHz is not ours',
      ['m=audio 4000 RTP/AVP 0 97', 'a=rtpmap:97 telephone-event/16000'],
      { codec: 'PCMU', pt: 0 },
    ],
  ])('codec intersection: %s', (_n, lines, want) => {
    const { answer, negotiated } = createAnswer(parseSdp(offer(lines)), LOCAL);
    expect(negotiated.codec).toBe(want.codec);
    expect(negotiated.sendPayloadType).toBe(want.pt);
    expect(negotiated.telephoneEventPayloadType).toBe(want.te);
    // §6.1: the answer uses the offer's payload type numbers.
    expect(answer.media[0]?.formats[0]).toBe(String(want.pt));
    expect(negotiated.remoteAddress).toBe('198.51.100.7');
    expect(negotiated.remotePort).toBe(4000);
    expect(answer.media[0]?.port).toBe(20000);
  });

  it('rejects an offer with nothing in common, and rejects extra streams with port 0', () => {
    expect(() => createAnswer(parseSdp(offer(['m=audio 4000 RTP/AVP 18'])), LOCAL)).toThrow(
      /no audio stream/,
    );
    const { answer } = createAnswer(
      parseSdp(offer(['m=video 5000 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'm=audio 4000 RTP/AVP 0'])),
      LOCAL,
    );
    expect(answer.media.map((m) => [m.media, m.port])).toEqual([
      ['video', 0],
      ['audio', 20000],
    ]);
  });

  it.each<[Direction, Direction, Direction]>([
    ['sendrecv', 'sendrecv', 'sendrecv'],
    ['sendonly', 'sendrecv', 'recvonly'], // the peer puts us on hold
    ['recvonly', 'sendrecv', 'sendonly'],
    ['inactive', 'sendrecv', 'inactive'],
    ['sendrecv', 'sendonly', 'sendonly'], // we put the peer on hold
    ['sendrecv', 'inactive', 'inactive'],
    ['sendonly', 'sendonly', 'inactive'],
    ['recvonly', 'recvonly', 'inactive'],
  ])('direction: offered %s, wanted %s, answered %s', (offered, wanted, answered) => {
    expect(answerDirection(offered, wanted)).toBe(answered);
    const { answer, negotiated } = createAnswer(parseSdp(offer(['m=audio 4000 RTP/AVP 0', `a=${offered}`])), {
      ...LOCAL,
      direction: wanted,
    });
    expect(answer.media[0]?.direction).toBe(answered);
    expect(negotiated.direction).toBe(answered);
  });

  it.each([
    ['offered and accepted', ['a=rtcp-mux'], true, true, 4000],
    ['offered, refused locally', ['a=rtcp-mux'], false, false, 4001],
    ['not offered', [], true, false, 4001],
    ['not offered, explicit a=rtcp', ['a=rtcp:4100'], true, false, 4100],
  ])('rtcp-mux (RFC 5761): %s', (_n, lines, local, mux, rtcpPort) => {
    const { answer, negotiated } = createAnswer(parseSdp(offer(['m=audio 4000 RTP/AVP 0', ...lines])), {
      ...LOCAL,
      rtcpMux: local,
    });
    expect(negotiated.rtcpMux).toBe(mux);
    expect(answer.media[0]?.rtcpMux).toBe(mux);
    expect(negotiated.remoteRtcpPort).toBe(rtcpPort);
  });

  it('takes ptime from the offer, and defaults to 20 ms', () => {
    expect(
      createAnswer(parseSdp(offer(['m=audio 4000 RTP/AVP 0', 'a=ptime:30'])), LOCAL).negotiated.ptime,
    ).toBe(30);
    expect(createAnswer(parseSdp(offer(['m=audio 4000 RTP/AVP 0'])), LOCAL).negotiated.ptime).toBe(20);
  });

  it('our offer, their answer: we send with the answer numbering and the mirrored direction', () => {
    const ours = createOffer({ ...LOCAL, codecs: ['PCMA', 'PCMU'], rtcpMux: true });
    expect(serializeSdp(ours)).toContain('m=audio 20000 RTP/AVP 8 0 101');
    const theirs = parseSdp(
      offer(
        ['m=audio 6000 RTP/AVP 0 100', 'a=rtpmap:100 telephone-event/8000', 'a=recvonly', 'a=rtcp-mux'],
        '203.0.113.5',
      ),
    );
    const n = applyAnswer(parseSdp(serializeSdp(ours)), theirs);
    expect(n).toMatchObject({
      remoteAddress: '203.0.113.5',
      remotePort: 6000,
      codec: 'PCMU',
      sendPayloadType: 0,
      telephoneEventPayloadType: 100,
      direction: 'sendonly',
      rtcpMux: true,
      remoteRtcpPort: 6000,
    });
    expect(n.receivePayloadTypes[101]).toBe('telephone-event');
    expect(n.receivePayloadTypes[100]).toBe('telephone-event');
  });

  it('an answer that rejects the audio stream is an error', () => {
    const ours = createOffer(LOCAL);
    const theirs = parseSdp(offer(['m=audio 0 RTP/AVP 0']));
    expect(() => applyAnswer(ours, theirs)).toThrow(/rejected/);
  });

  it('anchoring rewrites c=, o= and the audio port and drops a=rtcp, keeping the codecs', () => {
    const original = parseSdp(
      offer(['m=audio 4000 RTP/AVP 8 101', 'a=rtpmap:101 telephone-event/8000', 'a=rtcp:4001']),
    );
    const text = serializeSdp(anchorSdp(original, '192.0.2.10', 20002));
    expect(text).toContain('c=IN IP4 192.0.2.10');
    expect(text).toContain('m=audio 20002 RTP/AVP 8 101');
    expect(text).toContain('a=rtpmap:101 telephone-event/8000');
    expect(text).not.toContain('198.51.100.7');
    expect(text).not.toContain('a=rtcp:');
  });
});
