// The baseline of the relay figure: a plain Node dgram relay in a worker thread, one socket
// per phone forwarding every datagram, untouched, to the partner phone. No parsing, no RTP.
import { createSocket, type Socket } from 'node:dgram';
import { parentPort } from 'node:worker_threads';

const port = parentPort;
if (!port) throw new Error('run as a worker');
let sockets: Socket[] = [];

port.on('message', async (msg: { open: number } | { targets: number[] } | 'close') => {
  if (msg === 'close') {
    await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    sockets = [];
    port.postMessage('closed');
  } else if ('open' in msg) {
    sockets = await Promise.all(
      Array.from({ length: msg.open }, async () => {
        const s = createSocket('udp4');
        await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
        return s;
      }),
    );
    port.postMessage(sockets.map((s) => s.address().port));
  } else {
    // Socket i receives from phone i and relays to the phone of its partner (i ^ 1).
    sockets.forEach((s, i) => {
      const partner = sockets[i ^ 1] as Socket;
      const to = msg.targets[i ^ 1] as number;
      s.on('message', (buf) => partner.send(buf, to, '127.0.0.1'));
    });
    port.postMessage('ready');
  }
});
