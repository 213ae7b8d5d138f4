// The four RFC 3261 §17 state machines under fake timers: retransmission schedules over
// unreliable transports, none over reliable ones, timeouts, and absorption of retransmissions.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type ClientTransaction,
  createResponse,
  InviteClientTransaction,
  InviteServerTransaction,
  NonInviteClientTransaction,
  NonInviteServerTransaction,
  parseMessage,
  type SipMessage,
  SipRequest,
  type SipResponse,
  type TransactionChannel,
} from '../../src/sip/index.ts';
import { ExpiryQueue } from '../../src/sip/transactions/expiry-queue.ts';

const T = { T1: 500, T2: 4000, T4: 5000 };

function request(method: string): SipRequest {
  return parseMessage(
    Buffer.from(
      `${method} sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKtest${method}\r\n` +
        `Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\n` +
        `Call-ID: tx-${method}\r\nCSeq: 1 ${method}\r\nContent-Length: 0\r\n\r\n`,
    ),
  ) as SipRequest;
}

class Wire implements TransactionChannel {
  readonly sent: SipMessage[] = [];
  /** Every datagram as it left, retransmissions included. */
  readonly bytes: Buffer[] = [];
  constructor(readonly reliable: boolean) {}
  send(m: SipMessage): Buffer {
    const data = m.toBuffer();
    this.sent.push(m);
    this.bytes.push(data);
    return data;
  }
  resend(data: Buffer): void {
    this.sent.push(parseMessage(data));
    this.bytes.push(data);
  }
  count(what: (m: SipMessage) => boolean): number {
    return this.sent.filter(what).length;
  }
}

const isReq = (method: string) => (m: SipMessage) => m instanceof SipRequest && m.method === method;
const isStatus = (status: number) => (m: SipMessage) => 'status' in m && (m as SipResponse).status === status;

function clientUser() {
  const events: string[] = [];
  return {
    events,
    user: {
      onResponse: (r: SipResponse) => events.push(`response ${r.status}`),
      onTimeout: () => events.push('timeout'),
      onTerminated: () => events.push('terminated'),
    },
  };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('INVITE client transaction (§17.1.1)', () => {
  it('retransmits on Timer A at T1, 2T1, 4T1 ... and times out on Timer B at 64*T1', () => {
    const wire = new Wire(false);
    const { events, user } = clientUser();
    const tx = new InviteClientTransaction('k', request('INVITE'), wire, T, user);
    tx.start();
    vi.advanceTimersByTime(500);
    expect(wire.count(isReq('INVITE'))).toBe(2);
    vi.advanceTimersByTime(1000);
    expect(wire.count(isReq('INVITE'))).toBe(3);
    vi.advanceTimersByTime(64 * 500);
    // A fires at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s: 7 sends in all before B at 32 s.
    expect(wire.count(isReq('INVITE'))).toBe(7);
    expect(events).toEqual(['terminated', 'timeout']);
    expect(tx.state).toBe('terminated');
    expect(tx.pendingTimers).toBe(0);
  });

  it('sends nothing more over a reliable transport', () => {
    const wire = new Wire(true);
    const tx = new InviteClientTransaction('k', request('INVITE'), wire, T, clientUser().user);
    tx.start();
    vi.advanceTimersByTime(20_000);
    expect(wire.sent).toHaveLength(1);
    tx.dispose();
  });

  it('ACKs a non-2xx final response itself, again for each retransmission, until Timer D', () => {
    const wire = new Wire(false);
    const { events, user } = clientUser();
    const inv = request('INVITE');
    const tx = new InviteClientTransaction('k', inv, wire, T, user);
    tx.start();
    const busy = createResponse(inv, 486);
    tx.receiveResponse(createResponse(inv, 180));
    tx.receiveResponse(busy);
    tx.receiveResponse(busy);
    expect(wire.count(isReq('ACK'))).toBe(2);
    const ack = wire.sent.find(isReq('ACK')) as SipRequest;
    expect(ack.topVia.branch).toBe(inv.topVia.branch);
    expect(ack.to.tag).toBe(busy.to.tag);
    expect(events).toEqual(['response 180', 'response 486']);
    vi.advanceTimersByTime(32_000);
    expect(tx.state).toBe('terminated');
  });

  it('passes every 2xx up in Accepted (RFC 6026) and leaves the ACK to the TU', () => {
    const wire = new Wire(false);
    const { events, user } = clientUser();
    const inv = request('INVITE');
    const tx = new InviteClientTransaction('k', inv, wire, T, user);
    tx.start();
    const ok = createResponse(inv, 200);
    tx.receiveResponse(ok);
    tx.receiveResponse(ok);
    expect(tx.state).toBe('accepted');
    expect(wire.count(isReq('ACK'))).toBe(0);
    expect(events).toEqual(['response 200', 'response 200']);
    vi.advanceTimersByTime(64 * 500);
    expect(tx.state).toBe('terminated');
  });
});

describe('non-INVITE client transaction (§17.1.2)', () => {
  it('retransmits on Timer E capped at T2, keeps T2 in Proceeding, times out on F', () => {
    const wire = new Wire(false);
    const { events, user } = clientUser();
    const req = request('OPTIONS');
    const tx: ClientTransaction = new NonInviteClientTransaction('k', req, wire, T, user);
    (tx as NonInviteClientTransaction).start();
    vi.advanceTimersByTime(500 + 1000 + 2000 + 4000);
    expect(wire.count(isReq('OPTIONS'))).toBe(5);
    tx.receiveResponse(createResponse(req, 100));
    expect(tx.state).toBe('proceeding');
    vi.advanceTimersByTime(4000);
    expect(wire.count(isReq('OPTIONS'))).toBe(6);
    vi.advanceTimersByTime(32_000);
    expect(events).toEqual(['response 100', 'terminated', 'timeout']);
  });

  it('absorbs retransmitted finals in Completed, then terminates on Timer K', () => {
    const wire = new Wire(false);
    const { events, user } = clientUser();
    const req = request('OPTIONS');
    const tx = new NonInviteClientTransaction('k', req, wire, T, user);
    tx.start();
    const ok = createResponse(req, 200);
    tx.receiveResponse(ok);
    tx.receiveResponse(ok);
    expect(events).toEqual(['response 200']);
    expect(tx.state).toBe('completed');
    vi.advanceTimersByTime(5000);
    expect(tx.state).toBe('terminated');
  });

  it('terminates at once on a reliable transport', () => {
    const req = request('OPTIONS');
    const tx = new NonInviteClientTransaction('k', req, new Wire(true), T, clientUser().user);
    tx.start();
    tx.receiveResponse(createResponse(req, 200));
    expect(tx.state).toBe('terminated');
    expect(tx.pendingTimers).toBe(0);
  });
});

describe('INVITE server transaction (§17.2.1)', () => {
  it('sends 100 Trying when the TU is silent for 200 ms', () => {
    const wire = new Wire(false);
    const inv = request('INVITE');
    const tx = new InviteServerTransaction('k', inv, wire, T, (r) => createResponse(r, 100));
    vi.advanceTimersByTime(200);
    expect(wire.count(isStatus(100))).toBe(1);
    tx.dispose();
  });

  it('retransmits a final non-2xx on Timer G until the ACK, then absorbs in Confirmed', () => {
    const wire = new Wire(false);
    const inv = request('INVITE');
    const tx = new InviteServerTransaction('k', inv, wire, T, (r) => createResponse(r, 100));
    tx.respond(createResponse(inv, 486));
    expect(wire.count(isStatus(100))).toBe(0);
    vi.advanceTimersByTime(500 + 1000 + 2000 + 4000 + 4000);
    expect(wire.count(isStatus(486))).toBe(6);
    tx.receiveRequest(inv);
    expect(wire.count(isStatus(486))).toBe(7);
    const ack = new SipRequest('ACK', inv.uri);
    tx.receiveRequest(ack);
    expect(tx.state).toBe('confirmed');
    vi.advanceTimersByTime(5000);
    expect(wire.count(isStatus(486))).toBe(7);
    expect(tx.state).toBe('terminated');
  });

  it('reports Timer H when no ACK comes', () => {
    const inv = request('INVITE');
    const tx = new InviteServerTransaction('k', inv, new Wire(false), T, (r) => createResponse(r, 100));
    const events: string[] = [];
    tx.user = { onTimeout: () => events.push('timeout') };
    tx.respond(createResponse(inv, 603));
    vi.advanceTimersByTime(64 * 500);
    expect(events).toEqual(['timeout']);
    expect(tx.state).toBe('terminated');
  });

  it('after a 2xx (Accepted, RFC 6026) absorbs INVITE retransmissions and passes 2xx retransmissions', () => {
    const wire = new Wire(false);
    const inv = request('INVITE');
    const tx = new InviteServerTransaction('k', inv, wire, T, (r) => createResponse(r, 100));
    const ok = createResponse(inv, 200);
    tx.respond(ok);
    tx.receiveRequest(inv);
    tx.respond(ok);
    expect(wire.count(isStatus(200))).toBe(2);
    vi.advanceTimersByTime(64 * 500);
    expect(tx.state).toBe('terminated');
  });
});

describe('non-INVITE server transaction (§17.2.2)', () => {
  it('discards retransmissions in Trying, repeats the last response after, ends on Timer J', () => {
    const wire = new Wire(false);
    const req = request('REGISTER');
    const tx = new NonInviteServerTransaction('k', req, wire, T);
    tx.receiveRequest(req);
    expect(wire.sent).toHaveLength(0);
    tx.respond(createResponse(req, 200));
    tx.receiveRequest(req);
    expect(wire.count(isStatus(200))).toBe(2);
    tx.respond(createResponse(req, 500));
    expect(wire.count(isStatus(500))).toBe(0);
    vi.advanceTimersByTime(64 * 500);
    expect(tx.state).toBe('terminated');
  });

  it('in Completed keeps only the final response bytes: a retransmission gets the same bytes', () => {
    const wire = new Wire(false);
    const req = request('REGISTER');
    const tx = new NonInviteServerTransaction('k', req, wire, T);
    const ok = createResponse(req, 200);
    ok.append('Contact', '<sip:bob@127.0.0.1:5070>;expires=3600');
    tx.respond(ok);
    // What §17.2.2 needs in Completed is the last response as sent; the parsed request and
    // response are let go (Timer J holds the transaction 32 s on UDP).
    expect(tx.state).toBe('completed');
    expect(tx.lastStatus).toBe(200);
    expect(tx.lastResponse).toBeUndefined();
    expect(() => tx.request).toThrow(/not kept/);
    ok.append('Warning', '399 x "changed after sending"');
    tx.receiveRequest(request('REGISTER'));
    vi.advanceTimersByTime(64 * 500 - 1);
    tx.receiveRequest(request('REGISTER'));
    expect(wire.bytes).toHaveLength(3);
    expect(wire.bytes[1]!.equals(wire.bytes[0]!)).toBe(true);
    expect(wire.bytes[2]!.equals(wire.bytes[0]!)).toBe(true);
    vi.advanceTimersByTime(1);
    expect(tx.state).toBe('terminated');
    tx.receiveRequest(request('REGISTER'));
    expect(wire.bytes).toHaveLength(3);
  });

  it('keeps the request and response while Proceeding (a provisional was sent)', () => {
    const wire = new Wire(false);
    const req = request('REGISTER');
    const tx = new NonInviteServerTransaction('k', req, wire, T);
    tx.respond(createResponse(req, 100));
    tx.receiveRequest(req);
    expect(wire.count(isStatus(100))).toBe(2);
    expect(tx.request).toBe(req);
    expect(tx.lastResponse?.status).toBe(100);
  });

  it('ends after 64*T1 when the TU never answers, so nothing is kept forever', () => {
    const tx = new NonInviteServerTransaction('k', request('REGISTER'), new Wire(false), T);
    vi.advanceTimersByTime(64 * 500);
    expect(tx.state).toBe('terminated');
    expect(tx.pendingTimers).toBe(0);
  });

  it('terminates at once on a reliable transport', () => {
    const req = request('REGISTER');
    const tx = new NonInviteServerTransaction('k', req, new Wire(true), T);
    tx.respond(createResponse(req, 200));
    expect(tx.state).toBe('terminated');
  });
});

describe('Timer J shared by a stack (ExpiryQueue)', () => {
  it('ends each completed transaction 64*T1 after its final response, with one timer for all', () => {
    const queue = new ExpiryQueue(64 * 500, Date.now);
    const wire = new Wire(false);
    const txs = ['a', 'b', 'c'].map((id) => {
      const req = request('REGISTER');
      const tx = new NonInviteServerTransaction(id, req, wire, T, queue);
      tx.respond(createResponse(req, 200));
      vi.advanceTimersByTime(1000);
      return tx;
    });
    expect(queue.pendingTimers).toBe(1);
    expect(txs.map((t) => t.pendingTimers)).toEqual([0, 0, 0]);
    // The first completed at 0, the last at 2000; the clock is at 3000.
    vi.advanceTimersByTime(64 * 500 - 3000 - 1);
    expect(txs.map((t) => t.state)).toEqual(['completed', 'completed', 'completed']);
    // Until then retransmissions still get the final response.
    txs[0]!.receiveRequest(request('REGISTER'));
    expect(wire.count(isStatus(200))).toBe(4);
    vi.advanceTimersByTime(1);
    expect(txs.map((t) => t.state)).toEqual(['terminated', 'completed', 'completed']);
    vi.advanceTimersByTime(1000);
    expect(txs.map((t) => t.state)).toEqual(['terminated', 'terminated', 'completed']);
    vi.advanceTimersByTime(1000);
    expect(txs.map((t) => t.state)).toEqual(['terminated', 'terminated', 'terminated']);
    expect(queue.size).toBe(0);
    expect(queue.pendingTimers).toBe(0);
  });

  it('skips a transaction that ended otherwise, and clear() leaves no timer', () => {
    const queue = new ExpiryQueue(64 * 500, Date.now);
    const req = request('REGISTER');
    const tx = new NonInviteServerTransaction('k', req, new Wire(false), T, queue);
    tx.respond(createResponse(req, 200));
    tx.dispose();
    vi.advanceTimersByTime(64 * 500);
    expect(tx.state).toBe('terminated');
    queue.add({ expire: () => expect.unreachable() });
    queue.clear();
    vi.advanceTimersByTime(64 * 500);
    expect(queue.pendingTimers).toBe(0);
  });
});
