// MP3 encoding of recorded WAV files (voicemail sent by email), through lamejs: LAME's
// encoder ported to plain JavaScript, so no native tool or WASM build is needed.
//
// Encoding costs about 6 ms of CPU per second of 8 kHz audio, so a long message is encoded
// in slices of about one second with a turn of the event loop between them: the thread
// that runs SIP and the API is never held for more than a few milliseconds.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Mp3Encoder } from '@breezystack/lamejs';
import { MediaError } from '../errors.ts';
import { clamp16 } from './pcm.ts';
import { decodeWav } from './wav.ts';

/** Sample rates an MP3 stream can carry (MPEG-1, MPEG-2 and MPEG-2.5 Layer III). */
const MP3_RATES = new Set([8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]);
/** Samples per MPEG-2/2.5 Layer III frame; slices are a multiple so no frame is split. */
const FRAME = 576;

export interface Mp3Options {
  /** Bit rate in kb/s; by default 32 per channel at telephone rates, 64 per channel above. */
  readonly kbps?: number;
}

function defaultKbps(sampleRate: number, channels: number): number {
  const perChannel = sampleRate <= 12000 ? 32 : sampleRate <= 24000 ? 48 : 64;
  return perChannel * channels;
}

function toInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = clamp16((samples[i] as number) * 32768);
  return out;
}

/**
 * Encodes 16-bit PCM channels (one array per channel, mono or stereo) to an MP3 stream at
 * the same sample rate.
 */
export async function encodePcmToMp3(
  sampleRate: number,
  channels: readonly Int16Array[],
  options: Mp3Options = {},
): Promise<Buffer> {
  const [left, right] = channels;
  if (!left || channels.length > 2)
    throw new MediaError('AUDIO_UNSUPPORTED', `${channels.length} channels (mono or stereo only)`);
  if (!MP3_RATES.has(sampleRate))
    throw new MediaError('AUDIO_UNSUPPORTED', `sample rate ${sampleRate} Hz cannot be carried by MP3`);
  if (right && right.length !== left.length)
    throw new MediaError('INVALID_ARGUMENT', 'stereo channels of different lengths');
  const encoder = new Mp3Encoder(
    channels.length,
    sampleRate,
    options.kbps ?? defaultKbps(sampleRate, channels.length),
  );
  const slice = Math.max(FRAME, Math.floor(sampleRate / FRAME) * FRAME);
  const parts: Buffer[] = [];
  for (let offset = 0; offset < left.length; offset += slice) {
    const end = Math.min(left.length, offset + slice);
    const out = right
      ? encoder.encodeBuffer(left.subarray(offset, end), right.subarray(offset, end))
      : encoder.encodeBuffer(left.subarray(offset, end));
    if (out.length > 0) parts.push(Buffer.from(out.buffer, out.byteOffset, out.length));
    await nextTurn();
  }
  const tail = encoder.flush();
  if (tail.length > 0) parts.push(Buffer.from(tail.buffer, tail.byteOffset, tail.length));
  return Buffer.concat(parts);
}

/** Encodes a WAV file (as written by the recorder: 16-bit PCM, mono or stereo) to MP3. */
export async function encodeWavToMp3(wav: Uint8Array, options: Mp3Options = {}): Promise<Buffer> {
  const audio = decodeWav(wav);
  return encodePcmToMp3(audio.sampleRate, audio.channels.map(toInt16), options);
}
