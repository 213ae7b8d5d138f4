// What transports share: the protocols, the flow a message travelled on, and the interface
// the stack drives them through. The stack never touches sockets.

export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** Where to send: a transport protocol, an address and a port. */
export interface Target {
  readonly protocol: TransportProtocol;
  readonly address: string;
  readonly port: number;
}

/**
 * The path a message travelled: both ends of the socket, and for connection-oriented
 * transports the connection, so that answers and requests back reuse it (RFC 3261 §18.2.2,
 * RFC 5626 flows).
 */
export interface Flow extends Target {
  readonly localAddress: string;
  readonly localPort: number;
  /** Set for stream transports (TCP, TLS, WS, WSS). */
  readonly connectionId?: number;
}

export interface TransportListener {
  /** One complete message (a datagram, or a Content-Length framed stream message). */
  onMessage(data: Buffer, flow: Flow): void;
  /** A CRLF keep-alive ping arrived (RFC 5626 §4.4.1); streams answer it themselves. */
  onKeepAlive?(flow: Flow): void;
}

export interface Transport {
  readonly protocol: TransportProtocol;
  /** Reliable transports need no retransmissions (RFC 3261 §17). */
  readonly reliable: boolean;
  /** Bound address and port, once listening. */
  readonly localAddress: string;
  readonly localPort: number;
  listen(listener: TransportListener): Promise<void>;
  /** Sends bytes; reuses the flow's connection when it is still open. Resolves with the flow used. */
  send(data: Buffer, to: Target | Flow): Promise<Flow>;
  /** Open connections (0 for datagram transports). */
  readonly connectionCount: number;
  close(): Promise<void>;
}

export const isReliable = (p: TransportProtocol): boolean => p !== 'udp';
export const isSecure = (p: TransportProtocol): boolean => p === 'tls' || p === 'wss';

/** `host:port` with IPv6 in brackets. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Normalizes an IPv4-mapped IPv6 address from a dual-stack socket to IPv4. */
export function plainAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
