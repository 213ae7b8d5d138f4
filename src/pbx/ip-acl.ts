// IP access lists for SIP registration and trunks: CIDR ranges, IPv4 and IPv6. Addresses are
// BigInts so both families share one matching rule.
import { isIP } from 'node:net';

/** A bad ACL entry; the message names the entry so the API can show it as is. */
export class IpAclError extends Error {
  override readonly name = 'IpAclError';
  constructor(
    readonly entry: string,
    reason: string,
  ) {
    super(
      `invalid IP range ${JSON.stringify(entry.length > 60 ? `${entry.slice(0, 60)}...` : entry)}: ${reason}`,
    );
  }
}

export interface Cidr {
  readonly family: 4 | 6;
  /** Network address; host bits are zero. */
  readonly network: bigint;
  readonly prefixLength: number;
}

interface Address {
  family: 4 | 6;
  value: bigint;
}

const MAPPED_PREFIX = 0xffffn << 32n; // ::ffff:0:0/96

function bits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

function mask(family: 4 | 6, prefixLength: number): bigint {
  const width = BigInt(bits(family));
  return ((1n << width) - 1n) ^ ((1n << (width - BigInt(prefixLength))) - 1n);
}

function parseV4(s: string): bigint {
  let v = 0n;
  for (const part of s.split('.')) v = (v << 8n) | BigInt(Number(part));
  return v;
}

/** Parses an address without zone or brackets; null when node:net does not accept it. */
function parseAddress(s: string): Address | null {
  const family = isIP(s);
  if (family === 4) return { family: 4, value: parseV4(s) };
  if (family !== 6 || s.includes('%')) return null;
  let text = s;
  let tail: bigint | null = null;
  // An embedded IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
  if (text.includes('.')) {
    const colon = text.lastIndexOf(':');
    tail = parseV4(text.slice(colon + 1));
    text = text.slice(0, colon + 1) + '0:0';
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = [
    ...headGroups,
    ...Array<string>(8 - headGroups.length - restGroups.length).fill('0'),
    ...restGroups,
  ];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  if (tail !== null) value = (value & ~0xffffffffn) | tail;
  return { family: 6, value };
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address: dual-stack sockets report them so. */
function unmap(a: Address): Address {
  return a.family === 6 && a.value >> 32n === 0xffffn ? { family: 4, value: a.value & 0xffffffffn } : a;
}

function formatAddress(a: Address): string {
  if (a.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((a.value >> s) & 0xffn)).join('.');
  }
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => Number((a.value >> s) & 0xffffn));
  // RFC 5952: the first longest run of two or more zero groups becomes '::'.
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return hex(groups.slice(0, best)) + '::' + hex(groups.slice(best + bestLength));
}

/**
 * Parses `10.0.0.0/8`, `2001:db8::/32`, or a bare address (/32 or /128). An IPv4-mapped IPv6
 * range of /96 or longer becomes the IPv4 range. Throws IpAclError on anything else, including
 * host bits set (`10.0.0.1/8`): in an ACL that is more likely a typo than a /8.
 */
export function parseCidr(entry: string): Cidr {
  const s = entry.trim();
  const slash = s.indexOf('/');
  const addressText = slash < 0 ? s : s.slice(0, slash);
  const parsed = parseAddress(addressText);
  if (!parsed) throw new IpAclError(entry, 'not an IPv4 or IPv6 address');
  let prefixLength = bits(parsed.family);
  if (slash >= 0) {
    const lengthText = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > prefixLength) {
      throw new IpAclError(entry, `prefix length must be 0-${prefixLength}`);
    }
    prefixLength = Number(lengthText);
  }
  let { family, value } = parsed;
  if (family === 6 && prefixLength >= 96 && (value & mask(6, 96)) === MAPPED_PREFIX) {
    family = 4;
    value &= 0xffffffffn;
    prefixLength -= 96;
  }
  const network = value & mask(family, prefixLength);
  if (network !== value) {
    const suggestion = `${formatAddress({ family, value: network })}/${prefixLength}`;
    throw new IpAclError(entry, `host bits are set (did you mean ${suggestion}?)`);
  }
  return { family, network, prefixLength };
}

/** The canonical text of a CIDR: IPv6 in RFC 5952 form, mapped ranges as IPv4. */
export function formatCidr(cidr: Cidr): string {
  return `${formatAddress({ family: cidr.family, value: cidr.network })}/${cidr.prefixLength}`;
}

function toAddress(ip: string): Address | null {
  let s = ip.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const a = parseAddress(s);
  return a && unmap(a);
}

/**
 * One text per address, so `::ffff:1.2.3.4` and `1.2.3.4`, or `2001:DB8:0::1` and
 * `2001:db8::1`, are the same key; null when `ip` is not an address.
 */
export function canonicalIp(ip: string): string | null {
  // Dotted quads node:net accepts are canonical already (no leading zeros): the common case.
  if (isIP(ip) === 4) return ip;
  const a = toAddress(ip);
  return a && formatAddress(a);
}

/** An allow list of CIDR ranges. An empty list allows every address. */
export class IpAcl {
  readonly ranges: readonly Cidr[];
  readonly #masks: bigint[];

  /** Throws IpAclError on the first bad entry. */
  constructor(entries: Iterable<string>) {
    this.ranges = [...entries].map(parseCidr);
    this.#masks = this.ranges.map((r) => mask(r.family, r.prefixLength));
  }

  get size(): number {
    return this.ranges.length;
  }

  /** Whether `ip` is in one of the ranges; an address that does not parse is in none. */
  contains(ip: string): boolean {
    const a = toAddress(ip);
    if (!a) return false;
    return this.ranges.some((r, i) => r.family === a.family && (a.value & this.#masks[i]!) === r.network);
  }

  /** Empty ACL: everyone; otherwise only addresses in a range. */
  allows(ip: string): boolean {
    return this.ranges.length === 0 || this.contains(ip);
  }

  toStrings(): string[] {
    return this.ranges.map(formatCidr);
  }
}
