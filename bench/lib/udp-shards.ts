// Parent side of bench/lib/udp-shard.ts: UDP sockets spread over child processes, as a phone
// fleet (load generator of the relay figure) or as a measuring sink (timing figure).
import { type ChildProcess, fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export type ShardRequest =
  | { op: 'phones'; n: number; recvBufferSize: number }
  | { op: 'targets'; targets: number[] }
  | { op: 'drive'; ms: number }
  | { op: 'sinks'; n: number; recvBufferSize: number }
  | { op: 'measure' }
  | { op: 'report' }
  | { op: 'close' };

/** Inter-arrival gaps in 10 µs buckets up to 2 s; longer ones are kept as they are. */
export const GAP_BUCKET_MS = 0.01;
export const GAP_BUCKETS = 200_000;

export interface SinkReport {
  streams: number;
  received: number;
  /** Per SSRC, last minus first extended sequence number plus one, summed. */
  expected: number;
  /** Sparse histogram of gaps: [bucket, count] pairs, plus gaps beyond the last bucket. */
  gaps: [number, number][];
  longGapsMs: number[];
  jittersMs: number[];
  /** This shard's own event loop delay while measuring: how late it could have timestamped. */
  loopDelayP999Ms: number;
  loopDelayMaxMs: number;
  recvBufferSize: number;
}

/** 4 MB asked; Linux caps it at net.core.rmem_max (and reports twice the granted size). */
const RECV_BUFFER = 4 * 1024 * 1024;

class Shard {
  private seq = 0;
  private readonly waiting = new Map<number, (v: unknown) => void>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { id: number; value: unknown }) => {
      this.waiting.get(m.id)?.(m.value);
      this.waiting.delete(m.id);
    });
  }

  static start(): Shard {
    const url = new URL(`./udp-shard${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
    return new Shard(fork(url, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }));
  }

  ask<T>(req: ShardRequest): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, resolve as (v: unknown) => void);
      this.child.send({ id, req }, (e) => {
        if (e) reject(e);
      });
    });
  }

  async close(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.ask({ op: 'close' });
    await exited;
  }
}

/** Splits 0..n-1 into `parts` contiguous ranges. */
function split(n: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, i) => [
    Math.floor((n * i) / parts),
    Math.floor((n * (i + 1)) / parts),
  ]);
}

/** `n` phones spread over `shards` child processes. Phone i has port `ports[i]`. */
export class PhoneFleet {
  private constructor(
    private readonly shards: Shard[],
    private readonly ranges: [number, number][],
    readonly ports: number[],
  ) {}

  static async open(n: number, shards: number): Promise<PhoneFleet> {
    const ranges = split(n, shards);
    const children = ranges.map(() => Shard.start());
    const ports = await Promise.all(
      children.map((c, i) => {
        const [a, b] = ranges[i] as [number, number];
        return c.ask<number[]>({ op: 'phones', n: b - a, recvBufferSize: 256 * 1024 });
      }),
    );
    return new PhoneFleet(children, ranges, ports.flat());
  }

  /** Phone i sends to `targets[i]`. */
  async setTargets(targets: number[]): Promise<void> {
    await Promise.all(
      this.shards.map((c, i) =>
        c.ask({ op: 'targets', targets: targets.slice(...(this.ranges[i] as [number, number])) }),
      ),
    );
  }

  /** Every phone sends at 50 packets/s for `ms`; returns what was sent and received back. */
  async drive(ms: number): Promise<{ sent: number; received: number }> {
    const counts = await Promise.all(
      this.shards.map((c) => c.ask<{ sent: number; received: number }>({ op: 'drive', ms })),
    );
    return counts.reduce((a, b) => ({ sent: a.sent + b.sent, received: a.received + b.received }));
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((c) => c.close()));
  }
}

export interface SinkFigures {
  streams: number;
  received: number;
  expected: number;
  gapsMs: (q: number) => number;
  gapCount: number;
  jittersMs: number[];
  loopDelayP999Ms: number;
  loopDelayMaxMs: number;
  recvBufferSize: number;
}

/** RTP receiving sockets spread over `shards` child processes, `perShard` sockets each. */
export class Sink {
  private constructor(
    private readonly shards: Shard[],
    readonly ports: number[],
  ) {}

  static async open(shards: number, perShard: number): Promise<Sink> {
    const children = Array.from({ length: shards }, () => Shard.start());
    const ports = await Promise.all(
      children.map((c) => c.ask<number[]>({ op: 'sinks', n: perShard, recvBufferSize: RECV_BUFFER })),
    );
    return new Sink(children, ports.flat());
  }

  async measure(): Promise<void> {
    await Promise.all(this.shards.map((c) => c.ask({ op: 'measure' })));
  }

  async report(): Promise<SinkFigures> {
    const reports = await Promise.all(this.shards.map((c) => c.ask<SinkReport>({ op: 'report' })));
    const hist = new Uint32Array(GAP_BUCKETS);
    const long: number[] = [];
    for (const r of reports) {
      for (const [b, n] of r.gaps) hist[b] = (hist[b] as number) + n;
      long.push(...r.longGapsMs);
    }
    long.sort((a, b) => a - b);
    const inHist = hist.reduce((a, b) => a + b, 0);
    const gapCount = inHist + long.length;
    const gapsMs = (q: number): number => {
      if (gapCount === 0) return Number.NaN;
      const rank = Math.min(gapCount, Math.max(1, Math.ceil(q * gapCount)));
      if (rank > inHist) return long[rank - inHist - 1] as number;
      let seen = 0;
      for (let i = 0; i < GAP_BUCKETS; i++) {
        seen += hist[i] as number;
        if (seen >= rank) return (i + 1) * GAP_BUCKET_MS; // upper edge of the bucket
      }
      return Number.NaN;
    };
    return {
      streams: reports.reduce((n, r) => n + r.streams, 0),
      received: reports.reduce((n, r) => n + r.received, 0),
      expected: reports.reduce((n, r) => n + r.expected, 0),
      gapsMs,
      gapCount,
      jittersMs: reports.flatMap((r) => r.jittersMs),
      loopDelayP999Ms: Math.max(...reports.map((r) => r.loopDelayP999Ms)),
      loopDelayMaxMs: Math.max(...reports.map((r) => r.loopDelayMaxMs)),
      recvBufferSize: Math.min(...reports.map((r) => r.recvBufferSize)),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((c) => c.close()));
  }
}

/** This process's open file limit and how many descriptors it has open (Linux; else Infinity). */
export function fdHeadroom(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = Number(/Max open files\s+(\d+)/.exec(limits)?.[1]);
    return soft - readdirSync('/proc/self/fd').length;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
