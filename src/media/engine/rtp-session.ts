// One RTP endpoint inside a media worker (RFC 3550): its UDP sockets, symmetric RTP with
// latching (RFC 4961), receive statistics and RTCP reports, forwarding for bridges,
// paced local sending for players and mixers, RFC 4733 sending and dead-media detection.

import { randomInt } from 'node:crypto';
import type { RemoteInfo, Socket } from 'node:dgram';
import { concatPcm } from '../audio/pcm.ts';
import { g711Decode, g711Encode, g711Transcode } from '../codecs/g711.ts';
import { InbandDtmfDetector } from '../dtmf/goertzel.ts';
import { type DtmfDigit, TelephoneEventDecoder, type TelephoneEventStep } from '../dtmf/telephone-event.ts';
import { MediaError } from '../errors.ts';
import { MAX_RTP_PACKET, parseRtp, writeRtpHeader } from '../rtp/packet.ts';
import { ReceiverStats } from '../rtp/receiver-stats.ts';
import type { AudioCodec, NegotiatedAudio } from '../sdp/offer-answer.ts';
import { JitterBuffer } from './jitter-buffer.ts';
import { FRAME_SAMPLES } from './media-clock.ts';
import type { DtmfMode, EndpointId, EndpointOptions, EndpointStats, MediaEvent } from './protocol.ts';
import { RtcpChannel } from './rtcp-channel.ts';
import { bindSocket, openUdpSocket } from './udp.ts';

const LOCAL_SOURCE = -1;
/** Decoded samples of the packet in hand, before the jitter buffer copies them (one thread). */
const decoded = new Int16Array(MAX_RTP_PACKET);

export interface SessionHost {
  emit(event: MediaEvent): void;
  /** Called for every digit the endpoint receives, so players can stop on barge-in. */
  onDigit(session: RtpSession, digit: DtmfDigit): void;
  /** Asks for pace() calls every 10 ms (audio whose ptime is not a multiple of 20 ms). */
  pace?(session: RtpSession): void;
}

export class RtpSession {
  media: NegotiatedAudio | undefined;
  /** Set while a player or mixer owns this endpoint's output: bridged packets are not forwarded to it. */
  localOutput = 0;
  readonly rxFrame = new Int16Array(FRAME_SAMPLES);
  rxFrameHasAudio = false;

  private readonly rtp: Socket;
  private readonly rtcp: RtcpChannel;
  private remote: { address: string; port: number } | undefined;
  private latched = false;
  readonly stats = new ReceiverStats();
  private readonly teDecoder = new TelephoneEventDecoder();
  private inband: InbandDtmfDetector | undefined;
  private jitter: JitterBuffer | undefined;
  private pcmConsumers = 0;
  private dtmfMode: DtmfMode;
  private bridgedTo: RtpSession | undefined;
  private promptListens = false;
  private lastRx = 0;
  private configuredAt = 0;
  private timeoutReported = false;
  private rejected = 0;

  readonly ssrc = randomInt(1, 0xffffffff);
  private seq = randomInt(0, 0xffff);
  private lastTs = randomInt(0, 0xffffffff);
  private lastTxWall = 0;
  private txSource: number | undefined;
  private tsOffset = 0;
  packetsSent = 0;
  octetsSent = 0;
  private pending: Int16Array = new Int16Array(0);
  private paceCredit = 0;
  private pacedFrames = 0;
  private pacedIdle = 0;
  private readonly dtmfQueue: { steps: TelephoneEventStep[]; gapTicks: number }[] = [];
  private dtmfTs: number | undefined;
  private dtmfWall = 0;
  private txBuffer: Buffer | undefined;

  constructor(
    readonly id: EndpointId,
    readonly address: string,
    readonly port: number,
    private readonly options: EndpointOptions,
    private readonly host: SessionHost,
  ) {
    this.dtmfMode = options.dtmf ?? 'auto';
    this.rtp = openUdpSocket(address);
    this.rtp.on('message', (buf, rinfo) => this.onRtp(buf, rinfo));
    this.rtcp = new RtcpChannel(this.rtp, address, port, this, (buf, rinfo) =>
      this.onRtcp(buf, rinfo, false),
    );
  }

  get rtpRemote(): { address: string; port: number } | undefined {
    return this.remote;
  }

  get cname(): string {
    return `switchboard-${this.id}`;
  }

  async bind(): Promise<void> {
    try {
      await bindSocket(this.rtp, this.port, this.address);
      await this.rtcp.bind();
    } catch (e) {
      this.close();
      throw new MediaError(
        'PORTS_EXHAUSTED',
        `cannot bind ${this.address}:${this.port}: ${(e as Error).message}`,
      );
    }
  }

  configure(media: NegotiatedAudio, now: number): void {
    const changedRemote =
      !this.media ||
      this.media.remoteAddress !== media.remoteAddress ||
      this.media.remotePort !== media.remotePort;
    this.media = media;
    // A new offer/answer may point elsewhere (re-INVITE, transfer): latch again.
    if (changedRemote) {
      this.latched = false;
      this.remote = { address: media.remoteAddress, port: media.remotePort };
    }
    this.rtcp.configure(media, changedRemote, now, this.rtcpInterval);
    this.configuredAt = now;
    this.timeoutReported = false;
    this.armInband();
  }

  /** The bridge partner that receives what this endpoint receives. */
  get peer(): RtpSession | undefined {
    return this.bridgedTo;
  }

  set peer(p: RtpSession | undefined) {
    this.bridgedTo = p;
    this.armInband();
  }

  /** Set while a prompt that stops on DTMF plays: it needs digits however they come. */
  set listensForDtmf(on: boolean) {
    this.promptListens = on;
    this.armInband();
  }

  setDtmfMode(mode: DtmfMode): void {
    this.dtmfMode = mode;
    this.armInband();
  }

  /**
   * In-band detection decodes and filters every packet, so 'auto' runs it only where digits
   * can matter without telephone-event: while the engine ends the audio (IVR prompt, conference,
   * no bridge) or a barge-in prompt listens. A passthrough bridge relays the tones untouched.
   */
  private armInband(): void {
    const mode = this.dtmfMode;
    const media = this.media;
    const inband =
      media !== undefined &&
      (mode === 'inband' ||
        mode === 'both' ||
        (mode === 'auto' &&
          media.telephoneEventPayloadType === undefined &&
          (this.bridgedTo === undefined || this.promptListens)));
    if (inband && !this.inband) {
      this.inband = new InbandDtmfDetector();
      this.usePcm(1);
    } else if (!inband && this.inband) {
      this.inband = undefined;
      this.usePcm(-1);
    }
  }

  /** Recorders, mixers and in-band detection need decoded audio through the jitter buffer. */
  usePcm(delta: number): void {
    this.pcmConsumers += delta;
    if (this.pcmConsumers > 0) this.jitter ??= new JitterBuffer();
    else this.jitter = undefined;
  }

  get needsPcm(): boolean {
    return this.jitter !== undefined;
  }

  private get rtcpInterval(): number {
    return Math.max(500, this.options.rtcpIntervalMs ?? 5000);
  }

  private get receives(): boolean {
    const d = this.media?.direction;
    return d === 'sendrecv' || d === 'recvonly';
  }

  private get sends(): boolean {
    const d = this.media?.direction;
    return this.remote !== undefined && (d === 'sendrecv' || d === 'sendonly');
  }

  private onRtp(buf: Buffer, rinfo: RemoteInfo): void {
    const length = buf.length;
    if (length > MAX_RTP_PACKET || length < 12) {
      this.rejected++;
      return;
    }
    const b1 = buf.readUInt8(1);
    if (b1 >= 192 && b1 <= 223) {
      // RFC 5761 §4: payload types 64-95 with the marker set are RTCP.
      this.onRtcp(buf, rinfo, true);
      return;
    }
    const media = this.media;
    if (!media) return;
    // RFC 4961 symmetric RTP: the first packet fixes where the peer really is (behind NAT);
    // from then on other sources are ignored.
    if (!this.latched) {
      this.latched = true;
      this.remote = { address: rinfo.address, port: rinfo.port };
      this.host.emit({ type: 'latched', endpointId: this.id, address: rinfo.address, port: rinfo.port });
    } else if (rinfo.port !== this.remote?.port || rinfo.address !== this.remote.address) {
      this.rejected++;
      return;
    }
    // The fixed header is read in place; only CSRCs, an extension or padding need the full parse.
    let start = 12;
    let end = length;
    if (buf.readUInt8(0) !== 0x80) {
      try {
        const { payload } = parseRtp(buf);
        start = payload.byteOffset - buf.byteOffset;
        end = start + payload.length;
      } catch {
        this.rejected++;
        return;
      }
    }
    const kind = media.receivePayloadTypes[b1 & 0x7f];
    if (kind === undefined) {
      this.rejected++;
      return;
    }
    const seq = buf.readUInt16BE(2);
    const timestamp = buf.readUInt32BE(4);
    const ssrc = buf.readUInt32BE(8);
    const now = performance.now();
    this.stats.update(ssrc, seq, timestamp, now);
    this.lastRx = now;
    this.timeoutReported = false;
    if (!this.receives) return;
    if (kind === 'telephone-event') {
      let detected: ReturnType<TelephoneEventDecoder['receive']>;
      try {
        detected = this.teDecoder.receive(timestamp, buf.subarray(start, end));
      } catch {
        this.rejected++;
        return;
      }
      if (detected && this.dtmfMode !== 'inband') this.digit(detected.digit, 'rfc4733');
    } else if (this.jitter) {
      // Decoded only for a consumer (recorder, mixer, in-band detection), never to relay.
      const pcm = decoded.subarray(0, end - start);
      this.jitter.put(ssrc, timestamp, g711Decode(kind, buf.subarray(start, end), pcm), now);
    }
    const peer = this.bridgedTo;
    if (peer && peer.localOutput === 0) peer.forward(buf, start, end, kind, ssrc, timestamp, b1 >= 0x80, now);
  }

  private digit(digit: DtmfDigit, method: 'rfc4733' | 'inband'): void {
    this.host.emit({ type: 'dtmf', endpointId: this.id, digit, method });
    this.host.onDigit(this, digit);
  }

  private onRtcp(buf: Buffer, rinfo: RemoteInfo, muxed: boolean): void {
    if (this.media && !this.rtcp.receive(buf, rinfo, muxed)) this.rejected++;
  }

  /**
   * Bridge passthrough: relays a peer's packet (payload at raw[start, end)) with our SSRC,
   * sequence and timestamp base, rewriting the received buffer in place when it can.
   */
  forward(
    raw: Buffer,
    start: number,
    end: number,
    kind: AudioCodec | 'telephone-event',
    ssrc: number,
    timestamp: number,
    marker: boolean,
    now: number,
  ): void {
    const media = this.media;
    if (!media || !this.sends || this.dtmfTs !== undefined) return;
    const pt = kind === 'telephone-event' ? media.telephoneEventPayloadType : media.sendPayloadType;
    if (pt === undefined) return;
    let out = raw;
    if (start !== 12 || end !== raw.length) {
      out = Buffer.allocUnsafe(12 + end - start);
      raw.copy(out, 12, start, end);
    }
    if (kind !== 'telephone-event' && kind !== media.codec) {
      const payload = out.subarray(12);
      g711Transcode(kind, media.codec, payload, payload);
    }
    let mark = marker;
    if (ssrc !== this.txSource) {
      // A new source (§8.2 is the sender's problem, not our peer's): continue our timeline.
      this.tsOffset = (this.expectedTs(now) - timestamp) | 0;
      this.txSource = ssrc;
      mark = true;
    }
    const ts = (timestamp + this.tsOffset) >>> 0;
    this.seq = (this.seq + 1) & 0xffff;
    writeRtpHeader(out, pt, mark, this.seq, ts, this.ssrc);
    if (kind !== 'telephone-event') this.lastTs = ts;
    this.lastTxWall = now;
    this.transmit(out, out.length - 12);
  }

  private expectedTs(now: number): number {
    if (this.lastTxWall === 0) return this.lastTs;
    return (this.lastTs + Math.round((now - this.lastTxWall) * 8)) >>> 0;
  }

  /**
   * Local audio (player, mixer): 20 ms frames, packetised at the negotiated ptime. A ptime
   * that is a multiple of 20 ms goes out at once; any other (10, 30 ms) waits for pace(), which
   * the worker calls every 10 ms so each packet leaves on its own schedule.
   */
  sendFrame(frame: Int16Array, now: number): void {
    const media = this.media;
    if (!media || !this.sends || this.dtmfTs !== undefined) return;
    const ptimeSamples = this.ptimeSamples(media);
    const samples = this.pending.length ? concatPcm([this.pending, frame]) : frame;
    if (ptimeSamples % FRAME_SAMPLES !== 0) {
      this.pending = samples === frame ? frame.slice() : samples;
      this.pacedFrames++;
      this.host.pace?.(this);
      return;
    }
    let offset = 0;
    while (samples.length - offset >= ptimeSamples) {
      this.sendPcm(samples.subarray(offset, offset + ptimeSamples), media, now);
      offset += ptimeSamples;
    }
    this.pending = offset < samples.length ? samples.slice(offset) : new Int16Array(0);
  }

  private ptimeSamples(media: NegotiatedAudio): number {
    return Math.max(80, Math.min(960, Math.round(media.ptime * 8)));
  }

  /**
   * Called every 10 ms while this endpoint has paced audio: 80 samples of sending credit per
   * call, and a packet out whenever a whole ptime of both credit and audio is there. Returns
   * false once nothing came in for a frame and no whole packet waits, so the worker can stop.
   */
  pace(now: number): boolean {
    const media = this.media;
    if (!media || !this.sends) {
      this.pending = new Int16Array(0);
      return false;
    }
    const ptimeSamples = this.ptimeSamples(media);
    this.paceCredit = Math.min(this.paceCredit + FRAME_SAMPLES / 2, ptimeSamples * 2);
    let offset = 0;
    while (this.paceCredit >= ptimeSamples && this.pending.length - offset >= ptimeSamples) {
      if (this.dtmfTs !== undefined) break;
      this.sendPcm(this.pending.subarray(offset, offset + ptimeSamples), media, now);
      offset += ptimeSamples;
      this.paceCredit -= ptimeSamples;
    }
    if (offset) this.pending = this.pending.slice(offset);
    // Still fed if a frame arrived in the last two calls (one frame period).
    const fed = this.pacedFrames > 0 || this.pacedIdle < 2 || this.pending.length >= ptimeSamples;
    this.pacedIdle = this.pacedFrames > 0 ? 0 : this.pacedIdle + 1;
    this.pacedFrames = 0;
    if (!fed) this.paceCredit = 0;
    return fed;
  }

  private sendPcm(pcm: Int16Array, media: NegotiatedAudio, now: number): void {
    let marker = false;
    let ts: number;
    if (this.txSource !== LOCAL_SOURCE) {
      ts = this.expectedTs(now);
      this.txSource = LOCAL_SOURCE;
      marker = true;
    } else ts = (this.lastTs + pcm.length) >>> 0;
    const out = this.packetBuffer(12 + pcm.length);
    g711Encode(media.codec, pcm, out, 12);
    this.seq = (this.seq + 1) & 0xffff;
    writeRtpHeader(out, media.sendPayloadType, marker, this.seq, ts, this.ssrc);
    this.lastTs = ts;
    this.lastTxWall = now;
    this.transmit(out, pcm.length);
  }

  /**
   * One buffer per endpoint for local audio instead of one per packet (less garbage in the
   * tick). A send leaves at once unless the socket is backed up; then libuv keeps the buffer
   * until it can send, and the next packet gets a new one.
   */
  private packetBuffer(size: number): Buffer {
    if (this.txBuffer?.length !== size) this.txBuffer = Buffer.allocUnsafeSlow(size);
    return this.txBuffer;
  }

  private transmit(out: Buffer, payloadBytes: number): void {
    const r = this.remote;
    if (!r) return;
    this.packetsSent++;
    this.octetsSent += payloadBytes;
    this.rtp.send(out, r.port, r.address);
    if (out === this.txBuffer && this.rtp.getSendQueueCount() > 0) this.txBuffer = undefined;
  }

  queueDtmf(steps: TelephoneEventStep[]): void {
    this.dtmfQueue.push({ steps, gapTicks: 3 });
  }

  get sendingDtmf(): boolean {
    return this.dtmfQueue.length > 0;
  }

  /** Called once per clock tick: jitter buffer, in-band DTMF, RFC 4733 sending. */
  tick(now: number): void {
    if (this.jitter) {
      this.rxFrameHasAudio = this.jitter.read(this.rxFrame);
      // A frame with nothing received (no caller audio yet, a gap) is a pause to the detector.
      if (this.inband && !this.rxFrameHasAudio) this.inband.pause();
      else if (this.inband) for (const d of this.inband.push(this.rxFrame)) this.digit(d, 'inband');
    }
    if (this.dtmfQueue.length) this.tickDtmf(now);
  }

  private tickDtmf(now: number): void {
    const head = this.dtmfQueue[0];
    const media = this.media;
    if (!head || !media || media.telephoneEventPayloadType === undefined || !this.sends) {
      this.dtmfQueue.length = 0;
      this.dtmfTs = undefined;
      return;
    }
    const step = head.steps.shift();
    if (step) {
      // §2.5.1.2: every packet of an event carries the timestamp of its start.
      if (this.dtmfTs === undefined) {
        this.dtmfTs = this.expectedTs(now);
        this.dtmfWall = now;
      }
      for (const payload of step.payloads) {
        const out = Buffer.allocUnsafe(12 + payload.length);
        out.set(payload, 12);
        this.seq = (this.seq + 1) & 0xffff;
        writeRtpHeader(out, media.telephoneEventPayloadType, step.marker, this.seq, this.dtmfTs, this.ssrc);
        this.transmit(out, payload.length);
      }
      if (head.steps.length === 0) {
        // Audio resumes on the timeline as if it had kept going during the event.
        this.lastTs = this.dtmfTs;
        this.lastTxWall = this.dtmfWall;
        this.txSource = undefined;
      }
      return;
    }
    this.dtmfTs = undefined;
    if (--head.gapTicks <= 0) this.dtmfQueue.shift();
  }

  /** Called every half second: RTCP reports and dead-media detection. */
  housekeeping(now: number): void {
    const media = this.media;
    if (!media) return;
    const limit = this.options.inactivityMs ?? 30_000;
    if (limit > 0 && this.receives && !this.timeoutReported) {
      const silentFor = now - Math.max(this.lastRx, this.configuredAt);
      if (silentFor >= limit) {
        this.timeoutReported = true;
        this.host.emit({ type: 'media-timeout', endpointId: this.id, silentForMs: Math.round(silentFor) });
      }
    }
    this.rtcp.maybeReport(now, this.rtcpInterval);
  }

  /** Our RTP timestamp for the instant `now` (sender reports, new sources). */
  rtpTimestamp(now: number): number {
    return this.expectedTs(now);
  }

  snapshot(): EndpointStats {
    const s = this.stats.snapshot();
    return {
      packetsSent: this.packetsSent,
      octetsSent: this.octetsSent,
      packetsReceived: s.packetsReceived,
      packetsLost: s.packetsLost,
      jitterMs: s.jitterMs,
      rejectedPackets: this.rejected,
      ...(this.latched && this.remote ? { latched: { ...this.remote } } : {}),
      ...(this.rtcp.remoteReport ? { remoteReport: this.rtcp.remoteReport } : {}),
    };
  }

  close(): void {
    this.rtcp.close(this.media !== undefined);
  }
}
