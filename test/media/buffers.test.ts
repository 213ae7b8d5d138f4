import { describe, expect, it } from 'vitest';
import { JitterBuffer } from '../../src/media/engine/jitter-buffer.ts';
import { PortPool } from '../../src/media/engine/port-pool.ts';
import { ReceiverStats } from '../../src/media/rtp/receiver-stats.ts';

const frame = (v: number) => new Int16Array(160).fill(v);

describe('JitterBuffer', () => {
  it('plays out reordered packets in timestamp order after its delay, and a lost one as silence', () => {
    const jb = new JitterBuffer(320);
    const out = new Int16Array(160);
    const ts0 = 0xffffff00; // across the 32-bit timestamp wrap
    jb.put(1, ts0, frame(1));
    jb.put(1, (ts0 + 320) >>> 0, frame(3)); // frame 2 (ts0 + 160) is lost
    jb.put(1, (ts0 + 640) >>> 0, frame(5));
    jb.put(1, (ts0 + 480) >>> 0, frame(4)); // late, out of order
    const played: number[] = [];
    for (let i = 0; i < 7; i++) {
      jb.read(out);
      played.push(out[0] as number);
    }
    expect(played).toEqual([0, 0, 1, 0, 3, 4, 5]);
  });

  it('starts over on a new SSRC', () => {
    const jb = new JitterBuffer(160);
    const out = new Int16Array(160);
    jb.put(1, 1000, frame(7));
    jb.put(2, 90000, frame(9));
    jb.read(out);
    expect(jb.read(out)).toBe(true);
    expect(out[0]).toBe(9);
  });
});

describe('PortPool', () => {
  it('hands out every even port once, round-robin from a random pair, and fails clearly when exhausted', () => {
    const pool = new PortPool(41001, 41008);
    const ports = [pool.allocate(), pool.allocate(), pool.allocate()];
    expect([...ports].sort()).toEqual([41002, 41004, 41006]);
    // Round-robin: each next port is the one after the previous, wrapping at the top.
    const next = (p: number) => (p === 41006 ? 41002 : p + 2);
    expect(ports[1]).toBe(next(ports[0] as number));
    expect(ports[2]).toBe(next(ports[1] as number));
    expect(() => pool.allocate()).toThrow(/no free RTP port/);
    pool.release(41004);
    expect(pool.allocate()).toBe(41004);
    expect(() => new PortPool(100, 50)).toThrow(/port range/);
  });
});

describe('ReceiverStats (RFC 3550 A.1, A.3, A.8)', () => {
  it('counts loss across a sequence wrap and measures zero jitter for a steady stream', () => {
    const s = new ReceiverStats();
    let seq = 65530;
    for (let i = 0; i < 20; i++) {
      if (i !== 10) s.update(42, seq & 0xffff, i * 160, i * 20);
      seq++;
    }
    const snap = s.snapshot();
    expect(snap.packetsReceived).toBe(19);
    expect(snap.packetsLost).toBe(1);
    expect(snap.jitterMs).toBe(0);
    const block = s.reportBlock(400);
    expect(block).toMatchObject({ ssrc: 42, cumulativeLost: 1, fractionLost: Math.floor(256 / 20) });
  });

  it('grows jitter when packets arrive unevenly', () => {
    const s = new ReceiverStats();
    for (let i = 0; i < 50; i++) s.update(7, i, i * 160, i * 20 + (i % 2 ? 10 : 0));
    expect(s.snapshot().jitterMs).toBeGreaterThan(5);
  });
});
