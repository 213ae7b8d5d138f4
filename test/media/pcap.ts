// Reads the UDP payloads of a classic libpcap file (Ethernet or Linux cooked capture, IPv4),
// enough to take RTP fixtures out of captures.
import { readFileSync } from 'node:fs';

export interface PcapUdp {
  readonly timeMs: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Buffer;
}

export function readPcapUdp(path: string): PcapUdp[] {
  const buf = readFileSync(path);
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4;
  if (!le && magic !== 0xd4c3b2a1) throw new Error(`${path}: not a pcap file`);
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20);
  const out: PcapUdp[] = [];
  let o = 24;
  while (o + 16 <= buf.length) {
    const sec = u32(o);
    const usec = u32(o + 4);
    const incl = u32(o + 8);
    const frame = buf.subarray(o + 16, o + 16 + incl);
    o += 16 + incl;
    let ip = linkType === 1 ? 14 : linkType === 113 ? 16 : 0;
    if (linkType === 1 && frame.readUInt16BE(12) === 0x8100) ip += 4;
    if ((frame[ip] ?? 0) >> 4 !== 4 || frame[ip + 9] !== 17) continue;
    const udp = ip + ((frame[ip] as number) & 0x0f) * 4;
    const len = frame.readUInt16BE(udp + 4);
    out.push({
      timeMs: sec * 1000 + usec / 1000,
      srcPort: frame.readUInt16BE(udp),
      dstPort: frame.readUInt16BE(udp + 2),
      payload: Buffer.from(frame.subarray(udp + 8, udp + len)),
    });
  }
  return out;
}
