// Validation of uploaded prompts (DESIGN principle 7): format by content, size and duration
// limits, and a typed error for a corrupt file, before anything is stored or played.
import { MediaError } from '../errors.ts';
import { decodeMp3, isMp3 } from './mp3.ts';
import { TELEPHONY_RATE, toTelephonyPcm } from './resample.ts';
import { type DecodedAudio, decodeWav, isWav } from './wav.ts';

export interface UploadLimits {
  readonly maxBytes?: number;
  readonly maxDurationMs?: number;
  readonly minDurationMs?: number;
}

export const DEFAULT_UPLOAD_LIMITS = {
  maxBytes: 20 * 1024 * 1024,
  maxDurationMs: 10 * 60_000,
  minDurationMs: 100,
};

export interface AudioPrompt {
  readonly format: 'wav' | 'mp3';
  readonly durationMs: number;
  /** Mono 16-bit PCM at 8 kHz, ready to play. */
  readonly pcm: Int16Array;
}

/** Decodes WAV or MP3 bytes (by content, not by name) to telephony PCM within limits. */
export async function decodeAudioFile(bytes: Uint8Array, limits: UploadLimits = {}): Promise<AudioPrompt> {
  const maxBytes = limits.maxBytes ?? DEFAULT_UPLOAD_LIMITS.maxBytes;
  const maxDurationMs = limits.maxDurationMs ?? DEFAULT_UPLOAD_LIMITS.maxDurationMs;
  const minDurationMs = limits.minDurationMs ?? DEFAULT_UPLOAD_LIMITS.minDurationMs;
  if (bytes.length > maxBytes)
    throw new MediaError('AUDIO_TOO_LARGE', `file of ${bytes.length} bytes exceeds ${maxBytes}`);
  let format: AudioPrompt['format'];
  let decoded: DecodedAudio;
  if (isWav(bytes)) {
    format = 'wav';
    decoded = decodeWav(bytes);
  } else if (isMp3(bytes)) {
    format = 'mp3';
    decoded = await decodeMp3(bytes);
  } else {
    throw new MediaError('AUDIO_UNSUPPORTED', 'not a WAV or MP3 file');
  }
  const frames = decoded.channels[0]?.length ?? 0;
  const durationMs = (frames / decoded.sampleRate) * 1000;
  if (durationMs > maxDurationMs) {
    throw new MediaError(
      'AUDIO_TOO_LONG',
      `audio of ${Math.round(durationMs)} ms exceeds ${maxDurationMs} ms`,
    );
  }
  if (durationMs < minDurationMs)
    throw new MediaError('AUDIO_CORRUPT', `audio of ${Math.round(durationMs)} ms is too short`);
  const pcm = toTelephonyPcm(decoded);
  return { format, durationMs: (pcm.length / TELEPHONY_RATE) * 1000, pcm };
}
