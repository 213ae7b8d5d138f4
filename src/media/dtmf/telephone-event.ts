// RFC 4733 telephone-events: payload format (§2.3), sender procedure (§2.5.1) and receiver
// procedure (§2.5.2) for DTMF digits 0-9 * # A-D (events 0-15, §3.2).
import { MediaError } from '../errors.ts';

export const DTMF_DIGITS = '0123456789*#ABCD';
export type DtmfDigit =
  | '0'
  | '1'
  | '2'
  | '3'
  | '4'
  | '5'
  | '6'
  | '7'
  | '8'
  | '9'
  | '*'
  | '#'
  | 'A'
  | 'B'
  | 'C'
  | 'D';

export function isDtmfDigit(s: string): s is DtmfDigit {
  return s.length === 1 && DTMF_DIGITS.includes(s.toUpperCase()) && s === s.toUpperCase();
}

export function digitToEvent(d: DtmfDigit): number {
  return DTMF_DIGITS.indexOf(d);
}

export function eventToDigit(event: number): DtmfDigit | undefined {
  return event >= 0 && event < 16 ? (DTMF_DIGITS[event] as DtmfDigit) : undefined;
}

export interface TelephoneEventPayload {
  readonly event: number;
  readonly end: boolean;
  /** Power level in -dBm0, 0..63 (§2.3.4). */
  readonly volume: number;
  /** In timestamp units since the event's timestamp (§2.3.5). */
  readonly duration: number;
}

export function parseTelephoneEvent(payload: Uint8Array): TelephoneEventPayload {
  // §2.3: one event is 4 octets; more than one block is redundancy (RFC 2198), not used here.
  if (payload.length < 4)
    throw new MediaError('DTMF_MALFORMED', `telephone-event payload of ${payload.length} bytes`);
  const b1 = payload[1] as number;
  return {
    event: payload[0] as number,
    end: (b1 & 0x80) !== 0,
    volume: b1 & 0x3f,
    duration: ((payload[2] as number) << 8) | (payload[3] as number),
  };
}

export function serializeTelephoneEvent(p: TelephoneEventPayload): Uint8Array {
  if (
    p.event < 0 ||
    p.event > 255 ||
    p.volume < 0 ||
    p.volume > 63 ||
    p.duration < 0 ||
    p.duration > 0xffff
  ) {
    throw new MediaError('INVALID_ARGUMENT', 'telephone-event field out of range');
  }
  return Uint8Array.of(p.event, (p.end ? 0x80 : 0) | p.volume, p.duration >> 8, p.duration & 0xff);
}

/** One clock tick's worth of telephone-event packets for one event. */
export interface TelephoneEventStep {
  readonly marker: boolean;
  readonly payloads: readonly Uint8Array[];
}

/**
 * The sender's schedule for one digit (§2.5.1): a first packet with the marker bit, one update
 * per packet interval with a growing duration, all with the event's start timestamp, then the
 * end packet sent three times (§2.5.1.4: the final packet SHOULD be retransmitted).
 */
export class TelephoneEventEncoder {
  private readonly clockRate: number;
  private readonly intervalMs: number;
  private readonly volume: number;

  constructor(opts: { clockRate?: number; intervalMs?: number; volume?: number } = {}) {
    this.clockRate = opts.clockRate ?? 8000;
    this.intervalMs = opts.intervalMs ?? 20;
    this.volume = opts.volume ?? 10;
  }

  steps(digit: DtmfDigit, durationMs: number): TelephoneEventStep[] {
    if (!Number.isFinite(durationMs) || durationMs < 40 || durationMs > 5000) {
      throw new MediaError('INVALID_ARGUMENT', 'DTMF duration must be 40..5000 ms');
    }
    const event = digitToEvent(digit);
    const volume = this.volume;
    const perInterval = (this.clockRate * this.intervalMs) / 1000;
    const total = Math.min(0xffff, Math.round((this.clockRate * durationMs) / 1000));
    const steps: TelephoneEventStep[] = [];
    for (let d = perInterval; d < total; d += perInterval) {
      const payload = serializeTelephoneEvent({ event, end: false, volume, duration: d });
      steps.push({ marker: steps.length === 0, payloads: [payload] });
    }
    const end = serializeTelephoneEvent({ event, end: true, volume, duration: total });
    steps.push({ marker: steps.length === 0, payloads: [end, end, end] });
    return steps;
  }
}

export interface DetectedTelephoneEvent {
  readonly digit: DtmfDigit;
  readonly timestamp: number;
}

/**
 * Receiver side (§2.5.2): an event is identified by its RTP timestamp; updates and the
 * retransmitted end packets of the same event are reported once, at the first packet seen,
 * so that a lost start packet or lost end packets still yield exactly one digit.
 */
export class TelephoneEventDecoder {
  private lastTimestamp: number | undefined;
  private lastEnded = false;

  receive(timestamp: number, payload: Uint8Array): DetectedTelephoneEvent | undefined {
    const p = parseTelephoneEvent(payload);
    const digit = eventToDigit(p.event);
    if (timestamp === this.lastTimestamp) {
      if (p.end) this.lastEnded = true;
      return undefined;
    }
    // A packet of an event that already ended and whose timestamp is older is a late duplicate.
    if (this.lastTimestamp !== undefined && this.lastEnded && ((timestamp - this.lastTimestamp) | 0) < 0) {
      return undefined;
    }
    this.lastTimestamp = timestamp;
    this.lastEnded = p.end;
    return digit === undefined ? undefined : { digit, timestamp };
  }
}
