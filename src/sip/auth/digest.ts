// HTTP Digest as SIP uses it (RFC 3261 §22, RFC 7616 and RFC 8760): the hashes and the
// response computation both sides share.
import { createHash } from 'node:crypto';

export type DigestAlgorithm = 'SHA-256' | 'MD5';

const NODE_HASH: Record<DigestAlgorithm, string> = { 'SHA-256': 'sha256', MD5: 'md5' };

export function isDigestAlgorithm(v: string | undefined): v is DigestAlgorithm {
  return v === 'SHA-256' || v === 'MD5';
}

/** The algorithm named in a challenge; absent means MD5 (RFC 7616 §3.3). */
export function algorithmOf(value: string | undefined): DigestAlgorithm | undefined {
  if (value === undefined) return 'MD5';
  const v = value.toUpperCase();
  return v === 'MD5' ? 'MD5' : v === 'SHA-256' ? 'SHA-256' : undefined;
}

export function hash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(NODE_HASH[algorithm]).update(text, 'utf8').digest('hex');
}

/** HA1 = H(username ":" realm ":" password): what a credentials store may keep instead of the password. */
export function ha1(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return hash(algorithm, `${username}:${realm}:${password}`);
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  ha1: string;
  method: string;
  uri: string;
  nonce: string;
  nc?: string | undefined;
  cnonce?: string | undefined;
  qop?: string | undefined;
}

/** RFC 7616 §3.4.1: response = H(HA1:nonce:nc:cnonce:qop:HA2), or H(HA1:nonce:HA2) without qop. */
export function digestResponse(i: DigestInput): string {
  const ha2 = hash(i.algorithm, `${i.method}:${i.uri}`);
  if (i.qop === 'auth') return hash(i.algorithm, `${i.ha1}:${i.nonce}:${i.nc}:${i.cnonce}:auth:${ha2}`);
  return hash(i.algorithm, `${i.ha1}:${i.nonce}:${ha2}`);
}

export function quoteParam(v: string): string {
  return `"${v.replace(/["\\]/g, '\\$&')}"`;
}
