// TCP and TLS transports (RFC 3261 §18, §26.2): a listening server and outbound
// connections in one connection table, so that requests back to a client reuse the
// connection it opened (RFC 3261 §18.2.2, RFC 5626).
import { connect as netConnect, createServer as netServer, type Server, type Socket } from 'node:net';
import {
  type ConnectionOptions,
  type TlsOptions,
  connect as tlsConnect,
  createServer as tlsServer,
} from 'node:tls';
import { TransportError } from '../errors.ts';
import {
  type ConnectionLimits,
  ConnectionTable,
  DEFAULT_CONNECTION_LIMITS,
  type StreamConnection,
} from './connections.ts';
import { type Flow, plainAddress, type Target, type Transport, type TransportListener } from './types.ts';

export interface StreamTransportOptions {
  host?: string;
  port?: number;
  limits?: Partial<ConnectionLimits>;
  /** TLS only: certificate and key of the listening side. */
  tlsServer?: TlsOptions;
  /** TLS only: CA, verification and SNI settings for connections we open. */
  tlsClient?: ConnectionOptions;
  /** Outbound connect timeout (default 10 s). */
  connectTimeoutMs?: number;
}

export class StreamTransport implements Transport {
  readonly reliable = true;
  readonly table: ConnectionTable;
  #server: Server | undefined;
  readonly #connecting = new Map<string, Promise<StreamConnection>>();
  localAddress = '';
  localPort = 0;

  constructor(
    readonly protocol: 'tcp' | 'tls',
    private readonly options: StreamTransportOptions = {},
  ) {
    const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
    this.table = new ConnectionTable(protocol, limits, { onMessage: () => {} });
  }

  get connectionCount(): number {
    return this.table.size;
  }

  async listen(listener: TransportListener): Promise<void> {
    this.table.listener = listener;
    const onSocket = (socket: Socket) => this.accept(socket);
    const server =
      this.protocol === 'tls' ? tlsServer(this.options.tlsServer ?? {}, onSocket) : netServer(onSocket);
    this.#server = server;
    server.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(
        this.options.port ?? (this.protocol === 'tls' ? 5061 : 5060),
        this.options.host ?? '0.0.0.0',
        () => {
          server.off('error', reject);
          resolve();
        },
      );
    });
    const a = server.address();
    if (a && typeof a === 'object') {
      this.localAddress = plainAddress(a.address);
      this.localPort = a.port;
    }
  }

  private accept(socket: Socket): void {
    const address = plainAddress(socket.remoteAddress);
    if (!this.table.admits(address)) {
      socket.destroy();
      return;
    }
    this.attach(socket, address, socket.remotePort ?? 0);
  }

  private attach(socket: Socket, address: string, port: number): StreamConnection {
    socket.setNoDelay(true);
    const c = this.table.add(
      socket,
      {
        protocol: this.protocol,
        address,
        port,
        localAddress: plainAddress(socket.localAddress) || this.localAddress,
        localPort: socket.localPort ?? this.localPort,
      },
      true,
    );
    socket.on('data', (chunk: Buffer) => c.receive(chunk));
    socket.on('error', () => c.close());
    socket.on('close', () => c.close());
    return c;
  }

  send(data: Buffer, to: Target | Flow): Promise<Flow> {
    // Fast path, synchronous: the flow's own connection or one to the same remote.
    const open = this.openConnection(to);
    if (open) {
      try {
        open.send(data);
        return Promise.resolve(open.flow);
      } catch (e) {
        return Promise.reject(new TransportError((e as Error).message));
      }
    }
    return this.connection(to).then((c) => {
      c.send(data);
      return c.flow;
    });
  }

  private openConnection(to: Target | Flow): StreamConnection | undefined {
    const byId = this.table.byId('connectionId' in to ? to.connectionId : undefined);
    if (byId && !byId.closed) return byId;
    const existing = this.table.byRemote(to.address, to.port);
    return existing && !existing.closed ? existing : undefined;
  }

  /** The open connection of a flow, else one to the same remote, else a new one. */
  async connection(to: Target | Flow): Promise<StreamConnection> {
    const open = this.openConnection(to);
    if (open) return open;
    const k = `${to.address}|${to.port}`;
    let pending = this.#connecting.get(k);
    if (!pending) {
      pending = this.open(to).finally(() => this.#connecting.delete(k));
      this.#connecting.set(k, pending);
    }
    return pending;
  }

  private open(to: Target): Promise<StreamConnection> {
    return new Promise((resolve, reject) => {
      const opts = { host: to.address, port: to.port };
      const socket =
        this.protocol === 'tls' ? tlsConnect({ ...this.options.tlsClient, ...opts }) : netConnect(opts);
      const timer = setTimeout(
        () => fail(new TransportError('connect timeout')),
        this.options.connectTimeoutMs ?? 10_000,
      );
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(err instanceof TransportError ? err : new TransportError(err.message));
      };
      socket.once('error', fail);
      socket.once(this.protocol === 'tls' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve(this.attach(socket, to.address, to.port));
      });
    });
  }

  close(): Promise<void> {
    this.table.closeAll();
    const server = this.#server;
    this.#server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
