// A queue dispatcher on a hand-driven clock, and shorthands for the calls a runtime would make.
import { QueueDispatcher } from '../../../src/pbx/queues/dispatcher.ts';
import {
  DEFAULT_QUEUE_SETTINGS,
  type QueueClock,
  type QueueMember,
  type QueueSettings,
  systemClock,
} from '../../../src/pbx/queues/types.ts';

export interface TestClock extends QueueClock {
  advance(seconds: number): void;
}

export function testClock(start = Date.UTC(2024, 5, 3, 9, 0, 0), randoms: number[] = []): TestClock {
  let t = start;
  let seed = 1;
  return {
    now: () => t,
    advance(seconds) {
      t += seconds * 1000;
    },
    // Scripted draws first, then a small deterministic generator.
    random: () => {
      const scripted = randoms.shift();
      if (scripted !== undefined) return scripted;
      seed = (seed * 48271) % 2147483647;
      return (seed - 1) / 2147483646;
    },
    nextDayStart: systemClock.nextDayStart,
  };
}

export function queue(
  settings: Partial<QueueSettings>,
  members: (string | QueueMember)[],
  clock: TestClock = testClock(),
  loggedIn = true,
): { q: QueueDispatcher; clock: TestClock } {
  const list = members.map((m) => (typeof m === 'string' ? { agentId: m } : m));
  const q = new QueueDispatcher({ ...DEFAULT_QUEUE_SETTINGS, ...settings }, list, clock);
  if (loggedIn) for (const m of list) q.login(m.agentId);
  return { q, clock };
}

/** The agents each successive offer rings, until nothing more can be offered. */
export function offers(q: QueueDispatcher): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (let o = q.dispatch(); o; o = q.dispatch()) out.push([o.callerId, o.agents.map((a) => a.agentId)]);
  return out;
}

/** One caller enters, is offered, the offered agent answers and hangs up after `talk` seconds. */
export function serve(q: QueueDispatcher, clock: TestClock, callerId: string, talk = 0): string {
  q.enqueue({ callerId });
  const o = q.dispatch();
  if (!o || o.callerId !== callerId) throw new Error(`${callerId} was not offered`);
  const agent = o.agents[0]?.agentId as string;
  q.answered(callerId, agent);
  clock.advance(talk);
  q.callEnded(agent);
  return agent;
}
