// Raw peers for tests: a UDP socket or a TCP connection that sends bytes to a running stack
// and reads back whole, parsed messages.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { MessageParseError, parseMessage, type SipMessage, StreamFramer } from '../../../src/sip/index.ts';

/** Parses what a stack sent; an answer to a malformed request may copy its broken headers, so keep what parsed. */
function read(data: Buffer): SipMessage {
  try {
    return parseMessage(data);
  } catch (e) {
    if (e instanceof MessageParseError && e.partial) return e.partial;
    throw e;
  }
}

export interface WirePeer {
  readonly port: number;
  send(data: Buffer | string): void;
  /** The next message that arrives. */
  next(): Promise<SipMessage>;
  /** Resolves when the remote closes the connection (never for UDP). */
  readonly closed: Promise<void>;
  close(): void;
}

class Inbox {
  readonly #queue: SipMessage[] = [];
  readonly #waiting: ((m: SipMessage) => void)[] = [];
  push(m: SipMessage): void {
    const w = this.#waiting.shift();
    if (w) w(m);
    else this.#queue.push(m);
  }
  next(): Promise<SipMessage> {
    const m = this.#queue.shift();
    return m ? Promise.resolve(m) : new Promise((resolve) => this.#waiting.push(resolve));
  }
}

export async function udpPeer(serverPort: number): Promise<WirePeer> {
  const socket: UdpSocket = createSocket('udp4');
  const inbox = new Inbox();
  socket.on('message', (data) => inbox.push(read(data)));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return {
    port: socket.address().port,
    send: (data) => socket.send(typeof data === 'string' ? Buffer.from(data) : data, serverPort, '127.0.0.1'),
    next: () => inbox.next(),
    closed: new Promise(() => {}),
    close: () => socket.close(),
  };
}

export async function tcpPeer(serverPort: number): Promise<WirePeer> {
  const socket: Socket = connect(serverPort, '127.0.0.1');
  await new Promise<void>((r, j) => {
    socket.once('connect', () => r());
    socket.once('error', j);
  });
  const inbox = new Inbox();
  const framer = new StreamFramer(1 << 20);
  socket.on('data', (chunk: Buffer) => {
    for (const e of framer.push(chunk)) if (e.kind === 'message') inbox.push(read(e.data));
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  return {
    port: socket.localPort ?? 0,
    send: (data) => socket.write(data),
    next: () => inbox.next(),
    closed,
    close: () => socket.destroy(),
  };
}

let probes = 0;
/** An OPTIONS that a conformance UA always answers: used to prove nothing came before it. */
export function probe(transport: 'UDP' | 'TCP', port: number): { bytes: Buffer; callId: string } {
  const callId = `probe-${++probes}`;
  const text =
    `OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\n` +
    `Via: SIP/2.0/${transport} 127.0.0.1:${port};branch=z9hG4bK-${callId}\r\n` +
    `Max-Forwards: 70\r\nTo: <sip:probe@127.0.0.1>\r\nFrom: <sip:tester@127.0.0.1>;tag=p${probes}\r\n` +
    `Call-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
  return { bytes: Buffer.from(text), callId };
}
