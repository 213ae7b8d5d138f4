// RFC 4475 over the network: each torture message goes to a running stack over UDP and over
// TCP, and we check what comes back: the status the RFC asks for, or nothing at all. After
// every message the stack still answers, and no transaction or timer is left behind.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SipResponse } from '../../../src/sip/index.ts';
import { expectNoLeaks, TestUa } from '../support/test-ua.ts';
import { probe, tcpPeer, udpPeer, type WirePeer } from '../support/wire.ts';
import { CASES, fixture } from './cases.ts';

// Many torture messages share a branch and sent-by, so each one meets a fresh stack: to one
// stack they would rightly be retransmissions of each other.
let ua: TestUa;

beforeEach(async () => {
  ua = await new TestUa({
    users: { alice: 'secret' },
    stack: { timers: { T1: 5, T2: 40, T4: 50 } },
    tcp: { limits: { messageTimeoutMs: 200 } },
  }).start();
});

afterEach(async () => {
  // Leak check: once the transaction timers have run out, nothing is left.
  await expectNoLeaks(ua);
  await ua.stop();
  expect(ua.stack.stats.connections).toBe(0);
});

/** Everything the peer receives until the probe is answered (1xx left out). */
async function answersBeforeProbe(peer: WirePeer, transport: 'UDP' | 'TCP'): Promise<number[]> {
  const p = probe(transport, peer.port);
  peer.send(p.bytes);
  const statuses: number[] = [];
  for (;;) {
    const m = await peer.next();
    if (m.get('Call-ID') === p.callId) return statuses;
    if (!('status' in m)) throw new Error(`unexpected request ${m.startLine()}`);
    if ((m as SipResponse).status >= 200) statuses.push((m as SipResponse).status);
  }
}

async function firstFinal(peer: WirePeer): Promise<number> {
  for (;;) {
    const m = await peer.next();
    if ('status' in m && (m as SipResponse).status >= 200) return (m as SipResponse).status;
  }
}

describe.each([
  ['UDP', udpPeer],
  ['TCP', tcpPeer],
] as const)('RFC 4475 over %s', (transport, open) => {
  for (const c of CASES) {
    const expected = transport === 'TCP' && c.wireTcp !== undefined ? c.wireTcp : c.wire;
    it(`${c.file} → ${expected}: ${c.why}`, async () => {
      const peer = await open(transport === 'UDP' ? ua.udp.localPort : ua.tcp.localPort);
      try {
        peer.send(fixture(c.file));
        if (transport === 'TCP' && expected === 'none' && c.parse !== 'drop' && c.file === 'clerr.dat') {
          // The body never completes: the stack waits, answers nothing, and closes the
          // connection when the message timeout runs out.
          await peer.closed;
          return;
        }
        if (expected === 'none') {
          // Nothing may come back: everything answered before our probe would be a reply to it.
          expect(await answersBeforeProbe(peer, transport)).toEqual([]);
        } else {
          expect(await firstFinal(peer)).toBe(expected);
          if (
            transport === 'TCP' &&
            c.file !== 'dblreq.dat' &&
            c.parse !== 'ok' &&
            /Content-Length/.test(c.why)
          ) {
            // Framing is lost with the Content-Length: after the 400 the stack closes the connection.
            await peer.closed;
          }
        }
      } finally {
        peer.close();
      }
    }, 5000);
  }
});

describe('RFC 4475 details on the wire', () => {
  /** Sends one fixture over UDP and returns the answer. */
  async function answer(file: string): Promise<SipResponse> {
    const peer = await udpPeer(ua.udp.localPort);
    peer.send(fixture(file));
    const r = (await peer.next()) as SipResponse;
    peer.close();
    return r;
  }

  it('bext01: 420 lists the unknown options in Unsupported', async () => {
    const r = await answer('bext01.dat');
    expect(r.status).toBe(420);
    expect(r.unsupported).toEqual(['nothingSupportsThis', 'nothingSupportsThisEither']);
  });

  it('invut: 415 says what we accept', async () => {
    const r = await answer('invut.dat');
    expect(r.status).toBe(415);
    expect(r.accept.map((a) => a.essence)).toContain('application/sdp');
  });

  it('regaut01: the 401 offers SHA-256 and MD5 digest challenges', async () => {
    const r = await answer('regaut01.dat');
    expect(r.status).toBe(401);
    expect(r.wwwAuthenticate.map((c) => c.params.get('algorithm'))).toEqual(['SHA-256', 'MD5']);
  });

  it('a 400 copies the Call-ID it could read', async () => {
    const r = await answer('mismatch01.dat');
    expect(r.status).toBe(400);
    expect(r.callId).toBe('mismatch01.dj0234sxdfl3');
  });

  it('badbranch: a retransmission matches the transaction and gets the same answer', async () => {
    const peer = await udpPeer(ua.udp.localPort);
    const before = ua.received.length;
    peer.send(fixture('badbranch.dat'));
    const first = (await peer.next()) as SipResponse;
    peer.send(fixture('badbranch.dat'));
    const second = (await peer.next()) as SipResponse;
    expect(second.status).toBe(first.status);
    expect(second.to.tag).toBe(first.to.tag);
    expect(ua.received.length).toBe(before + 1);
    peer.close();
  });
});
