import { describe, expect, it } from 'vitest';
import { AuthFailureBan, type AuthFailureBanOptions } from '../../src/pbx/auth-ban.ts';

function setup(options: Partial<AuthFailureBanOptions> = {}) {
  const clock = { t: 1_000_000 };
  const ban = new AuthFailureBan({
    maxFailures: 3,
    windowMs: 60_000,
    banMs: 600_000,
    now: () => clock.t,
    ...options,
  });
  return { ban, clock };
}

describe('AuthFailureBan', () => {
  it('bans at maxFailures within the window, until banMs has passed', () => {
    const { ban, clock } = setup();
    expect(ban.recordFailure('203.0.113.1')).toBe(false);
    clock.t += 10_000;
    expect(ban.recordFailure('203.0.113.1')).toBe(false);
    expect(ban.isBanned('203.0.113.1')).toBe(false);
    expect(ban.failureCount('203.0.113.1')).toBe(2);
    clock.t += 10_000;
    expect(ban.recordFailure('203.0.113.1')).toBe(true);
    expect(ban.isBanned('203.0.113.1')).toBe(true);
    expect(ban.banned()).toEqual([{ ip: '203.0.113.1', expiresAt: clock.t + 600_000 }]);
    clock.t += 599_999;
    expect(ban.isBanned('203.0.113.1')).toBe(true);
    clock.t += 1;
    expect(ban.isBanned('203.0.113.1')).toBe(false);
    expect(ban.banned()).toEqual([]);
    // after the ban the count starts over
    expect(ban.recordFailure('203.0.113.1')).toBe(false);
    expect(ban.failureCount('203.0.113.1')).toBe(1);
  });

  it.each([
    // [failure times (ms after start), banned after the last one]
    [[0, 30_000, 59_999], true],
    [[0, 30_000, 60_000], false], // the first failure left the window
    [[0, 59_000, 61_000, 62_000], true], // 59s, 61s, 62s fall in one window
    [[0, 70_000, 140_000, 210_000], false],
    [[0, 0, 0], true],
  ])('sliding window: failures at %j → banned %s', (times, expected) => {
    const { ban, clock } = setup();
    const start = clock.t;
    let result = false;
    for (const t of times) {
      clock.t = start + t;
      result = ban.recordFailure('198.51.100.2');
    }
    expect(result).toBe(expected);
    expect(ban.isBanned('198.51.100.2')).toBe(expected);
  });

  it('a success resets the count but does not lift a ban', () => {
    const { ban } = setup();
    ban.recordFailure('a');
    ban.recordFailure('a');
    ban.recordSuccess('a');
    expect(ban.failureCount('a')).toBe(0);
    expect(ban.recordFailure('a')).toBe(false);
    expect(ban.recordFailure('a')).toBe(false);
    expect(ban.recordFailure('a')).toBe(true);
    ban.recordSuccess('a');
    expect(ban.isBanned('a')).toBe(true);
  });

  it('failures while banned do not extend the ban', () => {
    const { ban, clock } = setup({ maxFailures: 1 });
    expect(ban.recordFailure('a')).toBe(true);
    const expiresAt = clock.t + 600_000;
    clock.t += 300_000;
    expect(ban.recordFailure('a')).toBe(true);
    expect(ban.banned()).toEqual([{ ip: 'a', expiresAt }]);
  });

  it('addresses are counted apart', () => {
    const { ban } = setup({ maxFailures: 2 });
    ban.recordFailure('10.0.0.1');
    ban.recordFailure('10.0.0.2');
    expect(ban.isBanned('10.0.0.1')).toBe(false);
    expect(ban.recordFailure('10.0.0.1')).toBe(true);
    expect(ban.isBanned('10.0.0.2')).toBe(false);
  });

  it('another spelling of the same address is the same address', () => {
    const { ban } = setup({ maxFailures: 2 });
    ban.recordFailure('::ffff:192.0.2.1');
    expect(ban.recordFailure('192.0.2.1')).toBe(true);
    expect(ban.isBanned('::FFFF:192.0.2.1')).toBe(true);
    ban.recordFailure('2001:DB8:0::1');
    ban.recordFailure('2001:db8::1');
    expect(ban.banned().map((b) => b.ip)).toEqual(['192.0.2.1', '2001:db8::1']);
    expect(ban.unban('2001:0db8::0001')).toBe(true);
    expect(ban.isBanned('2001:db8::1')).toBe(false);
  });

  it('unban lifts the ban and forgets failures; reports whether there was one', () => {
    const { ban, clock } = setup();
    ban.recordFailure('a');
    ban.recordFailure('a');
    ban.recordFailure('a');
    expect(ban.unban('a')).toBe(true);
    expect(ban.isBanned('a')).toBe(false);
    expect(ban.unban('a')).toBe(false);
    ban.recordFailure('b');
    ban.recordFailure('b');
    expect(ban.unban('b')).toBe(false);
    expect(ban.failureCount('b')).toBe(0);
    ban.recordFailure('c');
    ban.recordFailure('c');
    ban.recordFailure('c');
    clock.t += 600_000;
    expect(ban.unban('c')).toBe(false); // already expired
  });

  it('banned() lists bans in force, soonest to expire first', () => {
    const { ban, clock } = setup({ maxFailures: 1 });
    ban.recordFailure('a');
    clock.t += 1000;
    ban.recordFailure('b');
    clock.t += 1000;
    ban.recordFailure('c');
    const start = clock.t - 2000;
    expect(ban.banned()).toEqual([
      { ip: 'a', expiresAt: start + 600_000 },
      { ip: 'b', expiresAt: start + 601_000 },
      { ip: 'c', expiresAt: start + 602_000 },
    ]);
    clock.t = start + 601_000;
    expect(ban.banned().map((b) => b.ip)).toEqual(['c']);
  });

  it('tracks at most maxTracked addresses, evicting the stalest', () => {
    const { ban, clock } = setup({ maxFailures: 2, maxTracked: 3 });
    for (const ip of ['a', 'b', 'c']) {
      ban.recordFailure(ip);
      clock.t += 1;
    }
    ban.recordFailure('a'); // a banned: no longer tracked for failures
    ban.recordFailure('b'); // b banned
    ban.recordFailure('d');
    ban.recordFailure('e');
    ban.recordFailure('f'); // c, d, e, f: c is the stalest and goes
    expect(ban.failureCount('c')).toBe(0);
    expect(ban.failureCount('d')).toBe(1);
    expect(ban.recordFailure('c')).toBe(false); // counted from scratch
  });

  it('caps bans too, dropping the one expiring soonest', () => {
    const { ban, clock } = setup({ maxFailures: 1, maxTracked: 3 });
    for (const ip of ['a', 'b', 'c', 'd']) {
      ban.recordFailure(ip);
      clock.t += 1;
    }
    expect(ban.banned().map((b) => b.ip)).toEqual(['b', 'c', 'd']);
    expect(ban.isBanned('a')).toBe(false);
  });

  it('expired entries are swept, so stale addresses do not pile up', () => {
    const { ban, clock } = setup({ maxFailures: 2, maxTracked: 2 });
    ban.recordFailure('old1');
    ban.recordFailure('old2');
    clock.t += 60_000; // both windows over
    ban.recordFailure('new1');
    ban.recordFailure('new2');
    // with the stale entries swept, neither new one was evicted by the cap
    expect(ban.failureCount('new1')).toBe(1);
    expect(ban.recordFailure('new1')).toBe(true);
  });

  it.each([
    [{ maxFailures: 0 }, /maxFailures/],
    [{ maxFailures: 1.5 }, /maxFailures/],
    [{ windowMs: 0 }, /windowMs/],
    [{ banMs: -1 }, /banMs/],
    [{ banMs: Number.NaN }, /banMs/],
    [{ maxTracked: 0 }, /maxTracked/],
  ])('rejects %j', (options, message) => {
    expect(() => setup(options)).toThrow(RangeError);
    expect(() => setup(options)).toThrow(message);
  });

  it('uses Date.now without a clock', () => {
    const ban = new AuthFailureBan({ maxFailures: 1, windowMs: 1000, banMs: 60_000 });
    const before = Date.now();
    expect(ban.recordFailure('a')).toBe(true);
    const [entry] = ban.banned();
    expect(entry?.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(entry?.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
  });
});
