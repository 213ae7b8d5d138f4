// The HTTP requests a call flow makes (http and lookup nodes): bounded in time and size, no
// redirects followed, and by default never to a private, loopback or link-local address, so
// a tenant's flow cannot reach the operator's internal network (SSRF). The address check runs
// on the address actually connected to, after DNS.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { HttpReply, HttpRequest } from '../flows/effects.ts';

export const MAX_REPLY_BYTES = 64 * 1024;

// Two lists: a BlockList checks IPv4 addresses against its IPv6 rules too (as mapped
// addresses), so one list holding ::ffff:0:0/96 would call every IPv4 address private.
const private4 = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  private4.addSubnet(net, bits, 'ipv4');
const private6 = new BlockList();
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  // Mapped IPv4 in hex form (::ffff:7f00:1): refused whatever it maps to.
  ['::ffff:0:0', 96],
] as const)
  private6.addSubnet(net, bits, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 4) return private4.check(address, 'ipv4');
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is that IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return private4.check(mapped, 'ipv4');
  return private6.check(address, 'ipv6');
}

export interface FlowHttpOptions {
  /** Allow private and loopback destinations (tests, on-premises integrations). */
  allowPrivate: boolean;
}

export function flowHttpRequest(req: HttpRequest, options: FlowHttpOptions): Promise<HttpReply> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return Promise.resolve({ error: 'invalid URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return Promise.resolve({ error: `unsupported scheme ${url.protocol}` });
  const client = url.protocol === 'https:' ? https : http;
  const guardedLookup = (
    hostname: string,
    opts: { all?: boolean },
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const usable = options.allowPrivate ? addresses : addresses.filter((a) => !isPrivateAddress(a.address));
      if (usable.length === 0) return callback(new Error(`${hostname} is a private address`), []);
      if (opts.all) return callback(null, usable);
      const first = usable[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
  return new Promise((resolve) => {
    let done = false;
    const finish = (reply: HttpReply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      request.destroy();
      resolve(reply);
    };
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) && !options.allowPrivate && isPrivateAddress(literal)) {
      resolve({ error: `${literal} is a private address` });
      return;
    }
    const headers: Record<string, string> = { 'user-agent': 'Switchboard', ...req.headers };
    const body = req.method === 'POST' ? Buffer.from(req.body ?? '') : undefined;
    if (body) headers['content-length'] = String(body.length);
    const request = client.request(url, { method: req.method, headers, lookup: guardedLookup }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_REPLY_BYTES) return finish({ error: `reply larger than ${MAX_REPLY_BYTES} bytes` });
        chunks.push(chunk);
      });
      res.on('end', () =>
        finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', (e) => finish({ error: e.message }));
    });
    const timer = setTimeout(() => finish({ error: `no reply within ${req.timeoutMs} ms` }), req.timeoutMs);
    timer.unref();
    request.on('error', (e) => finish({ error: e.message }));
    request.end(body);
  });
}
