// RTCP sender and receiver reports (RFC 3550 §6.4) and BYE (§6.6), in compound packets (§6.1).
import { MediaError } from '../errors.ts';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
const MAX_RTCP_PACKET = 1472;

/** One report block (§6.4.1): what we know of one source we receive. */
export interface ReportBlock {
  readonly ssrc: number;
  /** Fraction lost since the previous report, 0..255 (fixed point /256). */
  readonly fractionLost: number;
  /** Cumulative number lost; signed 24 bits. */
  readonly cumulativeLost: number;
  readonly highestSequence: number;
  /** Interarrival jitter in timestamp units. */
  readonly jitter: number;
  readonly lastSr: number;
  readonly delaySinceLastSr: number;
}

export interface SenderInfo {
  readonly ntpSeconds: number;
  readonly ntpFraction: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
}

export type RtcpPacket =
  | {
      readonly type: 'sr';
      readonly ssrc: number;
      readonly sender: SenderInfo;
      readonly reports: ReportBlock[];
    }
  | { readonly type: 'rr'; readonly ssrc: number; readonly reports: ReportBlock[] }
  | { readonly type: 'sdes'; readonly chunks: { ssrc: number; cname?: string }[] }
  | { readonly type: 'bye'; readonly ssrcs: number[] }
  | { readonly type: 'other'; readonly packetType: number };

function readBlocks(view: DataView, offset: number, count: number): ReportBlock[] {
  const blocks: ReportBlock[] = [];
  for (let i = 0; i < count; i++) {
    const o = offset + i * 24;
    const lostWord = view.getUint32(o + 4);
    let cumulative = lostWord & 0xffffff;
    if (cumulative & 0x800000) cumulative -= 0x1000000;
    blocks.push({
      ssrc: view.getUint32(o),
      fractionLost: lostWord >>> 24,
      cumulativeLost: cumulative,
      highestSequence: view.getUint32(o + 8),
      jitter: view.getUint32(o + 12),
      lastSr: view.getUint32(o + 16),
      delaySinceLastSr: view.getUint32(o + 20),
    });
  }
  return blocks;
}

/** Parses a compound RTCP packet; every sub-packet is checked against the datagram length. */
export function parseRtcp(buf: Uint8Array): RtcpPacket[] {
  if (buf.length < 4 || buf.length > MAX_RTCP_PACKET) {
    throw new MediaError('RTCP_MALFORMED', `RTCP datagram of ${buf.length} bytes`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: RtcpPacket[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (offset + 4 > buf.length) throw new MediaError('RTCP_MALFORMED', 'truncated RTCP header');
    const b0 = buf[offset] as number;
    if (b0 >> 6 !== 2) throw new MediaError('RTCP_MALFORMED', `RTCP version ${b0 >> 6}`);
    const count = b0 & 0x1f;
    const pt = buf[offset + 1] as number;
    // §6.4.1: length is in 32-bit words minus one, header included.
    const length = (view.getUint16(offset + 2) + 1) * 4;
    if (offset + length > buf.length) throw new MediaError('RTCP_MALFORMED', 'RTCP packet beyond datagram');
    const body = offset + 4;
    if (pt === RTCP_SR) {
      if (length < 28 + count * 24) throw new MediaError('RTCP_MALFORMED', 'short sender report');
      out.push({
        type: 'sr',
        ssrc: view.getUint32(body),
        sender: {
          ntpSeconds: view.getUint32(body + 4),
          ntpFraction: view.getUint32(body + 8),
          rtpTimestamp: view.getUint32(body + 12),
          packetCount: view.getUint32(body + 16),
          octetCount: view.getUint32(body + 20),
        },
        reports: readBlocks(view, body + 24, count),
      });
    } else if (pt === RTCP_RR) {
      if (length < 8 + count * 24) throw new MediaError('RTCP_MALFORMED', 'short receiver report');
      out.push({ type: 'rr', ssrc: view.getUint32(body), reports: readBlocks(view, body + 4, count) });
    } else if (pt === RTCP_BYE) {
      if (length < 4 + count * 4) throw new MediaError('RTCP_MALFORMED', 'short BYE');
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) ssrcs.push(view.getUint32(body + i * 4));
      out.push({ type: 'bye', ssrcs });
    } else if (pt === RTCP_SDES) {
      out.push({ type: 'sdes', chunks: parseSdes(buf.subarray(body, offset + length), count) });
    } else {
      out.push({ type: 'other', packetType: pt });
    }
    offset += length;
  }
  return out;
}

function parseSdes(body: Uint8Array, count: number): { ssrc: number; cname?: string }[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const chunks: { ssrc: number; cname?: string }[] = [];
  let o = 0;
  for (let i = 0; i < count && o + 4 <= body.length; i++) {
    const chunk: { ssrc: number; cname?: string } = { ssrc: view.getUint32(o) };
    o += 4;
    // §6.5: items until a null octet, then pad to a 32-bit boundary.
    while (o < body.length && body[o] !== 0) {
      const type = body[o] as number;
      const len = body[o + 1] ?? 0;
      if (o + 2 + len > body.length) throw new MediaError('RTCP_MALFORMED', 'SDES item beyond packet');
      if (type === 1) chunk.cname = Buffer.from(body.subarray(o + 2, o + 2 + len)).toString('utf8');
      o += 2 + len;
    }
    o = (o + 4) & ~3;
    chunks.push(chunk);
  }
  return chunks;
}

function writeBlocks(out: Buffer, offset: number, reports: readonly ReportBlock[]): void {
  for (const [i, r] of reports.entries()) {
    const o = offset + i * 24;
    out.writeUInt32BE(r.ssrc >>> 0, o);
    out.writeUInt32BE((((r.fractionLost & 0xff) << 24) | (r.cumulativeLost & 0xffffff)) >>> 0, o + 4);
    out.writeUInt32BE(r.highestSequence >>> 0, o + 8);
    out.writeUInt32BE(r.jitter >>> 0, o + 12);
    out.writeUInt32BE(r.lastSr >>> 0, o + 16);
    out.writeUInt32BE(r.delaySinceLastSr >>> 0, o + 20);
  }
}

function header(out: Buffer, offset: number, count: number, pt: number, length: number): void {
  out[offset] = 0x80 | (count & 0x1f);
  out[offset + 1] = pt;
  out.writeUInt16BE(length / 4 - 1, offset + 2);
}

/** Serialises SR, RR, SDES (CNAME only) and BYE packets into one compound datagram. */
export function serializeRtcp(packets: readonly RtcpPacket[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of packets) {
    if (p.type === 'sr') {
      const len = 28 + p.reports.length * 24;
      const b = Buffer.alloc(len);
      header(b, 0, p.reports.length, RTCP_SR, len);
      b.writeUInt32BE(p.ssrc >>> 0, 4);
      b.writeUInt32BE(p.sender.ntpSeconds >>> 0, 8);
      b.writeUInt32BE(p.sender.ntpFraction >>> 0, 12);
      b.writeUInt32BE(p.sender.rtpTimestamp >>> 0, 16);
      b.writeUInt32BE(p.sender.packetCount >>> 0, 20);
      b.writeUInt32BE(p.sender.octetCount >>> 0, 24);
      writeBlocks(b, 28, p.reports);
      parts.push(b);
    } else if (p.type === 'rr') {
      const len = 8 + p.reports.length * 24;
      const b = Buffer.alloc(len);
      header(b, 0, p.reports.length, RTCP_RR, len);
      b.writeUInt32BE(p.ssrc >>> 0, 4);
      writeBlocks(b, 8, p.reports);
      parts.push(b);
    } else if (p.type === 'sdes') {
      const chunks = p.chunks.map((c) => {
        const name = Buffer.from(c.cname ?? '', 'utf8').subarray(0, 255);
        const raw = 4 + 2 + name.length + 1;
        const b = Buffer.alloc((raw + 3) & ~3);
        b.writeUInt32BE(c.ssrc >>> 0, 0);
        b[4] = 1;
        b[5] = name.length;
        name.copy(b, 6);
        return b;
      });
      const body = Buffer.concat(chunks);
      const b = Buffer.alloc(4 + body.length);
      header(b, 0, p.chunks.length, RTCP_SDES, b.length);
      body.copy(b, 4);
      parts.push(b);
    } else if (p.type === 'bye') {
      const len = 4 + p.ssrcs.length * 4;
      const b = Buffer.alloc(len);
      header(b, 0, p.ssrcs.length, RTCP_BYE, len);
      p.ssrcs.forEach((s, i) => {
        b.writeUInt32BE(s >>> 0, 4 + i * 4);
      });
      parts.push(b);
    }
  }
  return Buffer.concat(parts);
}

/** NTP timestamp (§4) of a wall-clock time in milliseconds. */
export function toNtp(ms: number): { seconds: number; fraction: number } {
  const seconds = Math.floor(ms / 1000) + 2208988800;
  const fraction = Math.floor(((ms % 1000) / 1000) * 0x100000000);
  return { seconds: seconds >>> 0, fraction: fraction >>> 0 };
}
