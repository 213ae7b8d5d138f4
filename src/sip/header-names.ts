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

// The parser's lookup of a name it has not cut out of the line yet: candidates by length and
// first character, each compared in place with its exact wire form (compact forms included).
const AT_SHIFT = 7;
const atTable: (HeaderName[] | undefined)[] = [];
function addAt(written: string, name: HeaderName): void {
  const slot = (written.length << AT_SHIFT) | written.charCodeAt(0);
  const list = atTable[slot] ?? [];
  list.push(name);
  atTable[slot] = list;
}
for (const [written, name] of byExact) if (written.length < 64) addAt(written, name);
const compactAt: (HeaderName | undefined)[] = [];
for (const [written, name] of byExact) if (written.length === 1) compactAt[written.charCodeAt(0)] = name;

/**
 * The header name written exactly as text[start, end) when it is a known name in its usual
 * spelling (canonical case or a compact letter), without copying it; undefined otherwise.
 */
export function knownHeaderNameAt(text: string, start: number, end: number): HeaderName | undefined {
  const len = end - start;
  const c = text.charCodeAt(start);
  if (len === 1) return c < 128 ? compactAt[c] : undefined;
  if (len >= 64 || c >= 128) return undefined;
  const list = atTable[(len << AT_SHIFT) | c];
  if (list === undefined) return undefined;
  for (let k = 0; k < list.length; k++) {
    const name = list[k]!;
    const display = name.display;
    let i = 1;
    while (i < len && text.charCodeAt(start + i) === display.charCodeAt(i)) i++;
    if (i === len) return name;
  }
  return undefined;
}

/** The key and wire form of a header name; unknown names keep the case they were given. */
export function headerName(name: string): HeaderName {
  const exact = byExact.get(name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  return byLower.get(lower) ?? { key: lower, display: name, bit: 0 };
}
