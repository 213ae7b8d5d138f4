// Media engine figures: (a) relay capacity against a plain dgram relay, (b) clock timing of
// 1,000 played streams, (c) CPU per recorded call and per conference participant.
// `npm run bench -- media [quick]` prints them; nothing is asserted.
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../src/media/engine/worker-loader.ts';
import { createAnswer, MediaEngine, parseSdp } from '../src/media/index.ts';
import { percentile, printTable, type Row } from './lib/figures.ts';
import { closePhones, drive, lossRatio, openPhones, type Phone, resetCounts } from './media/traffic.ts';

const quick = process.argv.includes('quick');
const STEP_MS = quick ? 1000 : 2000;
// Below Linux's ephemeral range (32768+), where the load generator's own sockets land.
const PORTS = { portMin: 12000, portMax: 21999 };

function offerFor(port: number): string {
  return [
    'v=0',
    'o=b 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
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

async function relayStep(pairs: number, kind: 'engine' | 'dgram'): Promise<number> {
  const phones = await openPhones(pairs * 2);
  let cleanup: () => Promise<void>;
  if (kind === 'engine') {
    const engine = new MediaEngine(PORTS);
    const ids = await attach(engine, phones);
    for (let i = 0; i < ids.length; i += 2) await engine.bridge(ids[i] as string, ids[i + 1] as string);
    cleanup = () => engine.stop();
  } else {
    // As many relay threads as the engine has workers, each with a share of the pairs.
    const workers = Array.from({ length: availableParallelism() }, () =>
      startWorker('./media/dgram-relay', import.meta.url),
    );
    const ask = <T>(worker: Worker, msg: unknown) =>
      new Promise<T>((resolve) => {
        worker.once('message', resolve);
        worker.postMessage(msg);
      });
    const shares = workers.map((_, w) => phones.filter((_p, i) => (i >> 1) % workers.length === w));
    await Promise.all(
      workers.map(async (worker, w) => {
        const share = shares[w] as Phone[];
        const ports = await ask<number[]>(worker, { open: share.length });
        share.forEach((p, i) => {
          p.target = ports[i] as number;
        });
        await ask(worker, { targets: share.map((p) => p.port) });
      }),
    );
    cleanup = async () => {
      await Promise.all(workers.map((worker) => ask(worker, 'close')));
      await Promise.all(workers.map((worker) => worker.terminate()));
    };
  }
  // Warm up (latching, JIT), then measure.
  await drive(phones, 400);
  resetCounts(phones);
  await drive(phones, STEP_MS);
  const loss = lossRatio(phones);
  await cleanup();
  await closePhones(phones);
  return loss;
}

async function relayCapacity(): Promise<void> {
  const steps = quick ? [50, 150, 300] : [400, 800, 1200, 1600, 2000];
  const rows: Row[] = [];
  const best = { engine: 0, dgram: 0 };
  for (const kind of ['dgram', 'engine'] as const) {
    for (const pairs of steps) {
      const loss = await relayStep(pairs, kind);
      rows.push({ relay: kind, pairs, 'packets/s': pairs * 2 * 50, 'loss %': loss * 100 });
      if (loss >= 0.001) break;
      best[kind] = pairs;
    }
  }
  printTable('(a) relay: G.711 call pairs (50 packets/s each way) forwarded over loopback', rows);
  printTable('(a) relay capacity with under 0.1% loss', [
    {
      'dgram pairs': best.dgram,
      'engine pairs': best.engine,
      'engine packets/s': best.engine * 100,
      'ratio %': best.dgram ? (best.engine / best.dgram) * 100 : 0,
    },
  ]);
}

async function timing(): Promise<void> {
  const streams = quick ? 200 : 1000;
  const seconds = quick ? 2 : 5;
  const engine = new MediaEngine(PORTS);
  const sink = createSocket('udp4');
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
  const sinkPort = sink.address().port;
  const last = new Map<number, { arrival: number; ts: number; jitter: number }>();
  const gaps: number[] = [];
  const jitters = new Map<number, number>();
  let measuring = false;
  sink.on('message', (buf) => {
    const arrival = performance.now();
    const ssrc = buf.readUInt32BE(8);
    const ts = buf.readUInt32BE(4);
    const prev = last.get(ssrc);
    if (prev && measuring) {
      gaps.push(arrival - prev.arrival);
      // RFC 3550 A.8 in milliseconds: D = (arrival difference) - (timestamp difference).
      const d = Math.abs(arrival - prev.arrival - ((ts - prev.ts) | 0) / 8);
      prev.jitter += (d - prev.jitter) / 16;
      jitters.set(ssrc, prev.jitter);
    }
    last.set(ssrc, { arrival, ts, jitter: prev?.jitter ?? 0 });
  });
  const ids: string[] = [];
  for (let i = 0; i < streams; i++) ids.push((await openEndpoint(engine, `s${i}`, sinkPort)).id);
  for (const id of ids) await engine.play(id, { kind: 'tone', tone: 'dial' }, { loop: true });
  await new Promise((r) => setTimeout(r, 1000));
  measuring = true;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  await engine.stop();
  sink.close();
  const j = [...jitters.values()];
  printTable(`(b) timing: ${streams} played streams for ${seconds} s, measured at one receiving socket`, [
    {
      streams: jitters.size,
      packets: gaps.length,
      'jitter mean ms': j.reduce((a, b) => a + b, 0) / Math.max(1, j.length),
      'jitter p99 ms': percentile(j, 0.99),
      'gap p50 ms': percentile(gaps, 0.5),
      'gap p99 ms': percentile(gaps, 0.99),
      'gap p99.9 ms': percentile(gaps, 0.999),
      'gap max ms': percentile(gaps, 1),
    },
  ]);
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
  await relayCapacity();
  await timing();
  await cpuCosts();
}
