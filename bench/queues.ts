// `npm run bench -- queues`: queue dispatch decisions per second with 1,000 waiting callers and
// 500 agents, for each strategy, with all, 50 or 1 of the agents free when a decision is made.
// The same loop runs on the plain implementation (arrays scanned and sorted per decision,
// bench/lib/queue-baseline.ts, checked by a unit test to make the same choices) for a ratio.
// A decision is one dispatch(): choose the caller and the agent(s), mark them ringing. Between
// decisions (not timed) the agent answers, the oldest call ends to keep the free count steady,
// and a new caller joins the end of the line. Nothing is asserted.

import { QueueDispatcher } from '../src/pbx/queues/dispatcher.ts';
import {
  DEFAULT_QUEUE_SETTINGS,
  type Offer,
  QUEUE_STRATEGIES,
  type QueueMember,
  type QueueStrategy,
  systemClock,
} from '../src/pbx/queues/types.ts';
import { percentile, printTable, type Row } from './lib/figures.ts';
import { BaselineQueue } from './lib/queue-baseline.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
/** Each figure is the median of this many rounds, ours and the baseline taken in turn, so a
 * busy moment on a shared machine hits both alike instead of one of them. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WAITING = 1000;
const AGENTS = 500;
const FREE_LEVELS = [AGENTS, 50, 1];
const TAGS = ['billing', 'sales', 'support', 'latvian', 'english', 'russian'];

interface Subject {
  enqueue(id: string, tags: string[]): void;
  dispatch(): Offer | undefined;
  answered(callerId: string, agentId: string): void;
  callEnded(agentId: string): void;
}

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return (s - 1) / 2147483646;
  };
}

function members(r: () => number): QueueMember[] {
  return Array.from({ length: AGENTS }, (_, i) => {
    const skills: Record<string, number> = {};
    const n = 1 + Math.floor(r() * 3);
    for (let k = 0; k < n; k++)
      skills[TAGS[Math.floor(r() * TAGS.length)] as string] = 1 + Math.floor(r() * 10);
    return { agentId: `agent-${i}`, lines: [`line-${i}`], skills };
  });
}

function callerTags(r: () => number): string[] {
  const n = Math.floor(r() * 3); // 0, 1 or 2 tags: 22 distinct sets over six tags
  return Array.from({ length: n }, () => TAGS[Math.floor(r() * TAGS.length)] as string);
}

function subject(kind: 'switchboard' | 'baseline', strategy: QueueStrategy, now: () => number): Subject {
  const r = rng(42);
  const list = members(r);
  if (kind === 'baseline') {
    const b = new BaselineQueue(strategy, list, now, rng(7));
    for (const m of list) b.login(m.agentId);
    return b;
  }
  const q = new QueueDispatcher({ ...DEFAULT_QUEUE_SETTINGS, strategy, maxSize: 10_000 }, list, {
    ...systemClock,
    now,
    random: rng(7),
  });
  for (const m of list) q.login(m.agentId);
  return {
    enqueue: (id, tags) => q.enqueue({ callerId: id, tags }),
    dispatch: () => q.dispatch(),
    answered: (c, a) => q.answered(c, a),
    callEnded: (a) => q.callEnded(a),
  };
}

interface Result {
  perSecond: number;
  cyclesPerSecond: number;
  p50: number;
  p99: number;
  decisions: number;
}

function run(
  kind: 'switchboard' | 'baseline',
  strategy: QueueStrategy,
  free: number,
  seconds: number,
): Result {
  let t = Date.UTC(2024, 5, 3, 9);
  const now = () => t;
  const s = subject(kind, strategy, now);
  const r = rng(99);
  let n = 0;
  for (; n < WAITING; n++) s.enqueue(`caller-${n}`, callerTags(r));
  const onCall: string[] = [];
  const busyTarget = AGENTS - free;
  const take = (o: Offer | undefined): void => {
    const agent = o?.agents[0]?.agentId;
    if (!o || !agent) throw new Error('no offer while agents are free');
    s.answered(o.callerId, agent);
    onCall.push(agent);
    s.enqueue(`caller-${n++}`, callerTags(r));
  };
  // Fill the calls up to the steady state; not measured.
  while (onCall.length < busyTarget) take(s.dispatch());
  const samples: number[] = [];
  let decisionNs = 0;
  const started = process.hrtime.bigint();
  const end = started + BigInt(Math.round(seconds * 1e9));
  for (;;) {
    const t0 = process.hrtime.bigint();
    const o = s.dispatch();
    const t1 = process.hrtime.bigint();
    const ns = Number(t1 - t0);
    decisionNs += ns;
    samples.push(ns);
    take(o);
    while (onCall.length > busyTarget) s.callEnded(onCall.shift() as string);
    t += 1;
    if (t1 > end) break;
  }
  const wallNs = Number(process.hrtime.bigint() - started);
  return {
    perSecond: samples.length / (decisionNs / 1e9),
    cyclesPerSecond: samples.length / (wallNs / 1e9),
    p50: percentile(samples, 0.5) / 1000,
    p99: percentile(samples, 0.99) / 1000,
    decisions: samples.length,
  };
}

export default async function main(): Promise<void> {
  console.log(
    `${WAITING} callers waiting, ${AGENTS} agents (1-3 skills of ${TAGS.length}, callers 0-2 tags), ` +
      `${SECONDS} s per figure in ${ROUNDS} rounds (median); µs per decision`,
  );
  const rows: Row[] = [];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const mid = (rs: Result[]): Result => ({
    perSecond: median(rs.map((r) => r.perSecond)),
    cyclesPerSecond: median(rs.map((r) => r.cyclesPerSecond)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    decisions: rs.reduce((n, r) => n + r.decisions, 0),
  });
  for (const strategy of QUEUE_STRATEGIES) {
    for (const free of FREE_LEVELS) {
      const mine: Result[] = [];
      const theirs: Result[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        mine.push(run('switchboard', strategy, free, SECONDS / ROUNDS));
        theirs.push(run('baseline', strategy, free, SECONDS / ROUNDS));
      }
      const ours = mid(mine);
      const base = mid(theirs);
      rows.push({
        strategy,
        'free agents': free,
        'decisions/s': Math.round(ours.perSecond),
        'p50 µs': ours.p50,
        'p99 µs': ours.p99,
        'cycles/s': Math.round(ours.cyclesPerSecond),
        'baseline/s': Math.round(base.perSecond),
        'baseline p50 µs': base.p50,
        'baseline p99 µs': base.p99,
        ratio: ours.perSecond / base.perSecond,
      });
    }
  }
  printTable('queue dispatch decisions (one dispatch(): choose caller and agents, mark them ringing)', rows);
  console.log(
    '\ncycles/s: decision + answer + a call ending + a caller joining, the whole loop as the runtime drives it.',
  );
}
