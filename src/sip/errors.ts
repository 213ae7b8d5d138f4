// Typed errors of the SIP layer. Each carries what a peer should get: a status code for a
// request the element answers statelessly, or `null` when the message is silently dropped
// (any malformed response, RFC 3261 §18.1.2 / §16.7).

export class SipError extends Error {
  override readonly name: string = 'SipError';
  constructor(
    /** Status a server answers with, or null to drop the message. */
    readonly status: number | null,
    message: string,
    /** Extra header fields for the error response (e.g. Unsupported, Accept). */
    readonly headers: ReadonlyArray<readonly [string, string]> = [],
  ) {
    super(message);
  }
}

/** A message that does not follow the RFC 3261 §25 grammar or breaks a limit. */
export class SipParseError extends SipError {
  override readonly name: string = 'SipParseError';
}

/** A transport could not deliver a message (connection refused, closed, unreachable). */
export class TransportError extends Error {
  override readonly name: string = 'TransportError';
}

/** Thrown when an argument given by the user of the stack is not valid SIP. */
export function invalid(what: string): SipParseError {
  return new SipParseError(400, what);
}
