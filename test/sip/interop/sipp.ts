// Runs sipp (Debian sip-tester) against our stack: free ports for it, one call (-m 1), and
// the exit status and error log to assert on.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SIPP = '/usr/bin/sipp';
export const scenario = (name: string): string =>
  join(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios', name);

// Ports for sipp come from a slice of 30100–32699 that belongs to this test worker alone:
// below Linux's ephemeral range and above the RTP pool, so neither a socket the OS numbers
// nor another worker's sipp can take a port between our check and sipp's bind.
const SLICE = 650;
const sliceStart = 30100 + ((Number(process.env.VITEST_POOL_ID ?? 1) - 1) % 4) * SLICE;
let cursor = 0;

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const u = createSocket('udp4');
    u.once('error', () => resolve(false));
    u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
  });
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** The next `count` consecutive ports of this worker's slice that are free (UDP, and TCP for the first). */
async function claim(count: number, align: number, avoid: number[]): Promise<number> {
  for (let tries = 0; tries < SLICE; tries++) {
    cursor = Math.ceil(cursor / align) * align;
    if (cursor + count > SLICE) cursor = 0;
    const base = sliceStart + cursor;
    cursor += count;
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((p) => avoid.includes(p))) continue;
    const free = await Promise.all(ports.map((p, i) => (i === 0 ? tcpFree(p) : Promise.resolve(true))));
    const udp = await Promise.all(ports.map(udpFree));
    if ([...free, ...udp].every(Boolean)) return base;
  }
  throw new Error(`no free test ports in ${sliceStart}-${sliceStart + SLICE - 1}`);
}

/** A port free for both UDP and TCP on 127.0.0.1, from this worker's slice. */
export function freePort(): Promise<number> {
  return claim(1, 1, []);
}

/** An even port with the next three free too: sipp's audio RTP/RTCP and video RTP/RTCP. */
export function freeMediaPort(avoid: number[] = []): Promise<number> {
  return claim(4, 2, avoid);
}

export interface SippRun {
  port: number;
  /** sipp's working folder: its logs (`*_messages.log` with -trace_msg) are here. */
  dir: string;
  /** Resolves with the exit code and what sipp wrote in its error trace. */
  done: Promise<{ code: number | null; errors: string; output: string }>;
}

export interface SippOptions {
  /** Built-in scenario (uac, uas) or a file in test/sip/scenarios. */
  scenario: { builtin: string } | { file: string };
  transport: 'udp' | 'tcp';
  /** host:port of our stack, for sipp as client. */
  remote?: string;
  /** Lines of an injection file (-inf). */
  inject?: string[];
  extra?: string[];
  /** Address sipp binds (default 127.0.0.1; any 127.x address works on loopback). */
  localIp?: string;
}

export async function runSipp(o: SippOptions): Promise<SippRun> {
  const [port, cp] = [await freePort(), await freePort()];
  const mp = await freeMediaPort([port, cp]);
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const args = [
    ...(o.remote ? [o.remote] : []),
    ...('builtin' in o.scenario ? ['-sn', o.scenario.builtin] : ['-sf', scenario(o.scenario.file)]),
    '-m',
    '1',
    '-i',
    o.localIp ?? '127.0.0.1',
    '-p',
    String(port),
    '-mp',
    String(mp),
    '-cp',
    String(cp),
    '-t',
    o.transport === 'udp' ? 'u1' : 't1',
    '-nostdin',
    '-timeout',
    '20s',
    '-timeout_error',
    '-trace_err',
    '-error_file',
    join(dir, 'errors.log'),
    '-max_socket',
    '64',
    ...(o.extra ?? []),
  ];
  if (o.inject) {
    const f = join(dir, 'inject.csv');
    writeFileSync(f, `${o.inject.join('\n')}\n`);
    args.push('-inf', f);
  }
  const child = spawn(SIPP, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  child.stderr.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  const done = new Promise<{ code: number | null; errors: string; output: string }>((resolve) => {
    child.on('exit', (code) => {
      const errors = readdirSync(dir)
        .filter((f) => f.includes('error'))
        .map((f) => readFileSync(join(dir, f), 'utf8'))
        .join('\n');
      resolve({ code, errors, output });
    });
  });
  return { port, dir, done };
}
