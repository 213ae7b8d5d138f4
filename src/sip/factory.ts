// Builders for the messages RFC 3261 derives from others: responses (§8.2.6), CANCEL (§9.1),
// and the identifiers every request needs (branch §8.1.1.7, tags §19.3, Call-ID §8.1.1.4).
import { randomBytes } from 'node:crypto';
import { headerName } from './header-names.ts';
import { SipRequest, SipResponse } from './message.ts';

const REASONS: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  204: 'No Notification',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  305: 'Use Proxy',
  380: 'Alternative Service',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  412: 'Conditional Request Failed',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  421: 'Extension Required',
  422: 'Session Interval Too Small',
  423: 'Interval Too Brief',
  428: 'Use Identity Header',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  485: 'Ambiguous',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  489: 'Bad Event',
  491: 'Request Pending',
  493: 'Undecipherable',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status < 200 ? 'Session Progress' : status < 300 ? 'OK' : 'Error');
}

// Identifiers come from a pooled buffer of random bytes: unguessable and cheap.
let pool = Buffer.alloc(0);
let offset = 0;
export function randomToken(bytes = 8): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const s = pool.toString('base64url', offset, offset + bytes);
  offset += bytes;
  return s;
}

/** A branch with the RFC 3261 magic cookie (§8.1.1.7). */
export const newBranch = (): string => `z9hG4bK${randomToken(12)}`;
export const newTag = (): string => randomToken(8);
export const newCallId = (): string => randomToken(16);

const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);

/**
 * A response to a request (RFC 3261 §8.2.6.2): Via, From, Call-ID and CSeq copied, To
 * copied with a tag added for anything but 100, Timestamp copied on 100, and Record-Route
 * copied on responses that can create a dialog (§12.1.1).
 */
export function createResponse(
  request: SipRequest,
  status: number,
  reason: string = reasonPhrase(status),
  toTag?: string,
): SipResponse {
  const r = new SipResponse(status, reason);
  const { keys, values, names } = request;
  const rr = status > 100 && status < 300 && DIALOG_CREATING.has(request.method);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k === 'via' || k === 'from' || k === 'call-id' || k === 'cseq' || (rr && k === 'record-route')) {
      r.names.push(names[i]!);
      r.keys.push(k);
      r.values.push(values[i]!);
    } else if (k === 'to') {
      let v = values[i]!;
      if (status > 100 && !/;\s*tag\s*=/i.test(v)) v += `;tag=${toTag ?? newTag()}`;
      r.names.push(names[i]!);
      r.keys.push(k);
      r.values.push(v);
    } else if (k === 'timestamp' && status === 100) {
      r.append('Timestamp', values[i]!);
    }
  }
  return r;
}

/** §9.1: a CANCEL has the Request-URI, Call-ID, To, From, CSeq number, top Via and Route of the INVITE. */
export function createCancel(invite: SipRequest): SipRequest {
  const cancel = new SipRequest('CANCEL', invite.uri);
  const copy = (name: string) => {
    const key = headerName(name).key;
    for (let i = 0; i < invite.keys.length; i++)
      if (invite.keys[i] === key) cancel.append(name, invite.values[i]!);
  };
  cancel.append('Via', invite.topVia.toString());
  cancel.append('Max-Forwards', '70');
  copy('From');
  copy('To');
  copy('Call-ID');
  cancel.append('CSeq', `${invite.cseq.seq} CANCEL`);
  copy('Route');
  return cancel;
}
