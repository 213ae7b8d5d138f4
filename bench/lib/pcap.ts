// A longer version of sipp's g711a.pcap (236 PCMA packets of 30 ms, 7.1 s): the same audio
// looped for as long as a call is held, with RTP sequence numbers and timestamps carried on
// across the loops, so the receiver's RFC 3550 loss count does not see a restart each time.
import { readFileSync, writeFileSync } from 'node:fs';

export const G711A_PCAP = '/usr/share/sip-tester/g711a.pcap';

interface Packet {
  usec: number;
  data: Buffer;
}

function readPcap(file: string): Packet[] {
  const b = readFileSync(file);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4 || b.readUInt32LE(20) !== 1)
    throw new Error(`${file}: not an Ethernet pcap`);
  const out: Packet[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const incl = b.readUInt32LE(o + 8);
    out.push({
      usec: b.readUInt32LE(o) * 1e6 + b.readUInt32LE(o + 4),
      data: b.subarray(o + 16, o + 16 + incl),
    });
    o += 16 + incl;
  }
  return out;
}

/** Writes `to`: g711a.pcap looped to at least durationMs; returns packets per loop and ptime. */
export function loopedPcap(
  to: string,
  durationMs: number,
  from = G711A_PCAP,
): { packets: number; ptimeMs: number } {
  const src = readPcap(from);
  const first = src[0] as Packet;
  const last = src[src.length - 1] as Packet;
  const ptimeUs = (last.usec - first.usec) / (src.length - 1);
  const loopUs = ptimeUs * src.length;
  const rtpAt = (p: Packet) => 14 + ((p.data[14] as number) & 0x0f) * 4 + 8;
  const seq0 = first.data.readUInt16BE(rtpAt(first) + 2);
  const ts0 = first.data.readUInt32BE(rtpAt(first) + 4);
  const samples = (last.data.readUInt32BE(rtpAt(last) + 4) - ts0) / (src.length - 1);
  const loops = Math.ceil((durationMs * 1000) / loopUs);
  const chunks: Buffer[] = [];
  const header = Buffer.alloc(24);
  readFileSync(from).copy(header, 0, 0, 24);
  chunks.push(header);
  let n = 0;
  for (let l = 0; l < loops; l++) {
    for (const p of src) {
      const data = Buffer.from(p.data);
      const rtp = rtpAt(p);
      data.writeUInt16BE((seq0 + n) & 0xffff, rtp + 2);
      data.writeUInt32BE((ts0 + n * samples) >>> 0, rtp + 4);
      data.writeUInt16BE(0, rtp - 2); // UDP checksum: none (the payload changed)
      const usec = first.usec + Math.round(n * ptimeUs);
      const rec = Buffer.alloc(16);
      rec.writeUInt32LE(Math.floor(usec / 1e6), 0);
      rec.writeUInt32LE(usec % 1e6, 4);
      rec.writeUInt32LE(data.length, 8);
      rec.writeUInt32LE(data.length, 12);
      chunks.push(rec, data);
      n++;
    }
  }
  writeFileSync(to, Buffer.concat(chunks));
  return { packets: n, ptimeMs: ptimeUs / 1000 };
}
