// Concurrent recorded calls: N calls carrying RTP both ways (the caller sipp plays g711a.pcap
// looped, the callee sipp echoes it), first with recording off, then with the callee's line
// recording every inbound internal call (one stereo WAV per call), in the same run. Prints the
// CPU of the Switchboard process per call per second in both, their ratio, the extra CPU a
// recording costs, and the disk bytes each recorded call writes per second (8 kHz, 16-bit,
// stereo: 32,000 B/s expected).
// `npm run bench -- recording [quick]`; BENCH_RECORDING_CALLS=50,100,200 sets the steps.
//
// Switchboard runs in this process (startServer on PGlite, its media worker threads): its CPU
// is this process's utime + stime (/proc/self/stat); sipp runs as child processes, measured
// apart. Figures are printed, nothing is asserted.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, gte } from 'drizzle-orm';
import pino from 'pino';
import { type Running, startServer } from '../src/cli/runtime.ts';
import { loadConfig } from '../src/config/index.ts';
import { lineCredentials } from '../src/pbx/line-auth.ts';
import type { Pbx } from '../src/pbx/pbx.ts';
import { openStore } from '../src/store/database.ts';
import { newId } from '../src/store/ids.ts';
import { lines, NO_RECORDING, people, recordings, tenants } from '../src/store/schema.ts';
import { printTable, type Row } from './lib/figures.ts';
import { loopedPcap } from './lib/pcap.ts';
import { sippPorts } from './lib/ports.ts';
import { cpuMeter, cpuSeconds, loadAverage, othersMeter } from './lib/processes.ts';
import { finish, type SippRun, scenarioPath, startSipp } from './lib/sipp.ts';

const quick = process.argv.includes('quick');
const STEPS = process.env.BENCH_RECORDING_CALLS
  ? process.env.BENCH_RECORDING_CALLS.split(',').map(Number)
  : quick
    ? [50, 100]
    : [50, 100, 200];
const WINDOW_S = quick ? 6 : 10;
const SETUP_RATE = 50;
const RTP_RANGE = { min: 20000, max: 32700 };
const PASSWORD = 'bench-line-secret';
const CALLER = '100';
const CALLEE = '101';
/** 8 kHz × 2 bytes × 2 channels. */
const EXPECTED_BPS = 32_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(50);
  }
  return true;
}

const auth = (user: string) => `[authentication username=${user} password=${PASSWORD}]`;

// --- Switchboard ---------------------------------------------------------------------------

interface Sut {
  running: Running;
  pbx: Pbx;
  dataDir: string;
  tenantId: string;
  domain: string;
  remote: string;
  calleeLineId: string;
  close(): Promise<void>;
}

async function startSwitchboard(): Promise<Sut> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-recording-'));
  const config = loadConfig(
    {},
    {
      dataDir,
      httpHost: '127.0.0.1',
      httpPort: 0,
      logLevel: 'silent',
      sipEnabled: true,
      sipHost: '127.0.0.1',
      sipPort: 0,
      mediaWorkers: Number(process.env.BENCH_MEDIA_WORKERS ?? 0),
      rtpPortMin: RTP_RANGE.min,
      rtpPortMax: RTP_RANGE.max,
      sipAuthBanFailures: 100_000,
    },
  );
  const store = await openStore({ kind: 'pglite' });
  await store.migrate();
  const running = await startServer(config, pino({ level: 'silent' }), store, { digestAlgorithms: ['MD5'] });
  const pbx = running.pbx as Pbx;
  // A tenant, two people and their lines, written directly (as bench/calls.ts does).
  const tenantId = newId();
  const domain = 'recording-bench.example';
  await store.db.insert(tenants).values({
    id: tenantId,
    name: 'Recording Bench',
    country: 'LV',
    timeZone: 'UTC',
    sipDomain: domain,
    status: 'active',
  });
  let calleeLineId = '';
  for (const ext of [CALLER, CALLEE]) {
    const personId = newId();
    const lineId = newId();
    if (ext === CALLEE) calleeLineId = lineId;
    await store.db
      .insert(people)
      .values({ id: personId, tenantId, firstName: 'Ext', lastName: ext, extension: ext });
    await store.db.insert(lines).values({
      id: lineId,
      tenantId,
      personId,
      sipUsername: ext,
      ...lineCredentials(ext, domain, PASSWORD),
    });
  }
  await pbx.directory.reload();
  return {
    running,
    pbx,
    dataDir,
    tenantId,
    domain,
    remote: `127.0.0.1:${pbx.sipPort}`,
    calleeLineId,
    async close() {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function setRecording(sut: Sut, on: boolean): Promise<void> {
  await sut.running.store.db
    .update(lines)
    .set({ recording: { ...NO_RECORDING, inboundInternal: on } })
    .where(eq(lines.id, sut.calleeLineId));
  await sut.pbx.directory.reload();
}

async function startCallee(sut: Sut): Promise<{ sipp: SippRun; close(): Promise<void> }> {
  const { port, mediaPort } = await sippPorts();
  const sipp = startSipp({ scenario: 'callee_rtp.xml', port, mediaPort, extra: ['-rtp_echo'] });
  await sleep(300);
  const r = await sippPorts();
  const reg = startSipp({
    scenario: 'register_contact.xml',
    remote: sut.remote,
    port: r.port,
    mediaPort: r.mediaPort,
    calls: 1,
    inject: ['SEQUENTIAL', `${CALLEE};${sut.domain};${auth(CALLEE)};${port}`],
    extra: ['-timeout', '10s'],
  });
  const { code } = await finish(reg, 15_000);
  if (code !== 0) throw new Error(`callee registration failed (sipp exit ${code}): ${reg.errors()}`);
  return { sipp, close: () => sipp.stop() };
}

/** Bytes of every file under the tenant's recordings folder now. */
function diskBytes(sut: Sut): number {
  const dir = join(sut.dataDir, 'recordings', sut.tenantId);
  let total = 0;
  try {
    for (const f of readdirSync(dir)) total += statSync(join(dir, f)).size;
  } catch {}
  return total;
}

// --- one step: N calls, recorded or not ----------------------------------------------------

interface Step {
  calls: number;
  recorded: boolean;
  up: number;
  failed: number;
  cpuMsPerCallSecond: number;
  percent: number;
  workerTickMsPerCallSecond: number;
  othersPercent: number;
  diskBps: number | null;
  rows: { count: number; bytes: number; durationMs: number };
}

async function step(sut: Sut, work: string, n: number, recorded: boolean): Promise<Step> {
  await setRecording(sut, recorded);
  const rampS = n / SETUP_RATE;
  const holdMs = Math.round((rampS + 3 + WINDOW_S + 2) * 1000);
  const pcap = join(work, `g711a-${holdMs}.pcap`);
  loopedPcap(pcap, holdMs + 1000);
  const scenario = join(work, `caller_rtp_${holdMs}.xml`);
  writeFileSync(
    scenario,
    readFileSync(scenarioPath('caller_rtp.xml.in'), 'utf8')
      .replaceAll('@PCAP@', pcap)
      .replaceAll('@HOLD_MS@', String(holdMs)),
  );
  const since = new Date();
  const callee = await startCallee(sut);
  try {
    const { port, mediaPort } = await sippPorts();
    const caller = startSipp({
      scenario,
      remote: sut.remote,
      port,
      mediaPort,
      inject: ['SEQUENTIAL', `${CALLER};${sut.domain};${auth(CALLER)};${CALLEE}`],
      rate: SETUP_RATE,
      calls: n,
      limit: n,
      extra: ['-recv_timeout', '15000', '-pause_msg_ign'],
    });
    await waitFor(
      () => sut.pbx.calls.size >= n && (!recorded || sut.pbx.recordings.size >= n),
      (rampS + 10) * 1000,
    );
    await sleep(2000);
    const up = sut.pbx.calls.size;
    const load0 = await sut.pbx.media.load();
    const disk0 = diskBytes(sut);
    const server = cpuMeter(() => cpuSeconds('self'));
    const others = othersMeter();
    const w0 = performance.now();
    await sleep(WINDOW_S * 1000);
    const srv = server();
    const oth = others();
    const windowS = (performance.now() - w0) / 1000;
    const disk1 = diskBytes(sut);
    const load1 = await sut.pbx.media.load();
    const tickMs = load1.reduce((s, l, i) => s + l.tickCpuMs - (load0[i]?.tickCpuMs ?? 0), 0);
    await finish(caller, (holdMs / 1000 + rampS + 40) * 1000);
    const failed = caller.stats()?.failed ?? 0;
    await waitFor(() => sut.pbx.calls.size === 0, 15_000);
    await sut.pbx.recordings.idle();
    rmSync(caller.dir, { recursive: true, force: true });
    const rows = await sut.running.store.db
      .select({ bytes: recordings.bytes, durationMs: recordings.durationMs })
      .from(recordings)
      .where(gte(recordings.startedAt, since));
    const callSeconds = up * windowS;
    return {
      calls: n,
      recorded,
      up,
      failed,
      cpuMsPerCallSecond: (1000 * srv.seconds) / callSeconds,
      percent: srv.percent,
      workerTickMsPerCallSecond: tickMs / callSeconds,
      othersPercent: oth,
      diskBps: recorded ? (disk1 - disk0) / callSeconds : null,
      rows: {
        count: rows.length,
        bytes: rows.reduce((s, r) => s + (r.bytes ?? 0), 0),
        durationMs: rows.reduce((s, r) => s + (r.durationMs ?? 0), 0),
      },
    };
  } finally {
    await callee.close();
  }
}

export default async function main(): Promise<void> {
  const workers =
    Number(process.env.BENCH_MEDIA_WORKERS ?? 0) || Math.max(1, Math.min(availableParallelism(), 4));
  console.log(
    `${quick ? 'quick' : 'full'} run; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${workers} media workers; steps ${STEPS.join(', ')} calls; ${WINDOW_S} s window with every call up; calls set up at ${SETUP_RATE}/s; the caller sipp plays g711a.pcap (PCMA, 30 ms packets), the callee sipp echoes it`,
  );
  console.log(`load average at start: ${loadAverage()}`);
  const sut = await startSwitchboard();
  const work = mkdtempSync(join(tmpdir(), 'bench-recording-work-'));
  const rows: Row[] = [];
  const diskRows: Row[] = [];
  try {
    for (const n of STEPS) {
      const base = await step(sut, work, n, false);
      await sleep(1000);
      const rec = await step(sut, work, n, true);
      await sleep(1000);
      rows.push({
        calls: n,
        'up (plain/rec)': `${base.up}/${rec.up}`,
        'failed (plain/rec)': `${base.failed}/${rec.failed}`,
        'plain CPU ms/call/s': base.cpuMsPerCallSecond,
        'recorded CPU ms/call/s': rec.cpuMsPerCallSecond,
        ratio: rec.cpuMsPerCallSecond / base.cpuMsPerCallSecond,
        'recording costs ms/call/s': rec.cpuMsPerCallSecond - base.cpuMsPerCallSecond,
        'media tick ms/call/s (plain/rec)': `${base.workerTickMsPerCallSecond.toFixed(3)}/${rec.workerTickMsPerCallSecond.toFixed(3)}`,
        'process CPU % (plain/rec)': `${Math.round(base.percent)}/${Math.round(rec.percent)}`,
        'others CPU %': Math.round(Math.max(base.othersPercent, rec.othersPercent)),
      });
      const r = rec.rows;
      diskRows.push({
        calls: n,
        recordings: r.count,
        'disk growth B/call/s (window)': Math.round(rec.diskBps ?? 0),
        'file B per recorded s (rows)':
          r.durationMs > 0 ? Math.round(r.bytes / (r.durationMs / 1000)) : 'n/a',
        'expected B/s': EXPECTED_BPS,
        'MB written': Math.round(r.bytes / 1e5) / 10,
      });
    }
  } finally {
    console.log(`\nload average at end: ${loadAverage()}`);
    await sut.close();
    rmSync(work, { recursive: true, force: true });
  }
  printTable(
    'CPU of the Switchboard process per call per second of call, without and with recording (same run)',
    rows,
  );
  printTable(
    'Disk per recorded call: growth of the recordings folder over the window, and file size over recorded duration (44-byte header included)',
    diskRows,
  );
}
