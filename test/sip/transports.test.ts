// TLS, WS and WSS against a running stack, flow reuse (requests back to a client on the
// connection it opened), CRLF keep-alive, and the connection limits.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  createResponse,
  type Flow,
  parseMessage,
  type SipResponse,
  SipStack,
  StreamTransport,
  type Transport,
  WsTransport,
} from '../../src/sip/index.ts';
import { TestUa } from './support/test-ua.ts';
import { newRequest, transact } from './support/uac.ts';

let cert: Buffer;
let key: Buffer;

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'sip-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-days',
      '1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(dir, 'cert.pem'));
  key = readFileSync(join(dir, 'key.pem'));
});

/** A stack that answers OPTIONS 200 and remembers the flow of the last request. */
async function server(transport: Transport): Promise<{ stack: SipStack; flows: Flow[] }> {
  const flows: Flow[] = [];
  const stack = new SipStack(
    { transports: [transport] },
    {
      onRequest: (req, tx, flow) => {
        flows.push(flow);
        tx.respond(createResponse(req, 200));
      },
    },
  );
  await stack.start();
  return { stack, flows };
}

const options = (via: string, callId: string) =>
  `OPTIONS sip:ua@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/${via};branch=z9hG4bK${callId}\r\nMax-Forwards: 70\r\n` +
  `From: <sip:web@example.invalid>;tag=w1\r\nTo: <sip:ua@127.0.0.1>\r\nCall-ID: ${callId}\r\n` +
  `CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;

function wsClient(
  url: string,
  protocols: string[] = ['sip'],
): Promise<{ ws: WebSocket; next(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { ca: cert });
    const queue: string[] = [];
    const waiting: ((s: string) => void)[] = [];
    ws.on('message', (d) => {
      const s = d.toString();
      const w = waiting.shift();
      if (w) w(s);
      else queue.push(s);
    });
    ws.once('open', () =>
      resolve({
        ws,
        next: () => {
          const s = queue.shift();
          return s !== undefined ? Promise.resolve(s) : new Promise((r) => waiting.push(r));
        },
      }),
    );
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

describe('TLS', () => {
  it('serves a request over TLS and answers on the same connection', async () => {
    const { stack } = await server(
      new StreamTransport('tls', { host: '127.0.0.1', port: 0, tlsServer: { key, cert } }),
    );
    const tls = new StreamTransport('tls', {
      host: '127.0.0.1',
      port: 0,
      tlsServer: { key, cert },
      tlsClient: { ca: cert, servername: 'localhost' },
    });
    const clientStack = new SipStack({ transports: [tls] }, { onRequest: () => {} });
    await clientStack.start();
    const req = newRequest(clientStack, 'OPTIONS', 'sips:ua@127.0.0.1', 'tls');
    const response = await new Promise<SipResponse>((resolve, reject) => {
      clientStack
        .request(
          req,
          { onResponse: (r) => r.status >= 200 && resolve(r), onTransportError: reject },
          {
            target: { protocol: 'tls', address: '127.0.0.1', port: stack.transport('tls')!.localPort },
          },
        )
        .catch(reject);
    });
    expect(response.status).toBe(200);
    expect(response.topVia.transport).toBe('TLS');
    await clientStack.stop();
    await stack.stop();
  });
});

describe('WebSocket (RFC 7118)', () => {
  let http: Server;
  let ws: WsTransport;
  let srv: { stack: SipStack; flows: Flow[] };

  beforeAll(async () => {
    http = createServer((_req, res) => res.end('api'));
    // Another upgrade handler shares the server, as the API's would.
    http.on('upgrade', (req, socket) => {
      if (req.url === '/other') socket.end('HTTP/1.1 418 Teapot\r\n\r\n');
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    ws = new WsTransport({ server: http, limits: { maxConnectionsPerIp: 3 } });
    srv = await server(ws);
  });
  afterAll(async () => {
    await srv.stack.stop();
    await new Promise<void>((r) => http.close(() => r()));
  });

  const url = () => `ws://127.0.0.1:${(http.address() as { port: number }).port}/sip`;

  it('answers OPTIONS sent over a WebSocket on the HTTP server path /sip', async () => {
    const c = await wsClient(url());
    c.ws.send(options('WS abc.invalid', 'ws-1'));
    const r = parseMessage(Buffer.from(await c.next())) as SipResponse;
    expect(r.status).toBe(200);
    expect(r.topVia.received).toBe('127.0.0.1');
    c.ws.close();
  });

  it('sends requests back to a WebSocket client over its own connection', async () => {
    const c = await wsClient(url());
    c.ws.send(options('WS back.invalid', 'ws-2'));
    await c.next();
    const flow = srv.flows.at(-1)!;
    const req = newRequest(srv.stack, 'OPTIONS', 'sip:web@back.invalid;transport=ws', 'ws');
    const pending = new Promise<SipResponse>((resolve, reject) => {
      srv.stack.request(req, { onResponse: (r) => resolve(r) }, { target: flow }).catch(reject);
    });
    const incoming = parseMessage(Buffer.from(await c.next()));
    expect(incoming.startLine()).toBe('OPTIONS sip:web@back.invalid;transport=ws SIP/2.0');
    c.ws.send(createResponse(incoming as never, 200).toBuffer());
    expect((await pending).status).toBe(200);
    c.ws.close();
  });

  it('refuses a client that does not offer the sip subprotocol', async () => {
    await expect(wsClient(url(), ['chat'])).rejects.toThrow();
  });

  it('leaves other upgrade paths to their own handler', async () => {
    const other = `ws://127.0.0.1:${(http.address() as { port: number }).port}/other`;
    await expect(wsClient(other)).rejects.toThrow('418');
  });

  it('caps connections per IP', async () => {
    const open = await Promise.all([wsClient(url()), wsClient(url()), wsClient(url())]);
    await expect(wsClient(url())).rejects.toThrow();
    for (const c of open) c.ws.close();
  });

  it('runs standalone as WSS with its own certificate', async () => {
    const wss = new WsTransport({ host: '127.0.0.1', port: 0, tls: { key, cert } });
    const s = await server(wss);
    expect(wss.protocol).toBe('wss');
    const c = await wsClient(`wss://localhost:${wss.localPort}/sip`);
    c.ws.send(options('WSS abc.invalid', 'wss-1'));
    expect((parseMessage(Buffer.from(await c.next())) as SipResponse).status).toBe(200);
    c.ws.close();
    await s.stack.stop();
  });
});

describe('TCP flows and limits', () => {
  it('answers a CRLF CRLF keep-alive with CRLF (RFC 5626 §4.4.1)', async () => {
    const ua = await new TestUa().start();
    const socket = connect(ua.tcp.localPort, '127.0.0.1');
    const pong = await new Promise<string>((resolve) => {
      socket.once('connect', () => socket.write('\r\n\r\n'));
      socket.once('data', (d) => resolve(d.toString()));
    });
    expect(pong).toBe('\r\n');
    socket.destroy();
    await ua.stop();
  });

  it('closes a connection whose message never completes (header-completion timeout)', async () => {
    const ua = await new TestUa({ tcp: { limits: { messageTimeoutMs: 100 } } }).start();
    const socket = connect(ua.tcp.localPort, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => {
      socket.once('connect', () => socket.write('OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP'));
      socket.once('close', () => resolve());
    });
    expect(ua.stack.stats.connections).toBe(0);
    await ua.stop();
  });

  it('closes idle connections', async () => {
    const ua = await new TestUa({ tcp: { limits: { idleTimeoutMs: 100 } } }).start();
    const socket = connect(ua.tcp.localPort, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await ua.stop();
  });

  it('refuses connections beyond the per-IP cap', async () => {
    const ua = await new TestUa({ tcp: { limits: { maxConnectionsPerIp: 1 } } }).start();
    const first = connect(ua.tcp.localPort, '127.0.0.1');
    await new Promise<void>((r) => first.once('connect', () => r()));
    first.write(options('TCP 127.0.0.1', 'cap-1'));
    await new Promise<void>((r) => first.once('data', () => r()));
    const second = connect(ua.tcp.localPort, '127.0.0.1');
    second.on('error', () => {});
    await new Promise<void>((r) => second.once('close', () => r()));
    first.destroy();
    await ua.stop();
  });

  it('sends a request back to a TCP client on the connection it opened', async () => {
    const ua = await new TestUa({ users: {} }).start();
    const socket = connect(ua.tcp.localPort, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(options('TCP 10.9.9.9:5099', 'flow-1'));
    await new Promise<void>((r) => socket.once('data', () => r()));
    const flow = ua.stack.transport('tcp')!;
    expect(flow.connectionCount).toBe(1);
    const req = newRequest(ua.stack, 'OPTIONS', 'sip:back@10.9.9.9:5099;transport=tcp', 'tcp');
    const got = new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
    // The target is the client's own address and port: the stack finds its open connection.
    void transact(ua, req, { protocol: 'tcp', address: '127.0.0.1', port: socket.localPort! }).catch(
      () => {},
    );
    expect(await got).toContain('OPTIONS sip:back@10.9.9.9:5099;transport=tcp SIP/2.0');
    socket.destroy();
    await ua.stop();
  });
});

describe('flow tokens (RFC 5626)', () => {
  it('round-trips a flow through a Path URI and refuses a forged token', async () => {
    const { FlowTokens, SipUri } = await import('../../src/sip/index.ts');
    const tokens = new FlowTokens();
    const flow: Flow = {
      protocol: 'ws',
      address: '203.0.113.5',
      port: 49152,
      localAddress: '10.0.0.2',
      localPort: 8080,
      connectionId: 42,
    };
    const token = tokens.encode(flow);
    const path = SipUri.parse(`sip:${token}@pbx.example.com;lr;ob`);
    expect(tokens.decode(path.user ?? '')).toEqual(flow);
    expect(new FlowTokens().decode(token)).toBeUndefined();
    expect(tokens.decode(`${token.slice(0, -2)}AA`)).toBeUndefined();
  });
});
