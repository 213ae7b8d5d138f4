// The connection table of the stream transports (TCP, TLS, WS, WSS): one entry per flow,
// found by id (the flow token) or by remote address, with a per-IP cap, an idle timeout
// and a header-completion timeout so that a slow sender cannot hold a socket (slowloris).
import type { FramerEvent } from './framer.ts';
import { StreamFramer } from './framer.ts';
import type { Flow, TransportListener, TransportProtocol } from './types.ts';

export interface ConnectionLimits {
  /** Open connections allowed from one remote IP (default 32). */
  maxConnectionsPerIp: number;
  /** Close a connection with no traffic for this long (default 5 minutes). */
  idleTimeoutMs: number;
  /** Close a connection that started a message and has not finished it in this time (default 10 s). */
  messageTimeoutMs: number;
  /** Largest message (default 64 KiB). */
  maxMessageSize: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnectionsPerIp: 32,
  idleTimeoutMs: 300_000,
  messageTimeoutMs: 10_000,
  maxMessageSize: 65536,
};

/** What a connection needs from the socket beneath it (net.Socket, TLSSocket or WebSocket). */
export interface ConnectionSocket {
  write(data: Buffer): void;
  /** Closes gracefully after pending writes. */
  end(): void;
  destroy(): void;
}

let nextId = 1;

export class StreamConnection {
  readonly id = nextId++;
  readonly flow: Flow;
  readonly #framer: StreamFramer;
  #idle: NodeJS.Timeout | undefined;
  #partial: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    readonly socket: ConnectionSocket,
    flow: Omit<Flow, 'connectionId'>,
    private readonly table: ConnectionTable,
    /** Stream sockets frame by Content-Length; WebSocket messages are already whole. */
    private readonly framed: boolean,
  ) {
    this.flow = { ...flow, connectionId: this.id };
    this.#framer = new StreamFramer(table.limits.maxMessageSize);
    this.touch();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes from the socket. */
  receive(chunk: Buffer): void {
    if (this.#closed) return;
    this.touch();
    const events: FramerEvent[] = this.framed
      ? this.#framer.push(chunk)
      : [isPing(chunk) ? { kind: 'ping' } : { kind: 'message', data: chunk }];
    for (const e of events) {
      if (e.kind === 'message') this.table.listener.onMessage(e.data, this.flow);
      else if (e.kind === 'ping') {
        // RFC 5626 §4.4.1: answer a double-CRLF ping with a single CRLF pong.
        this.socket.write(Buffer.from('\r\n'));
        this.table.listener.onKeepAlive?.(this.flow);
      } else {
        // Framing is lost: let the stack answer what it can read, then close.
        if (e.data) this.table.listener.onMessage(e.data, this.flow);
        this.close(true);
        return;
      }
    }
    this.armPartial();
  }

  send(data: Buffer): void {
    if (this.#closed) throw new Error('connection closed');
    this.touch();
    this.socket.write(data);
  }

  close(graceful = false): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idle);
    clearTimeout(this.#partial);
    this.table.remove(this);
    if (graceful) this.socket.end();
    else this.socket.destroy();
  }

  private touch(): void {
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.close(), this.table.limits.idleTimeoutMs);
    this.#idle.unref?.();
  }

  private armPartial(): void {
    if (!this.framed) return;
    if (!this.#framer.pending) {
      clearTimeout(this.#partial);
      this.#partial = undefined;
    } else if (!this.#partial) {
      this.#partial = setTimeout(() => this.close(), this.table.limits.messageTimeoutMs);
      this.#partial.unref?.();
    }
  }
}

function isPing(chunk: Buffer): boolean {
  return chunk.length === 4 && chunk.toString('latin1') === '\r\n\r\n';
}

export class ConnectionTable {
  readonly #byId = new Map<number, StreamConnection>();
  readonly #byRemote = new Map<string, StreamConnection>();
  readonly #perIp = new Map<string, number>();

  constructor(
    readonly protocol: TransportProtocol,
    readonly limits: ConnectionLimits,
    public listener: TransportListener,
  ) {}

  get size(): number {
    return this.#byId.size;
  }

  /** May another connection from this IP be accepted? */
  admits(ip: string): boolean {
    return (this.#perIp.get(ip) ?? 0) < this.limits.maxConnectionsPerIp;
  }

  add(socket: ConnectionSocket, flow: Omit<Flow, 'connectionId'>, framed: boolean): StreamConnection {
    const c = new StreamConnection(socket, flow, this, framed);
    this.#byId.set(c.id, c);
    this.#byRemote.set(key(flow.address, flow.port), c);
    this.#perIp.set(flow.address, (this.#perIp.get(flow.address) ?? 0) + 1);
    return c;
  }

  remove(c: StreamConnection): void {
    if (!this.#byId.delete(c.id)) return;
    const k = key(c.flow.address, c.flow.port);
    if (this.#byRemote.get(k) === c) this.#byRemote.delete(k);
    const n = (this.#perIp.get(c.flow.address) ?? 1) - 1;
    if (n <= 0) this.#perIp.delete(c.flow.address);
    else this.#perIp.set(c.flow.address, n);
  }

  byId(id: number | undefined): StreamConnection | undefined {
    return id === undefined ? undefined : this.#byId.get(id);
  }

  byRemote(address: string, port: number): StreamConnection | undefined {
    return this.#byRemote.get(key(address, port));
  }

  closeAll(): void {
    for (const c of [...this.#byId.values()]) c.close();
  }
}

const key = (address: string, port: number): string => `${address}|${port}`;
