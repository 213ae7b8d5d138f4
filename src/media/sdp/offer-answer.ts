// RFC 3264 offer/answer for one audio stream, as pure functions. The result, NegotiatedAudio,
// is what an RTP endpoint needs: where to send, which payload types mean what, and direction.
import { MediaError } from '../errors.ts';
import type {
  Connection,
  Direction,
  MediaDescription,
  RtpMap,
  SessionDescription,
} from './session-description.ts';

export type AudioCodec = 'PCMU' | 'PCMA';
export const SUPPORTED_CODECS: readonly AudioCodec[] = ['PCMU', 'PCMA'];

export interface LocalMediaOptions {
  /** Address and RTP port the engine allocated for this endpoint. */
  readonly address: string;
  readonly port: number;
  /** Codecs in our order of preference. */
  readonly codecs?: readonly AudioCodec[];
  readonly telephoneEvent?: boolean;
  readonly ptime?: number;
  /** What we want: sendrecv normally, sendonly to put the peer on hold, inactive to stop both. */
  readonly direction?: Direction;
  readonly rtcpMux?: boolean;
  readonly sessionId?: string;
  readonly sessionVersion?: number;
}

export interface NegotiatedAudio {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly remoteRtcpPort: number;
  /** The codec we send, with the payload type the peer declared for it. */
  readonly codec: AudioCodec;
  readonly sendPayloadType: number;
  /** Every payload type we may receive, mapped to its codec (ours and the peer's numbering). */
  readonly receivePayloadTypes: Readonly<Record<number, AudioCodec | 'telephone-event'>>;
  readonly telephoneEventPayloadType?: number;
  readonly ptime: number;
  /** Our direction: 'sendonly' means we send and do not expect to receive. */
  readonly direction: Direction;
  readonly rtcpMux: boolean;
}

const STATIC_PT: Record<AudioCodec, number> = { PCMU: 0, PCMA: 8 };
const DEFAULT_TE_PT = 101;

function codecOf(r: RtpMap): AudioCodec | 'telephone-event' | undefined {
  const name = r.encoding.toUpperCase();
  if (r.clockRate !== 8000) return undefined;
  if (name === 'PCMU' || name === 'PCMA') return name;
  if (name === 'TELEPHONE-EVENT') return 'telephone-event';
  return undefined;
}

/** §6.1: the answer's direction is the offer's mirrored, restricted by what we want. */
export function answerDirection(offered: Direction, wanted: Direction): Direction {
  const peerSends = offered === 'sendrecv' || offered === 'sendonly';
  const peerReceives = offered === 'sendrecv' || offered === 'recvonly';
  const weSend = peerReceives && (wanted === 'sendrecv' || wanted === 'sendonly');
  const weReceive = peerSends && (wanted === 'sendrecv' || wanted === 'recvonly');
  if (weSend && weReceive) return 'sendrecv';
  if (weSend) return 'sendonly';
  if (weReceive) return 'recvonly';
  return 'inactive';
}

function mirror(d: Direction): Direction {
  return d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d;
}

function audioMedia(
  port: number,
  maps: RtpMap[],
  opts: { ptime?: number; direction: Direction; rtcpMux: boolean },
): MediaDescription {
  return {
    media: 'audio',
    port,
    protocol: 'RTP/AVP',
    formats: maps.map((m) => String(m.payloadType)),
    rtpmaps: maps,
    ...(opts.ptime ? { ptime: opts.ptime } : {}),
    direction: opts.direction,
    rtcpMux: opts.rtcpMux,
    otherAttributes: [],
  };
}

function session(local: LocalMediaOptions, media: MediaDescription[]): SessionDescription {
  const addrType = local.address.includes(':') ? 'IP6' : 'IP4';
  return {
    origin: {
      username: 'switchboard',
      sessionId: local.sessionId ?? String(Date.now()),
      sessionVersion: String(local.sessionVersion ?? 1),
      addrType,
      address: local.address,
    },
    sessionName: 'switchboard',
    connection: { addrType, address: local.address },
    timing: '0 0',
    otherLines: [],
    media,
  };
}

/** Our offer for one audio stream (§5). */
export function createOffer(local: LocalMediaOptions): SessionDescription {
  const codecs = local.codecs ?? SUPPORTED_CODECS;
  const maps: RtpMap[] = codecs.map((c) => ({ payloadType: STATIC_PT[c], encoding: c, clockRate: 8000 }));
  if (local.telephoneEvent ?? true) {
    maps.push({ payloadType: DEFAULT_TE_PT, encoding: 'telephone-event', clockRate: 8000, fmtp: '0-16' });
  }
  return session(local, [
    audioMedia(local.port, maps, {
      ptime: local.ptime ?? 20,
      direction: local.direction ?? 'sendrecv',
      rtcpMux: local.rtcpMux ?? false,
    }),
  ]);
}

function remoteEndpoint(
  sdp: SessionDescription,
  m: MediaDescription,
  rtcpMux: boolean,
): { address: string; rtcpPort: number } {
  const c: Connection | undefined = m.connection ?? sdp.connection;
  if (!c) throw new MediaError('SDP_MALFORMED', 'audio stream without c= line');
  // RFC 3605: an explicit a=rtcp port; otherwise RTP port + 1 (RFC 3550 §11), or the same with mux.
  return { address: c.address, rtcpPort: rtcpMux ? m.port : (m.rtcp?.port ?? m.port + 1) };
}

function firstAudio(sdp: SessionDescription): number {
  return sdp.media.findIndex((m) => m.media === 'audio' && m.port !== 0 && m.protocol.startsWith('RTP/AVP'));
}

/**
 * Answers an offer (§6): the first usable audio stream is accepted with the common codecs in
 * the offerer's order and the offerer's payload type numbers (§6.1); every other stream is
 * rejected with port 0. Throws SDP_NO_COMMON_CODEC when nothing can be accepted (send a 488).
 */
export function createAnswer(
  offer: SessionDescription,
  local: LocalMediaOptions,
): { answer: SessionDescription; negotiated: NegotiatedAudio } {
  const ours = local.codecs ?? SUPPORTED_CODECS;
  const index = firstAudio(offer);
  const offered = index >= 0 ? (offer.media[index] as MediaDescription) : undefined;
  const common = offered ? offered.rtpmaps.filter((r) => ours.includes(codecOf(r) as AudioCodec)) : [];
  if (!offered || common.length === 0) {
    throw new MediaError('SDP_NO_COMMON_CODEC', 'no audio stream with a codec in common');
  }
  const te =
    (local.telephoneEvent ?? true)
      ? offered.rtpmaps.find((r) => codecOf(r) === 'telephone-event')
      : undefined;
  const maps = te ? [...common, te] : common;
  const offeredDirection = offered.direction ?? offer.direction ?? 'sendrecv';
  const direction = answerDirection(offeredDirection, local.direction ?? 'sendrecv');
  const rtcpMux = offered.rtcpMux && (local.rtcpMux ?? true);
  const ptime = offered.ptime ?? local.ptime ?? 20;
  const media = offer.media.map((m, i) =>
    i === index
      ? audioMedia(local.port, maps, { ptime, direction, rtcpMux })
      : {
          media: m.media,
          port: 0,
          protocol: m.protocol,
          formats: m.formats,
          rtpmaps: [],
          rtcpMux: false,
          otherAttributes: [],
        },
  );
  const answer = session(local, media);
  const remote = remoteEndpoint(offer, offered, rtcpMux);
  const first = common[0] as RtpMap;
  const receive: Record<number, AudioCodec | 'telephone-event'> = {};
  for (const r of maps) receive[r.payloadType] = codecOf(r) as AudioCodec | 'telephone-event';
  return {
    answer,
    negotiated: {
      remoteAddress: remote.address,
      remotePort: offered.port,
      remoteRtcpPort: remote.rtcpPort,
      codec: codecOf(first) as AudioCodec,
      sendPayloadType: first.payloadType,
      receivePayloadTypes: receive,
      ...(te ? { telephoneEventPayloadType: te.payloadType } : {}),
      ptime,
      direction,
      rtcpMux,
    },
  };
}

/** The offerer's view once the answer arrives (§5, §6): we send with the answer's numbering. */
export function applyAnswer(offer: SessionDescription, answer: SessionDescription): NegotiatedAudio {
  const oi = firstAudio(offer);
  const ai = oi >= 0 && answer.media[oi]?.port ? oi : -1;
  const offered = offer.media[oi];
  const answered = answer.media[ai];
  if (!offered || !answered)
    throw new MediaError('SDP_NO_COMMON_CODEC', 'audio stream rejected by the answer');
  const usable = answered.rtpmaps.filter((r) => {
    const c = codecOf(r);
    return c === 'PCMU' || c === 'PCMA';
  });
  const first = usable[0];
  if (!first) throw new MediaError('SDP_NO_COMMON_CODEC', 'answer has no supported codec');
  const receive: Record<number, AudioCodec | 'telephone-event'> = {};
  for (const r of [...offered.rtpmaps, ...answered.rtpmaps]) {
    const c = codecOf(r);
    if (c) receive[r.payloadType] = c;
  }
  const te = answered.rtpmaps.find((r) => codecOf(r) === 'telephone-event');
  const rtcpMux = offered.rtcpMux && answered.rtcpMux;
  const remote = remoteEndpoint(answer, answered, rtcpMux);
  return {
    remoteAddress: remote.address,
    remotePort: answered.port,
    remoteRtcpPort: remote.rtcpPort,
    codec: codecOf(first) as AudioCodec,
    sendPayloadType: first.payloadType,
    receivePayloadTypes: receive,
    ...(te ? { telephoneEventPayloadType: te.payloadType } : {}),
    ptime: answered.ptime ?? offered.ptime ?? 20,
    direction: mirror(answered.direction ?? answer.direction ?? 'sendrecv'),
    rtcpMux,
  };
}

/**
 * Media anchoring: the same SDP with every c= address and the audio port replaced by ours,
 * so that the peer sends its media to the engine instead of to the other leg.
 */
export function anchorSdp(sdp: SessionDescription, address: string, port: number): SessionDescription {
  const addrType = address.includes(':') ? 'IP6' : 'IP4';
  const index = firstAudio(sdp);
  return {
    ...sdp,
    origin: { ...sdp.origin, addrType, address },
    connection: { addrType, address },
    media: sdp.media.map((m, i) => {
      if (i !== index) return m;
      const { rtcp: _rtcp, connection: _c, ...rest } = m;
      return { ...rest, port };
    }),
  };
}
