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

/** A port free for both UDP and TCP on 127.0.0.1, found by binding port 0. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

/** An even port with the next three free too: sipp's audio RTP/RTCP and video RTP/RTCP. */
export async function freeMediaPort(avoid: number[] = []): Promise<number> {
  for (;;) {
    const base = (await freePort()) & ~1;
    const ports = [base, base + 1, base + 2, base + 3];
    if (ports.some((p) => avoid.includes(p))) continue;
    const free = await Promise.all(
      ports.map(
        (p) =>
          new Promise<boolean>((resolve) => {
            const u = createSocket('udp4');
            u.once('error', () => resolve(false));
            u.bind(p, '127.0.0.1', () => u.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return base;
  }
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
