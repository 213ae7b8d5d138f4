// SDP (RFC 4566) for audio sessions: parse to a typed structure and serialise back.
// Lines we do not model are kept verbatim so that rewriting an SDP does not lose them.
import { MediaError } from '../errors.ts';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
const DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
const MAX_SDP_BYTES = 16 * 1024;
const MAX_MEDIA = 16;
const MAX_FORMATS = 64;

export interface Connection {
  readonly addrType: 'IP4' | 'IP6';
  readonly address: string;
}

export interface RtpMap {
  readonly payloadType: number;
  readonly encoding: string;
  readonly clockRate: number;
  readonly channels?: number;
  readonly fmtp?: string;
}

export interface MediaDescription {
  readonly media: string;
  readonly port: number;
  readonly protocol: string;
  readonly formats: readonly string[];
  readonly connection?: Connection;
  readonly rtpmaps: readonly RtpMap[];
  readonly ptime?: number;
  readonly direction?: Direction;
  readonly rtcpMux: boolean;
  /** a=rtcp (RFC 3605): an explicit RTCP port, and address. */
  readonly rtcp?: { readonly port: number; readonly connection?: Connection };
  readonly otherAttributes: readonly string[];
}

export interface SessionDescription {
  readonly origin: {
    readonly username: string;
    readonly sessionId: string;
    readonly sessionVersion: string;
    readonly addrType: 'IP4' | 'IP6';
    readonly address: string;
  };
  readonly sessionName: string;
  readonly connection?: Connection;
  readonly timing: string;
  readonly direction?: Direction;
  readonly otherLines: readonly string[];
  readonly media: readonly MediaDescription[];
}

// Static payload types of RFC 3551 §6 that a telephone system meets.
const STATIC: Record<number, { encoding: string; clockRate: number }> = {
  0: { encoding: 'PCMU', clockRate: 8000 },
  3: { encoding: 'GSM', clockRate: 8000 },
  8: { encoding: 'PCMA', clockRate: 8000 },
  9: { encoding: 'G722', clockRate: 8000 },
  13: { encoding: 'CN', clockRate: 8000 },
  18: { encoding: 'G729', clockRate: 8000 },
};

function bad(msg: string): never {
  throw new MediaError('SDP_MALFORMED', msg);
}

function parseConnection(value: string): Connection {
  // c=<nettype> <addrtype> <connection-address> (§5.7)
  const [net, addrType, address] = value.split(' ');
  if (net !== 'IN' || (addrType !== 'IP4' && addrType !== 'IP6') || !address) bad(`bad c= line: ${value}`);
  return { addrType, address: address.split('/')[0] as string };
}

function parsePort(s: string | undefined): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 65535) bad(`bad port: ${s}`);
  return n;
}

export function parseSdp(text: string): SessionDescription {
  if (text.length > MAX_SDP_BYTES) bad(`SDP of ${text.length} bytes`);
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  let origin: SessionDescription['origin'] | undefined;
  let sessionName = '-';
  let timing = '0 0';
  let connection: Connection | undefined;
  let direction: Direction | undefined;
  const otherLines: string[] = [];
  const media: MediaDescription[] = [];
  type Mutable = { -readonly [K in keyof MediaDescription]: MediaDescription[K] };
  let current: Mutable | undefined;
  let rtpmaps: RtpMap[] = [];
  const fmtps = new Map<number, string>();

  const finish = () => {
    if (!current) return;
    const maps = current.formats.map((f) => {
      const pt = Number(f);
      const explicit = rtpmaps.find((r) => r.payloadType === pt);
      const base = explicit ?? (STATIC[pt] ? { payloadType: pt, ...STATIC[pt] } : undefined);
      if (!base) return undefined;
      const fmtp = fmtps.get(pt);
      return fmtp === undefined ? base : { ...base, fmtp };
    });
    current.rtpmaps = maps.filter((m): m is RtpMap => m !== undefined);
    media.push(current);
    rtpmaps = [];
    fmtps.clear();
  };

  if (lines[0] !== 'v=0') bad('SDP must start with v=0');
  for (const line of lines.slice(1)) {
    if (line[1] !== '=') bad(`bad SDP line: ${line.slice(0, 40)}`);
    const type = line[0];
    const value = line.slice(2);
    if (type === 'm') {
      finish();
      if (media.length >= MAX_MEDIA) bad('too many m= lines');
      // m=<media> <port>[/<count>] <proto> <fmt> ... (§5.14)
      const [kind, port, protocol, ...formats] = value.split(' ');
      if (!kind || !protocol || formats.length === 0 || formats.length > MAX_FORMATS)
        bad(`bad m= line: ${value}`);
      current = {
        media: kind,
        port: parsePort(port?.split('/')[0]),
        protocol,
        formats,
        rtpmaps: [],
        rtcpMux: false,
        otherAttributes: [],
      };
      continue;
    }
    if (!current) {
      if (type === 'o') {
        const [username, sessionId, sessionVersion, net, addrType, address] = value.split(' ');
        if (!username || !sessionId || !sessionVersion || net !== 'IN' || !address)
          bad(`bad o= line: ${value}`);
        if (addrType !== 'IP4' && addrType !== 'IP6') bad(`bad o= address type: ${addrType}`);
        origin = { username, sessionId, sessionVersion, addrType, address };
      } else if (type === 's') sessionName = value;
      else if (type === 't') timing = value;
      else if (type === 'c') connection = parseConnection(value);
      else if (type === 'a' && DIRECTIONS.includes(value)) direction = value as Direction;
      else otherLines.push(line);
      continue;
    }
    if (type === 'c') current.connection = parseConnection(value);
    else if (type === 'a') {
      const colon = value.indexOf(':');
      const name = colon < 0 ? value : value.slice(0, colon);
      const arg = colon < 0 ? '' : value.slice(colon + 1);
      if (DIRECTIONS.includes(name)) current.direction = name as Direction;
      else if (name === 'rtcp-mux') current.rtcpMux = true;
      else if (name === 'ptime') {
        const p = Number(arg);
        if (!Number.isFinite(p) || p <= 0 || p > 1000) bad(`bad ptime: ${arg}`);
        current.ptime = p;
      } else if (name === 'rtpmap') {
        // a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>] (§6)
        const m = /^(\d{1,3}) ([^/\s]+)\/(\d+)(?:\/(\d+))?$/.exec(arg.trim());
        if (!m) bad(`bad rtpmap: ${arg}`);
        const map: RtpMap = { payloadType: Number(m[1]), encoding: m[2] as string, clockRate: Number(m[3]) };
        rtpmaps.push(m[4] ? { ...map, channels: Number(m[4]) } : map);
      } else if (name === 'fmtp') {
        const m = /^(\d{1,3}) (.*)$/.exec(arg);
        if (m) fmtps.set(Number(m[1]), m[2] as string);
      } else if (name === 'rtcp') {
        const [port, net, addrType, address] = arg.split(' ');
        const rtcpPort = parsePort(port);
        current.rtcp =
          net && addrType && address
            ? { port: rtcpPort, connection: parseConnection(`${net} ${addrType} ${address}`) }
            : { port: rtcpPort };
      } else current.otherAttributes = [...current.otherAttributes, value];
    }
    // b=, i=, k= inside a media section are not needed for audio anchoring and are dropped.
  }
  finish();
  if (!origin) bad('SDP without o= line');
  const session: SessionDescription = { origin, sessionName, timing, otherLines, media };
  return {
    ...session,
    ...(connection ? { connection } : {}),
    ...(direction ? { direction } : {}),
  };
}

export function serializeSdp(sdp: SessionDescription): string {
  const o = sdp.origin;
  const out = [
    'v=0',
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} IN ${o.addrType} ${o.address}`,
    `s=${sdp.sessionName}`,
  ];
  if (sdp.connection) out.push(`c=IN ${sdp.connection.addrType} ${sdp.connection.address}`);
  out.push(`t=${sdp.timing}`);
  out.push(...sdp.otherLines);
  if (sdp.direction) out.push(`a=${sdp.direction}`);
  for (const m of sdp.media) {
    out.push(`m=${m.media} ${m.port} ${m.protocol} ${m.formats.join(' ')}`);
    if (m.connection) out.push(`c=IN ${m.connection.addrType} ${m.connection.address}`);
    for (const r of m.rtpmaps) {
      out.push(`a=rtpmap:${r.payloadType} ${r.encoding}/${r.clockRate}${r.channels ? `/${r.channels}` : ''}`);
      if (r.fmtp !== undefined) out.push(`a=fmtp:${r.payloadType} ${r.fmtp}`);
    }
    if (m.ptime !== undefined) out.push(`a=ptime:${m.ptime}`);
    if (m.rtcp) {
      const c = m.rtcp.connection;
      out.push(`a=rtcp:${m.rtcp.port}${c ? ` IN ${c.addrType} ${c.address}` : ''}`);
    }
    if (m.rtcpMux) out.push('a=rtcp-mux');
    for (const a of m.otherAttributes) out.push(`a=${a}`);
    if (m.direction) out.push(`a=${m.direction}`);
  }
  return `${out.join('\r\n')}\r\n`;
}
