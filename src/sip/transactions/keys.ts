// Transaction matching keys (RFC 3261 §17.1.3, §17.2.3) with the RFC 2543 fallback for
// branches without the magic cookie.
import type { SipRequest, SipResponse } from '../message.ts';

/**
 * §17.2.3: branch + sent-by + method (ACK matches INVITE). Without the magic cookie, the
 * RFC 2543 rule: Request-URI, From tag, Call-ID, CSeq and the top Via (the To tag is checked
 * by the INVITE transaction for ACK).
 */
export function serverKey(request: SipRequest, method = request.method): string {
  const via = request.topVia;
  const m = method === 'ACK' ? 'INVITE' : method;
  if (via.rfc3261) return `${via.branch}|${via.sentBy}|${m}`;
  const uri = request.uri.toString();
  return `2543|${uri}|${request.from.tag ?? ''}|${request.callId}|${request.cseq.seq}|${m}|${via.sentBy}|${via.branch ?? ''}`;
}

/** §17.1.3: the branch of the top Via and the CSeq method (ACK and CANCEL of ours never match INVITE). */
export function clientKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}

export function responseKey(response: SipResponse): string | undefined {
  const branch = response.topVia.branch;
  return branch === undefined ? undefined : clientKey(branch, response.cseq.method);
}
