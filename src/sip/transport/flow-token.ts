// Flow tokens (RFC 5626 §5.2 style): a flow — transport, remote address and port, and the
// connection — written into the user part of a Path or Record-Route URI, signed so a peer
// cannot forge one. A request that later arrives with the token in its Route is sent down
// that same flow, which is how clients behind NAT on TCP or WebSocket stay reachable.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Flow, TransportProtocol } from './types.ts';

const PROTOCOLS: readonly TransportProtocol[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];

export class FlowTokens {
  constructor(private readonly secret: Buffer = randomBytes(32)) {}

  encode(flow: Flow): string {
    const body = Buffer.from(
      [
        flow.protocol,
        flow.address,
        flow.port,
        flow.localAddress,
        flow.localPort,
        flow.connectionId ?? '',
      ].join('|'),
    );
    return `${body.toString('base64url')}.${this.mac(body).toString('base64url')}`;
  }

  /** The flow a token names, or undefined if it is not one we signed. */
  decode(token: string): Flow | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const body = Buffer.from(token.slice(0, dot), 'base64url');
    const mac = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = this.mac(body);
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined;
    const [protocol, address, port, localAddress, localPort, connectionId] = body.toString().split('|');
    if (!PROTOCOLS.includes(protocol as TransportProtocol) || !address || !localAddress) return undefined;
    const flow: Flow = {
      protocol: protocol as TransportProtocol,
      address,
      port: Number(port),
      localAddress,
      localPort: Number(localPort),
    };
    return connectionId ? { ...flow, connectionId: Number(connectionId) } : flow;
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, 12);
  }
}
