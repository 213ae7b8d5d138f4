// Who each strategy offers a caller to, and in which order over successive calls.
import { describe, expect, it } from 'vitest';
import type { QueueMember } from '../../../src/pbx/queues/types.ts';
import { offers, queue, serve, testClock } from './helpers.ts';

describe('ring-all', () => {
  it('rings every free agent at once for the first caller; the next caller waits for a free agent', () => {
    const { q } = queue({ strategy: 'ring-all' }, ['a', 'b', 'c']);
    q.enqueue({ callerId: 'c1' });
    q.enqueue({ callerId: 'c2' });
    expect(offers(q)).toEqual([['c1', ['a', 'b', 'c']]]);
    // b answers: a and c stop ringing and are offered to the next caller.
    expect(q.answered('c1', 'b')?.sort()).toEqual(['a', 'c']);
    expect(offers(q)).toEqual([['c2', ['a', 'c']]]);
  });

  it('gives an agent freed during a round to the next caller; an unanswered round starts again', () => {
    const { q } = queue({ strategy: 'ring-all' }, ['a', 'b', 'c']);
    q.pause('c', 'lunch');
    q.enqueue({ callerId: 'c1' });
    q.enqueue({ callerId: 'c2' });
    expect(offers(q)).toEqual([['c1', ['a', 'b']]]);
    q.unpause('c');
    expect(offers(q)).toEqual([['c2', ['c']]]);
    q.noAnswer('c1', 'a');
    expect(offers(q)).toEqual([]); // b still rings for c1: its round is not over
    q.noAnswer('c1', 'b');
    expect(offers(q)).toEqual([['c1', ['a', 'b']]]); // a new round with everyone free
  });
});

describe('round-robin', () => {
  it('starts after the agent offered last, across calls', () => {
    const { q, clock } = queue({ strategy: 'round-robin' }, ['a', 'b', 'c']);
    expect(['c1', 'c2', 'c3', 'c4', 'c5'].map((c) => serve(q, clock, c))).toEqual(['a', 'b', 'c', 'a', 'b']);
  });

  it('skips busy and paused agents and remembers its place when they come back', () => {
    const { q, clock } = queue({ strategy: 'round-robin' }, ['a', 'b', 'c', 'd']);
    expect(serve(q, clock, 'c1')).toBe('a');
    q.pause('b', 'break');
    q.setBusyElsewhere('c', true);
    expect(serve(q, clock, 'c2')).toBe('d');
    q.unpause('b');
    q.setBusyElsewhere('c', false);
    expect(serve(q, clock, 'c3')).toBe('a');
    expect(serve(q, clock, 'c4')).toBe('b');
  });

  it('offers several waiting callers to the next free agents in turn', () => {
    const { q } = queue({ strategy: 'round-robin' }, ['a', 'b', 'c']);
    for (const c of ['c1', 'c2', 'c3', 'c4']) q.enqueue({ callerId: c });
    expect(offers(q)).toEqual([
      ['c1', ['a']],
      ['c2', ['b']],
      ['c3', ['c']],
    ]);
  });

  it('moves on to the next agent when one does not answer, and keeps the circle across member edits', () => {
    const { q } = queue({ strategy: 'round-robin' }, ['a', 'b', 'c']);
    q.enqueue({ callerId: 'c1' });
    expect(q.dispatch()?.agents[0]?.agentId).toBe('a');
    q.noAnswer('c1', 'a');
    expect(q.dispatch()?.agents[0]?.agentId).toBe('b');
    q.noAnswer('c1', 'b');
    // A member added after b: the circle continues from b.
    q.setMembers([{ agentId: 'a' }, { agentId: 'b' }, { agentId: 'x' }, { agentId: 'c' }]);
    q.login('x');
    expect(q.dispatch()?.agents[0]?.agentId).toBe('x');
  });
});

describe('longest-idle', () => {
  it('offers the agent available the longest: since the end of the last call, the login or the pause', () => {
    const { q, clock } = queue({ strategy: 'longest-idle' }, ['a', 'b', 'c'], testClock(), false);
    q.login('b');
    clock.advance(10);
    q.login('a');
    clock.advance(10);
    q.login('c');
    clock.advance(10);
    expect(serve(q, clock, 'c1', 5)).toBe('b'); // b now idle since the end of that call
    expect(serve(q, clock, 'c2', 5)).toBe('a');
    expect(serve(q, clock, 'c3', 5)).toBe('c');
    expect(serve(q, clock, 'c4', 5)).toBe('b');
    clock.advance(1);
    q.pause('a', 'coffee');
    q.unpause('a'); // back at the end of the line
    expect(serve(q, clock, 'c5')).toBe('c');
    expect(serve(q, clock, 'c6')).toBe('b');
    expect(serve(q, clock, 'c7')).toBe('a');
  });

  it('keeps the idle place of an agent who missed a ring, and offers the caller to the next one', () => {
    const { q, clock } = queue({ strategy: 'longest-idle' }, ['a', 'b'], testClock(), false);
    q.login('a');
    clock.advance(1);
    q.login('b');
    q.enqueue({ callerId: 'c1' });
    expect(offers(q)).toEqual([['c1', ['a']]]);
    q.noAnswer('c1', 'a');
    expect(offers(q)).toEqual([['c1', ['b']]]);
    q.enqueue({ callerId: 'c2' });
    expect(offers(q)).toEqual([['c2', ['a']]]); // a is still the longest idle
  });

  it('rings the same agent again when nobody else is free', () => {
    const { q } = queue({ strategy: 'longest-idle' }, ['a', 'b']);
    q.pause('b', 'training');
    q.enqueue({ callerId: 'c1' });
    expect(offers(q)).toEqual([['c1', ['a']]]);
    q.noAnswer('c1', 'a');
    expect(offers(q)).toEqual([['c1', ['a']]]);
  });
});

describe('fewest-calls', () => {
  it('offers the agent with the fewest answered calls today, the longest idle among equals', () => {
    const { q, clock } = queue({ strategy: 'fewest-calls' }, ['a', 'b', 'c']);
    expect(serve(q, clock, 'c1')).toBe('a');
    expect(serve(q, clock, 'c2')).toBe('b');
    q.pause('c', 'meeting');
    expect(serve(q, clock, 'c3')).toBe('a');
    expect(serve(q, clock, 'c4')).toBe('b');
    q.unpause('c');
    // c has 0 calls against 2 each: it takes the next two.
    expect(serve(q, clock, 'c5')).toBe('c');
    expect(serve(q, clock, 'c6')).toBe('c');
    expect(serve(q, clock, 'c7')).toBe('a');
    expect(
      q
        .snapshot()
        .agents.map((a) => [a.agentId, a.callsAnswered])
        .sort(),
    ).toEqual([
      ['a', 3],
      ['b', 2],
      ['c', 2],
    ]);
  });

  it('counts calls per day: at midnight everyone starts from zero again', () => {
    const clock = testClock(Date.UTC(2024, 5, 3, 23, 0, 0));
    const { q } = queue({ strategy: 'fewest-calls' }, ['a', 'b'], clock);
    serve(q, clock, 'c1');
    serve(q, clock, 'c2', 10);
    serve(q, clock, 'c3', 10); // a: 2, b: 1
    clock.advance(3600);
    expect(q.snapshot().agents.map((a) => a.callsAnswered)).toEqual([0, 0]);
    // Equal counts: the longest idle (b ended its call first) goes first.
    expect(serve(q, clock, 'c4')).toBe('b');
  });

  it('does not count a call the agent did not answer', () => {
    const { q, clock } = queue({ strategy: 'fewest-calls' }, ['a', 'b']);
    q.enqueue({ callerId: 'c1' });
    expect(offers(q)).toEqual([['c1', ['a']]]);
    q.noAnswer('c1', 'a');
    expect(offers(q)).toEqual([['c1', ['b']]]);
    q.answered('c1', 'b');
    q.callEnded('b');
    expect(serve(q, clock, 'c2')).toBe('a');
  });
});

describe('skills', () => {
  const members: QueueMember[] = [
    { agentId: 'generalist', skills: { billing: 3, sales: 3 } },
    { agentId: 'billing-expert', skills: { billing: 9 } },
    { agentId: 'sales-expert', skills: { sales: 10, latvian: 8 } },
    { agentId: 'newcomer', skills: {} },
  ];

  it('offers an agent with all the caller’s tags first, the highest levels first', () => {
    const { q } = queue({ strategy: 'skills' }, members);
    q.enqueue({ callerId: 'c1', tags: ['Billing', 'sales'] });
    q.enqueue({ callerId: 'c2', tags: ['sales', 'latvian'] });
    q.enqueue({ callerId: 'c3', tags: ['billing'] });
    expect(offers(q)).toEqual([
      ['c1', ['generalist']], // the only one with both
      ['c2', ['sales-expert']],
      ['c3', ['billing-expert']],
    ]);
  });

  it('falls back to partial matches, then to anyone free, so no caller is stranded', () => {
    const { q } = queue({ strategy: 'skills' }, members);
    q.pause('generalist', 'lunch');
    q.enqueue({ callerId: 'c1', tags: ['billing', 'sales'] });
    // Nobody has both: one tag each; the higher level wins (sales-expert 10 over billing-expert 9).
    expect(offers(q)[0]).toEqual(['c1', ['sales-expert']]);
    q.enqueue({ callerId: 'c2', tags: ['german'] });
    // Nobody speaks German: the longest idle of the rest.
    expect(offers(q)[0]?.[0]).toBe('c2');
  });

  it('offers the caller to the next best agent when the best one does not answer', () => {
    const { q } = queue({ strategy: 'skills' }, members);
    q.enqueue({ callerId: 'c1', tags: ['billing'] });
    expect(offers(q)).toEqual([['c1', ['billing-expert']]]);
    q.noAnswer('c1', 'billing-expert');
    expect(offers(q)).toEqual([['c1', ['generalist']]]);
    q.noAnswer('c1', 'generalist');
    expect(offers(q)[0]?.[1]).not.toContain('billing-expert');
  });

  it('serves callers in order of arrival even when a later caller matches the free agent better', () => {
    const { q } = queue({ strategy: 'skills' }, members.slice(1, 2));
    q.enqueue({ callerId: 'c1', tags: ['sales'] });
    q.enqueue({ callerId: 'c2', tags: ['billing'] });
    expect(offers(q)).toEqual([['c1', ['billing-expert']]]);
  });

  it('gives an untagged caller to the longest idle agent', () => {
    const { q, clock } = queue({ strategy: 'skills' }, members, testClock(), false);
    q.login('newcomer');
    clock.advance(5);
    q.login('billing-expert');
    q.enqueue({ callerId: 'c1' });
    expect(offers(q)).toEqual([['c1', ['newcomer']]]);
  });

  it('follows skill changes made while callers wait', () => {
    const { q } = queue({ strategy: 'skills' }, members);
    q.enqueue({ callerId: 'c1', tags: ['latvian'] });
    expect(offers(q)).toEqual([['c1', ['sales-expert']]]);
    q.noAnswer('c1', 'sales-expert');
    q.setMembers(members.map((m) => (m.agentId === 'newcomer' ? { ...m, skills: { latvian: 10 } } : m)));
    q.enqueue({ callerId: 'c2', tags: ['latvian'] });
    expect(offers(q)[0]).toEqual(['c1', ['newcomer']]);
  });
});

describe('random', () => {
  it('offers a free agent chosen by the random source', () => {
    // Draws pick an index into the free agents; a, b, c are free in that order.
    const clock = testClock(undefined, [0.99, 0.0, 0.5]);
    const { q } = queue({ strategy: 'random' }, ['a', 'b', 'c'], clock);
    q.enqueue({ callerId: 'c1' });
    q.enqueue({ callerId: 'c2' });
    const picked = offers(q).map(([, a]) => a[0]);
    expect(picked).toHaveLength(2);
    expect(picked[0]).toBe('c');
    expect(new Set(picked).size).toBe(2);
  });

  it('spreads calls over all free agents over many decisions', () => {
    const { q, clock } = queue({ strategy: 'random' }, ['a', 'b', 'c', 'd']);
    const count = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const a = serve(q, clock, `c${i}`);
      count.set(a, (count.get(a) ?? 0) + 1);
    }
    expect([...count.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    for (const n of count.values()) expect(n).toBeGreaterThan(50);
  });

  it('does not ring an agent who missed the caller again while another is free', () => {
    const clock = testClock(undefined, [0, 0, 0, 0, 0, 0]);
    const { q } = queue({ strategy: 'random' }, ['a', 'b'], clock);
    q.enqueue({ callerId: 'c1' });
    expect(offers(q)).toEqual([['c1', ['a']]]);
    q.noAnswer('c1', 'a');
    expect(offers(q)).toEqual([['c1', ['b']]]);
  });
});

describe('every strategy', () => {
  it.each(['ring-all', 'round-robin', 'longest-idle', 'fewest-calls', 'skills', 'random'] as const)(
    '%s never offers an agent who is logged out, paused, busy elsewhere, ringing, talking or in wrap-up',
    (strategy) => {
      const { q, clock } = queue(
        { strategy, wrapUpSec: 30 },
        ['out', 'paused', 'busy', 'talking', 'wrap', 'free'],
        testClock(),
        false,
      );
      // Each of these two is the only agent logged in when its call comes.
      for (const [caller, agent] of [
        ['t', 'talking'],
        ['w', 'wrap'],
      ] as const) {
        q.login(agent);
        q.enqueue({ callerId: caller });
        expect(offers(q)).toEqual([[caller, [agent]]]);
        q.answered(caller, agent);
      }
      for (const a of ['paused', 'busy', 'free']) q.login(a);
      q.pause('paused', 'lunch');
      q.setBusyElsewhere('busy', true);
      q.callEnded('wrap');
      clock.advance(1);
      q.enqueue({ callerId: 'c1' });
      q.enqueue({ callerId: 'c2' });
      expect(offers(q)).toEqual([['c1', ['free']]]);
      expect(q.snapshot().agents.map((a) => [a.agentId, a.state])).toEqual([
        ['out', 'logged-out'],
        ['paused', 'paused'],
        ['busy', 'busy'],
        ['talking', 'on-call'],
        ['wrap', 'wrap-up'],
        ['free', 'ringing'],
      ]);
    },
  );
});
