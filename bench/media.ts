// Media engine figures: (a) relay capacity against a plain dgram relay, (b) clock timing of
// 1,000 played streams, (c) CPU per recorded call and per conference participant.
// `npm run bench -- media [quick]` prints them; nothing is asserted.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../src/media/engine/worker-loader.ts';
import { createAnswer, MediaEngine, parseSdp } from '../src/media/index.ts';
import { percentile, printTable, type Row } from './lib/figures.ts';
import { fdHeadroom, PhoneFleet, Sink } from './lib/udp-shards.ts';
import { closePhones, drive, openPhones, type Phone } from './media/traffic.ts';

const quick = process.argv.includes('quick');
const STEP_MS = quick ? 1000 : 2000;
// Below Linux's ephemeral range (32768+), where the load generator's own sockets land.
const PORTS = { portMin: 12000, portMax: 21999 };
// The relay ramp needs more: every even port from 10000 to the ephemeral range.
const RELAY_PORTS = { portMin: 10000, portMax: 32767 };

function offerFor(port: number): string {
  return [
    'v=0',
    'o=b 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    // These phones do no RTCP: ours goes to the discard port, not to port + 1, which is often
    // another phone or sink socket that would count it as a relayed or played packet.
    'a=rtcp:9',
    '',
  ].join('\r\n');
}

/** An engine endpoint whose negotiated peer is 127.0.0.1:remotePort. */
async function openEndpoint(
  engine: MediaEngine,
  group: string,
  remotePort: number,
): Promise<{ id: string; port: number }> {
  const ep = await engine.allocateEndpoint({ group, inactivityMs: 0 });
  const { negotiated } = createAnswer(parseSdp(offerFor(remotePort)), { address: ep.address, port: ep.port });
  await engine.configureEndpoint(ep.id, negotiated);
  return ep;
}

/** Endpoint i answers phone i; `groupOf` keeps what will be bridged or mixed on one worker. */
async function attach(
  engine: MediaEngine,
  phones: Phone[],
  groupOf = (i: number) => `g${i >> 1}`,
): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, phone] of phones.entries()) {
    const ep = await openEndpoint(engine, groupOf(i), phone.port);
    phone.target = ep.port;
    ids.push(ep.id);
  }
  return ids;
}

interface Step {
  relay: 'engine' | 'dgram';
  pairs: number;
  sent: number;
  received: number;
  loss: number;
  /** Packets per second the phones really sent, against the 100 per pair asked. */
  achieved: number;
  /** CPU of this process (the relay's threads) per packet relayed, in µs. */
  cpuUsPerPacket: number;
  /** Why the step could not run (descriptors, ports), if it could not. */
  failed?: string;
}

/**
 * Phones that fall this far behind their schedule do not offer the load the step claims (a
 * short stall of the host is caught up in a burst; a host out of CPU is not).
 */
const MIN_ACHIEVED = 0.8;

/** How many pairs each relay can open on this host before descriptors or ports run out. */
function relayLimits(): Record<Step['relay'], { pairs: number; by: string }> {
  let ephemeral = 28_000;
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    ephemeral = (hi as number) - (lo as number) + 1;
  } catch {}
  const fds = fdHeadroom() - 500; // workers, pipes, the runtime's own
  const poolEndpoints = Math.floor((RELAY_PORTS.portMax - RELAY_PORTS.portMin) / 2);
  // Engine: RTP and RTCP socket per endpoint, in this process; phones in child processes, on ephemeral ports.
  const engine = [
    { pairs: Math.floor(fds / 4), by: `descriptors (ulimit -n, ${fds + 500} free)` },
    { pairs: Math.floor(poolEndpoints / 2), by: `RTP port pool (${poolEndpoints} endpoints)` },
    { pairs: Math.floor((ephemeral - 1000) / 2), by: `ephemeral ports (${ephemeral}) for phones` },
  ];
  // Baseline: one socket per phone in this process, phones and relay sockets both ephemeral.
  const dgram = [
    { pairs: Math.floor(fds / 2), by: `descriptors (ulimit -n, ${fds + 500} free)` },
    { pairs: Math.floor((ephemeral - 1000) / 4), by: `ephemeral ports (${ephemeral}) for phones and relay` },
  ];
  const least = (l: { pairs: number; by: string }[]) => l.reduce((a, b) => (b.pairs < a.pairs ? b : a));
  return { engine: least(engine), dgram: least(dgram) };
}

async function openEngineRelay(
  phonePorts: number[],
): Promise<{ targets: number[]; close: () => Promise<void> }> {
  const engine = new MediaEngine(RELAY_PORTS);
  const targets: number[] = new Array(phonePorts.length);
  const ids: string[] = new Array(phonePorts.length);
  try {
    for (let from = 0; from < phonePorts.length; from += 200) {
      await Promise.all(
        phonePorts.slice(from, from + 200).map(async (port, k) => {
          const i = from + k;
          const ep = await openEndpoint(engine, `g${i >> 1}`, port);
          targets[i] = ep.port;
          ids[i] = ep.id;
        }),
      );
    }
    for (let i = 0; i < ids.length; i += 2) await engine.bridge(ids[i] as string, ids[i + 1] as string);
  } catch (e) {
    await engine.stop();
    throw e;
  }
  return { targets, close: () => engine.stop() };
}

async function openDgramRelay(
  phonePorts: number[],
): Promise<{ targets: number[]; close: () => Promise<void> }> {
  // As many relay threads as the engine has workers, each with a share of the pairs.
  const workers = Array.from({ length: availableParallelism() }, () =>
    startWorker('./media/dgram-relay', import.meta.url),
  );
  const ask = <T>(worker: Worker, msg: unknown) =>
    new Promise<T>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage(msg);
    });
  const targets: number[] = new Array(phonePorts.length);
  const share = (w: number) => phonePorts.map((_, i) => i).filter((i) => (i >> 1) % workers.length === w);
  await Promise.all(
    workers.map(async (worker, w) => {
      const mine = share(w);
      const ports = await ask<number[]>(worker, { open: mine.length });
      mine.forEach((i, k) => {
        targets[i] = ports[k] as number;
      });
      await ask(worker, { targets: mine.map((i) => phonePorts[i]) });
    }),
  );
  return {
    targets,
    close: async () => {
      await Promise.all(workers.map((worker) => ask(worker, 'close')));
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}

async function relayStep(pairs: number, relay: Step['relay']): Promise<Step> {
  // The phones live in child processes with large receive buffers, so the load generator is
  // not what loses packets (it used to share the main thread with everything else).
  const fleet = await PhoneFleet.open(pairs * 2, availableParallelism());
  try {
    const opened = await (relay === 'engine' ? openEngineRelay : openDgramRelay)(fleet.ports).catch(
      (e: Error) => e,
    );
    if (opened instanceof Error)
      return {
        relay,
        pairs,
        sent: 0,
        received: 0,
        loss: 1,
        achieved: 0,
        cpuUsPerPacket: 0,
        failed: opened.message,
      };
    try {
      await fleet.setTargets(opened.targets);
      await fleet.drive(400); // latching, JIT
      // The phones' schedule slips when the host is short of CPU: they then send less than
      // asked and a relay "keeps up" with a lighter load. The achieved rate is checked.
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      const { sent, received } = await fleet.drive(STEP_MS);
      const sendingMs = performance.now() - t0 - 300; // drive() waits 300 ms for stragglers
      const used = process.cpuUsage(cpu);
      return {
        relay,
        pairs,
        sent,
        received,
        loss: sent === 0 ? 0 : Math.max(0, 1 - received / sent),
        achieved: sent / (sendingMs / 1000),
        cpuUsPerPacket: (used.user + used.system) / Math.max(1, received),
      };
    } finally {
      await opened.close();
    }
  } finally {
    await fleet.close();
  }
}

/**
 * On a small host the phones and the relay share the cores, and the ramp stops where the host
 * runs out of CPU rather than where the relay does. What each relay spends per packet at the
 * same load does not depend on that: measured in alternating rounds, the median kept.
 */
async function relayEfficiency(): Promise<void> {
  const pairs = quick ? 200 : 1000;
  const rounds = quick ? 3 : 5;
  const us: Record<Step['relay'], number[]> = { engine: [], dgram: [] };
  const worstLoss: Record<Step['relay'], number> = { engine: 0, dgram: 0 };
  for (let r = 0; r < rounds; r++) {
    for (const relay of ['dgram', 'engine'] as const) {
      const step = await relayStep(pairs, relay);
      worstLoss[relay] = Math.max(worstLoss[relay], step.loss);
      if (!step.failed && step.loss < 0.001) us[relay].push(step.cpuUsPerPacket);
    }
  }
  const median = (v: number[]) => percentile(v, 0.5);
  const d = median(us.dgram);
  const e = median(us.engine);
  printTable(
    `(a) relay efficiency: process CPU per relayed packet at ${pairs} pairs, median of the rounds under 0.1% loss (${rounds} alternating)`,
    [
      {
        'dgram µs/packet': d,
        'engine µs/packet': e,
        'engine/dgram % (packets per CPU second)': (d / e) * 100,
        'rounds under 0.1% loss (dgram/engine)': `${us.dgram.length}/${us.engine.length}`,
        'worst loss % (dgram/engine)': `${(worstLoss.dgram * 100).toFixed(2)}/${(worstLoss.engine * 100).toFixed(2)}`,
      },
    ],
  );
}

async function relayCapacity(): Promise<void> {
  const limits = relayLimits();
  const rows: Row[] = [];
  const best: Record<Step['relay'], number> = { engine: 0, dgram: 0 };
  const stoppedBy: Record<Step['relay'], string> = { engine: '', dgram: '' };
  const run = async (relay: Step['relay'], pairs: number): Promise<boolean> => {
    const step = await relayStep(pairs, relay);
    const asked = pairs * 2 * 50;
    const behind = !step.failed && step.achieved < asked * MIN_ACHIEVED;
    rows.push({
      relay,
      pairs,
      'packets/s asked': asked,
      'packets/s sent': Math.round(step.achieved),
      sent: step.sent,
      received: step.received,
      'loss %': step.loss * 100,
      'relay CPU µs/packet': step.cpuUsPerPacket,
      note: step.failed
        ? `could not open: ${step.failed.slice(0, 60)}`
        : behind
          ? 'phones fell behind: load not offered'
          : '',
    });
    const ok = !step.failed && !behind && step.loss < 0.001;
    if (ok) best[relay] = Math.max(best[relay], pairs);
    else
      stoppedBy[relay] = step.failed
        ? `could not open ${pairs} pairs`
        : behind
          ? `phones behind at ${pairs} pairs (host CPU)`
          : `loss at ${pairs} pairs`;
    return ok;
  };
  // Doubling until loss passes 0.1% or a host limit is reached, then two bisection steps.
  const start = quick ? 100 : 500;
  const top = quick ? 800 : 16_000;
  for (const relay of ['dgram', 'engine'] as const) {
    const cap = limits[relay];
    let good = 0;
    let bad = 0;
    for (let pairs = start; pairs <= top; pairs *= 2) {
      const n = Math.min(pairs, cap.pairs);
      if (!(await run(relay, n))) {
        bad = n;
        break;
      }
      good = n;
      if (n === cap.pairs) {
        stoppedBy[relay] = `host limit: ${cap.by}`;
        break;
      }
    }
    if (!bad && !stoppedBy[relay]) stoppedBy[relay] = `no loss up to ${top} pairs`;
    for (let i = 0; bad && i < (quick ? 0 : 2); i++) {
      const mid = Math.round((good + bad) / 2 / 100) * 100;
      if (mid <= good || mid >= bad) break;
      if (await run(relay, mid)) good = mid;
      else bad = mid;
    }
  }
  printTable(
    '(a) relay: G.711 call pairs (50 packets/s each way) forwarded over loopback, phones in child processes',
    rows,
  );
  printTable('(a) relay capacity: most pairs with under 0.1% loss at the full asked rate', [
    {
      'dgram pairs': best.dgram,
      'dgram stopped by': stoppedBy.dgram,
      'engine pairs': best.engine,
      'engine stopped by': stoppedBy.engine,
      'engine packets/s': best.engine * 100,
      'engine/dgram %': best.dgram ? (best.engine / best.dgram) * 100 : 0,
    },
  ]);
  await relayEfficiency();
}

async function timing(): Promise<void> {
  const streams = quick ? 200 : 1000;
  const seconds = quick ? 3 : 10;
  const engine = new MediaEngine(PORTS);
  // The sink: 16 sockets in each of as many child processes as there are cores, 4 MB buffers,
  // arrival stamped with process.hrtime.bigint() in the shard. Stream i goes to socket i mod n.
  const sink = await Sink.open(availableParallelism(), 16);
  const ids: string[] = [];
  for (let i = 0; i < streams; i++) {
    ids.push((await openEndpoint(engine, `s${i}`, sink.ports[i % sink.ports.length] as number)).id);
  }
  for (const id of ids) await engine.play(id, { kind: 'tone', tone: 'dial' }, { loop: true });
  await new Promise((r) => setTimeout(r, 1000));
  await engine.load(); // resets the workers' lateness figures
  await sink.measure();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const f = await sink.report();
  const load = await engine.load();
  await engine.stop();
  await sink.close();
  const j = f.jittersMs;
  printTable(
    `(b) timing: ${streams} played streams for ${seconds} s, received by ${sink.ports.length} sockets in ${availableParallelism()} sink processes`,
    [
      {
        streams: f.streams,
        'jitter mean ms': j.reduce((a, b) => a + b, 0) / Math.max(1, j.length),
        'jitter p99 ms': percentile(j, 0.99),
        'gap p50 ms': f.gapsMs(0.5),
        'gap p99 ms': f.gapsMs(0.99),
        'gap p99.9 ms': f.gapsMs(0.999),
        'gap max ms': f.gapsMs(1),
      },
    ],
  );
  printTable("(b) sink completeness and its own delay (a gap is only the engine's if the sink kept up)", [
    {
      'packets expected': f.expected,
      'packets received': f.received,
      'received %': (f.received / Math.max(1, f.expected)) * 100,
      'sink rcvbuf bytes': f.recvBufferSize,
      'sink loop delay p99.9 ms': f.loopDelayP999Ms,
      'sink loop delay max ms': f.loopDelayMaxMs,
    },
  ]);
  printTable(
    '(b) engine clock while measuring, per worker',
    load.map((w, i) => ({
      worker: i,
      endpoints: w.endpoints,
      'longest tick ms': w.maxTickMs,
      'timer late max ms': w.maxLateMs,
      'ticks >5 ms late': w.lateTicks,
    })),
  );
}

/** Process CPU (all threads) per second of wall time while `phones` send for `ms`. */
async function cpuWhile(phones: Phone[], ms: number): Promise<number> {
  await drive(phones, 300);
  const before = process.cpuUsage();
  const t0 = performance.now();
  await drive(phones, ms);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / ((performance.now() - t0) / 1000);
}

async function cpuCosts(): Promise<void> {
  const calls = quick ? 20 : 100;
  const ms = quick ? 1500 : 3000;
  const dir = await mkdtemp(join(tmpdir(), 'media-bench-'));
  const rows: Row[] = [];
  // Recorded calls: bridged pairs, then the same with a stereo recording on each.
  {
    const phones = await openPhones(calls * 2);
    const engine = new MediaEngine({ ...PORTS, workers: 1 });
    const ids = await attach(engine, phones);
    for (let i = 0; i < ids.length; i += 2) await engine.bridge(ids[i] as string, ids[i + 1] as string);
    const bridged = await cpuWhile(phones, ms);
    const recs: string[] = [];
    for (let i = 0; i < ids.length; i += 2) {
      const path = join(dir, `call${i}.wav`);
      recs.push(
        await engine.startRecording({
          path,
          left: ids[i] as string,
          right: ids[i + 1] as string,
          channels: 2,
        }),
      );
    }
    const recorded = await cpuWhile(phones, ms);
    for (const r of recs) await engine.stopRecording(r);
    rows.push({ what: `${calls} bridged calls`, 'CPU ms/s': bridged, 'per unit ms/s': bridged / calls });
    rows.push({
      what: 'recording, per call',
      'CPU ms/s': recorded - bridged,
      'per unit ms/s': (recorded - bridged) / calls,
    });
    await engine.stop();
    await closePhones(phones);
  }
  // Conference participants: 5-party conferences against the same phones merely received.
  {
    const parties = calls;
    const phones = await openPhones(parties);
    const engine = new MediaEngine({ ...PORTS, workers: 1 });
    const ids: string[] = [];
    for (const [i, phone] of phones.entries()) {
      const ep = await engine.allocateEndpoint({ group: `c${Math.floor(i / 5)}`, inactivityMs: 0 });
      const { negotiated } = createAnswer(parseSdp(offerFor(phone.port)), {
        address: ep.address,
        port: ep.port,
      });
      await engine.configureEndpoint(ep.id, negotiated);
      phone.target = ep.port;
      ids.push(ep.id);
    }
    const idle = await cpuWhile(phones, ms);
    for (let c = 0; c < parties / 5; c++) {
      const conf = await engine.createConference(`c${c}`);
      for (const id of ids.slice(c * 5, c * 5 + 5)) await engine.joinConference(conf, id);
    }
    const mixed = await cpuWhile(phones, ms);
    rows.push({ what: `${parties} endpoints receiving`, 'CPU ms/s': idle, 'per unit ms/s': idle / parties });
    rows.push({
      what: 'conference, per participant',
      'CPU ms/s': mixed - idle,
      'per unit ms/s': (mixed - idle) / parties,
    });
    await engine.stop();
    await closePhones(phones);
  }
  await rm(dir, { recursive: true, force: true });
  printTable('(c) CPU: process CPU time per second (1000 ms/s = one core), load generator included', rows);
}

export default async function main(): Promise<void> {
  // `npm run bench -- media [quick] [relay] [timing] [cpu]`: all three unless some are named.
  const only = ['relay', 'timing', 'cpu'].filter((s) => process.argv.includes(s));
  const runs = (s: string) => only.length === 0 || only.includes(s);
  if (runs('relay')) await relayCapacity();
  if (runs('timing')) await timing();
  if (runs('cpu')) await cpuCosts();
}
