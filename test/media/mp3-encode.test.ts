import { describe, expect, it } from 'vitest';
import { decodeMp3, isMp3 } from '../../src/media/audio/mp3.ts';
import { encodePcmToMp3, encodeWavToMp3 } from '../../src/media/audio/mp3-encode.ts';
import { encodeWav } from '../../src/media/audio/wav.ts';
import { MediaError } from '../../src/media/errors.ts';
import { checkToneInSamples } from '../helpers/tone.ts';

function sine(hz: number, seconds: number, rate = 8000): Int16Array {
  return Int16Array.from({ length: Math.round(seconds * rate) }, (_, i) =>
    Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)),
  );
}

function interleave(left: Int16Array, right: Int16Array): Int16Array {
  const out = new Int16Array(left.length * 2);
  for (let i = 0; i < left.length; i++) {
    out[2 * i] = left[i] as number;
    out[2 * i + 1] = right[i] as number;
  }
  return out;
}

describe('MP3 encoding', () => {
  it('turns an 8 kHz mono WAV into an MP3 that mpg123 decodes to the same length and tone', async () => {
    const mp3 = await encodeWavToMp3(encodeWav(8000, 1, sine(440, 3)));
    expect(isMp3(mp3)).toBe(true);
    // 32 kb/s: about 4 KB a second, a fraction of the 16 KB/s of the WAV.
    expect(mp3.length).toBeLessThan(3 * 5000);
    const decoded = await decodeMp3(mp3);
    expect(decoded.sampleRate).toBe(8000);
    const samples = decoded.channels[0] as Float32Array;
    // The encoder adds its delay and pads the last frame: a few hundred ms at most.
    expect(samples.length / 8000).toBeGreaterThanOrEqual(3);
    expect(samples.length / 8000).toBeLessThan(3.4);
    const tone = checkToneInSamples(samples, 8000, 440, { skipSeconds: 0.3 });
    expect(Math.abs(tone.dominantHz - 440)).toBeLessThan(10);
    expect(tone.share).toBeGreaterThan(0.9);
  });

  it('keeps the two sides of a stereo recording apart', async () => {
    const wav = encodeWav(8000, 2, interleave(sine(400, 2), sine(1000, 2)));
    const decoded = await decodeMp3(await encodeWavToMp3(wav));
    const [left, right] = decoded.channels as [Float32Array, Float32Array];
    expect(left.length / 8000).toBeGreaterThanOrEqual(2);
    const l = checkToneInSamples(left, 8000, 400, { skipSeconds: 0.3 });
    const r = checkToneInSamples(right, 8000, 1000, { skipSeconds: 0.3 });
    expect(l.share).toBeGreaterThan(0.9);
    expect(r.share).toBeGreaterThan(0.9);
  });

  it('encodes a long message in slices, all of it', async () => {
    const mp3 = await encodePcmToMp3(8000, [sine(700, 65)]);
    const decoded = await decodeMp3(mp3);
    const samples = decoded.channels[0] as Float32Array;
    expect(samples.length / 8000).toBeGreaterThanOrEqual(65);
    expect(samples.length / 8000).toBeLessThan(65.4);
    const end = checkToneInSamples(samples.subarray(samples.length - 16000), 8000, 700, { skipSeconds: 0 });
    expect(end.share).toBeGreaterThan(0.9);
  });

  it('refuses a rate MP3 cannot carry and more than two channels', async () => {
    await expect(encodePcmToMp3(9000, [sine(440, 1, 9000)])).rejects.toThrow(MediaError);
    await expect(encodePcmToMp3(8000, [sine(1, 1), sine(1, 1), sine(1, 1)])).rejects.toThrow(
      /mono or stereo/,
    );
  });
});
