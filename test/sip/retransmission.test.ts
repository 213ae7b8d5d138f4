// RFC 3261 §17.2.2 over a real UDP socket: a non-INVITE request retransmitted after its final
// response gets that response again, byte for byte, and never reaches the TU twice. The
// completed transaction keeps only the response's bytes, so this is what proves they suffice.
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createResponse, SipStack, UdpTransport } from '../../src/sip/index.ts';

const register = (port: number, branch: string) =>
  Buffer.from(
    `REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${branch}\r\n` +
      'Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:alice@example.com>\r\n' +
      `Call-ID: retrans-${branch}\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@127.0.0.1:${port}>\r\n` +
      'Content-Length: 0\r\n\r\n',
  );

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

async function client(): Promise<{ socket: Socket; port: number; next(): Promise<Buffer> }> {
  const socket = createSocket('udp4');
  const queue: Buffer[] = [];
  const waiting: ((b: Buffer) => void)[] = [];
  socket.on('message', (b) => {
    const w = waiting.shift();
    if (w) w(b);
    else queue.push(b);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => socket.close(() => r())));
  return {
    socket,
    port: socket.address().port,
    next: () => {
      const b = queue.shift();
      return b ? Promise.resolve(b) : new Promise((r) => waiting.push(r));
    },
  };
}

describe('non-INVITE retransmission absorption over UDP (§17.2.2)', () => {
  it('answers a REGISTER retransmitted after completion with the same final response bytes', async () => {
    let calls = 0;
    const stack = new SipStack(
      { transports: [new UdpTransport({ host: '127.0.0.1', port: 0 })] },
      {
        onRequest: (req, tx) => {
          calls++;
          // A response that would differ if it were built again (as a registrar's Date does).
          const r = createResponse(req, 200);
          r.append('Contact', `<sip:alice@127.0.0.1>;expires=3600;n=${calls}`);
          r.append('Date', new Date().toUTCString());
          tx.respond(r);
        },
      },
    );
    await stack.start();
    cleanup.push(() => stack.stop());
    const ua = await client();
    const to = stack.transport('udp')!.localPort;
    const req = register(ua.port, 'once');

    ua.socket.send(req, to, '127.0.0.1');
    const first = await ua.next();
    expect(first.toString()).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(stack.stats.serverTransactions).toBe(1);

    ua.socket.send(req, to, '127.0.0.1');
    ua.socket.send(req, to, '127.0.0.1');
    const again = [await ua.next(), await ua.next()];
    for (const b of again) expect(b.equals(first)).toBe(true);
    expect(calls).toBe(1);

    // A new branch is a new transaction: the TU sees it.
    ua.socket.send(register(ua.port, 'twice'), to, '127.0.0.1');
    expect((await ua.next()).toString()).toContain(';n=2');
    expect(calls).toBe(2);
  });

  it('forgets the transaction when Timer J (64*T1, from the stack-wide queue) has run out', async () => {
    let calls = 0;
    const stack = new SipStack(
      { transports: [new UdpTransport({ host: '127.0.0.1', port: 0 })], timers: { T1: 5 } },
      {
        onRequest: (req, tx) => {
          calls++;
          tx.respond(createResponse(req, 200));
        },
      },
    );
    await stack.start();
    cleanup.push(() => stack.stop());
    const ua = await client();
    const to = stack.transport('udp')!.localPort;
    const req = register(ua.port, 'expiring');
    ua.socket.send(req, to, '127.0.0.1');
    await ua.next();
    expect(stack.stats.serverTransactions).toBe(1);
    await vi.waitFor(() => expect(stack.stats).toMatchObject({ serverTransactions: 0, timers: 0 }));
    // Terminated: the same request is new again (§17.2.2).
    ua.socket.send(req, to, '127.0.0.1');
    await ua.next();
    expect(calls).toBe(2);
  });
});
