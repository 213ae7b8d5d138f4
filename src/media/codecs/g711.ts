// G.711 µ-law and A-law (ITU-T G.711), table driven: one lookup per sample each way.
// Encoding uses a 16-bit-indexed table built once, so transcoding is two lookups.

export type G711Law = 'PCMU' | 'PCMA';

function muLawDecode(u: number): number {
  const v = ~u & 0xff;
  const sign = v & 0x80;
  const exponent = (v >> 4) & 0x07;
  const mantissa = v & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return sign ? -magnitude : magnitude;
}

function muLawEncode(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function aLawDecode(a: number): number {
  const v = a ^ 0x55;
  const sign = v & 0x80;
  const exponent = (v >> 4) & 0x07;
  const mantissa = v & 0x0f;
  let magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  magnitude = Math.min(magnitude, 32767);
  return sign ? magnitude : -magnitude;
}

function aLawEncode(sample: number): number {
  let s = sample;
  const sign = s >= 0 ? 0x80 : 0;
  if (s < 0) s = -s - 1;
  if (s > 32767) s = 32767;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = exponent === 0 ? (s >> 4) & 0x0f : (s >> (exponent + 3)) & 0x0f;
  return (sign | (exponent << 4) | mantissa) ^ 0x55;
}

const ULAW_TO_PCM = new Int16Array(256);
const ALAW_TO_PCM = new Int16Array(256);
const PCM_TO_ULAW = new Uint8Array(65536);
const PCM_TO_ALAW = new Uint8Array(65536);
const ULAW_TO_ALAW = new Uint8Array(256);
const ALAW_TO_ULAW = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  ULAW_TO_PCM[i] = muLawDecode(i);
  ALAW_TO_PCM[i] = aLawDecode(i);
}
for (let i = 0; i < 65536; i++) {
  const s = i - 32768;
  PCM_TO_ULAW[i] = muLawEncode(s);
  PCM_TO_ALAW[i] = aLawEncode(s);
}
for (let i = 0; i < 256; i++) {
  ULAW_TO_ALAW[i] = PCM_TO_ALAW[(ULAW_TO_PCM[i] as number) + 32768] as number;
  ALAW_TO_ULAW[i] = PCM_TO_ULAW[(ALAW_TO_PCM[i] as number) + 32768] as number;
}

/** Decodes G.711 bytes into `out` (or a new array) as 16-bit linear PCM. */
export function g711Decode(
  law: G711Law,
  data: Uint8Array,
  out: Int16Array = new Int16Array(data.length),
): Int16Array {
  const table = law === 'PCMU' ? ULAW_TO_PCM : ALAW_TO_PCM;
  for (let i = 0; i < data.length; i++) out[i] = table[data[i] as number] as number;
  return out;
}

/** Encodes 16-bit linear PCM (values are clamped) into G.711 bytes, at `offset` in `out`. */
export function g711Encode(
  law: G711Law,
  pcm: Int16Array,
  out: Uint8Array = new Uint8Array(pcm.length),
  offset = 0,
): Uint8Array {
  const table = law === 'PCMU' ? PCM_TO_ULAW : PCM_TO_ALAW;
  for (let i = 0; i < pcm.length; i++) out[offset + i] = table[(pcm[i] as number) + 32768] as number;
  return out;
}

/** µ-law <-> A-law without going through linear PCM twice. Same law: copies. */
export function g711Transcode(
  from: G711Law,
  to: G711Law,
  data: Uint8Array,
  out: Uint8Array = new Uint8Array(data.length),
): Uint8Array {
  if (from === to) {
    out.set(data);
    return out;
  }
  const table = from === 'PCMU' ? ULAW_TO_ALAW : ALAW_TO_ULAW;
  for (let i = 0; i < data.length; i++) out[i] = table[data[i] as number] as number;
  return out;
}

/** The byte that encodes digital silence in each law. */
export function g711Silence(law: G711Law): number {
  return law === 'PCMU' ? 0xff : 0xd5;
}
