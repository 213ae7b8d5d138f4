// Load generation for the media bench: one UDP socket per simulated phone, each sending a
// 172-byte G.711 packet every 20 ms and counting what it receives back.
import { createSocket, type Socket } from 'node:dgram';

export interface Phone {
  readonly socket: Socket;
  readonly port: number;
  /** Where this phone sends. */
  target: number;
  sent: number;
  received: number;
}

export async function openPhones(n: number): Promise<Phone[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const socket = createSocket('udp4');
      await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
      const phone: Phone = { socket, port: socket.address().port, target: 0, sent: 0, received: 0 };
      socket.on('message', () => {
        phone.received++;
      });
      return phone;
    }),
  );
}

/** Sends from every phone at 50 packets/s for `ms`, then waits for stragglers. */
export async function drive(phones: readonly Phone[], ms: number): Promise<void> {
  const packet = Buffer.alloc(172);
  packet[0] = 0x80;
  packet[1] = 0; // PCMU
  packet.writeUInt32BE(0x11111111, 8);
  let seq = 0;
  let ts = 0;
  const ticks = Math.round(ms / 20);
  const start = performance.now();
  for (let t = 0; t < ticks; t++) {
    seq = (seq + 1) & 0xffff;
    ts = (ts + 160) >>> 0;
    packet.writeUInt16BE(seq, 2);
    packet.writeUInt32BE(ts, 4);
    for (const p of phones) {
      p.socket.send(packet, p.target, '127.0.0.1');
      p.sent++;
    }
    const due = start + (t + 1) * 20;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
  }
  await new Promise((r) => setTimeout(r, 300));
}

export function resetCounts(phones: readonly Phone[]): void {
  for (const p of phones) {
    p.sent = 0;
    p.received = 0;
  }
}

export function lossRatio(phones: readonly Phone[]): number {
  const sent = phones.reduce((n, p) => n + p.sent, 0);
  const received = phones.reduce((n, p) => n + p.received, 0);
  return sent === 0 ? 0 : Math.max(0, 1 - received / sent);
}

export async function closePhones(phones: readonly Phone[]): Promise<void> {
  await Promise.all(phones.map((p) => new Promise<void>((r) => p.socket.close(() => r()))));
}
