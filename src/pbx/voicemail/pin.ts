// Voicemail PINs: 4 to 10 digits, kept only as an scrypt hash (the format of account
// passwords), checked in constant time when a caller types one.
import { hashSecret, verifySecret } from '../../services/scrypt-hash.ts';

export const PIN_PATTERN = /^\d{4,10}$/;
// Lighter than a password's cost: a PIN is short anyway, and a phone waits for the check.
const COST = { N: 4096, r: 8, p: 1, keylen: 32 };

export async function hashPin(pin: string): Promise<string> {
  if (!PIN_PATTERN.test(pin)) throw new Error('a PIN is 4 to 10 digits');
  return hashSecret(pin, COST);
}

export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  if (!PIN_PATTERN.test(pin)) return false;
  return verifySecret(pin, stored);
}
