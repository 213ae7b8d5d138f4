// The phone system under load, with sipp as the phones: (1) REGISTER with digest auth per
// second, against Kamailio in the same run; (2) calls per second through the B2BUA (auth,
// media anchored) to the first rate with failures; (3) post-dial delay and (5) CPU per call
// at half that rate; (4) concurrent calls carrying RTP (sipp plays g711a, the callee echoes),
// loss counted on our endpoints, and CPU.
// `npm run bench -- calls [quick] [register] [calls] [rtp]`: every section unless some are
// named. Figures are printed, nothing is asserted.
//
// Switchboard runs in this process (startServer, PGlite, its media worker threads), so its CPU
// is this process's utime + stime from /proc/self/stat; sipp and Kamailio are child processes
// measured from their own /proc/PID/stat. Everything shares the host's cores.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { type Running, startServer } from '../src/cli/runtime.ts';
import { loadConfig } from '../src/config/index.ts';
import { lineCredentials } from '../src/pbx/line-auth.ts';
import type { Pbx } from '../src/pbx/pbx.ts';
import { openStore } from '../src/store/database.ts';
import { newId } from '../src/store/ids.ts';
import { lines, people, tenants } from '../src/store/schema.ts';
import { percentile, printTable, type Row } from './lib/figures.ts';
import { KAMAILIO_PORT, kamailioAvailable, startKamailio } from './lib/kamailio.ts';
import { loopedPcap } from './lib/pcap.ts';
import { releasePort, sippPorts } from './lib/ports.ts';
import {
  cpuMeter,
  cpuSeconds,
  loadAverage,
  othersMeter,
  udpDropsByPort,
  udpReceiveDrops,
} from './lib/processes.ts';
import { finish, pddFromTrace, type SippRun, type SippStats, scenarioPath, startSipp } from './lib/sipp.ts';

const quick = process.argv.includes('quick');
const SECTIONS = ['register', 'calls', 'rtp'] as const;
const chosen = SECTIONS.filter((s) => process.argv.includes(s));
const run = (s: (typeof SECTIONS)[number]) => chosen.length === 0 || chosen.includes(s);

const USERS = Number(process.env.BENCH_USERS ?? (quick ? 200 : 1000));
const REG_STEP_S = Number(process.env.BENCH_REG_SECONDS ?? (quick ? 4 : 10));
const REG_RATES = process.env.BENCH_REG_RATES
  ? process.env.BENCH_REG_RATES.split(',').map(Number)
  : quick
    ? [1000, 2000, 3000, 4000, 6000, 10000, 15000, 20000]
    : [1000, 2000, 3000, 4000, 5000, 6000, 8000, 10000, 12000, 14000, 16000, 19000, 22000];
const CALL_STEP_S = quick ? 6 : 15;
const CALL_RATES = process.env.BENCH_CALL_RATES
  ? process.env.BENCH_CALL_RATES.split(',').map(Number)
  : quick
    ? [100, 200, 400, 600, 800]
    : [100, 200, 400, 600, 800, 1000, 1200, 1500];
const HOLD_MS = 1000;
const RTP_CALLS = [250, 500];
const RTP_WINDOW_S = quick ? 8 : 20;
const RTP_SETUP_RATE = 100;
const FAIL_LIMIT = 0.001;
const RTP_RANGE = { min: 20000, max: 32700 };
const PASSWORD = 'bench-line-secret';
const CALLER = '100';
const CALLEE = '101';
/** Asterisk 22.10 on this kind of machine (/work/shared/bench/README.md), not run here. */
const ASTERISK = { cps: 500, rtp: { 250: 41, 500: 109 } as Record<number, number> };

// --- Switchboard ---------------------------------------------------------------------------

interface Sut {
  running: Running;
  pbx: Pbx;
  domain: string;
  remote: string;
  close(): Promise<void>;
}

async function startSwitchboard(): Promise<Sut> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-calls-'));
  const config = loadConfig(
    {},
    {
      dataDir,
      httpHost: '127.0.0.1',
      httpPort: 0,
      logLevel: 'silent',
      authRateLimitPerMinute: 1_000_000,
      sipEnabled: true,
      sipHost: '127.0.0.1',
      sipPort: 0,
      mediaWorkers: Number(process.env.BENCH_MEDIA_WORKERS ?? 0),
      rtpPortMin: RTP_RANGE.min,
      rtpPortMax: RTP_RANGE.max,
      // All load comes from 127.0.0.1: the ban would stop the bench, not an attacker.
      sipAuthBanFailures: 100_000,
      registerMinExpires: 60,
      registerMaxExpires: 3600,
    },
  );
  const store = await openStore({ kind: 'pglite' });
  await store.migrate();
  const running = await startServer(config, pino({ level: 'silent' }), store, { digestAlgorithms: ['MD5'] });
  const pbx = running.pbx as Pbx;
  const addr = running.app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const post = (path: string, body: unknown, cookie = '') =>
    fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify(body),
    });
  const email = `bench-${Date.now()}@calls-bench.example`;
  const password = 'bench password 123';
  const signup = await post('/api/signup', {
    email,
    password,
    companyName: 'Calls Bench',
    firstName: 'B',
    lastName: 'B',
    country: 'LV',
    timeZone: 'UTC',
  });
  if (signup.status !== 202) throw new Error(`sign-up: ${signup.status} ${await signup.text()}`);
  const mail = (await running.app.services.outbox?.list(1, undefined, email))?.[0];
  const token = /token=([\w-]+)/.exec(mail?.text ?? '')?.[1];
  await post('/api/auth/verify-email', { token });
  const login = await post('/api/auth/login', { email, password });
  const user = ((await login.json()) as { user: { tenantId: string } }).user;
  const [tenant] = await store.db.select().from(tenants).where(eq(tenants.id, user.tenantId));
  if (!tenant) throw new Error('no tenant');
  const domain = tenant.sipDomain.toLowerCase();
  // The caller, the callee and USERS lines for the registrar: people and lines written
  // directly (as test/helpers/lines.ts does), then the directory reloaded.
  const names = [CALLER, CALLEE, ...regUsers().map((u) => u.username)];
  for (let i = 0; i < names.length; i += 250) {
    const chunk = names.slice(i, i + 250).map((ext) => ({ ext, personId: newId() }));
    await store.db.insert(people).values(
      chunk.map((c) => ({
        id: c.personId,
        tenantId: tenant.id,
        firstName: 'Ext',
        lastName: c.ext,
        extension: c.ext,
      })),
    );
    await store.db.insert(lines).values(
      chunk.map((c) => ({
        id: newId(),
        tenantId: tenant.id,
        personId: c.personId,
        sipUsername: c.ext,
        ...lineCredentials(c.ext, tenant.sipDomain, PASSWORD),
      })),
    );
  }
  await pbx.directory.reload();
  return {
    running,
    pbx,
    domain,
    remote: `127.0.0.1:${pbx.sipPort}`,
    async close() {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const regUsers = () =>
  Array.from({ length: USERS }, (_, i) => ({ username: String(20000 + i), password: PASSWORD }));

const auth = (user: string) => `[authentication username=${user} password=${PASSWORD}]`;
const pct = (part: number, whole: number) => (whole > 0 ? (100 * part) / whole : 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r1 = (n: number) => Math.round(n * 10) / 10;

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(50);
  }
  return true;
}

/** Event loop delay of this process (the SIP stack's thread), per step. */
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();

// --- 1. REGISTER -----------------------------------------------------------------------------

interface RegTarget {
  label: string;
  remote: string;
  domain: string;
  cpu: () => number;
}

async function registerRamp(t: RegTarget): Promise<{ best: number; rows: Row[] }> {
  const rows: Row[] = [];
  let best = 0;
  const inject = ['SEQUENTIAL', ...regUsers().map((u) => `${u.username};${t.domain};${auth(u.username)}`)];
  for (const rate of REG_RATES) {
    const { port, mediaPort } = await sippPorts();
    const server = cpuMeter(t.cpu);
    const others = othersMeter();
    loop.reset();
    const drops0 = udpReceiveDrops();
    // Which socket drops: the registrar's (counted across the step) or sipp's (sampled while it lives).
    const targetPort = Number(t.remote.split(':').pop());
    const targetDrops0 = udpDropsByPort().get(targetPort) ?? 0;
    let sippDrops = 0;
    const started = performance.now();
    const sipp = startSipp({
      scenario: 'reg.xml',
      remote: t.remote,
      port,
      mediaPort,
      inject,
      rate,
      calls: rate * REG_STEP_S,
      extra: ['-recv_timeout', '5000'],
    });
    const gen = cpuMeter(() => sipp.cpu());
    let genCpu = { seconds: 0, percent: 0 };
    const sample = setInterval(() => {
      genCpu = gen();
      sippDrops = Math.max(sippDrops, udpDropsByPort().get(port) ?? 0);
    }, 500);
    const { killed } = await finish(sipp, (REG_STEP_S + 20) * 1000);
    clearInterval(sample);
    const targetDrops = (udpDropsByPort().get(targetPort) ?? 0) - targetDrops0;
    const wall = (performance.now() - started) / 1000;
    const s = sipp.stats() ?? emptyStats();
    const srv = server();
    const failRatio = s.created > 0 ? s.failed / s.created : 1;
    const achieved = s.successful / wall;
    rows.push({
      target: t.label,
      'rate/s': rate,
      registers: s.created,
      failed: s.failed,
      'fail %': r1(pct(s.failed, s.created)),
      retrans: s.retransmissions,
      'udp drops': udpReceiveDrops() - drops0,
      [`at ${t.label}`]: targetDrops,
      'at sipp': sippDrops,
      'achieved/s': Math.round(achieved),
      [`${t.label} CPU %`]: Math.round(srv.percent),
      'sipp CPU %': Math.round(genCpu.percent),
      'others CPU %': Math.round(others()),
      ...(t.label === 'switchboard'
        ? { 'loop p99 ms': loop.percentile(99) / 1e6, 'loop max ms': loop.max / 1e6 }
        : {}),
      ...(killed ? { note: 'sipp killed (stuck)' } : {}),
    });
    const ok = failRatio < FAIL_LIMIT && achieved >= 0.9 * rate && !killed;
    if (ok) best = rate;
    else break;
    await sleep(1000);
  }
  return { best, rows };
}

function emptyStats(): SippStats {
  return {
    created: 0,
    successful: 0,
    failed: 0,
    retransmissions: 0,
    timeouts: 0,
    unexpected: 0,
    current: 0,
    elapsedS: 0,
  };
}

async function registerSection(sut: Sut): Promise<void> {
  console.log(
    `\n== 1. REGISTER with digest auth (401, then authorised REGISTER; ${USERS} users from an -inf CSV, ${REG_STEP_S} s per rate, the first rate with >= 0.1% failures or < 90% of the target achieved ends the ramp)`,
  );
  const ours = await registerRamp({
    label: 'switchboard',
    remote: sut.remote,
    domain: sut.domain,
    cpu: () => cpuSeconds('self'),
  });
  printTable('Switchboard registrar', ours.rows);
  let theirs: { best: number; rows: Row[] } | null = null;
  // BENCH_KAMAILIO=0 skips the baseline (for profiling our side alone).
  const missing = process.env.BENCH_KAMAILIO === '0' ? 'BENCH_KAMAILIO=0' : kamailioAvailable();
  if (missing) console.log(`Kamailio not run: ${missing}`);
  else {
    const k = await startKamailio(regUsers());
    try {
      theirs = await registerRamp({
        label: 'kamailio',
        remote: `127.0.0.1:${KAMAILIO_PORT}`,
        domain: '127.0.0.1',
        cpu: () => k.cpu(),
      });
    } finally {
      await k.close();
    }
    printTable(
      'Kamailio 5.6 registrar (shared config, 4 children, db_text subscribers, usrloc in memory)',
      theirs.rows,
    );
  }
  printTable('REGISTER/s with < 0.1% failures', [
    {
      switchboard: ours.best,
      kamailio: theirs?.best ?? 'not run',
      'ratio (aim >= 0.5)': theirs?.best ? ours.best / theirs.best : 'n/a',
    },
  ]);
}

// --- 2, 3, 5. calls per second, post-dial delay, CPU per call ---------------------------------

interface Callee {
  sipp: SippRun;
  port: number;
  mediaPort: number;
  close(): Promise<void>;
}

/** A sipp UAS registered as `ext` (register_contact.xml, a second sipp for one REGISTER). */
async function startCallee(sut: Sut, scenario: string, extra: string[] = []): Promise<Callee> {
  const { port, mediaPort } = await sippPorts();
  const sipp = startSipp({ scenario, port, mediaPort, extra });
  await sleep(300);
  await registerCallee(sut, port);
  return { sipp, port, mediaPort, close: () => sipp.stop() };
}

async function registerCallee(sut: Sut, calleePort: number): Promise<void> {
  const { port, mediaPort } = await sippPorts();
  const reg = startSipp({
    scenario: 'register_contact.xml',
    remote: sut.remote,
    port,
    mediaPort,
    calls: 1,
    inject: ['SEQUENTIAL', `${CALLEE};${sut.domain};${auth(CALLEE)};${calleePort}`],
    extra: ['-timeout', '10s'],
  });
  const { code } = await finish(reg, 15_000);
  if (code !== 0) throw new Error(`callee registration failed (sipp exit ${code}): ${reg.errors()}`);
  releasePort(port);
}

interface CallStep {
  rate: number;
  stats: SippStats;
  calleeFailed: number;
  wallS: number;
  server: { seconds: number; percent: number };
  caller: { seconds: number; percent: number };
  callee: { seconds: number; percent: number };
  othersPercent: number;
  /** sipp's rtd samples (1 ms ticks of its event loop). */
  pdd: number[];
  /** From -trace_msg timestamps (microseconds), when traced. */
  pddTrace: number[];
  leftover: number;
  killed: boolean;
  errors: string;
}

async function callStep(
  sut: Sut,
  callee: Callee,
  rate: number,
  seconds: number,
  trace = false,
): Promise<CallStep> {
  await registerCallee(sut, callee.port);
  const { port, mediaPort } = await sippPorts();
  const calleeBefore = callee.sipp.stats()?.failed ?? 0;
  const server = cpuMeter(() => cpuSeconds('self'));
  const calleeCpu = cpuMeter(() => callee.sipp.cpu());
  const others = othersMeter();
  const started = performance.now();
  const sipp = startSipp({
    scenario: 'caller.xml',
    remote: sut.remote,
    port,
    mediaPort,
    inject: ['SEQUENTIAL', `${CALLER};${sut.domain};${auth(CALLER)};${CALLEE}`],
    rate,
    calls: rate * seconds,
    limit: rate * 10,
    rtt: true,
    extra: [
      '-d',
      String(HOLD_MS),
      '-recv_timeout',
      '10000',
      '-pause_msg_ign',
      ...(trace ? ['-trace_msg', '-message_file', 'messages.log'] : []),
    ],
  });
  const callerCpuMeter = cpuMeter(() => sipp.cpu());
  let caller = { seconds: 0, percent: 0 };
  const sample = setInterval(() => {
    caller = callerCpuMeter();
  }, 500);
  const { killed } = await finish(sipp, (seconds + 40) * 1000);
  clearInterval(sample);
  const wallS = (performance.now() - started) / 1000;
  const srv = server();
  const cal = calleeCpu();
  const othersPercent = others();
  const leftover = (await waitFor(() => sut.pbx.calls.size === 0, 10_000)) ? 0 : sut.pbx.calls.size;
  await sleep(1200); // the callee's timewait, so its failure count is final
  const stats = sipp.stats() ?? emptyStats();
  const step: CallStep = {
    rate,
    stats,
    calleeFailed: (callee.sipp.stats()?.failed ?? 0) - calleeBefore,
    wallS,
    server: srv,
    caller,
    callee: cal,
    othersPercent,
    pdd: sipp.rtt().get('pdd') ?? [],
    pddTrace: trace ? pddFromTrace(join(sipp.dir, 'messages.log')) : [],
    leftover,
    killed,
    errors: sipp.errors(),
  };
  rmSync(sipp.dir, { recursive: true, force: true });
  return step;
}

function callRow(s: CallStep): Row {
  return {
    'rate/s': s.rate,
    calls: s.stats.created,
    failed: s.stats.failed,
    'fail %': r1(pct(s.stats.failed, s.stats.created)),
    'callee failed': s.calleeFailed,
    retrans: s.stats.retransmissions,
    'achieved/s': Math.round(s.stats.successful / Math.max(1, s.wallS - HOLD_MS / 1000 - 0.5)),
    'switchboard CPU %': Math.round(s.server.percent),
    'caller sipp %': Math.round(s.caller.percent),
    'callee sipp %': Math.round(s.callee.percent),
    'others CPU %': Math.round(s.othersPercent),
    ...(s.leftover ? { 'calls left': s.leftover } : {}),
    ...(s.killed ? { note: 'sipp killed (stuck)' } : {}),
  };
}

const stepOk = (s: CallStep) =>
  !s.killed &&
  s.stats.created > 0 &&
  s.stats.failed / s.stats.created < FAIL_LIMIT &&
  s.stats.successful / Math.max(1, s.wallS - HOLD_MS / 1000 - 0.5) >= 0.85 * s.rate;

async function callsSection(sut: Sut): Promise<void> {
  console.log(
    `\n== 2. Calls per second through the B2BUA: INVITE, 407, ACK, INVITE with credentials, 180, 200, ACK, ${HOLD_MS} ms, BYE; media anchored on two RTP endpoints per call (no RTP sent by the phones, ringback played to the caller); one caller line, the callee a sipp UAS registered as extension ${CALLEE}; ${CALL_STEP_S} s per rate`,
  );
  const callee = await startCallee(sut, 'callee.xml');
  try {
    const steps: CallStep[] = [];
    let best = 0;
    for (const rate of CALL_RATES) {
      const s = await callStep(sut, callee, rate, CALL_STEP_S);
      steps.push(s);
      if (!stepOk(s)) {
        if (s.errors)
          console.log(`first failures at ${rate}/s (sipp error log):\n${s.errors.slice(0, 1200)}`);
        break;
      }
      best = rate;
      await sleep(1000);
    }
    printTable('Call ramp (achieved/s: completed calls over the run time less the hold)', steps.map(callRow));
    printTable('Calls per second with < 0.1% failed calls', [
      { switchboard: best, 'asterisk (README, not run)': ASTERISK.cps, ratio: best / ASTERISK.cps },
    ]);
    if (best === 0) return;

    const half = Math.max(50, Math.round(best / 2 / 50) * 50);
    const pddS = quick ? 5 : 10;
    console.log(
      `\n== 3. Post-dial delay at ${half} calls/s (half the highest clean rate), ${pddS} s with sipp's message trace`,
    );
    const p = await callStep(sut, callee, half, pddS, true);
    const pddRow = (source: string, v: number[]): Row => ({
      source,
      samples: v.length,
      'p50 ms': percentile(v, 0.5),
      'p90 ms': percentile(v, 0.9),
      'p99 ms': percentile(v, 0.99),
      'max ms': v.length ? Math.max(...v) : Number.NaN,
    });
    printTable(
      `Post-dial delay, authorised INVITE sent to 180 received, at the caller (${half}/s; ${p.stats.failed} failed of ${p.stats.created}; others CPU ${Math.round(p.othersPercent)}%)`,
      [pddRow('-trace_msg timestamps (us)', p.pddTrace), pddRow('sipp rtd (1 ms ticks)', p.pdd)],
    );

    const steadyS = quick ? 10 : 30;
    console.log(`\n== 5. CPU per call: ${steadyS} s at ${half} calls/s, no tracing`);
    await sleep(1000);
    const s = await callStep(sut, callee, half, steadyS);
    printTable('Steady rate', [callRow(s)]);
    const done = Math.max(1, s.stats.successful);
    printTable('CPU per call (ms of CPU per completed call, per process)', [
      {
        'rate/s': half,
        calls: s.stats.successful,
        failed: s.stats.failed,
        'switchboard ms/call': (1000 * s.server.seconds) / done,
        'caller sipp ms/call': (1000 * s.caller.seconds) / done,
        'callee sipp ms/call': (1000 * s.callee.seconds) / done,
        'switchboard CPU %': Math.round(s.server.percent),
        'others CPU %': Math.round(s.othersPercent),
      },
    ]);
  } finally {
    await callee.close();
  }
}

// --- 4. concurrent calls with RTP --------------------------------------------------------------

interface EpSnap {
  received: number;
  lost: number;
  sent: number;
  port: number | undefined;
}

async function snapshot(pbx: Pbx): Promise<Map<string, EpSnap>> {
  const ids = pbx.calls.endpoints();
  const out = new Map<string, EpSnap>();
  await Promise.all(
    ids.map(async (id) => {
      try {
        const s = await pbx.media.stats(id);
        out.set(id, {
          received: s.packetsReceived,
          lost: s.packetsLost,
          sent: s.packetsSent,
          port: s.latched?.port,
        });
      } catch {}
    }),
  );
  return out;
}

async function rtpSection(sut: Sut): Promise<void> {
  console.log(
    `\n== 4. Concurrent anchored calls with RTP: the caller sipp plays g711a.pcap (PCMA, 30 ms packets, looped with continuous sequence numbers), the callee sipp echoes (-rtp_echo); calls set up at ${RTP_SETUP_RATE}/s, then a ${RTP_WINDOW_S} s window with every call up; loss from our endpoints' RFC 3550 counters over the window`,
  );
  const rows: Row[] = [];
  const lossRows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'bench-calls-rtp-'));
  try {
    for (const n of RTP_CALLS) {
      const rampS = n / RTP_SETUP_RATE;
      const holdMs = Math.round((rampS + 3 + RTP_WINDOW_S + 2) * 1000);
      const pcap = join(dir, `g711a-${holdMs}.pcap`);
      const { ptimeMs } = loopedPcap(pcap, holdMs + 1000);
      const scenario = join(dir, `caller_rtp_${holdMs}.xml`);
      writeFileSync(
        scenario,
        readFileSync(scenarioPath('caller_rtp.xml.in'), 'utf8')
          .replaceAll('@PCAP@', pcap)
          .replaceAll('@HOLD_MS@', String(holdMs)),
      );
      const callee = await startCallee(sut, 'callee_rtp.xml', ['-rtp_echo']);
      const calleeMedia = callee.mediaPort;
      try {
        const { port, mediaPort } = await sippPorts();
        const caller = startSipp({
          scenario,
          remote: sut.remote,
          port,
          mediaPort,
          inject: ['SEQUENTIAL', `${CALLER};${sut.domain};${auth(CALLER)};${CALLEE}`],
          rate: RTP_SETUP_RATE,
          calls: n,
          limit: n,
          extra: ['-recv_timeout', '15000', '-pause_msg_ign'],
        });
        const up = await waitFor(() => sut.pbx.calls.size >= n, (rampS + 10) * 1000);
        await sleep(2000);
        const calls = sut.pbx.calls.size;
        const t1 = await snapshot(sut.pbx);
        const drops1 = udpDropsByPort();
        const server = cpuMeter(() => cpuSeconds('self'));
        const callerCpu = cpuMeter(() => caller.cpu());
        const calleeCpu = cpuMeter(() => callee.sipp.cpu());
        const others = othersMeter();
        const w0 = performance.now();
        await sleep(RTP_WINDOW_S * 1000);
        const srv = server();
        const cal = callerCpu();
        const cee = calleeCpu();
        const oth = others();
        const drops2 = udpDropsByPort();
        const t2 = await snapshot(sut.pbx);
        // Where datagrams were dropped for a full socket buffer: the phones' media sockets or ours.
        const dropped = (match: (port: number) => boolean) => {
          let n = 0;
          for (const [port, d] of drops2) if (match(port)) n += d - (drops1.get(port) ?? 0);
          return n;
        };
        const windowS = (performance.now() - w0) / 1000;
        const callsAtEnd = sut.pbx.calls.size;
        // Our side facing the caller hears the pcap; the side facing the callee hears the echo.
        const sides = new Map<string, { eps: number; received: number; lost: number; sent: number }>();
        for (const [id, b] of t2) {
          const a = t1.get(id);
          if (!a) continue;
          const side =
            b.port === calleeMedia
              ? 'callee side (echo)'
              : b.port === mediaPort
                ? 'caller side (pcap)'
                : `other (${b.port ?? 'not latched'})`;
          const acc = sides.get(side) ?? { eps: 0, received: 0, lost: 0, sent: 0 };
          acc.eps++;
          acc.received += b.received - a.received;
          acc.lost += b.lost - a.lost;
          acc.sent += b.sent - a.sent;
          sides.set(side, acc);
        }
        const { code, killed } = await finish(caller, (holdMs / 1000 + rampS + 40) * 1000);
        const st = caller.stats() ?? emptyStats();
        await waitFor(() => sut.pbx.calls.size === 0, 10_000);
        for (const [side, acc] of sides) {
          const expected = acc.received + Math.max(0, acc.lost);
          // Lost on the echo path but dropped by the callee sipp's own media socket: not ours.
          const sippDrops = side.startsWith('callee')
            ? dropped((p) => p >= calleeMedia && p < calleeMedia + 4)
            : 0;
          lossRows.push({
            calls: n,
            side,
            endpoints: acc.eps,
            received: acc.received,
            'expected (seq)': expected,
            'expected (clock)': Math.round((acc.eps * windowS * 1000) / ptimeMs),
            lost: acc.lost,
            'loss %': Number(pct(Math.max(0, acc.lost), expected).toFixed(3)),
            'dropped by sipp echo': sippDrops,
            'loss % not sipp': Number(pct(Math.max(0, acc.lost - sippDrops), expected).toFixed(3)),
            'sent by us': acc.sent,
          });
        }
        const ref = ASTERISK.rtp[n];
        rows.push({
          calls: n,
          'all up': up ? 'yes' : `no (${calls})`,
          'up at end': callsAtEnd,
          failed: st.failed,
          'switchboard CPU %': Math.round(srv.percent),
          'asterisk CPU % (README)': ref ?? 'n/a',
          'ratio to asterisk': ref ? srv.percent / ref : 'n/a',
          'caller sipp %': Math.round(cal.percent),
          'callee sipp %': Math.round(cee.percent),
          'others CPU %': Math.round(oth),
          'drops: our RTP sockets': dropped((p) => p >= RTP_RANGE.min && p <= RTP_RANGE.max),
          'drops: callee sipp media': dropped((p) => p >= calleeMedia && p < calleeMedia + 4),
          'drops: caller sipp media': dropped((p) => p >= mediaPort && p < mediaPort + 4),
          ...(killed || code !== 0 ? { note: `sipp exit ${code}${killed ? ' (killed)' : ''}` } : {}),
        });
        rmSync(caller.dir, { recursive: true, force: true });
      } finally {
        await callee.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(
    `RTP loss on our endpoints over the ${RTP_WINDOW_S} s window (RFC 3550 received/lost deltas)`,
    lossRows,
  );
  printTable('Concurrent calls with RTP: CPU over the window', rows);
}

// --- main --------------------------------------------------------------------------------------

export default async function main(): Promise<void> {
  const workers =
    Number(process.env.BENCH_MEDIA_WORKERS ?? 0) || Math.max(1, Math.min(availableParallelism(), 4));
  console.log(
    `${quick ? 'quick' : 'full'} run; sections: ${(chosen.length ? chosen : SECTIONS).join(', ')}; ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`,
  );
  console.log(
    `Switchboard runs in this process (startServer on PGlite, SIP over UDP, ${workers} media worker threads, CDRs written); its CPU is this process's /proc/self/stat (all threads). sipp 3.6 and Kamailio are child processes, measured from their /proc/PID/stat. CPU % is of one core; the host has ${availableParallelism()} and shares them with the load generators and with any other work ("others CPU %").`,
  );
  console.log(`load average at start: ${loadAverage()}`);
  const sut = await startSwitchboard();
  try {
    if (run('register')) await registerSection(sut);
    if (run('calls')) await callsSection(sut);
    if (run('rtp')) await rtpSection(sut);
  } finally {
    console.log(`\nload average at end: ${loadAverage()}`);
    await sut.close();
  }
}
