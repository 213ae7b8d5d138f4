// A child process of the media bench that owns a share of the UDP sockets, so that the load
// generator and the measuring sink are not what loses packets or delays them: each shard has
// its own event loop, GC and file descriptor table, and every socket a large receive buffer.
// Two roles, driven over the IPC channel by bench/lib/udp-shards.ts:
// - phones: each socket sends a 172-byte G.711 packet every 20 ms to its target and counts
//   what comes back (the relay figure);
// - sink: sockets that timestamp every RTP packet on arrival (process.hrtime.bigint) and keep,
//   per SSRC, inter-arrival gaps, RFC 3550 jitter and how many packets the sequence numbers
//   say should have arrived (the timing figure).
import { createSocket, type Socket } from 'node:dgram';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GAP_BUCKET_MS, GAP_BUCKETS, type ShardRequest, type SinkReport } from './udp-shards.ts';

const ipc = process.send?.bind(process);
if (!ipc) throw new Error('udp-shard runs as a forked child');
const reply = (id: number, value: unknown) => ipc({ id, value });

let sockets: Socket[] = [];
let targets: number[] = [];
let sent = 0;
let received = 0;

interface Stream {
  last: number;
  ts: number;
  firstSeq: number;
  lastSeq: number;
  count: number;
  jitter: number;
}
let measuring = false;
let streams = new Map<number, Stream>();
let gaps = new Uint32Array(GAP_BUCKETS);
let longGaps: number[] = [];
const loopDelay = monitorEventLoopDelay({ resolution: 1 });

async function open(n: number, recvBufferSize: number, onMessage: (buf: Buffer) => void) {
  sockets = await Promise.all(
    Array.from({ length: n }, async () => {
      const s = createSocket({ type: 'udp4', recvBufferSize });
      s.on('message', onMessage);
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
      return s;
    }),
  );
  return sockets.map((s) => s.address().port);
}

function onSinkPacket(buf: Buffer): void {
  const arrival = Number(process.hrtime.bigint()) / 1e6;
  if (!measuring || buf.length < 12) return;
  const seq = buf.readUInt16BE(2);
  const ts = buf.readUInt32BE(4);
  const ssrc = buf.readUInt32BE(8);
  const s = streams.get(ssrc);
  if (!s) {
    streams.set(ssrc, { last: arrival, ts, firstSeq: seq, lastSeq: seq, count: 1, jitter: 0 });
    return;
  }
  const gap = arrival - s.last;
  const bucket = Math.floor(gap / GAP_BUCKET_MS);
  if (bucket < GAP_BUCKETS) gaps[bucket] = (gaps[bucket] as number) + 1;
  else longGaps.push(gap);
  // RFC 3550 A.8 in milliseconds: D = arrival difference - timestamp difference (8 kHz).
  const d = Math.abs(gap - ((ts - s.ts) | 0) / 8);
  s.jitter += (d - s.jitter) / 16;
  // Extended sequence number: forward steps of less than half the space, across wraps.
  const step = (seq - (s.lastSeq & 0xffff) + 0x10000) & 0xffff;
  if (step < 0x8000) s.lastSeq += step;
  s.last = arrival;
  s.ts = ts;
  s.count++;
}

async function drive(ms: number): Promise<{ sent: number; received: number }> {
  sent = 0;
  received = 0;
  const packet = Buffer.alloc(172);
  packet[0] = 0x80;
  packet[1] = 0; // PCMU
  packet.writeUInt32BE(0x11111111, 8);
  // The phones are spread over four 5 ms slots of each 20 ms, as unsynchronised phones would be.
  const SLOTS = 4;
  const ticks = Math.round(ms / 20) * SLOTS;
  const start = performance.now();
  for (let t = 0; t < ticks; t++) {
    const slot = t % SLOTS;
    packet.writeUInt16BE((t / SLOTS) & 0xffff, 2);
    packet.writeUInt32BE(((t / SLOTS) | 0) * 160, 4);
    for (let i = slot; i < sockets.length; i += SLOTS) {
      (sockets[i] as Socket).send(packet, targets[i] as number, '127.0.0.1');
      sent++;
    }
    const due = start + ((t + 1) * 20) / SLOTS;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
  }
  await new Promise((r) => setTimeout(r, 300));
  return { sent, received };
}

function report(): SinkReport {
  measuring = false;
  loopDelay.disable();
  const sparse: [number, number][] = [];
  for (let i = 0; i < GAP_BUCKETS; i++) if (gaps[i]) sparse.push([i, gaps[i] as number]);
  const all = [...streams.values()];
  return {
    streams: all.length,
    received: all.reduce((n, s) => n + s.count, 0),
    expected: all.reduce((n, s) => n + (s.lastSeq - s.firstSeq + 1), 0),
    gaps: sparse,
    longGapsMs: longGaps,
    jittersMs: all.map((s) => s.jitter),
    loopDelayP999Ms: loopDelay.percentile(99.9) / 1e6,
    loopDelayMaxMs: loopDelay.max / 1e6,
    recvBufferSize: sockets[0]?.getRecvBufferSize() ?? 0,
  };
}

process.on('message', async (m: { id: number; req: ShardRequest }) => {
  const { id, req } = m;
  switch (req.op) {
    case 'phones':
      reply(
        id,
        await open(req.n, req.recvBufferSize, () => {
          received++;
        }),
      );
      return;
    case 'targets':
      targets = req.targets;
      reply(id, null);
      return;
    case 'drive':
      reply(id, await drive(req.ms));
      return;
    case 'sinks':
      reply(id, await open(req.n, req.recvBufferSize, onSinkPacket));
      return;
    case 'measure':
      streams = new Map();
      gaps = new Uint32Array(GAP_BUCKETS);
      longGaps = [];
      loopDelay.reset();
      loopDelay.enable();
      measuring = true;
      reply(id, null);
      return;
    case 'report':
      reply(id, report());
      return;
    case 'close':
      await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
      sockets = [];
      reply(id, null);
      process.disconnect();
      return;
  }
});
