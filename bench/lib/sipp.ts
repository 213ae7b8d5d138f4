// sipp (Debian sip-tester 3.6) as a load generator or a phone for the calls bench: a run in a
// temp folder, its statistics read from the -trace_stat CSV (last row) and its response
// time samples from the -trace_rtt CSV.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, type Spawned, startProcess } from './processes.ts';

export const SIPP = '/usr/bin/sipp';
export const scenarioPath = (name: string): string =>
  join(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios', name);

export interface SippOptions {
  /** A file in bench/scenarios, or an absolute path. */
  scenario: string;
  /** host:port to send to (UAC scenarios). */
  remote?: string;
  port: number;
  mediaPort: number;
  /** Lines of the -inf injection file. */
  inject?: string[];
  /** Call rate per second and total calls (UAC). */
  rate?: number;
  calls?: number;
  /** Most calls open at once (-l). */
  limit?: number;
  /** Write every rtd sample (-trace_rtt -rtt_freq 1). */
  rtt?: boolean;
  extra?: string[];
}

export interface SippStats {
  created: number;
  successful: number;
  failed: number;
  retransmissions: number;
  timeouts: number;
  unexpected: number;
  current: number;
  elapsedS: number;
}

export interface SippRun extends Spawned {
  dir: string;
  /** Statistics so far (sipp writes them every second, and once more on exit). */
  stats(): SippStats | null;
  /** Response time samples (ms) by rtd name. */
  rtt(): Map<string, number[]>;
  /** First lines of sipp's error log. */
  errors(): string;
  cpu(): number;
}

export function startSipp(o: SippOptions): SippRun {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sipp-'));
  const args = [
    ...(o.remote ? [o.remote] : []),
    '-sf',
    isAbsolute(o.scenario) ? o.scenario : scenarioPath(o.scenario),
    '-i',
    '127.0.0.1',
    '-p',
    String(o.port),
    '-mp',
    String(o.mediaPort),
    '-t',
    'u1',
    '-nostdin',
    '-buff_size',
    '4194304',
    '-max_socket',
    '1024',
    '-trace_stat',
    '-stf',
    join(dir, 'stats.csv'),
    '-fd',
    '1',
    '-trace_err',
    '-error_file',
    join(dir, 'errors.log'),
    '-error_overwrite',
    'false',
  ];
  if (o.rate !== undefined) args.push('-r', String(o.rate));
  if (o.calls !== undefined) args.push('-m', String(o.calls));
  if (o.limit !== undefined) args.push('-l', String(o.limit));
  if (o.rtt) args.push('-trace_rtt', '-rtt_freq', '1');
  if (o.inject) {
    const f = join(dir, 'inject.csv');
    writeFileSync(f, `${o.inject.join('\n')}\n`);
    args.push('-inf', f);
  }
  args.push(...(o.extra ?? []));
  // sipp redraws its screen on stdout many times a second: not kept.
  const p = startProcess(SIPP, args, dir, false);
  return {
    ...p,
    dir,
    cpu: () => cpuSeconds(p.pid),
    stats: () => readStats(join(dir, 'stats.csv')),
    rtt: () => readRtt(dir),
    errors: () => {
      const f = join(dir, 'errors.log');
      return existsSync(f) ? readFileSync(f, 'utf8').slice(0, 2000) : '';
    },
  };
}

function readStats(file: string): SippStats | null {
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  if (lines.length < 2) return null;
  const head = (lines[0] as string).split(';');
  const row = (lines[lines.length - 1] as string).split(';');
  const n = (name: string) => Number(row[head.indexOf(name)] ?? 0) || 0;
  const elapsed = row[head.indexOf('ElapsedTime(C)')] ?? '0:0:0';
  const [h, m, s] = elapsed.split(':').map(Number);
  return {
    created: n('TotalCallCreated') || n('OutgoingCall(C)') + n('IncomingCall(C)'),
    successful: n('SuccessfulCall(C)'),
    failed: n('FailedCall(C)'),
    retransmissions: n('Retransmissions(C)'),
    timeouts: n('FailedMaxUDPRetrans(C)') + n('FailedTimeoutOnRecv(C)'),
    unexpected: n('FailedUnexpectedMessage(C)'),
    current: n('CurrentCall'),
    elapsedS: (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0),
  };
}

function readRtt(dir: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('_rtt.csv'))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n').slice(1)) {
      const [, ms, name] = line.split(';');
      if (name === undefined) continue;
      const key = name.trim();
      const list = out.get(key) ?? [];
      list.push(Number(ms));
      out.set(key, list);
    }
  }
  return out;
}

/** Waits for a UAC run to finish, or kills it after timeoutMs. */
export async function finish(
  run: SippRun,
  timeoutMs: number,
): Promise<{ code: number | null; killed: boolean }> {
  let killed = false;
  const t = setTimeout(() => {
    killed = true;
    void run.stop();
  }, timeoutMs);
  const code = await run.exited;
  clearTimeout(t);
  return { code, killed };
}

/**
 * Post-dial delay per call from a sipp -trace_msg file (microsecond timestamps): from the
 * first send of the INVITE with CSeq `cseq` (the one with credentials) to the first 180.
 */
export function pddFromTrace(file: string, cseq = 2): number[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const invites = new Map<string, number>();
  const ringing = new Map<string, number>();
  const marker = /^-{47} \S+ (\d+):(\d+):([\d.]+)$/gm;
  const heads: { at: number; t: number }[] = [];
  for (let m = marker.exec(text); m; m = marker.exec(text)) {
    heads.push({
      at: m.index + m[0].length,
      t: (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000,
    });
  }
  for (let i = 0; i < heads.length; i++) {
    const h = heads[i] as { at: number; t: number };
    const block = text.slice(h.at, heads[i + 1]?.at ?? text.length);
    const sent = block.startsWith('\nUDP message sent');
    const first = block.split('\n', 4)[3] ?? '';
    const callId = /\nCall-ID:\s*(\S+)/i.exec(block)?.[1];
    if (!callId) continue;
    if (sent && first.startsWith('INVITE ') && new RegExp(`\\nCSeq:\\s*${cseq} INVITE`, 'i').test(block)) {
      if (!invites.has(callId)) invites.set(callId, h.t);
    } else if (!sent && first.startsWith('SIP/2.0 180')) {
      if (!ringing.has(callId)) ringing.set(callId, h.t);
    }
  }
  const out: number[] = [];
  for (const [id, t0] of invites) {
    const t1 = ringing.get(id);
    if (t1 !== undefined) out.push((t1 - t0 + 86_400_000) % 86_400_000);
  }
  return out;
}
