// The checks a UAS makes before a request reaches its application (RFC 3261 §8.2.2, §8.2.3):
// URI scheme (416), required extensions (420), body type (415). Each failure is a SipError
// carrying the status and the header fields the response needs.
import { SipError } from './errors.ts';
import type { SipRequest } from './message.ts';

export interface RequestPolicy {
  /** Request-URI schemes served (default sip, sips, tel). */
  schemes: readonly string[];
  /** Option tags we support, for Require (default none). */
  supported: readonly string[];
  /** Body types we accept (default application/sdp). */
  acceptedBodies: readonly string[];
}

export const DEFAULT_POLICY: RequestPolicy = {
  schemes: ['sip', 'sips', 'tel'],
  supported: [],
  acceptedBodies: ['application/sdp'],
};

export function checkRequest(request: SipRequest, policy: RequestPolicy): SipError | null {
  // §8.2.2.1: a Request-URI scheme we do not understand gets 416.
  if (!policy.schemes.includes(request.uri.scheme)) return new SipError(416, 'unsupported URI scheme');
  // §8.2.2.3: Require with unknown option tags gets 420 listing them in Unsupported (never for ACK, CANCEL).
  if (request.method !== 'ACK' && request.method !== 'CANCEL') {
    const unknown = request.require.filter((t) => !policy.supported.includes(t.toLowerCase()));
    if (unknown.length > 0) return new SipError(420, 'bad extension', [['Unsupported', unknown.join(', ')]]);
  }
  // §8.2.3: a body of a type we do not understand gets 415 with Accept.
  if (request.body.length > 0 && request.method !== 'ACK') {
    const type = request.contentType?.essence ?? 'application/sdp';
    if (!policy.acceptedBodies.includes(type))
      return new SipError(415, 'unsupported media type', [['Accept', policy.acceptedBodies.join(', ')]]);
  }
  return null;
}
