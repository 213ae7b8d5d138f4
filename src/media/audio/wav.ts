// RIFF/WAVE reading (PCM 8/16/24/32-bit, IEEE float, A-law, µ-law; mono or stereo) and writing
// of 16-bit PCM, which is what recordings and cached prompts use.
import { g711Decode } from '../codecs/g711.ts';
import { MediaError } from '../errors.ts';

export interface DecodedAudio {
  readonly sampleRate: number;
  /** One Float32Array per channel, samples in -1..1. */
  readonly channels: readonly Float32Array[];
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

function corrupt(msg: string): never {
  throw new MediaError('AUDIO_CORRUPT', `corrupt WAV: ${msg}`);
}

export function isWav(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WAVE';
}

function ascii(b: Uint8Array, offset: number, n: number): string {
  return String.fromCharCode(...b.subarray(offset, offset + n));
}

export function decodeWav(bytes: Uint8Array): DecodedAudio {
  if (!isWav(bytes)) throw new MediaError('AUDIO_UNSUPPORTED', 'not a RIFF/WAVE file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let data: Uint8Array | undefined;
  while (offset + 8 <= bytes.length) {
    const id = ascii(bytes, offset, 4);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    // A truncated final data chunk is common (a recorder that crashed): take what is there.
    const end = Math.min(bytes.length, body + size);
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) corrupt('short fmt chunk');
      let format = view.getUint16(body, true);
      if (format === FORMAT_EXTENSIBLE && size >= 40) format = view.getUint16(body + 24, true);
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      data = bytes.subarray(body, end);
      break;
    }
    offset = body + size + (size & 1); // chunks are word aligned
  }
  if (!fmt) corrupt('no fmt chunk');
  if (!data) corrupt('no data chunk');
  const { format, channels, rate, bits } = fmt;
  if (channels < 1 || channels > 2)
    throw new MediaError('AUDIO_UNSUPPORTED', `${channels} channels (mono or stereo only)`);
  if (rate < 8000 || rate > 48000) throw new MediaError('AUDIO_UNSUPPORTED', `sample rate ${rate} Hz`);
  const supported =
    (format === FORMAT_PCM && [8, 16, 24, 32].includes(bits)) ||
    (format === FORMAT_FLOAT && bits === 32) ||
    ((format === FORMAT_ALAW || format === FORMAT_MULAW) && bits === 8);
  if (!supported) throw new MediaError('AUDIO_UNSUPPORTED', `WAV format ${format} with ${bits} bits`);
  const frameBytes = (bits / 8) * channels;
  const frames = Math.floor(data.length / frameBytes);
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const g711 =
    format === FORMAT_ALAW || format === FORMAT_MULAW
      ? g711Decode(format === FORMAT_ALAW ? 'PCMA' : 'PCMU', data)
      : undefined;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const o = i * frameBytes + (c * bits) / 8;
      let v: number;
      if (g711) v = (g711[i * channels + c] as number) / 32768;
      else if (format === FORMAT_FLOAT) v = dv.getFloat32(o, true);
      else if (bits === 8) v = ((data[o] as number) - 128) / 128;
      else if (bits === 16) v = dv.getInt16(o, true) / 32768;
      else if (bits === 24)
        v = ((dv.getInt8(o + 2) << 16) | (dv.getUint8(o + 1) << 8) | dv.getUint8(o)) / 8388608;
      else v = dv.getInt32(o, true) / 2147483648;
      (out[c] as Float32Array)[i] = v;
    }
  }
  return { sampleRate: rate, channels: out };
}

/** A 44-byte canonical header for 16-bit PCM; dataBytes may be patched later by a recorder. */
export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(FORMAT_PCM, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** A whole WAV file of interleaved 16-bit samples. */
export function encodeWav(sampleRate: number, channels: number, interleaved: Int16Array): Buffer {
  const data = Buffer.from(interleaved.buffer, interleaved.byteOffset, interleaved.byteLength);
  return Buffer.concat([wavHeader(sampleRate, channels, data.length), data]);
}
