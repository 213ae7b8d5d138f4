// RTP fixed header (RFC 3550 §5.1) parsing and serialisation, bounded and validated.
import { MediaError } from '../errors.ts';

/** Largest datagram we accept: a 1500-byte Ethernet MTU leaves 1472 bytes of UDP payload. */
export const MAX_RTP_PACKET = 1472;
const FIXED_HEADER = 12;

export interface RtpPacket {
  readonly payloadType: number;
  readonly marker: boolean;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  /** Header extension (RFC 3550 §5.3.1), kept opaque: profile id and data words. */
  readonly extension?: { readonly profile: number; readonly data: Uint8Array };
  readonly payload: Uint8Array;
}

/** True when the first bytes look like RTCP rather than RTP (RFC 5761 §4: PT 192-223 is RTCP). */
export function isRtcp(buf: Uint8Array): boolean {
  if (buf.length < 2) return false;
  const pt = buf[1] as number;
  return pt >= 192 && pt <= 223;
}

export function parseRtp(buf: Uint8Array): RtpPacket {
  if (buf.length < FIXED_HEADER) throw new MediaError('RTP_MALFORMED', `RTP packet of ${buf.length} bytes`);
  if (buf.length > MAX_RTP_PACKET) throw new MediaError('RTP_MALFORMED', `RTP packet of ${buf.length} bytes`);
  const b0 = buf[0] as number;
  const b1 = buf[1] as number;
  // §5.1: version MUST be 2.
  if (b0 >> 6 !== 2) throw new MediaError('RTP_MALFORMED', `RTP version ${b0 >> 6}`);
  const padding = (b0 & 0x20) !== 0;
  const hasExtension = (b0 & 0x10) !== 0;
  const cc = b0 & 0x0f;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let offset = FIXED_HEADER + cc * 4;
  if (offset > buf.length) throw new MediaError('RTP_MALFORMED', 'CSRC list beyond packet end');
  const csrcs: number[] = [];
  for (let i = 0; i < cc; i++) csrcs.push(view.getUint32(FIXED_HEADER + i * 4));
  let extension: RtpPacket['extension'];
  if (hasExtension) {
    if (offset + 4 > buf.length) throw new MediaError('RTP_MALFORMED', 'extension header beyond packet end');
    const profile = view.getUint16(offset);
    const words = view.getUint16(offset + 2);
    const end = offset + 4 + words * 4;
    if (end > buf.length) throw new MediaError('RTP_MALFORMED', 'extension beyond packet end');
    extension = { profile, data: buf.subarray(offset + 4, end) };
    offset = end;
  }
  let end = buf.length;
  if (padding) {
    // §5.1: the last octet of the padding counts how many padding octets to ignore, itself included.
    const pad = buf[buf.length - 1] as number;
    if (pad === 0 || offset + pad > buf.length) throw new MediaError('RTP_MALFORMED', 'bad padding length');
    end -= pad;
  }
  const packet: RtpPacket = {
    payloadType: b1 & 0x7f,
    marker: (b1 & 0x80) !== 0,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    csrcs,
    payload: buf.subarray(offset, end),
  };
  return extension ? { ...packet, extension } : packet;
}

export function serializeRtp(p: RtpPacket): Buffer {
  const cc = p.csrcs.length;
  if (cc > 15) throw new MediaError('INVALID_ARGUMENT', 'at most 15 CSRCs');
  const extLen = p.extension ? 4 + p.extension.data.length : 0;
  if (p.extension && p.extension.data.length % 4 !== 0) {
    throw new MediaError('INVALID_ARGUMENT', 'extension data must be whole 32-bit words');
  }
  const size = FIXED_HEADER + cc * 4 + extLen + p.payload.length;
  if (size > MAX_RTP_PACKET) throw new MediaError('INVALID_ARGUMENT', `RTP packet of ${size} bytes`);
  const out = Buffer.allocUnsafe(size);
  writeRtpHeader(
    out,
    p.payloadType,
    p.marker,
    p.sequenceNumber,
    p.timestamp,
    p.ssrc,
    cc,
    p.extension !== undefined,
  );
  let offset = FIXED_HEADER;
  for (const c of p.csrcs) {
    out.writeUInt32BE(c >>> 0, offset);
    offset += 4;
  }
  if (p.extension) {
    out.writeUInt16BE(p.extension.profile, offset);
    out.writeUInt16BE(p.extension.data.length / 4, offset + 2);
    out.set(p.extension.data, offset + 4);
    offset += extLen;
  }
  out.set(p.payload, offset);
  return out;
}

/** Writes a 12-byte header in place: the hot path of forwarding and playing, without allocation. */
export function writeRtpHeader(
  out: Uint8Array,
  payloadType: number,
  marker: boolean,
  sequenceNumber: number,
  timestamp: number,
  ssrc: number,
  csrcCount = 0,
  extension = false,
): void {
  out[0] = 0x80 | (extension ? 0x10 : 0) | csrcCount;
  out[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  out[2] = (sequenceNumber >>> 8) & 0xff;
  out[3] = sequenceNumber & 0xff;
  out[4] = (timestamp >>> 24) & 0xff;
  out[5] = (timestamp >>> 16) & 0xff;
  out[6] = (timestamp >>> 8) & 0xff;
  out[7] = timestamp & 0xff;
  out[8] = (ssrc >>> 24) & 0xff;
  out[9] = (ssrc >>> 16) & 0xff;
  out[10] = (ssrc >>> 8) & 0xff;
  out[11] = ssrc & 0xff;
}
