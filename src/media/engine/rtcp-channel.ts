// The RTCP side of one endpoint (RFC 3550 §6): sender or receiver reports with SDES every
// interval, what the peer reports about us, and BYE on release. Without rtcp-mux it has its own
// socket on the RTP port + 1; with rtcp-mux (RFC 5761) RTCP shares the RTP socket, and the
// second socket is closed once the mux is negotiated: one descriptor and one poll entry less.
import type { RemoteInfo, Socket } from 'node:dgram';
import type { ReceiverStats } from '../rtp/receiver-stats.ts';
import { parseRtcp, type RtcpPacket, serializeRtcp, toNtp } from '../rtp/rtcp.ts';
import type { NegotiatedAudio } from '../sdp/offer-answer.ts';
import type { EndpointStats } from './protocol.ts';
import { bindSocket, closeQuietly, openUdpSocket } from './udp.ts';

type Address = { address: string; port: number };

/** What a report says about our own stream, from the session. */
export interface RtcpSender {
  readonly ssrc: number;
  readonly cname: string;
  readonly packetsSent: number;
  readonly octetsSent: number;
  readonly stats: ReceiverStats;
  /** Where RTP goes (latched): muxed RTCP goes there too. */
  readonly rtpRemote: Address | undefined;
  /** Our RTP timestamp for the wall-clock instant `now`. */
  rtpTimestamp(now: number): number;
}

export class RtcpChannel {
  /** The port + 1 socket; undefined while RTCP is muxed on the RTP socket. */
  private socket: Socket | undefined;
  private remote: Address | undefined;
  private mux = false;
  private next = 0;
  private closed = false;
  remoteReport: EndpointStats['remoteReport'];

  constructor(
    private readonly rtp: Socket,
    private readonly address: string,
    private readonly port: number,
    private readonly sender: RtcpSender,
    private readonly onMessage: (buf: Buffer, rinfo: RemoteInfo) => void,
  ) {
    this.socket = this.open();
  }

  private open(): Socket {
    const s = openUdpSocket(this.address);
    s.on('message', this.onMessage);
    return s;
  }

  /** Binds the port + 1 socket (before offer/answer we do not know whether it is needed). */
  async bind(): Promise<void> {
    if (this.socket) await bindSocket(this.socket, this.port + 1, this.address);
  }

  configure(media: NegotiatedAudio, remoteChanged: boolean, now: number, intervalMs: number): void {
    this.mux = media.rtcpMux;
    // Without mux: the SDP's RTCP address, until the peer's reports show where it really is.
    if (!this.mux && (remoteChanged || !this.remote))
      this.remote = { address: media.remoteAddress, port: media.remoteRtcpPort };
    this.next = now + intervalMs * (0.5 + Math.random());
    if (this.mux && this.socket) {
      closeQuietly(this.socket);
      this.socket = undefined;
    } else if (!this.mux && !this.socket) void this.reopen();
  }

  /** A re-INVITE without rtcp-mux after one with it: port + 1 again, or no RTCP if it is taken. */
  private async reopen(): Promise<void> {
    const s = this.open();
    this.socket = s;
    try {
      await bindSocket(s, this.port + 1, this.address);
      if (this.closed) closeQuietly(s);
    } catch {
      closeQuietly(s);
      if (this.socket === s) this.socket = undefined;
    }
  }

  /** A compound packet from the peer; false if it does not parse. */
  receive(buf: Buffer, rinfo: RemoteInfo, muxed: boolean): boolean {
    let packets: RtcpPacket[];
    try {
      packets = parseRtcp(buf);
    } catch {
      return false;
    }
    // Without mux, the peer's real RTCP address (NAT) is where its reports come from.
    if (!muxed && !this.mux) this.remote = { address: rinfo.address, port: rinfo.port };
    const now = performance.now();
    for (const p of packets) {
      if (p.type === 'sr') this.sender.stats.onSenderReport(p.sender.ntpSeconds, p.sender.ntpFraction, now);
      if (p.type === 'sr' || p.type === 'rr') {
        const mine = p.reports.find((r) => r.ssrc === this.sender.ssrc);
        if (mine) {
          this.remoteReport = {
            fractionLost: mine.fractionLost / 256,
            cumulativeLost: mine.cumulativeLost,
            jitterMs: mine.jitter / 8,
          };
        }
      }
    }
    return true;
  }

  /** Sends a report when one is due (§6.3.1: randomised between 0.5 and 1.5 intervals). */
  maybeReport(now: number, intervalMs: number): void {
    const to = this.destination();
    if (now < this.next || !to) return;
    this.next = now + intervalMs * (0.5 + Math.random());
    const src = this.sender;
    const block = src.stats.reportBlock(now);
    const reports = block ? [block] : [];
    const ntp = toNtp(Date.now());
    const report: RtcpPacket =
      src.packetsSent > 0
        ? {
            type: 'sr',
            ssrc: src.ssrc,
            sender: {
              ntpSeconds: ntp.seconds,
              ntpFraction: ntp.fraction,
              rtpTimestamp: src.rtpTimestamp(now),
              packetCount: src.packetsSent >>> 0,
              octetCount: src.octetsSent >>> 0,
            },
            reports,
          }
        : { type: 'rr', ssrc: src.ssrc, reports };
    const buf = serializeRtcp([report, { type: 'sdes', chunks: [{ ssrc: src.ssrc, cname: src.cname }] }]);
    this.sendSocket()?.send(buf, to.port, to.address);
  }

  private sendSocket(): Socket | undefined {
    return this.mux ? this.rtp : this.socket;
  }

  private destination(): Address | undefined {
    return this.mux ? this.sender.rtpRemote : this.remote;
  }

  /** Closes both sockets, after a BYE (§6.6) if we sent anything, so the peer stops expecting us. */
  close(configured: boolean): void {
    this.closed = true;
    const sock = this.sendSocket();
    const to = this.destination();
    const other = sock === this.rtp ? this.socket : this.rtp;
    if (other) closeQuietly(other);
    if (!sock) return;
    if (!configured || !to || this.sender.packetsSent === 0) {
      closeQuietly(sock);
      return;
    }
    try {
      sock.send(serializeRtcp([{ type: 'bye', ssrcs: [this.sender.ssrc] }]), to.port, to.address, () =>
        closeQuietly(sock),
      );
    } catch {
      closeQuietly(sock);
    }
  }
}
