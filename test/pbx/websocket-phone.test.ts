// A browser-style phone over SIP WebSocket (RFC 7118) on the HTTP server's /sip: it
// registers with digest, and a call to its extension reaches it over its own connection
// (its Contact is an unroutable .invalid host, as browsers write).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  createResponse,
  DigestClient,
  parseMessage,
  type SipRequest,
  type SipResponse,
} from '../../src/sip/index.ts';
import { signUpCompany } from '../helpers/accounts.ts';
import type { ApiClient } from '../helpers/client.ts';
import type { Line } from '../helpers/lines.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { callerPhone, sippOk } from '../helpers/sipp-phones.ts';

let server: TestServer;
let admin: ApiClient;
const lines: Record<string, Line> = {};

beforeAll(async () => {
  server = await startTestServer('pglite', { sipEnabled: true });
  const company = await signUpCompany(server);
  admin = company.admin;
  for (const ext of ['300', '301']) {
    const person = await admin.post('/api/people', { firstName: 'Web', lastName: ext, extension: ext });
    const line = await admin.post(`/api/people/${person.body.id}/line`, {});
    expect(line.status).toBe(201);
    lines[ext] = {
      id: line.body.id,
      tenantId: company.tenantId,
      username: line.body.sipUsername,
      password: line.body.sipPassword,
      domain: line.body.sipDomain,
    };
  }
}, 60_000);
afterAll(async () => server?.close());

/** A SIP-over-WebSocket client that keeps every message it receives. */
class WsPhone {
  readonly received: (SipRequest | SipResponse)[] = [];
  #waiters: (() => void)[] = [];
  readonly host = `${randomBytes(4).toString('hex')}.invalid`;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(parseMessage(Buffer.from(data as Buffer)) as SipRequest | SipResponse);
      for (const w of this.#waiters.splice(0)) w();
    });
  }
  static open(url: string): Promise<WsPhone> {
    const ws = new WebSocket(url, 'sip');
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WsPhone(ws)));
      ws.once('error', reject);
    });
  }
  send(text: string | { toString(): string }): void {
    this.ws.send(String(text));
  }
  async next<T extends SipRequest | SipResponse>(
    match: (m: SipRequest | SipResponse) => boolean,
  ): Promise<T> {
    for (;;) {
      const i = this.received.findIndex(match);
      if (i >= 0) return this.received.splice(i, 1)[0] as T;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching message over WebSocket')), 10_000);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
  close(): void {
    this.ws.close();
  }
}

const isResponse = (m: SipRequest | SipResponse): m is SipResponse => 'status' in m;
const isRequest = (method: string) => (m: SipRequest | SipResponse) => !isResponse(m) && m.method === method;

function register(phone: WsPhone, line: Line, cseq: number): SipRequest {
  return parseMessage(
    Buffer.from(
      `REGISTER sip:${line.domain} SIP/2.0\r\n` +
        `Via: SIP/2.0/WS ${phone.host};branch=z9hG4bK${randomBytes(6).toString('hex')}\r\n` +
        `Max-Forwards: 70\r\nFrom: <sip:${line.username}@${line.domain}>;tag=ws1\r\n` +
        `To: <sip:${line.username}@${line.domain}>\r\nCall-ID: ws-reg-${phone.host}\r\nCSeq: ${cseq} REGISTER\r\n` +
        `Contact: <sip:${line.username}@${phone.host};transport=ws>;expires=300\r\n` +
        `User-Agent: ws-test-phone\r\nContent-Length: 0\r\n\r\n`,
    ),
  ) as SipRequest;
}

describe('a phone over SIP WebSocket', () => {
  it('registers on /sip and is called over its own connection', async () => {
    const line = lines['300'] as Line;
    const phone = await WsPhone.open(`${server.url.replace('http', 'ws')}/sip`);
    try {
      phone.send(register(phone, line, 1));
      const challenge = await phone.next<SipResponse>(isResponse);
      expect(challenge.status).toBe(401);
      const second = register(phone, line, 2);
      expect(
        new DigestClient({ username: line.username, password: line.password }).authorize(second, challenge),
      ).toBe(true);
      phone.send(second);
      expect((await phone.next<SipResponse>(isResponse)).status).toBe(200);

      const devices = await admin.get(`/api/lines/${line.id}/registrations`);
      expect(devices.status).toBe(200);
      expect(JSON.stringify(devices.body)).toContain('ws-test-phone');
      const binding = server.running.pbx?.location.bindings(line.id)[0];
      expect(binding?.flow.protocol).toBe('ws');

      // 301 (sipp over UDP) calls 300: the INVITE comes down the WebSocket.
      const caller = await callerPhone(server, 'caller_answered.xml', lines['301'] as Line, '300');
      const invite = await phone.next<SipRequest>(isRequest('INVITE'));
      expect(invite.uri.toString()).toContain(phone.host);
      const ringing = createResponse(invite, 180, undefined, 'wsphone');
      phone.send(ringing);
      const ok = createResponse(invite, 200, undefined, 'wsphone');
      ok.append('Contact', `<sip:${line.username}@${phone.host};transport=ws>`);
      ok.append('Content-Type', 'application/sdp');
      ok.body = Buffer.from(
        'v=0\r\no=ws 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n',
      );
      phone.send(ok);
      await phone.next(isRequest('ACK'));
      const bye = await phone.next<SipRequest>(isRequest('BYE'));
      phone.send(createResponse(bye, 200));
      await sippOk(caller);
    } finally {
      phone.close();
    }
  });
});
