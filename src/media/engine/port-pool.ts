// RTP port allocation: even ports for RTP, the odd port above for RTCP (RFC 3550 §11).
// Allocation walks round-robin so that a released port is not reused at once, which keeps
// late packets of an ended call out of the next one. The walk starts at a random pair: ports
// are harder to guess, and engines sharing a host (tests, restarts) do not collide at once.
import { randomInt } from 'node:crypto';
import { MediaError } from '../errors.ts';

export class PortPool {
  private readonly used = new Set<number>();
  private cursor: number;

  constructor(
    readonly min = 20000,
    readonly max = 30000,
  ) {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1024 || max > 65535 || max - min < 2) {
      throw new MediaError('INVALID_ARGUMENT', `bad RTP port range ${min}-${max}`);
    }
    this.cursor = min + (min % 2) + 2 * randomInt(this.size);
  }

  get size(): number {
    return Math.floor((this.max - (this.min + (this.min % 2))) / 2);
  }

  get inUse(): number {
    return this.used.size;
  }

  allocate(): number {
    const first = this.min + (this.min % 2);
    for (let i = 0; i < this.size; i++) {
      const port = this.cursor;
      this.cursor += 2;
      if (this.cursor + 1 > this.max) this.cursor = first;
      if (!this.used.has(port)) {
        this.used.add(port);
        return port;
      }
    }
    throw new MediaError('PORTS_EXHAUSTED', `no free RTP port in ${this.min}-${this.max}`);
  }

  release(port: number): void {
    this.used.delete(port);
  }
}
