// Cuts a byte stream into SIP messages by Content-Length (RFC 3261 §18.3), answers nothing
// itself, and bounds everything: the header block, the message size. CRLF keep-alives
// between messages are reported as pings (RFC 5626 §4.4.1).

export type FramerEvent =
  | { kind: 'message'; data: Buffer }
  | { kind: 'ping' }
  /** Framing is lost (no usable Content-Length, too large): the connection must close. */
  | { kind: 'error'; reason: string; data: Buffer | undefined };

const CRLF2 = Buffer.from('\r\n\r\n');

export class StreamFramer {
  #buf: Buffer = Buffer.alloc(0);
  constructor(private readonly maxMessageSize: number) {}

  /** True while part of a message has arrived and the rest has not. */
  get pending(): boolean {
    return this.#buf.length > 0;
  }

  push(chunk: Buffer): FramerEvent[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: FramerEvent[] = [];
    while (this.#buf.length > 0) {
      // Leading CRLFs: a double CRLF is a keep-alive ping, a single one a pong or padding.
      let skip = 0;
      while (skip + 1 < this.#buf.length && this.#buf[skip] === 13 && this.#buf[skip + 1] === 10) skip += 2;
      if (skip > 0) {
        if (skip >= 4) out.push({ kind: 'ping' });
        this.#buf = this.#buf.subarray(skip);
        continue;
      }
      if (this.#buf.length === 1 && this.#buf[0] === 13) break;
      const end = this.#buf.indexOf(CRLF2);
      if (end < 0) {
        if (this.#buf.length > this.maxMessageSize) out.push(this.fail('header block too large', undefined));
        break;
      }
      const length = contentLength(this.#buf.toString('latin1', 0, end + 2));
      if (length === null) {
        out.push(this.fail('invalid Content-Length', this.#buf.subarray(0, end + 4)));
        break;
      }
      const total = end + 4 + length;
      if (total > this.maxMessageSize) {
        out.push(this.fail('message too large', this.#buf.subarray(0, end + 4)));
        break;
      }
      if (this.#buf.length < total) break;
      out.push({ kind: 'message', data: this.#buf.subarray(0, total) });
      this.#buf = this.#buf.subarray(total);
    }
    return out;
  }

  private fail(reason: string, data: Buffer | undefined): FramerEvent {
    this.#buf = Buffer.alloc(0);
    return { kind: 'error', reason, data };
  }
}

/** The Content-Length of a header block: 0 when absent, null when malformed or repeated. */
function contentLength(head: string): number | null {
  let found: number | null = null;
  let seen = 0;
  const re = /\r\n(?:content-length|l)[ \t]*:[ \t]*([^\r]*)/gi;
  for (let m = re.exec(head); m; m = re.exec(head)) {
    seen++;
    const v = (m[1] ?? '').trim();
    found = /^\d{1,9}$/.test(v) ? Number(v) : null;
  }
  if (seen === 0) return 0;
  return seen === 1 ? found : null;
}
