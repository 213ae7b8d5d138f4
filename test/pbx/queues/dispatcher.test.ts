// The queue's life around the strategies: wrap-up and pauses, limits (size, wait), callbacks
// keeping their place, estimated wait, service level and the live snapshot.
import { describe, expect, it } from 'vitest';
import { QueueDispatcher } from '../../../src/pbx/queues/dispatcher.ts';
import { DEFAULT_QUEUE_SETTINGS, QueueInputError } from '../../../src/pbx/queues/types.ts';
import { offers, queue, serve, testClock } from './helpers.ts';

describe('agents', () => {
  it('keeps an agent out of offers during wrap-up, and tick() frees it when the wrap-up is due', () => {
    const { q, clock } = queue({ strategy: 'longest-idle', wrapUpSec: 30 }, ['a']);
    q.enqueue({ callerId: 'c1' });
    q.dispatch();
    q.answered('c1', 'a');
    clock.advance(60);
    q.callEnded('a');
    q.enqueue({ callerId: 'c2' });
    expect(q.dispatch()).toBeUndefined();
    expect(q.agentState('a')).toBe('wrap-up');
    expect(q.nextWakeAt()).toBe(clock.now() + 30_000);
    clock.advance(29);
    expect(q.tick().wrappedUp).toEqual([]);
    clock.advance(1);
    expect(q.tick().wrappedUp).toEqual(['a']);
    expect(offers(q)).toEqual([['c2', ['a']]]);
  });

  it('lets an agent end the wrap-up early', () => {
    const { q, clock } = queue({ wrapUpSec: 120 }, ['a']);
    serve(q, clock, 'c1', 10);
    expect(q.endWrapUp('a')).toBe(true);
    expect(q.agentState('a')).toBe('available');
    expect(q.endWrapUp('a')).toBe(false);
  });

  it('pauses with a reason shown in the snapshot; a pause during a call applies after it', () => {
    const { q } = queue({ strategy: 'round-robin' }, ['a', 'b']);
    q.enqueue({ callerId: 'c1' });
    q.dispatch();
    q.answered('c1', 'a');
    q.pause('a', '  Team meeting ');
    expect(q.agentState('a')).toBe('on-call');
    q.callEnded('a');
    const a = q.snapshot().agents.find((x) => x.agentId === 'a');
    expect(a).toMatchObject({
      state: 'paused',
      pauseReason: 'Team meeting',
      callsAnswered: 1,
      idleSince: null,
    });
    q.enqueue({ callerId: 'c2' });
    expect(offers(q)).toEqual([['c2', ['b']]]);
  });

  it('logs an agent out without cutting the ringing call; no further call is offered', () => {
    const { q } = queue({ strategy: 'ring-all' }, ['a', 'b']);
    q.enqueue({ callerId: 'c1' });
    q.dispatch();
    q.logout('a');
    expect(q.agentState('a')).toBe('ringing');
    q.noAnswer('c1', 'a');
    q.noAnswer('c1', 'b');
    expect(q.agentState('a')).toBe('logged-out');
    expect(offers(q)).toEqual([['c1', ['b']]]);
  });

  it('answers false for agents who are not members', () => {
    const { q } = queue({}, ['a']);
    expect(q.login('zz')).toBe(false);
    expect(q.pause('zz', 'x')).toBe(false);
    expect(q.noAnswer('c1', 'zz')).toBe(false);
  });

  it('offers each member with its own ring timeout, or the queue’s', () => {
    const { q } = queue({ strategy: 'ring-all', ringTimeoutSec: 15 }, [
      { agentId: 'a', ringTimeoutSec: 40, lines: ['l-a1', 'l-a2'] },
      { agentId: 'b' },
    ]);
    q.enqueue({ callerId: 'c1' });
    expect(q.dispatch()?.agents).toEqual([
      { agentId: 'a', lines: ['l-a1', 'l-a2'], ringTimeoutSec: 40 },
      { agentId: 'b', lines: [], ringTimeoutSec: 15 },
    ]);
  });

  it('keeps agents’ state across member edits, and starts new members logged out', () => {
    const { q } = queue({ strategy: 'longest-idle' }, ['a', 'b']);
    q.pause('a', 'lunch');
    q.setMembers([{ agentId: 'a' }, { agentId: 'c' }]);
    expect(q.snapshot().agents.map((x) => [x.agentId, x.state])).toEqual([
      ['a', 'paused'],
      ['c', 'logged-out'],
    ]);
  });

  it('releases a caller ringing a member who is removed only when the runtime reports the ring ended', () => {
    const { q } = queue({ strategy: 'longest-idle' }, ['a', 'b']);
    q.enqueue({ callerId: 'c1' });
    expect(offers(q)).toEqual([['c1', ['a']]]);
    q.setMembers([{ agentId: 'b' }]);
    expect(offers(q)).toEqual([]);
    q.noAnswer('c1', 'a');
    expect(offers(q)).toEqual([['c1', ['b']]]);
  });
});

describe('callers', () => {
  it('serves callers first come, first served and tells each its position', () => {
    const { q, clock } = queue({ strategy: 'longest-idle' }, ['a']);
    q.pause('a', 'x');
    expect(q.enqueue({ callerId: 'c1' })).toEqual({ ok: true, position: 1 });
    clock.advance(1);
    expect(q.enqueue({ callerId: 'c2' })).toEqual({ ok: true, position: 2 });
    expect(q.enqueue({ callerId: 'c3' })).toEqual({ ok: true, position: 3 });
    expect(q.enqueue({ callerId: 'c3' })).toEqual({ ok: false, reason: 'duplicate' });
    q.leave('c1', 'abandoned');
    expect(q.position('c2')).toBe(1);
    expect(q.position('c3')).toBe(2);
    q.unpause('a');
    expect(offers(q)).toEqual([['c2', ['a']]]);
  });

  it('refuses a caller beyond the maximum size: the overflow outcome', () => {
    const { q } = queue({ maxSize: 2 }, ['a'], testClock(), false);
    expect(q.enqueue({ callerId: 'c1' }).ok).toBe(true);
    expect(q.enqueue({ callerId: 'c2' }).ok).toBe(true);
    expect(q.enqueue({ callerId: 'c3' })).toEqual({ ok: false, reason: 'full' });
    q.leave('c1', 'abandoned');
    expect(q.enqueue({ callerId: 'c3' }).ok).toBe(true);
    expect(q.snapshot().serviceLevel.overflowed).toBe(1);
  });

  it('times a caller out at the maximum wait and releases the agent ringing for it', () => {
    const { q, clock } = queue({ strategy: 'round-robin', maxWaitSec: 60 }, ['a']);
    q.enqueue({ callerId: 'c1' });
    clock.advance(10);
    q.enqueue({ callerId: 'c2' });
    q.dispatch(); // a rings for c1
    expect(q.nextWakeAt()).toBe(clock.now() + 50_000);
    clock.advance(50);
    expect(q.tick().timedOut).toEqual([{ callerId: 'c1', released: ['a'] }]);
    expect(q.agentState('a')).toBe('available');
    expect(q.nextWakeAt()).toBe(clock.now() + 10_000);
    clock.advance(10);
    expect(q.tick().timedOut).toEqual([{ callerId: 'c2', released: [] }]);
    expect(q.waitingCount).toBe(0);
    expect(q.nextWakeAt()).toBeUndefined();
  });

  it('applies a new maximum wait to callers already waiting', () => {
    const { q, clock } = queue({ maxWaitSec: null }, [], testClock(), false);
    q.enqueue({ callerId: 'c1' });
    clock.advance(100);
    q.configure({ ...q.settings, maxWaitSec: 30 });
    expect(q.tick().timedOut.map((t) => t.callerId)).toEqual(['c1']);
  });
});

describe('callbacks', () => {
  it('keeps the place of a caller who asked to be called back, without a deadline', () => {
    const { q, clock } = queue({ strategy: 'longest-idle', maxWaitSec: 60 }, ['a'], testClock(), false);
    q.enqueue({ callerId: 'c1' });
    clock.advance(5);
    q.enqueue({ callerId: 'c2' });
    clock.advance(5);
    expect(q.requestCallback('c1', '+37120000001')).toEqual([]);
    expect(q.requestCallback('c1', '+37120000001')).toBeUndefined(); // already one
    expect(q.position('c1')).toBe(1);
    clock.advance(100);
    expect(q.tick().timedOut.map((t) => t.callerId)).toEqual(['c2']);
    q.login('a');
    const o = q.dispatch();
    expect(o).toMatchObject({ callerId: 'c1', callback: { number: '+37120000001' } });
    expect(o?.agents.map((x) => x.agentId)).toEqual(['a']);
  });

  it('puts a callback whose dial-back failed back in its original place', () => {
    const { q, clock } = queue({ strategy: 'longest-idle' }, ['a']);
    q.pause('a', 'x');
    const start = clock.now();
    q.enqueue({ callerId: 'cb' });
    q.requestCallback('cb', '+371200');
    clock.advance(10);
    q.enqueue({ callerId: 'c2' });
    q.unpause('a');
    const o = q.dispatch();
    q.answered('cb', 'a'); // the agent took it; the caller did not answer the dial-back
    q.callEnded('a');
    q.enqueue({ callerId: 'cb', enteredAt: start, callback: o?.callback });
    expect(q.position('cb')).toBe(1);
    expect(q.position('c2')).toBe(2);
    expect(q.snapshot().waiting[0]).toMatchObject({ callerId: 'cb', callback: { number: '+371200' } });
  });

  it('stops agents ringing for a caller who asks for a callback meanwhile', () => {
    const { q } = queue({ strategy: 'ring-all' }, ['a', 'b']);
    q.enqueue({ callerId: 'c1' });
    q.dispatch();
    expect(q.requestCallback('c1', '+1')?.sort()).toEqual(['a', 'b']);
    expect(q.freeAgentCount).toBe(2);
  });
});

describe('estimated wait', () => {
  it('is position x average handle time (talk + wrap-up) / agents logged in and not paused', () => {
    const { q, clock } = queue({ strategy: 'round-robin', wrapUpSec: 10, handleTimeSamples: 2 }, [
      'a',
      'b',
      'c',
    ]);
    expect(q.estimatedWaitSec(1)).toBeUndefined(); // no history yet
    serve(q, clock, 'h1', 100); // 110 s
    q.tick();
    serve(q, clock, 'h2', 200); // 210 s
    q.tick();
    expect(q.snapshot().averageHandleSec).toBe(160);
    expect(q.estimatedWaitSec(3)).toBe(160); // 3 x 160 / 3
    q.pause('c', 'lunch');
    expect(q.estimatedWaitSec(3)).toBe(240); // 3 x 160 / 2
    serve(q, clock, 'h3', 290); // 300 s: the window keeps the last two (210, 300)
    expect(q.estimatedWaitSec(1)).toBe(128); // 255 / 2, rounded
    q.logout('a');
    q.logout('b');
    expect(q.estimatedWaitSec(1)).toBeUndefined(); // nobody staffed
  });
});

describe('service level', () => {
  it('is answered within the threshold / (answered + abandoned after it + timed out)', () => {
    const { q, clock } = queue({ strategy: 'longest-idle', serviceLevelSec: 20, maxWaitSec: 300 }, ['a']);
    const answerAfter = (id: string, wait: number) => {
      q.enqueue({ callerId: id });
      q.pause('a', 'x');
      clock.advance(wait);
      q.unpause('a');
      q.dispatch();
      q.answered(id, 'a');
      q.callEnded('a');
    };
    answerAfter('fast', 5);
    answerAfter('edge', 20);
    answerAfter('slow', 45);
    q.pause('a', 'x');
    q.enqueue({ callerId: 'short-abandon' });
    clock.advance(10);
    q.leave('short-abandon', 'abandoned'); // left out
    q.enqueue({ callerId: 'long-abandon' });
    clock.advance(30);
    q.leave('long-abandon', 'abandoned'); // against
    q.enqueue({ callerId: 'timeout' });
    q.enqueue({ callerId: 'cb' });
    q.requestCallback('cb', '+1'); // left out
    clock.advance(300);
    q.tick(); // against
    const sl = q.snapshot().serviceLevel;
    expect(sl).toMatchObject({
      answered: 3,
      answeredWithinThreshold: 2,
      abandoned: 1,
      abandonedShort: 1,
      timedOut: 1,
      callbacksRequested: 1,
    });
    expect(sl.percent).toBe(40); // 2 / (3 + 1 + 1)
  });

  it('counts only the calls of its window', () => {
    const { q, clock } = queue({ serviceLevelSec: 10, serviceLevelWindowSec: 3600 }, ['a']);
    expect(q.snapshot().serviceLevel.percent).toBeNull();
    serve(q, clock, 'c1');
    expect(q.snapshot().serviceLevel.percent).toBe(100);
    clock.advance(3601);
    expect(q.snapshot().serviceLevel).toMatchObject({ percent: null, answered: 0 });
  });
});

describe('snapshot', () => {
  it('shows waiting callers with position, wait, tags and callback, agents and the longest wait', () => {
    const { q, clock } = queue({ strategy: 'skills' }, [{ agentId: 'a', skills: { sales: 5 } }, 'b']);
    q.pause('b', 'coffee');
    q.enqueue({ callerId: 'c1', tags: ['Sales', 'sales', ' vip '] });
    clock.advance(30);
    q.enqueue({ callerId: 'c2' });
    q.requestCallback('c2', '+37100');
    clock.advance(12);
    q.dispatch();
    const s = q.snapshot();
    expect(s.waiting).toEqual([
      {
        callerId: 'c1',
        position: 1,
        enteredAt: s.at - 42_000,
        waitedSec: 42,
        tags: ['sales', 'vip'],
        callback: undefined,
        ringing: ['a'],
      },
      {
        callerId: 'c2',
        position: 2,
        enteredAt: s.at - 12_000,
        waitedSec: 12,
        tags: [],
        callback: { number: '+37100', requestedAt: s.at - 12_000 },
        ringing: [],
      },
    ]);
    expect(s.agents.map((a) => [a.agentId, a.state, a.pauseReason, a.callerId])).toEqual([
      ['a', 'ringing', null, 'c1'],
      ['b', 'paused', 'coffee', null],
    ]);
    expect(s).toMatchObject({ longestWaitSec: 42, staffedAgents: 1, availableAgents: 0 });
  });
});

describe('input checks', () => {
  it('refuses settings and members out of bounds, naming the field', () => {
    const bad = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof QueueInputError ? [e.field, e.status] : e;
      }
      return 'accepted';
    };
    const ok = DEFAULT_QUEUE_SETTINGS;
    expect(bad(() => new QueueDispatcher({ ...ok, ringTimeoutSec: 0 }))).toEqual(['ringTimeoutSec', 400]);
    expect(bad(() => new QueueDispatcher({ ...ok, strategy: 'fifo' as never }))).toEqual(['strategy', 400]);
    expect(bad(() => new QueueDispatcher({ ...ok, maxSize: 1e9 }))).toEqual(['maxSize', 400]);
    expect(bad(() => new QueueDispatcher(ok, [{ agentId: 'a', skills: { x: 11 } }]))).toEqual([
      'members.0.skills',
      400,
    ]);
    expect(bad(() => new QueueDispatcher(ok, [{ agentId: 'a' }, { agentId: 'a' }]))).toEqual([
      'members.1.agentId',
      409,
    ]);
    expect(bad(() => new QueueDispatcher(ok, [{ agentId: 'a', skills: { ' X': 1, x: 2 } }]))).toEqual([
      'members.0.skills',
      400,
    ]);
  });

  it('keeps at most 16 caller tags', () => {
    const { q } = queue({}, []);
    q.enqueue({ callerId: 'c', tags: Array.from({ length: 40 }, (_, i) => `t${i}`) });
    expect(q.snapshot().waiting[0]?.tags).toHaveLength(16);
  });
});

describe('retry pause', () => {
  it('does not offer an agent who missed a ring again until the pause is over', () => {
    const { q, clock } = queue({ strategy: 'longest-idle', retrySec: 5 }, ['a']);
    q.enqueue({ callerId: 'c1' });
    expect(offers(q)).toEqual([['c1', ['a']]]);
    q.noAnswer('c1', 'a');
    expect(offers(q)).toEqual([]);
    expect(q.nextWakeAt()).toBe(clock.now() + 5000);
    clock.advance(5);
    q.tick();
    expect(offers(q)).toEqual([['c1', ['a']]]);
  });

  it('puts an agent on the call even when its caller timed out as it answered', () => {
    const { q, clock } = queue({ strategy: 'longest-idle', maxWaitSec: 10 }, ['a', 'b']);
    q.enqueue({ callerId: 'c1' });
    q.dispatch();
    clock.advance(10);
    q.tick();
    expect(q.answered('c1', 'a')).toBeUndefined();
    expect(q.agentState('a')).toBe('on-call');
    q.enqueue({ callerId: 'c2' });
    expect(offers(q)).toEqual([['c2', ['b']]]);
  });
});
