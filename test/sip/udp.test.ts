// The UDP transport sends the datagrams of one event-loop turn together: they still leave in
// the order they were sent, each send resolves with its flow, and a close sends what is queued.
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { UdpTransport } from '../../src/sip/index.ts';

async function sink(): Promise<{ port: number; got: string[]; close(): Promise<void> }> {
  const socket = createSocket('udp4');
  const got: string[] = [];
  socket.on('message', (b) => got.push(b.toString()));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return {
    port: socket.address().port,
    got,
    close: () => new Promise((r) => socket.close(() => r())),
  };
}

describe('UDP transport', () => {
  it('sends a burst in order and resolves each send with its flow', async () => {
    const udp = new UdpTransport({ host: '127.0.0.1', port: 0 });
    await udp.listen({ onMessage: () => {} });
    const peer = await sink();
    try {
      const to = { protocol: 'udp' as const, address: '127.0.0.1', port: peer.port };
      const sent = await Promise.all(
        Array.from({ length: 20 }, (_, i) => udp.send(Buffer.from(`m${i}`), to)),
      );
      expect(sent[0]).toMatchObject({ address: '127.0.0.1', port: peer.port, localPort: udp.localPort });
      await expect.poll(() => peer.got.length).toBe(20);
      expect(peer.got).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    } finally {
      await udp.close();
      await peer.close();
    }
  });

  it('sends what was queued when it closes', async () => {
    const udp = new UdpTransport({ host: '127.0.0.1', port: 0 });
    await udp.listen({ onMessage: () => {} });
    const peer = await sink();
    try {
      const last = udp.send(Buffer.from('bye'), { protocol: 'udp', address: '127.0.0.1', port: peer.port });
      await udp.close();
      await expect(last).resolves.toMatchObject({ port: peer.port });
      await expect.poll(() => peer.got).toEqual(['bye']);
      await expect(
        udp.send(Buffer.from('late'), { protocol: 'udp', address: '127.0.0.1', port: 1 }),
      ).rejects.toThrow(/not listening/);
    } finally {
      await peer.close();
    }
  });
});
