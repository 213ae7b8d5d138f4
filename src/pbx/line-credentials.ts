// What a line's credentials are stored as: digest HA1s for MD5 and SHA-256 (RFC 7616), with
// the tenant's SIP domain as realm, so the password itself is never kept. The API creates
// them here instead of reaching into the SIP layer.
import { randomBytes } from 'node:crypto';
import { ha1 } from '../sip/index.ts';

export interface LineCredentials {
  ha1Md5: string;
  ha1Sha256: string;
}

/** The HA1s the registrar checks; realm is the tenant's SIP domain (lower case, as routed). */
export function lineCredentials(username: string, realm: string, password: string): LineCredentials {
  const r = realm.toLowerCase();
  return { ha1Md5: ha1('MD5', username, r, password), ha1Sha256: ha1('SHA-256', username, r, password) };
}

/** A random SIP password: 32 characters of base64url (192 bits), safe to type into a phone. */
export function generateSipPassword(): string {
  return randomBytes(24).toString('base64url');
}
