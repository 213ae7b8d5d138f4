// Just enough SIP over UDP for the media interop tests to set up one call with sipp; the real
// SIP stack lives in src/sip and is not used here (media knows nothing of SIP).
import { spawn } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export interface SipMessage {
  readonly startLine: string;
  readonly headers: Map<string, string[]>;
  readonly body: string;
  readonly from: RemoteInfo;
}

export function parseSip(raw: string, from: RemoteInfo): SipMessage {
  const split = raw.indexOf('\r\n\r\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  const [startLine = '', ...lines] = head.split('\r\n');
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return { startLine, headers, body: split < 0 ? '' : raw.slice(split + 4), from };
}

export class SipSocket {
  private readonly queue: SipMessage[] = [];
  private waiter: (() => void) | undefined;

  private constructor(
    readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (buf, rinfo) => {
      this.queue.push(parseSip(buf.toString('utf8'), rinfo));
      this.waiter?.();
    });
  }

  static async open(): Promise<SipSocket> {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    return new SipSocket(socket, socket.address().port);
  }

  /** The next message whose start line matches, skipping others (provisional responses). */
  async next(match: RegExp, ms = 10_000): Promise<SipMessage> {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.queue.findIndex((m) => match.test(m.startLine));
      if (i >= 0) return this.queue.splice(i, 1)[0] as SipMessage;
      if (Date.now() > end) throw new Error(`no SIP message matching ${match}`);
      await new Promise<void>((r) => {
        this.waiter = r;
        setTimeout(r, 100);
      });
    }
  }

  send(text: string, port: number): void {
    this.socket.send(Buffer.from(text.replace(/\r?\n/g, '\r\n')), port, '127.0.0.1');
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}

/** The response to a request: same Via, From, To (with a tag), Call-ID and CSeq. */
export function response(req: SipMessage, status: string, extra: string[] = [], body = ''): string {
  const h = (n: string) => req.headers.get(n) ?? [];
  const to = h('to')[0] ?? '';
  return [
    `SIP/2.0 ${status}`,
    ...h('via').map((v) => `Via: ${v}`),
    `From: ${h('from')[0]}`,
    `To: ${to.includes('tag=') ? to : `${to};tag=media-test`}`,
    `Call-ID: ${h('call-id')[0]}`,
    `CSeq: ${h('cseq')[0]}`,
    ...extra,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

/** Runs sipp to completion; resolves with its exit code and output. */
export function runSipp(args: string[]): {
  done: Promise<{ code: number | null; output: string }>;
  kill: () => void;
} {
  const child = spawn('/usr/bin/sipp', [...args, '-nostdin', '-m', '1', '-timeout', '30s'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const done = new Promise<{ code: number | null; output: string }>((resolve) => {
    child.on('exit', (code) => resolve({ code, output: output.slice(-2000) }));
  });
  return { done, kill: () => child.kill('SIGKILL') };
}
