// The UDP sockets of RTP endpoints: created, bound and closed the same way everywhere.
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

/**
 * dgram resolves the destination of every send, and dns.lookup answers even an IP literal on
 * the next tick: each packet then costs a closure and a nextTick, and the sends of a whole
 * clock tick leave in one burst after it. Peers are IP literals from SDP or latching, so they
 * are answered at once and each packet leaves when it is sent.
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

/** An unbound socket of the family of `address`; errors after binding are ignored (ICMP). */
export function openUdpSocket(address: string): Socket {
  const s = createSocket({
    type: address.includes(':') ? 'udp6' : 'udp4',
    reuseAddr: false,
    lookup: literalLookup,
  });
  s.on('error', () => {});
  return s;
}

export function bindSocket(s: Socket, port: number, address: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, address, () => {
      s.off('error', reject);
      resolve();
    });
  });
}

export function closeQuietly(s: Socket): void {
  try {
    s.close();
  } catch {
    // already closed
  }
}
