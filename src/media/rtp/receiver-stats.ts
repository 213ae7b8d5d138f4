// What a receiver knows of one source: RFC 3550 Appendix A.1 (sequence validation and
// extended sequence numbers), A.3 (expected and lost packets) and A.8 (interarrival jitter).
import type { ReportBlock } from './rtcp.ts';

const RTP_SEQ_MOD = 0x10000;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const MIN_SEQUENTIAL = 2;

export interface ReceiverSnapshot {
  readonly ssrc: number;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  readonly highestSequence: number;
  /** RFC 3550 jitter in milliseconds (timestamp units / clock rate). */
  readonly jitterMs: number;
}

export class ReceiverStats {
  ssrc = 0;
  private started = false;
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private probation = MIN_SEQUENTIAL;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit = 0;
  private jitter = 0;
  private lastSrMiddle = 0;
  private lastSrArrival = 0;

  constructor(private readonly clockRate = 8000) {}

  /**
   * Records one arrival (arrivalMs on a monotonic clock). Returns false when A.1 says the
   * packet is not (yet) valid: a stray from before a restart or a source still on probation.
   */
  update(ssrc: number, seq: number, rtpTimestamp: number, arrivalMs: number): boolean {
    if (!this.started || ssrc !== this.ssrc) {
      // A new source (or an SSRC change, §8.2): start over on probation.
      this.ssrc = ssrc;
      this.started = true;
      this.initSeq(seq);
      this.maxSeq = seq - 1;
      this.probation = MIN_SEQUENTIAL;
      this.received = 0;
      this.expectedPrior = 0;
      this.receivedPrior = 0;
      this.jitter = 0;
      this.transit = Number.NaN;
    }
    if (!this.validate(seq)) return false;
    this.received++;
    // A.8: transit time in timestamp units; jitter J += (|D| - J) / 16.
    const arrival = Math.round((arrivalMs * this.clockRate) / 1000);
    const transit = (arrival - rtpTimestamp) | 0;
    if (!Number.isNaN(this.transit)) {
      const d = Math.abs((transit - this.transit) | 0);
      this.jitter += (d - this.jitter) / 16;
    }
    this.transit = transit;
    return true;
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
  }

  private validate(seq: number): boolean {
    const udelta = (seq - this.maxSeq + RTP_SEQ_MOD) % RTP_SEQ_MOD;
    if (this.probation > 0) {
      if (seq === (this.maxSeq + 1) % RTP_SEQ_MOD) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.initSeq(seq);
          this.baseSeq = (seq - MIN_SEQUENTIAL + 1 + RTP_SEQ_MOD) % RTP_SEQ_MOD;
          this.received = MIN_SEQUENTIAL - 1;
          return true;
        }
      } else {
        this.probation = MIN_SEQUENTIAL - 1;
        this.maxSeq = seq;
      }
      return false;
    }
    if (udelta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // A very large jump: accept it only if the next packet follows it (the peer restarted).
      if (seq === this.badSeq) {
        this.initSeq(seq);
      } else {
        this.badSeq = (seq + 1) % RTP_SEQ_MOD;
        return false;
      }
    }
    // Otherwise a duplicate or reordered packet: counted, not moving maxSeq.
    return true;
  }

  /** Notes a sender report's arrival for LSR/DLSR (§6.4.1). */
  onSenderReport(ntpSeconds: number, ntpFraction: number, arrivalMs: number): void {
    this.lastSrMiddle = ((ntpSeconds & 0xffff) << 16) | (ntpFraction >>> 16);
    this.lastSrArrival = arrivalMs;
  }

  private get extendedMax(): number {
    return this.cycles + this.maxSeq;
  }

  snapshot(): ReceiverSnapshot {
    const expected = this.started ? this.extendedMax - this.baseSeq + 1 : 0;
    return {
      ssrc: this.ssrc,
      packetsReceived: this.received,
      packetsLost: Math.max(0, expected - this.received),
      highestSequence: this.extendedMax,
      jitterMs: (this.jitter / this.clockRate) * 1000,
    };
  }

  /** A.3: the report block for the next RR/SR, and resets the interval counters. */
  reportBlock(nowMs: number): ReportBlock | undefined {
    if (!this.started || this.probation > 0) return undefined;
    const expected = this.extendedMax - this.baseSeq + 1;
    const lost = expected - this.received;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fraction =
      expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval << 8) / expectedInterval);
    const clampedLost = Math.max(-0x800000, Math.min(0x7fffff, lost));
    return {
      ssrc: this.ssrc,
      fractionLost: Math.min(255, fraction),
      cumulativeLost: clampedLost,
      highestSequence: this.extendedMax >>> 0,
      jitter: Math.floor(this.jitter) >>> 0,
      lastSr: this.lastSrMiddle >>> 0,
      // §6.4.1: delay since last SR in units of 1/65536 s.
      delaySinceLastSr: this.lastSrArrival
        ? Math.floor(((nowMs - this.lastSrArrival) / 1000) * 65536) >>> 0
        : 0,
    };
  }
}
