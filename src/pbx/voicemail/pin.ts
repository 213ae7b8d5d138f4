// Voicemail PINs: 4 to 10 digits, kept only as an scrypt hash ("scrypt$N$r$p$salt$hash", the
// format of account passwords), checked in constant time when a caller types one.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export const PIN_PATTERN = /^\d{4,10}$/;
// Lighter than a password's cost: a PIN is short anyway, and a phone waits for the check.
const COST = { N: 4096, r: 8, p: 1, keylen: 32 };

function derive(pin: string, salt: Buffer, N: number, r: number, p: number, keylen: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(pin, salt, keylen, { N, r, p, maxmem: 32 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPin(pin: string): Promise<string> {
  if (!PIN_PATTERN.test(pin)) throw new Error('a PIN is 4 to 10 digits');
  const salt = randomBytes(16);
  const key = await derive(pin, salt, COST.N, COST.r, COST.p, COST.keylen);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  if (!PIN_PATTERN.test(pin)) return false;
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(
    pin,
    Buffer.from(salt, 'base64url'),
    Number(n),
    Number(r),
    Number(p),
    expected.length,
  );
  return timingSafeEqual(key, expected);
}
