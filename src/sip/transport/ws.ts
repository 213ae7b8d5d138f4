// SIP over WebSocket (RFC 7118), server side: on the upgrade path `/sip` of an HTTP server we
// are handed (the API's) or of our own, standalone. The subprotocol `sip` is required; each
// WebSocket message carries one SIP message; requests back to a client use its connection.
import { createServer as httpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as httpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TlsOptions } from 'node:tls';
import { type WebSocket, WebSocketServer } from 'ws';
import { TransportError } from '../errors.ts';
import {
  type ConnectionLimits,
  ConnectionTable,
  DEFAULT_CONNECTION_LIMITS,
  type StreamConnection,
} from './connections.ts';
import { type Flow, plainAddress, type Target, type Transport, type TransportListener } from './types.ts';

export interface WsTransportOptions {
  /** Attach to this server's `upgrade` event instead of listening ourselves. */
  server?: Server;
  /** Standalone: where to listen (default 0.0.0.0:8080). */
  host?: string;
  port?: number;
  /** Standalone WSS: certificate and key; makes the transport `wss`. */
  tls?: TlsOptions;
  /** Attached to an HTTPS server: say so, for the protocol name (`wss`). */
  secure?: boolean;
  /** Upgrade path (default `/sip`). */
  path?: string;
  limits?: Partial<ConnectionLimits>;
}

export class WsTransport implements Transport {
  readonly protocol: 'ws' | 'wss';
  readonly reliable = true;
  readonly table: ConnectionTable;
  readonly #wss: WebSocketServer;
  #server: Server | undefined;
  #owned = false;
  #onUpgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;
  localAddress = '';
  localPort = 0;

  constructor(private readonly options: WsTransportOptions = {}) {
    this.protocol = options.tls || options.secure ? 'wss' : 'ws';
    const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
    this.table = new ConnectionTable(this.protocol, limits, { onMessage: () => {} });
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: limits.maxMessageSize,
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
  }

  get connectionCount(): number {
    return this.table.size;
  }

  async listen(listener: TransportListener): Promise<void> {
    this.table.listener = listener;
    const path = this.options.path ?? '/sip';
    this.#onUpgrade = (req, socket, head) => {
      const url = (req.url ?? '').split('?')[0];
      if (url !== path) return; // another upgrade handler's business
      const address = plainAddress(req.socket.remoteAddress);
      const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((p) => p.trim());
      // RFC 7118 §4.1: the client must offer the "sip" subprotocol; a per-IP cap bounds connections.
      if (!protocols.includes('sip') || !this.table.admits(address)) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req, address));
    };
    if (this.options.server) {
      this.#server = this.options.server;
    } else {
      this.#owned = true;
      this.#server = this.options.tls ? httpsServer(this.options.tls) : httpServer();
      this.#server.on('request', (_req, res) => res.writeHead(426, { Upgrade: 'websocket' }).end());
      const server = this.#server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.options.port ?? 8080, this.options.host ?? '0.0.0.0', () => {
          server.off('error', reject);
          resolve();
        });
      });
    }
    this.#server.on('upgrade', this.#onUpgrade);
    const a = this.#server.address();
    if (a && typeof a === 'object') {
      this.localAddress = plainAddress(a.address);
      this.localPort = a.port;
    }
  }

  private accept(ws: WebSocket, req: IncomingMessage, address: string): void {
    const c = this.table.add(
      {
        write: (data) => ws.send(data),
        end: () => ws.close(1000),
        destroy: () => ws.terminate(),
      },
      {
        protocol: this.protocol,
        address,
        port: req.socket.remotePort ?? 0,
        localAddress: plainAddress(req.socket.localAddress),
        localPort: req.socket.localPort ?? 0,
      },
      false,
    );
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => c.receive(toBuffer(data)));
    ws.on('close', () => c.close());
    ws.on('error', () => c.close());
  }

  send(data: Buffer, to: Target | Flow): Promise<Flow> {
    const c: StreamConnection | undefined =
      this.table.byId('connectionId' in to ? to.connectionId : undefined) ??
      this.table.byRemote(to.address, to.port);
    // We only serve WebSocket clients: without their connection there is no way to reach them.
    if (!c || c.closed) return Promise.reject(new TransportError('no WebSocket connection to that flow'));
    c.send(data);
    return Promise.resolve(c.flow);
  }

  async close(): Promise<void> {
    this.table.closeAll();
    if (this.#server && this.#onUpgrade) this.#server.off('upgrade', this.#onUpgrade);
    this.#wss.close();
    const server = this.#server;
    this.#server = undefined;
    if (server && this.#owned) {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
