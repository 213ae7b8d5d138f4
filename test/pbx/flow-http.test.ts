// The HTTP client of call flows (http and lookup nodes) against a real local server: private
// and loopback addresses refused unless allowed (by literal and after DNS), replies bounded in
// size and time, redirects not followed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowHttpRequest, isPrivateAddress, MAX_REPLY_BYTES } from '../../src/pbx/flow-http.ts';

let server: Server;
let base = '';
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/big') return res.end('x'.repeat(MAX_REPLY_BYTES + 1));
    if (req.url === '/slow') return void setTimeout(() => res.end('1'), 2000);
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/two' });
      return res.end();
    }
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => res.end(`${req.method} ${body}`.trim()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server?.close());

const req = (url: string, over: Partial<Parameters<typeof flowHttpRequest>[0]> = {}) => ({
  method: 'GET' as const,
  url,
  headers: {},
  timeoutMs: 1000,
  nodeId: 'n',
  ...over,
});

describe('flow HTTP requests', () => {
  it('refuses loopback and private destinations by default, by address and by name, sending nothing', async () => {
    const before = hits.length;
    expect(await flowHttpRequest(req(`${base}/a`), { allowPrivate: false })).toEqual({
      error: '127.0.0.1 is a private address',
    });
    const port = (server.address() as AddressInfo).port;
    const byName = await flowHttpRequest(req(`http://localhost:${port}/b`), { allowPrivate: false });
    expect(byName).toMatchObject({ error: expect.stringMatching(/private address/) });
    expect(hits.length).toBe(before);
    for (const a of [
      '10.1.2.3',
      '192.168.0.1',
      '172.20.0.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      '::ffff:127.0.0.1',
    ])
      expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ['8.8.8.8', '::ffff:8.8.8.8', '2001:4860:4860::8888'])
      expect(isPrivateAddress(a), a).toBe(false);
  });

  it('when allowed, posts the body and returns status and reply', async () => {
    const reply = await flowHttpRequest(req(`${base}/hook`, { method: 'POST', body: 'caller=201' }), {
      allowPrivate: true,
    });
    expect(reply).toEqual({ status: 200, body: 'POST caller=201' });
  });

  it('bounds the reply in size and time, and does not follow redirects', async () => {
    const allow = { allowPrivate: true };
    expect(await flowHttpRequest(req(`${base}/big`), allow)).toEqual({
      error: `reply larger than ${MAX_REPLY_BYTES} bytes`,
    });
    expect(await flowHttpRequest(req(`${base}/slow`, { timeoutMs: 200 }), allow)).toEqual({
      error: 'no reply within 200 ms',
    });
    expect(await flowHttpRequest(req(`${base}/redirect`), allow)).toEqual({ status: 302, body: '' });
    expect(hits).not.toContain('/two');
    expect(await flowHttpRequest(req('ftp://example.com/x'), allow)).toEqual({
      error: 'unsupported scheme ftp:',
    });
  });
});
