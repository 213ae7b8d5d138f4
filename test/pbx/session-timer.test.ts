// RFC 4028 session timers of one leg, under fake timers: who refreshes when, and when a
// session nobody refreshed is given up.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionTimer, sessionExpiresOf } from '../../src/pbx/calls/session-timer.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('SessionTimer', () => {
  it('as refresher, refreshes at half the interval and again after each reset', () => {
    const refresh = vi.fn();
    const expire = vi.fn();
    const t = new SessionTimer(1800, 'refresh', refresh, expire);
    vi.advanceTimersByTime(899_000);
    expect(refresh).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(refresh).toHaveBeenCalledTimes(1);
    t.reset();
    vi.advanceTimersByTime(900_000);
    expect(refresh).toHaveBeenCalledTimes(2);
    expect(expire).not.toHaveBeenCalled();
    t.dispose();
  });

  it('as watcher, gives up at interval - min(32, interval/3) unless the peer refreshes', () => {
    const expire = vi.fn();
    const t = new SessionTimer(90, 'watch', vi.fn(), expire);
    vi.advanceTimersByTime(59_000);
    t.reset(); // the peer refreshed
    vi.advanceTimersByTime(59_000);
    expect(expire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(expire).toHaveBeenCalledTimes(1);
    const long = new SessionTimer(1800, 'watch', vi.fn(), expire);
    vi.advanceTimersByTime(1768_000);
    expect(expire).toHaveBeenCalledTimes(2);
    t.dispose();
    long.dispose();
  });

  it('disposed timers fire nothing', () => {
    const refresh = vi.fn();
    new SessionTimer(90, 'refresh', refresh, vi.fn()).dispose();
    vi.advanceTimersByTime(100_000);
    expect(refresh).not.toHaveBeenCalled();
  });
});

describe('sessionExpiresOf', () => {
  const of = (value: string, refresher?: string) => ({
    sessionExpires: { value, params: new Map(refresher ? [['refresher', refresher]] : []) },
  });
  it('reads the interval and the refresher, ignoring nonsense', () => {
    expect(sessionExpiresOf(of('1800', 'uac'))).toEqual({ seconds: 1800, refresher: 'uac' });
    expect(sessionExpiresOf(of('90'))).toEqual({ seconds: 90, refresher: undefined });
    expect(sessionExpiresOf(of('90', 'bogus'))).toEqual({ seconds: 90, refresher: undefined });
    expect(sessionExpiresOf(of('-5'))).toBeUndefined();
    expect(sessionExpiresOf({ sessionExpires: undefined })).toBeUndefined();
  });
});
