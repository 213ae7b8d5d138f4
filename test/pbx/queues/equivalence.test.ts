// The indexed dispatcher against the plain one (scan and sort per decision, the bench's
// baseline) over long random runs: both must make the same offer at every step. This is what
// shows the heaps, the round-robin bitset and the skill-set rankings stay right as agents come
// and go, not only in the hand-written scenarios.
import { describe, expect, it } from 'vitest';
import { BaselineQueue } from '../../../bench/lib/queue-baseline.ts';
import type { QueueMember, QueueStrategy } from '../../../src/pbx/queues/types.ts';
import { queue, testClock } from './helpers.ts';

const TAGS = ['billing', 'sales', 'latvian', 'english', 'vip'];

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return (s - 1) / 2147483646;
  };
}

describe.each(['ring-all', 'round-robin', 'longest-idle', 'fewest-calls', 'skills'] as QueueStrategy[])(
  '%s',
  (strategy) => {
    it.each([1, 2, 3])('makes the same offers as the plain implementation (run %i)', (seed) => {
      const r = rng(seed * 7919);
      const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(r() * xs.length)];
      const members: QueueMember[] = Array.from({ length: 12 }, (_, i) => ({
        agentId: `a${i}`,
        skills: Object.fromEntries(TAGS.filter(() => r() < 0.4).map((t) => [t, 1 + Math.floor(r() * 10)])),
      }));
      const clock = testClock();
      const { q } = queue({ strategy }, members, clock, false);
      const base = new BaselineQueue(strategy, members, clock.now, clock.random);
      const ids = members.map((m) => m.agentId);
      for (const id of ids) {
        q.login(id);
        base.login(id);
        clock.advance(1);
      }
      const ringing = new Map<string, string>(); // agent → caller
      const onCall = new Set<string>();
      let n = 0;
      let offered = 0;
      for (let step = 0; step < 3000; step++) {
        const x = r();
        if (x < 0.2) {
          const id = `c${n++}`;
          const tags = TAGS.filter(() => r() < 0.25);
          q.enqueue({ callerId: id, tags });
          base.enqueue(id, tags);
        } else if (x < 0.45) {
          const a = q.dispatch();
          const b = base.dispatch();
          const norm = (o: typeof a) => o && [o.callerId, o.agents.map((g) => g.agentId).sort()];
          expect(norm(a), `step ${step}`).toEqual(norm(b));
          for (const g of a?.agents ?? []) ringing.set(g.agentId, a?.callerId as string);
          if (a) offered++;
        } else if (x < 0.55) {
          const agent = pick([...ringing.keys()]);
          if (agent) {
            const caller = ringing.get(agent) as string;
            ringing.delete(agent);
            q.noAnswer(caller, agent);
            base.noAnswer(caller, agent);
          }
        } else if (x < 0.7) {
          const agent = pick([...ringing.keys()]);
          if (agent) {
            const caller = ringing.get(agent) as string;
            for (const [g, c] of ringing) if (c === caller) ringing.delete(g);
            q.answered(caller, agent);
            base.answered(caller, agent);
            onCall.add(agent);
          }
        } else if (x < 0.85) {
          const agent = pick([...onCall]);
          if (agent) {
            onCall.delete(agent);
            q.callEnded(agent);
            base.callEnded(agent);
          }
        } else if (x < 0.9) {
          const agent = pick(ids) as string;
          if (r() < 0.5) {
            q.pause(agent, 'x');
            base.pause(agent);
          } else {
            q.unpause(agent);
            base.unpause(agent);
          }
        } else if (x < 0.93) {
          const agent = pick(ids) as string;
          const busy = r() < 0.5;
          q.setBusyElsewhere(agent, busy);
          base.setBusyElsewhere(agent, busy);
        } else {
          clock.advance(Math.floor(r() * 3));
        }
      }
      expect(q.waitingCount).toBe(base.callers.length);
      expect(offered).toBeGreaterThan(200); // the run really exercised the decisions
    });
  },
);
