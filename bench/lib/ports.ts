// Free UDP ports for sipp peers in benches: below Switchboard's RTP range (15000-19999), in
// blocks of four, never handed out twice in one run.
import { createSocket } from 'node:dgram';

const taken = new Set<number>();

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** `count` consecutive free UDP ports. */
export async function freePorts(count: number): Promise<number> {
  for (;;) {
    const base = 15000 + 4 * Math.floor(Math.random() * 1200);
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((p) => taken.has(p))) continue;
    if ((await Promise.all(ports.map(udpFree))).every(Boolean)) {
      for (const p of ports) taken.add(p);
      return base;
    }
  }
}

/** A SIP port and four media ports for one sipp. */
export const sippPorts = async () => ({ port: await freePorts(1), mediaPort: await freePorts(4) });

/** Gives a port back once its sipp is gone, for a later one of the run. */
export function releasePort(port: number): void {
  taken.delete(port);
}
