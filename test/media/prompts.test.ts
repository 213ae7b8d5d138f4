import { describe, expect, it } from 'vitest';
import { renderTone, TONE_PLANS, toneFor } from '../../src/media/audio/tones.ts';
import { synthesizeSpeech, ttsLanguages } from '../../src/media/audio/tts.ts';
import { decodeAudioFile } from '../../src/media/audio/upload.ts';
import { encodeWav } from '../../src/media/audio/wav.ts';
import { MediaError } from '../../src/media/errors.ts';
import { sine, tonesIn } from './rtp-peer.ts';

/** A valid MPEG-1 Layer III stream of silent frames: 48 kHz mono 64 kb/s, 1152 samples each. */
function silentMp3(frames: number): Uint8Array {
  const frame = new Uint8Array(192);
  frame.set([0xff, 0xfb, 0x54, 0xc0]);
  const out = new Uint8Array(frames * 192);
  for (let i = 0; i < frames; i++) out.set(frame, i * 192);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MediaError);
    return (e as MediaError).code;
  }
  throw new Error('expected a rejection');
}

describe('audio files', () => {
  it('decodes a 44.1 kHz stereo WAV to 8 kHz mono with the tone at its frequency', async () => {
    const n = 44100;
    const stereo = new Int16Array(n * 2);
    for (let i = 0; i < n; i++) {
      const v = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 44100));
      stereo[2 * i] = v;
      stereo[2 * i + 1] = v;
    }
    const prompt = await decodeAudioFile(encodeWav(44100, 2, stereo));
    expect(prompt.format).toBe('wav');
    expect(Math.round(prompt.durationMs)).toBe(1000);
    expect(prompt.pcm.length).toBe(8000);
    expect(tonesIn(prompt.pcm.subarray(400, 7600), [500, 1000, 3000])).toEqual([1000]);
  });

  it('drops content above 4 kHz instead of aliasing it into the telephone band', async () => {
    const n = 48000;
    const high = Int16Array.from({ length: n }, (_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 5000 * i) / 48000)),
    );
    const prompt = await decodeAudioFile(encodeWav(48000, 1, high));
    // 5 kHz would alias to 3 kHz at 8 kHz without the low-pass filter.
    expect(tonesIn(prompt.pcm.subarray(400, 7600), [3000])).toEqual([]);
  });

  it('decodes MP3 (mpg123 WASM) to its duration at 8 kHz', async () => {
    const prompt = await decodeAudioFile(silentMp3(125));
    expect(prompt.format).toBe('mp3');
    expect(prompt.durationMs).toBeGreaterThan(2800);
    expect(prompt.durationMs).toBeLessThanOrEqual(3000);
  });

  it.each([
    [
      'AUDIO_UNSUPPORTED',
      'plain text',
      async () => decodeAudioFile(new TextEncoder().encode('hello, not audio')),
    ],
    [
      'AUDIO_CORRUPT',
      'a WAV without data',
      async () => decodeAudioFile(encodeWav(8000, 1, new Int16Array(0)).subarray(0, 36)),
    ],
    [
      'AUDIO_CORRUPT',
      'an MP3 of garbage after a frame sync',
      async () => decodeAudioFile(Uint8Array.of(0xff, 0xfb, 1, 2, 3, 4, 5, 6, 7)),
    ],
    [
      'AUDIO_TOO_LARGE',
      'a file over the size limit',
      async () => decodeAudioFile(encodeWav(8000, 1, new Int16Array(8000)), { maxBytes: 1000 }),
    ],
    [
      'AUDIO_TOO_LONG',
      'audio over the duration limit',
      async () => decodeAudioFile(encodeWav(8000, 1, new Int16Array(16000)), { maxDurationMs: 1000 }),
    ],
    [
      'AUDIO_UNSUPPORTED',
      'a 6-channel WAV',
      async () => decodeAudioFile(encodeWav(8000, 6, new Int16Array(6000))),
    ],
  ])('rejects %s: %s', async (code, _what, attempt) => {
    expect(await rejection(attempt())).toBe(code);
  });
});

describe('tones', () => {
  it.each(Object.keys(TONE_PLANS))('%s call progress tones carry their plan frequencies', (country) => {
    for (const name of ['dial', 'ringback', 'busy', 'congestion'] as const) {
      const spec = toneFor(name, country);
      const pcm = renderTone(spec).subarray(0, 800);
      expect(tonesIn(pcm, spec.frequencies).sort()).toEqual([...spec.frequencies].sort());
    }
  });

  it('rejects a frequency above the 8 kHz Nyquist limit', () => {
    expect(() => renderTone({ frequencies: [5000], cadence: [] })).toThrow(/frequency/);
  });

  it('a custom tone helper agrees with the test generator', () => {
    expect(tonesIn(renderTone({ frequencies: [1300], cadence: [] }, 100), [1300, 2600])).toEqual(
      tonesIn(sine([1300], 100), [1300, 2600]),
    );
  });
});

describe('text to speech (espeak-ng WASM)', () => {
  it('lists the languages it ships and speaks several of them at 8 kHz', async () => {
    const languages = await ttsLanguages();
    expect(languages.length).toBeGreaterThan(100);
    for (const language of ['en-us', 'fr-fr', 'de', 'es', 'cmn', 'ar']) expect(languages).toContain(language);
    for (const [language, text] of [
      ['en-us', 'Thank you for calling.'],
      ['fr', 'Merci de votre appel.'],
      ['de', 'Vielen Dank für Ihren Anruf.'],
    ] as const) {
      const pcm = await synthesizeSpeech({ text, language });
      // At least half a second of speech that is not silence.
      expect(pcm.length).toBeGreaterThan(4000);
      expect(pcm.some((v) => Math.abs(v) > 3000)).toBe(true);
    }
  });

  it('rejects an unknown language and empty text with typed errors', async () => {
    expect(await rejection(synthesizeSpeech({ text: 'hello', language: 'qq' }))).toBe('TTS_FAILED');
    expect(await rejection(synthesizeSpeech({ text: '  ', language: 'en' }))).toBe('INVALID_ARGUMENT');
    expect(await rejection(synthesizeSpeech({ text: 'x', language: 'en; rm -rf' }))).toBe('INVALID_ARGUMENT');
  });
});
