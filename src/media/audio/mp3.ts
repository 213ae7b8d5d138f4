// MP3 decoding through mpg123 compiled to WASM (mpg123-decoder): no native tool needed.
import { MPEGDecoder } from 'mpg123-decoder';
import { MediaError } from '../errors.ts';
import type { DecodedAudio } from './wav.ts';

/** ID3v2 tag or an MPEG audio frame sync (11 set bits) at the start. */
export function isMp3(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  if (bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33) return true;
  return bytes[0] === 0xff && ((bytes[1] as number) & 0xe0) === 0xe0;
}

export async function decodeMp3(bytes: Uint8Array): Promise<DecodedAudio> {
  if (!isMp3(bytes)) throw new MediaError('AUDIO_UNSUPPORTED', 'not an MP3 file');
  const decoder = new MPEGDecoder();
  await decoder.ready;
  try {
    const decoded = decoder.decode(bytes);
    if (decoded.samplesDecoded === 0 || decoded.channelData.length === 0) {
      throw new MediaError('AUDIO_CORRUPT', 'corrupt MP3: no audio frame could be decoded');
    }
    return { sampleRate: decoded.sampleRate, channels: decoded.channelData };
  } finally {
    decoder.free();
  }
}
