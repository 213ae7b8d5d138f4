// Password hashing (scrypt) and opaque tokens. Tokens are stored only as SHA-256 hashes.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashSecret, verifySecret } from '../../services/scrypt-hash.ts';

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

/** "scrypt$N$r$p$salt$hash" (base64url parts), so parameters can be raised later. */
export function hashPassword(password: string): Promise<string> {
  return hashSecret(password, SCRYPT);
}

export function verifyPassword(password: string, stored: string): Promise<boolean> {
  return verifySecret(password, stored);
}

// A hash of a random password, verified against when the user is unknown so that a
// login for a missing account costs the same time as one for a real account.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');
export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
