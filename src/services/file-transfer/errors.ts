// The one error type of file transfers: a failure code the caller can act on (retry later,
// ask the admin to fix the login, ...) and a message an admin can read. Messages are built
// from our own words plus the peer's reply text; credentials never go into them.

export type TransferFailure = 'connect' | 'auth' | 'write' | 'timeout' | 'invalid';

export class FileTransferError extends Error {
  override readonly name = 'FileTransferError';
  constructor(
    readonly code: TransferFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Node's network error codes that mean "the server could not be reached". */
const UNREACHABLE: Record<string, string> = {
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved (DNS did not answer)',
  EAI_FAIL: 'the host name could not be resolved',
  ECONNREFUSED: 'nothing accepts connections on that port (connection refused)',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  EHOSTDOWN: 'the host is down',
  ECONNRESET: 'the server reset the connection',
  EPIPE: 'the server closed the connection',
  EADDRNOTAVAIL: 'the address is not available',
};

/** A socket-level error (from net/tls) as a FileTransferError, or undefined if it is none. */
export function socketError(err: unknown, where: string): FileTransferError | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code === 'ETIMEDOUT') return new FileTransferError('timeout', `${where}: the connection timed out`);
  const reason = UNREACHABLE[code];
  if (reason) return new FileTransferError('connect', `${where}: ${reason}`);
  if (isTlsCertificateCode(code)) {
    return new FileTransferError(
      'connect',
      `${where}: the server's TLS certificate is not trusted (${code}: ${messageOf(err)})`,
    );
  }
  return undefined;
}

function isTlsCertificateCode(code: string): boolean {
  return (
    code.startsWith('ERR_TLS_') ||
    code.includes('CERT') ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' ||
    code.startsWith('ERR_SSL_')
  );
}

export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // One line, bounded: this text ends up in an admin's delivery log.
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/**
 * Takes a secret out of text that came from a peer (a server may echo what it was sent).
 * Very short secrets are left alone: replacing every "a" would only garble the message, and
 * such a secret is not worth protecting from a reply it is in by chance.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  return out;
}
