import { describe, expect, it } from 'vitest';
import { g711Decode, g711Encode, g711Silence, g711Transcode } from '../../src/media/codecs/g711.ts';

describe('G.711', () => {
  it.each([
    // Reference points of ITU-T G.711 tables: code -> linear value.
    ['PCMU', 0xff, 0],
    ['PCMU', 0x80, 32124],
    ['PCMU', 0x00, -32124],
    ['PCMU', 0xef, 132],
    ['PCMA', 0xd5, 8],
    ['PCMA', 0x55, -8],
    ['PCMA', 0xaa, 32256],
    ['PCMA', 0x2a, -32256],
  ] as const)('%s byte 0x%s decodes to its table value', (law, code, value) => {
    expect(g711Decode(law, Uint8Array.of(code))[0]).toBe(value);
  });

  it('every code survives decode then encode in both laws', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    // µ-law 0x7f and 0xff both mean zero; encoding zero gives 0xff.
    const u = g711Encode('PCMU', g711Decode('PCMU', all));
    expect([...u].filter((v, i) => v !== i)).toEqual([0xff]);
    expect([...g711Encode('PCMA', g711Decode('PCMA', all))]).toEqual([...all]);
  });

  it('transcodes µ-law to A-law within one quantisation step and encodes silence', () => {
    const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i / 5)));
    const alaw = g711Transcode('PCMU', 'PCMA', g711Encode('PCMU', pcm));
    const back = g711Decode('PCMA', alaw);
    back.forEach((v, i) => {
      expect(Math.abs(v - (pcm[i] as number))).toBeLessThan(Math.abs(pcm[i] as number) / 8 + 40);
    });
    expect(g711Decode('PCMU', Uint8Array.of(g711Silence('PCMU')))[0]).toBe(0);
    expect(Math.abs(g711Decode('PCMA', Uint8Array.of(g711Silence('PCMA')))[0] as number)).toBeLessThanOrEqual(
      8,
    );
  });
});
