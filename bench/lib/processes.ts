// Load generators and peers for the calls bench (sipp, Kamailio) as child processes that are
// always ended: on normal exit, on an exception and on Ctrl-C. CPU per process comes from
// /proc/PID/stat (utime + stime of every process in the child's process group).
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const children = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const c of children) {
    // Each child leads its own process group (detached): end the group, helpers included.
    if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {}
    }
  }
  children.clear();
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Last lines of stdout and stderr, for error messages. */
  output(): string;
  /** SIGTERM to the group, SIGKILL after graceMs; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export function startProcess(cmd: string, args: string[], cwd: string, keepStdout = true): Spawned {
  hook();
  const child = spawn(cmd, args, {
    cwd,
    detached: true,
    stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'],
  });
  children.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
    child.on('error', (e) => {
      out += String(e);
      children.delete(child);
      resolve(-1);
    });
  });
  const pid = child.pid ?? -1;
  return {
    child,
    pid,
    exited,
    output: () => out,
    async stop(graceMs = 2000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {}
      const t = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {}
      }, graceMs);
      await exited;
      clearTimeout(t);
    },
  };
}

const TICK = 100; // USER_HZ on Linux

/** CPU seconds (user + system) of one process, threads included; 0 once it is gone. */
export function cpuSeconds(pid: number | 'self'): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name.
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return 0;
  }
}

/** CPU seconds of every live process in a process group (Kamailio's forked children). */
export function groupCpuSeconds(pgid: number): number {
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid) total += (Number(f[11]) + Number(f[12])) / TICK;
    } catch {}
  }
  return total;
}

/** A CPU meter over an interval: percent of one core, as top shows it. */
export function cpuMeter(read: () => number): () => { seconds: number; percent: number } {
  const c0 = read();
  const t0 = performance.now();
  return () => {
    const seconds = read() - c0;
    return { seconds, percent: (100 * seconds) / ((performance.now() - t0) / 1000) };
  };
}

/** The load averages, to print beside the figures. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

function allCpu(): Map<number, { cpu: number; pgrp: number }> {
  const out = new Map<number, { cpu: number; pgrp: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(d), { cpu: (Number(f[11]) + Number(f[12])) / TICK, pgrp: Number(f[2]) });
    } catch {}
  }
  return out;
}

/**
 * CPU used by everything on the host except this process and the children started here
 * (other workers sharing the machine), in percent of one core over the interval.
 */
export function othersMeter(): () => number {
  const before = allCpu();
  const t0 = performance.now();
  return () => {
    const ours = new Set([process.pid, ...[...children].map((c) => c.pid ?? -1)]);
    let used = 0;
    for (const [pid, now] of allCpu()) {
      if (ours.has(pid) || ours.has(now.pgrp)) continue;
      used += now.cpu - (before.get(pid)?.cpu ?? 0);
    }
    return (100 * used) / ((performance.now() - t0) / 1000);
  };
}

/** Host-wide UDP datagrams dropped because a socket's receive buffer was full (/proc/net/snmp). */
export function udpReceiveDrops(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const head = (lines[0] ?? '').split(/\s+/);
  const values = (lines[1] ?? '').split(/\s+/);
  return Number(values[head.indexOf('RcvbufErrors')] ?? 0);
}

/** Datagrams each local UDP port dropped for a full receive buffer (/proc/net/udp "drops"). */
export function udpDropsByPort(): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    const port = Number.parseInt((f[1] ?? '').split(':')[1] ?? '', 16);
    out.set(port, (out.get(port) ?? 0) + Number(f[f.length - 1]));
  }
  return out;
}
