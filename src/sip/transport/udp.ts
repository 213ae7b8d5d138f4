// UDP transport (RFC 3261 §18): one socket, one datagram per message.
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import { TransportError } from '../errors.ts';
import { type Flow, plainAddress, type Target, type Transport, type TransportListener } from './types.ts';

export interface UdpTransportOptions {
  host?: string;
  port?: number;
}

/** The real setImmediate, even under a test's fake timers. */
const defer = setImmediate;

interface Outgoing {
  data: Buffer;
  flow: Flow;
  resolve(flow: Flow): void;
  reject(err: Error): void;
}

export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly connectionCount = 0;
  #socket: Socket | undefined;
  #queue: Outgoing[] = [];
  localAddress = '';
  localPort = 0;

  constructor(private readonly options: UdpTransportOptions = {}) {}

  async listen(listener: TransportListener): Promise<void> {
    const host = this.options.host ?? '0.0.0.0';
    // 4 MB asked (Linux caps it at net.core.rmem_max): with the default ~200 KB a pause of a
    // few tens of ms drops datagrams at 1,000 REGISTER/s (bench/calls.ts), and phones retransmit.
    const socket = createSocket({
      type: isIPv6(host) ? 'udp6' : 'udp4',
      recvBufferSize: 4 * 1024 * 1024,
      lookup: literalLookup,
    });
    this.#socket = socket;
    socket.on('message', (data, rinfo) => {
      const flow: Flow = {
        protocol: 'udp',
        address: plainAddress(rinfo.address),
        port: rinfo.port,
        localAddress: this.localAddress,
        localPort: this.localPort,
      };
      listener.onMessage(data, flow);
    });
    // A send to an unreachable port surfaces here on some platforms; the transaction's
    // timers cover the loss, so it must never take the process down.
    socket.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.port ?? 5060, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const a = socket.address();
    this.localAddress = plainAddress(a.address);
    this.localPort = a.port;
  }

  send(data: Buffer, to: Target | Flow): Promise<Flow> {
    if (!this.#socket) return Promise.reject(new TransportError('UDP transport is not listening'));
    const flow: Flow = {
      protocol: 'udp',
      address: to.address,
      port: to.port,
      localAddress: this.localAddress,
      localPort: this.localPort,
    };
    return new Promise((resolve, reject) => {
      this.#queue.push({ data, flow, resolve, reject });
      if (this.#queue.length === 1) defer(this.#flush);
    });
  }

  /**
   * Datagrams go out together once the messages that arrived in this turn of the event loop
   * have been handled (setImmediate runs right after the poll phase), in the order they were
   * sent. A peer that sleeps between datagrams is woken once per burst instead of once per
   * datagram, and that wake-up is most of what a loopback sendto costs (bench/calls.ts).
   */
  readonly #flush = (): void => {
    const queue = this.#queue;
    this.#queue = [];
    const socket = this.#socket;
    for (const m of queue) {
      if (!socket) m.reject(new TransportError('UDP transport is closed'));
      else
        socket.send(m.data, m.flow.port, m.flow.address, (err) =>
          err ? m.reject(new TransportError(err.message)) : m.resolve(m.flow),
        );
    }
  };

  close(): Promise<void> {
    // What was sent before closing still leaves.
    if (this.#queue.length > 0) this.#flush();
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }
}

/**
 * dgram resolves the destination of every send, and dns.lookup answers even an IP literal on
 * the next tick (a closure and a tick per message). Our targets are almost always literals
 * (Via received, flows, resolved targets), so those are answered at once.
 */
function literalLookup(
  host: string,
  options: LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(host);
  if (family) callback(null, host, family);
  else dnsLookup(host, options, callback);
}
