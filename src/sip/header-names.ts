// Header field names: case-insensitive, with the compact forms of RFC 3261 §7.3.3 and its
// extensions. Each name maps to a lower-case key (lookups) and the form we serialize.

const CANONICAL = [
  'Accept',
  'Accept-Contact',
  'Accept-Encoding',
  'Accept-Language',
  'Alert-Info',
  'Allow',
  'Allow-Events',
  'Authentication-Info',
  'Authorization',
  'Call-ID',
  'Call-Info',
  'Contact',
  'Content-Disposition',
  'Content-Encoding',
  'Content-Language',
  'Content-Length',
  'Content-Type',
  'CSeq',
  'Date',
  'Error-Info',
  'Event',
  'Expires',
  'From',
  'Identity',
  'In-Reply-To',
  'Max-Forwards',
  'Min-Expires',
  'Min-SE',
  'MIME-Version',
  'Organization',
  'P-Asserted-Identity',
  'P-Preferred-Identity',
  'Path',
  'Priority',
  'Privacy',
  'Proxy-Authenticate',
  'Proxy-Authorization',
  'Proxy-Require',
  'RAck',
  'Reason',
  'Record-Route',
  'Refer-To',
  'Referred-By',
  'Reject-Contact',
  'Replaces',
  'Reply-To',
  'Request-Disposition',
  'Require',
  'Retry-After',
  'Route',
  'RSeq',
  'Server',
  'Session-Expires',
  'SIP-ETag',
  'SIP-If-Match',
  'Subject',
  'Subscription-State',
  'Supported',
  'Timestamp',
  'To',
  'Unsupported',
  'User-Agent',
  'Via',
  'Warning',
  'WWW-Authenticate',
];

const COMPACT: Record<string, string> = {
  i: 'Call-ID',
  m: 'Contact',
  e: 'Content-Encoding',
  l: 'Content-Length',
  c: 'Content-Type',
  f: 'From',
  s: 'Subject',
  k: 'Supported',
  t: 'To',
  v: 'Via',
  o: 'Event',
  r: 'Refer-To',
  b: 'Referred-By',
  u: 'Allow-Events',
  x: 'Session-Expires',
  a: 'Accept-Contact',
  j: 'Reject-Contact',
  d: 'Request-Disposition',
  y: 'Identity',
};

export interface HeaderName {
  /** Lower-case long form: the key for lookups. */
  readonly key: string;
  /** The form written on the wire. */
  readonly display: string;
  /** A bit of its own for the fields the parser counts (single-valued ones and Via), else 0. */
  readonly bit: number;
}

/** Header fields that may appear at most once (RFC 3261 §7.3.1, §20). */
export const SINGLE_VALUED: ReadonlySet<string> = new Set([
  'call-id',
  'content-length',
  'content-type',
  'cseq',
  'expires',
  'from',
  'max-forwards',
  'to',
  'min-expires',
  'session-expires',
  'min-se',
  'event',
  'subscription-state',
  'refer-to',
  'replaces',
  'rseq',
  'rack',
  'date',
  'timestamp',
  'retry-after',
  'priority',
  'mime-version',
]);
const BITS = new Map([...SINGLE_VALUED, 'via'].map((k, i) => [k, 2 ** i]));
export const headerBit = (key: string): number => BITS.get(key) ?? 0;

const byExact = new Map<string, HeaderName>();
const byLower = new Map<string, HeaderName>();
for (const display of CANONICAL) {
  const key = display.toLowerCase();
  const name = { key, display, bit: headerBit(key) };
  byLower.set(name.key, name);
  byExact.set(display, name);
}
for (const [short, long] of Object.entries(COMPACT)) {
  const name = byLower.get(long.toLowerCase())!;
  byLower.set(short, name);
  byExact.set(short, name);
  byExact.set(short.toUpperCase(), name);
}

/** The key and wire form of a header name; unknown names keep the case they were given. */
export function headerName(name: string): HeaderName {
  const exact = byExact.get(name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  return byLower.get(lower) ?? { key: lower, display: name, bit: 0 };
}
