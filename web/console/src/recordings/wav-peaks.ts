// Waveform peaks of a PCM WAV file fetched over HTTP. A short file is read whole; a long one
// is sampled with Range requests spread over it, so a one-hour call costs ~1 MB, not 100.

export interface WavFormat {
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  dataOffset: number;
  dataBytes: number;
}

/** The format and where the samples are, from the first bytes of the file (RIFF chunks). */
export function parseWavHeader(bytes: Uint8Array): WavFormat {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a WAV file');
  let at = 12;
  let fmt: Omit<WavFormat, 'dataOffset' | 'dataBytes'> | undefined;
  while (at + 8 <= bytes.length) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    if (id === 'fmt ') {
      fmt = {
        channels: view.getUint16(at + 10, true),
        sampleRate: view.getUint32(at + 12, true),
        bitsPerSample: view.getUint16(at + 22, true),
      };
    } else if (id === 'data') {
      if (!fmt) throw new Error('WAV data before its format');
      return { ...fmt, dataOffset: at + 8, dataBytes: size };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error('no audio data in the WAV header');
}

/** Per column and channel, the loudest sample (0..1) of a block of 16-bit samples. */
function peaksOf(bytes: Uint8Array, format: WavFormat, columns: number): number[][] {
  const frame = format.channels * 2;
  const frames = Math.floor(bytes.byteLength / frame);
  const view = new DataView(bytes.buffer, bytes.byteOffset, frames * frame);
  const out = Array.from({ length: format.channels }, () => new Array<number>(columns).fill(0));
  const per = Math.max(1, Math.floor(frames / columns));
  for (let f = 0; f < frames; f++) {
    const col = Math.min(columns - 1, Math.floor(f / per));
    for (let c = 0; c < format.channels; c++) {
      const v = Math.abs(view.getInt16(f * frame + c * 2, true)) / 32768;
      const row = out[c] as number[];
      if (v > (row[col] as number)) row[col] = v;
    }
  }
  return out;
}

const WHOLE_LIMIT = 4 * 1024 * 1024;
const SAMPLE_BYTES = 8192;

async function range(url: string, from: number, to: number, signal: AbortSignal): Promise<Uint8Array> {
  const res = await fetch(url, {
    headers: { range: `bytes=${from}-${to}` },
    signal,
    credentials: 'same-origin',
  });
  if (!res.ok) throw new Error(`the recording could not be read (${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

export interface Waveform {
  format: WavFormat;
  seconds: number;
  /** peaks[channel][column] in 0..1. */
  peaks: number[][];
  sampled: boolean;
}

export async function loadWaveform(url: string, columns: number, signal: AbortSignal): Promise<Waveform> {
  const head = await range(url, 0, 4095, signal);
  const format = parseWavHeader(head);
  if (format.bitsPerSample !== 16) throw new Error('only 16-bit recordings are drawn');
  const frame = format.channels * 2;
  const seconds = format.dataBytes / frame / format.sampleRate;
  if (format.dataBytes <= WHOLE_LIMIT) {
    const data = await range(url, format.dataOffset, format.dataOffset + format.dataBytes - 1, signal);
    return { format, seconds, peaks: peaksOf(data, format, columns), sampled: false };
  }
  // One small read per column, a few at a time.
  const peaks = Array.from({ length: format.channels }, () => new Array<number>(columns).fill(0));
  const step = format.dataBytes / columns;
  const read = async (col: number) => {
    const start = format.dataOffset + Math.floor((col * step) / frame) * frame;
    const block = await range(url, start, start + SAMPLE_BYTES - 1, signal);
    const p = peaksOf(block, format, 1);
    for (let c = 0; c < format.channels; c++) (peaks[c] as number[])[col] = (p[c] as number[])[0] as number;
  };
  for (let col = 0; col < columns; col += 6)
    await Promise.all([0, 1, 2, 3, 4, 5].filter((i) => col + i < columns).map((i) => read(col + i)));
  return { format, seconds, peaks, sampled: true };
}
