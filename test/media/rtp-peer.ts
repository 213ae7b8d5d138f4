// A minimal independent RTP phone for tests: a UDP socket that sends paced G.711 or RFC 4733
// packets and keeps what it receives, decoded, in arrival order.
import { createSocket, type Socket } from 'node:dgram';
import { concatPcm } from '../../src/media/audio/pcm.ts';
import { g711Decode, g711Encode } from '../../src/media/codecs/g711.ts';
import { goertzelPower, toneShare } from '../../src/media/dtmf/goertzel.ts';
import { isRtcp, parseRtp, type RtpPacket, serializeRtp } from '../../src/media/rtp/packet.ts';
import { parseRtcp, type RtcpPacket } from '../../src/media/rtp/rtcp.ts';

export type Law = 'PCMU' | 'PCMA';

export class RtpPeer {
  readonly received: RtpPacket[] = [];
  readonly rtcp: RtcpPacket[][] = [];
  private seq = 1000;
  private ts = 5000;
  private readonly ssrc = 0x1234abcd;
  private timers = new Set<NodeJS.Timeout>();

  private constructor(
    readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (buf) => {
      if (isRtcp(buf)) this.rtcp.push(parseRtcp(buf));
      else this.received.push(parseRtp(buf));
    });
  }

  static async open(): Promise<RtpPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    return new RtpPeer(socket, socket.address().port);
  }

  /** An SDP offer for this peer. */
  offer(law: Law, opts: { telephoneEvent?: boolean; rtcpMux?: boolean; port?: number } = {}): string {
    const pt = law === 'PCMU' ? 0 : 8;
    const te = opts.telephoneEvent ?? true;
    return [
      'v=0',
      'o=peer 1 1 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${opts.port ?? this.port} RTP/AVP ${pt}${te ? ' 101' : ''}`,
      `a=rtpmap:${pt} ${law}/8000`,
      ...(te ? ['a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16'] : []),
      ...(opts.rtcpMux ? ['a=rtcp-mux'] : []),
      'a=sendrecv',
      '',
    ].join('\r\n');
  }

  send(
    to: number,
    packet: Omit<RtpPacket, 'ssrc' | 'csrcs' | 'sequenceNumber'> & { sequenceNumber?: number },
  ): void {
    const p: RtpPacket = { ssrc: this.ssrc, csrcs: [], sequenceNumber: this.seq++ & 0xffff, ...packet };
    this.socket.send(serializeRtp(p), to, '127.0.0.1');
  }

  /** Sends `pcm` as 20 ms packets paced by a timer. Resolves when done. */
  stream(to: number, law: Law, pcm: Int16Array): Promise<void> {
    const pt = law === 'PCMU' ? 0 : 8;
    let offset = 0;
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        if (offset >= pcm.length) {
          clearInterval(timer);
          this.timers.delete(timer);
          resolve();
          return;
        }
        const frame = pcm.subarray(offset, offset + 160);
        this.send(to, {
          payloadType: pt,
          marker: offset === 0,
          timestamp: this.ts,
          payload: g711Encode(law, frame),
        });
        this.ts = (this.ts + 160) >>> 0;
        offset += 160;
      }, 20);
      this.timers.add(timer);
    });
  }

  nextTimestamp(): number {
    const t = this.ts;
    this.ts = (this.ts + 800) >>> 0;
    return t;
  }

  /** Received audio of one codec, in arrival order. */
  audio(law: Law): Int16Array {
    const pt = law === 'PCMU' ? 0 : 8;
    return concatPcm(
      this.received.filter((p) => p.payloadType === pt).map((p) => g711Decode(law, p.payload)),
    );
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await new Promise<void>((r) => this.socket.close(() => r()));
  }
}

export function sine(freqs: readonly number[], ms: number, amplitude = 6000): Int16Array {
  const n = Math.round((ms * 8000) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.round(freqs.reduce((s, f) => s + amplitude * Math.sin((2 * Math.PI * f * i) / 8000), 0));
  }
  return out;
}

/** Which of the candidate frequencies carry a tone in this audio (share of energy >= 10%). */
export function tonesIn(pcm: Int16Array, candidates: readonly number[]): number[] {
  let energy = 0;
  for (const v of pcm) energy += v * v;
  if (energy / Math.max(1, pcm.length) < 1e4) return [];
  return candidates.filter((f) => toneShare(pcm, f) >= 0.1);
}

export { goertzelPower };

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until check() returns a value, for up to `ms`. */
export async function eventually<T>(check: () => T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await delay(20);
  }
}
