// A small DNS stub client (RFC 1035) for RFC 3263 resolution: Node's resolveSrv and
// resolveNaptr hide the TTLs, so SIP asks the system's nameservers itself. One question per
// query over UDP from a fresh socket (random source port, random id); an answer with the TC bit
// is asked again over TCP (RFC 7766). Each server is tried in turn, and the whole list once
// more (`retries`). Only the answer section is read: A, AAAA, SRV and NAPTR records of the
// question's name (or of a CNAME chain from it), with their TTLs. Answers are bounded in size
// and record count; a datagram whose id, source or question does not match is ignored (a late
// or forged answer), and a malformed answer is an error, never a partial result.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { getServers } from 'node:dns';
import { connect, isIP } from 'node:net';

export type DnsRecordType = 'A' | 'AAAA' | 'SRV' | 'NAPTR';

const TYPE_CODE: Record<DnsRecordType, number> = { A: 1, AAAA: 28, SRV: 33, NAPTR: 35 };
const CNAME = 5;
const CLASS_IN = 1;

/** TTLs are in seconds, as on the wire. */
export interface AddressRecord {
  address: string;
  ttl: number;
}
export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
  ttl: number;
}
export interface NaptrRecord {
  order: number;
  preference: number;
  flags: string;
  service: string;
  regexp: string;
  replacement: string;
  ttl: number;
}
interface RecordOf {
  A: AddressRecord;
  AAAA: AddressRecord;
  SRV: SrvRecord;
  NAPTR: NaptrRecord;
}

/**
 * `ETIMEOUT` no answer; `ESERVFAIL`, `EREFUSED`, `ERCODE` the server said no; `EMALFORMED` an
 * answer that cannot be read; `EMISMATCH` an answer to another query; `EBADNAME` a name that
 * cannot be asked; `ENOSERVERS` nothing to ask.
 */
export class DnsError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'DnsError';
  }
}

export interface DnsServer {
  address: string;
  port: number;
}

export interface DnsClientOptions {
  /** `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]:5353`; default node:dns `getServers()`, read per query. */
  servers?: readonly string[] | (() => readonly string[]);
  /** Per attempt (ms). Default 2000. */
  timeoutMs?: number;
  /** Further rounds over the whole server list. Default 1. */
  retries?: number;
  /** Largest answer accepted (bytes, UDP or TCP). Default 16 KiB. */
  maxAnswerBytes?: number;
  /** Most resource records an answer section may hold. Default 64. */
  maxRecords?: number;
}

export interface DnsResponse {
  id: number;
  truncated: boolean;
  rcode: number;
  /** Records of the asked type owned by the asked name or a CNAME of it; empty if truncated. */
  records: unknown[];
}

export class DnsClient {
  readonly #servers: () => readonly string[];
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #maxAnswerBytes: number;
  readonly #maxRecords: number;

  constructor(options: DnsClientOptions = {}) {
    const servers = options.servers;
    this.#servers = typeof servers === 'function' ? servers : servers ? () => servers : () => getServers();
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#retries = options.retries ?? 1;
    this.#maxAnswerBytes = Math.min(options.maxAnswerBytes ?? 16_384, 65_535);
    this.#maxRecords = options.maxRecords ?? 64;
  }

  a(name: string): Promise<AddressRecord[]> {
    return this.query(name, 'A');
  }
  aaaa(name: string): Promise<AddressRecord[]> {
    return this.query(name, 'AAAA');
  }
  srv(name: string): Promise<SrvRecord[]> {
    return this.query(name, 'SRV');
  }
  naptr(name: string): Promise<NaptrRecord[]> {
    return this.query(name, 'NAPTR');
  }

  /** The records of one type; empty for NXDOMAIN or no data. Rejects with a DnsError. */
  async query<T extends DnsRecordType>(name: string, type: T): Promise<RecordOf[T][]> {
    const qname = normalizeName(name);
    const servers = this.#servers().map(parseServer);
    if (servers.length === 0) throw new DnsError('no nameservers', 'ENOSERVERS');
    let last: unknown = new DnsError('no answer', 'ETIMEOUT');
    for (let round = 0; round <= this.#retries; round++) {
      for (const server of servers) {
        try {
          const response = await this.#exchange(server, qname, TYPE_CODE[type]);
          if (response.rcode === 0 || response.rcode === 3) return response.records as RecordOf[T][];
          last = rcodeError(response.rcode);
        } catch (err) {
          last = err;
        }
      }
    }
    throw last;
  }

  async #exchange(server: DnsServer, qname: string, qtype: number): Promise<DnsResponse> {
    const id = randomBytes(2).readUInt16BE(0);
    const packet = buildQuery(id, qname, qtype);
    const expect = { id, name: qname, type: qtype };
    const limits = { maxRecords: this.#maxRecords };
    const udp = await this.#udp(server, packet, (buf) => parseResponse(buf, expect, limits));
    if (!udp.truncated) return udp;
    const tcp = await this.#tcp(server, packet, (buf) => parseResponse(buf, expect, limits));
    if (tcp.truncated) throw new DnsError('truncated answer over TCP', 'EMALFORMED');
    return tcp;
  }

  #udp(server: DnsServer, packet: Buffer, parse: (buf: Buffer) => DnsResponse): Promise<DnsResponse> {
    return new Promise((resolve, reject) => {
      const socket = createSocket(isIP(server.address) === 6 ? 'udp6' : 'udp4');
      let finished = false;
      const finish = (err: unknown, response?: DnsResponse) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        socket.close();
        if (response) resolve(response);
        else reject(err);
      };
      const timer = setTimeout(
        () => finish(new DnsError(`no answer from ${server.address}`, 'ETIMEOUT')),
        this.#timeoutMs,
      );
      socket.on('error', (err) => finish(err));
      socket.on('message', (msg, rinfo) => {
        if (rinfo.port !== server.port || canonicalAddress(rinfo.address) !== server.address) return;
        if (msg.length > this.#maxAnswerBytes) {
          finish(new DnsError('answer too large', 'EMALFORMED'));
          return;
        }
        try {
          finish(undefined, parse(msg));
        } catch (err) {
          // Not an answer to this query (late, or forged): keep waiting for ours.
          if (err instanceof DnsError && err.code === 'EMISMATCH') return;
          finish(err);
        }
      });
      socket.send(packet, server.port, server.address, (err) => {
        if (err) finish(err);
      });
    });
  }

  #tcp(server: DnsServer, packet: Buffer, parse: (buf: Buffer) => DnsResponse): Promise<DnsResponse> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: server.address, port: server.port });
      const chunks: Buffer[] = [];
      let received = 0;
      let finished = false;
      const finish = (err: unknown, response?: DnsResponse) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        socket.destroy();
        if (response) resolve(response);
        else reject(err);
      };
      const timer = setTimeout(
        () => finish(new DnsError(`no answer over TCP from ${server.address}`, 'ETIMEOUT')),
        this.#timeoutMs,
      );
      socket.on('error', (err) => finish(err));
      socket.on('close', () => finish(new DnsError('connection closed before the answer', 'EMALFORMED')));
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received < 2) return;
        const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        chunks.length = 0;
        chunks.push(all);
        const length = all.readUInt16BE(0);
        if (length > this.#maxAnswerBytes) {
          finish(new DnsError('answer too large', 'EMALFORMED'));
          return;
        }
        if (received < 2 + length) return;
        try {
          finish(undefined, parse(all.subarray(2, 2 + length)));
        } catch (err) {
          finish(err);
        }
      });
      const length = Buffer.alloc(2);
      length.writeUInt16BE(packet.length, 0);
      socket.write(Buffer.concat([length, packet]));
    });
  }
}

function rcodeError(rcode: number): DnsError {
  if (rcode === 2) return new DnsError('server failure', 'ESERVFAIL');
  if (rcode === 5) return new DnsError('query refused', 'EREFUSED');
  return new DnsError(`response code ${rcode}`, 'ERCODE');
}

/** `1.2.3.4`, `1.2.3.4:53`, `::1`, `[::1]`, `[::1]:53` → address (canonical) and port. */
export function parseServer(text: string): DnsServer {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  let address: string | undefined;
  let port = 53;
  if (bracketed) {
    address = bracketed[1];
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (isIP(text)) {
    address = text;
  } else {
    const withPort = /^([^:]+):(\d+)$/.exec(text);
    if (withPort) {
      address = withPort[1];
      port = Number(withPort[2]);
    }
  }
  if (address === undefined || isIP(address) === 0 || port < 1 || port > 65_535)
    throw new DnsError(`bad nameserver ${text}`, 'ENOSERVERS');
  return { address: canonicalAddress(address), port };
}

function canonicalAddress(address: string): string {
  return isIP(address) === 6 ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address;
}

function normalizeName(name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n.length === 0 || n.length > 253) throw new DnsError(`bad name ${name}`, 'EBADNAME');
  for (const label of n.split('.')) {
    if (label.length === 0 || label.length > 63 || !/^[\x21-\x7e]+$/.test(label))
      throw new DnsError(`bad name ${name}`, 'EBADNAME');
  }
  return n;
}

/** A standard query with recursion desired, one question of class IN. */
export function buildQuery(id: number, name: string, qtype: number): Buffer {
  const labels = normalizeName(name).split('.');
  const buf = Buffer.alloc(12 + labels.reduce((n, l) => n + l.length + 1, 0) + 1 + 4);
  buf.writeUInt16BE(id, 0);
  buf.writeUInt16BE(0x0100, 2); // RD
  buf.writeUInt16BE(1, 4); // QDCOUNT
  let pos = 12;
  for (const label of labels) {
    buf[pos++] = label.length;
    pos += buf.write(label, pos, 'latin1');
  }
  buf[pos++] = 0;
  buf.writeUInt16BE(qtype, pos);
  buf.writeUInt16BE(CLASS_IN, pos + 2);
  return buf;
}

function malformed(why: string): DnsError {
  return new DnsError(`malformed DNS answer: ${why}`, 'EMALFORMED');
}

/**
 * A (possibly compressed) name at `start`; `end` is where the data after it begins. Every
 * compression pointer must point before the labels read so far, so a loop cannot be built.
 */
export function readName(buf: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let pos = start;
  let floor = start;
  let end = -1;
  let length = 0;
  for (;;) {
    const len = buf[pos];
    if (len === undefined) throw malformed('name runs past the end');
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      const low = buf[pos + 1];
      if (low === undefined) throw malformed('name runs past the end');
      const target = ((len & 0x3f) << 8) | low;
      if (target >= floor) throw malformed('compression pointer does not point back');
      if (end < 0) end = pos + 2;
      pos = floor = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw malformed('unknown label type');
    if (pos + 1 + len > buf.length) throw malformed('label runs past the end');
    length += len + 1;
    if (length > 255) throw malformed('name longer than 255 octets');
    const label = buf.toString('latin1', pos + 1, pos + 1 + len);
    if (!/^[\x21-\x2d\x2f-\x7e]+$/.test(label)) throw malformed('label with unexpected octets');
    labels.push(label);
    pos += 1 + len;
  }
  return { name: labels.join('.'), end };
}

/**
 * Reads an answer to the query `expect`. Throws EMISMATCH when it answers something else (id,
 * QR bit, question) and EMALFORMED when it cannot be read or exceeds `maxRecords`.
 */
export function parseResponse(
  buf: Buffer,
  expect: { id: number; name: string; type: number },
  limits: { maxRecords: number } = { maxRecords: 64 },
): DnsResponse {
  if (buf.length < 12) throw new DnsError('short packet', 'EMISMATCH');
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if (id !== expect.id || (flags & 0x8000) === 0 || ((flags >> 11) & 0xf) !== 0)
    throw new DnsError('not an answer to this query', 'EMISMATCH');
  const qdcount = buf.readUInt16BE(4);
  const ancount = buf.readUInt16BE(6);
  // Some servers leave the question out of an error answer (FORMERR, REFUSED).
  if (qdcount === 0 && (flags & 0xf) !== 0) return { id, truncated: false, rcode: flags & 0xf, records: [] };
  if (qdcount !== 1) throw new DnsError('question count is not 1', 'EMISMATCH');
  const question = readName(buf, 12);
  if (question.end + 4 > buf.length) throw malformed('question runs past the end');
  if (
    question.name.toLowerCase() !== expect.name.toLowerCase() ||
    buf.readUInt16BE(question.end) !== expect.type ||
    buf.readUInt16BE(question.end + 2) !== CLASS_IN
  )
    throw new DnsError('answer to another question', 'EMISMATCH');
  const truncated = (flags & 0x0200) !== 0;
  const rcode = flags & 0xf;
  if (truncated || rcode !== 0) return { id, truncated, rcode, records: [] };
  if (ancount > limits.maxRecords) throw malformed(`${ancount} answer records`);

  const owners = new Set([expect.name.toLowerCase()]);
  const records: unknown[] = [];
  let pos = question.end + 4;
  for (let i = 0; i < ancount; i++) {
    const owner = readName(buf, pos);
    pos = owner.end;
    if (pos + 10 > buf.length) throw malformed('record header runs past the end');
    const type = buf.readUInt16BE(pos);
    const klass = buf.readUInt16BE(pos + 2);
    const rawTtl = buf.readUInt32BE(pos + 4);
    const ttl = rawTtl > 0x7fffffff ? 0 : rawTtl; // RFC 2181 §8
    const rdlength = buf.readUInt16BE(pos + 8);
    const rdata = pos + 10;
    const rdend = rdata + rdlength;
    if (rdend > buf.length) throw malformed('record data runs past the end');
    pos = rdend;
    if (klass !== CLASS_IN || !owners.has(owner.name.toLowerCase())) continue;
    if (type === CNAME) {
      const target = readName(buf, rdata);
      if (target.end !== rdend) throw malformed('CNAME length');
      owners.add(target.name.toLowerCase());
      continue;
    }
    if (type !== expect.type) continue;
    records.push(readRdata(buf, type, rdata, rdend, ttl));
  }
  return { id, truncated, rcode, records };
}

function readRdata(buf: Buffer, type: number, start: number, end: number, ttl: number): unknown {
  const length = end - start;
  switch (type) {
    case TYPE_CODE.A:
      if (length !== 4) throw malformed('A length');
      return { address: [...buf.subarray(start, end)].join('.'), ttl };
    case TYPE_CODE.AAAA: {
      if (length !== 16) throw malformed('AAAA length');
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(start + i).toString(16));
      return { address: canonicalAddress(groups.join(':')), ttl };
    }
    case TYPE_CODE.SRV: {
      if (length < 7) throw malformed('SRV length');
      const target = readName(buf, start + 6);
      if (target.end !== end) throw malformed('SRV length');
      return {
        priority: buf.readUInt16BE(start),
        weight: buf.readUInt16BE(start + 2),
        port: buf.readUInt16BE(start + 4),
        name: target.name,
        ttl,
      };
    }
    default: {
      // NAPTR (RFC 3403 §4.1): ORDER PREFERENCE FLAGS SERVICES REGEXP REPLACEMENT
      if (length < 4 + 3 + 1) throw malformed('NAPTR length');
      let pos = start + 4;
      const text = (): string => {
        const len = pos < end ? buf[pos]! : 0;
        if (pos >= end || pos + 1 + len > end) throw malformed('NAPTR string runs past the record');
        const s = buf.toString('utf8', pos + 1, pos + 1 + len);
        pos += 1 + len;
        return s;
      };
      const flags = text();
      const service = text();
      const regexp = text();
      if (pos >= end) throw malformed('NAPTR without replacement');
      const replacement = readName(buf, pos);
      if (replacement.end !== end) throw malformed('NAPTR length');
      return {
        order: buf.readUInt16BE(start),
        preference: buf.readUInt16BE(start + 2),
        flags,
        service,
        regexp,
        replacement: replacement.name,
        ttl,
      };
    }
  }
}
