// Dialogs (RFC 3261 §12–§15) between two of our stacks over UDP and TCP, and the dialog
// rules on their own: route sets, CSeq order, target refresh, forks, CANCEL.
import { describe, expect, it } from 'vitest';
import {
  type ClientTransaction,
  createResponse,
  Dialog,
  DialogTable,
  parseMessage,
  type SipRequest,
  type SipResponse,
  SipStack,
  UdpTransport,
} from '../../src/sip/index.ts';
import { expectNoLeaks, TestUa } from './support/test-ua.ts';
import { call, newRequest, transact } from './support/uac.ts';

const fast = { timers: { T1: 20, T2: 160, T4: 200, D: 200 } };

describe.each(['udp', 'tcp'] as const)('a call between two stacks over %s', (protocol) => {
  it('INVITE, 180, 200, ACK, re-INVITE with a new target, BYE', async () => {
    const callee = await new TestUa({ inviteStatus: 200, stack: fast }).start();
    const caller = await new TestUa({ stack: fast }).start();
    const port = protocol === 'udp' ? callee.udp.localPort : callee.tcp.localPort;
    const c = await call(caller, { protocol, address: '127.0.0.1', port }, `sip:ua@127.0.0.1:${port}`);
    expect(c.dialog.state).toBe('confirmed');
    expect(c.response.body.toString()).toContain('m=audio 40000');
    // A target refresh: the re-INVITE carries a new Contact, the callee's dialog follows it.
    const reinvite = c.dialog.createRequest('INVITE', { type: 'application/sdp', data: 'v=0\r\n' });
    reinvite.append('Contact', '<sip:moved@127.0.0.1:7777>');
    const { response } = await transact(caller, reinvite, c.flow);
    expect(response.status).toBe(200);
    const [calleeDialog] = [...callee.flows.keys()];
    expect(calleeDialog?.remoteTarget.toString()).toBe('sip:moved@127.0.0.1:7777');
    caller.dialogs.fromResponse(reinvite, response);
    await caller.stack.sendStateless(c.dialog.createAck(reinvite), c.flow);
    expect((await c.bye()).status).toBe(200);
    expect(callee.log).toEqual(['invite', 'ack', 'invite', 'ack', 'bye']);
    await expectNoLeaks(caller);
    await expectNoLeaks(callee);
    await caller.stop();
    await callee.stop();
  });
});

describe('CANCEL (§9)', () => {
  it('a CANCEL gets 200 and the pending INVITE 487', async () => {
    const pending: { tx?: ClientTransaction } = {};
    const callee = new SipStack(
      { transports: [new UdpTransport({ host: '127.0.0.1', port: 0 })], ...fast },
      {
        onRequest: (req, tx) => {
          tx.respond(createResponse(req, 180, 'Ringing', 'callee'));
          tx.user = { onCancel: () => tx.respond(createResponse(req, 487, 'Request Terminated', 'callee')) };
        },
      },
    );
    await callee.start();
    const caller = await new TestUa({ stack: fast }).start();
    const port = callee.transport('udp')!.localPort;
    const invite = newRequest(caller.stack, 'INVITE', `sip:ua@127.0.0.1:${port}`, 'udp');
    const final = new Promise<SipResponse>((resolve) => {
      void caller.stack.request(
        invite,
        {
          onResponse: (r, tx) => {
            if (r.status === 180) pending.tx = tx;
            if (r.status >= 200) resolve(r);
          },
        },
        { target: { protocol: 'udp', address: '127.0.0.1', port } },
      );
    });
    await expect.poll(() => pending.tx).toBeDefined();
    const cancelled = new Promise<number>((resolve) => {
      void caller.stack.sendCancel(pending.tx!, { onResponse: (r) => r.status >= 200 && resolve(r.status) });
    });
    expect(await cancelled).toBe(200);
    expect((await final).status).toBe(487);
    await expectNoLeaks(caller);
    await caller.stop();
    await callee.stop();
  });

  it('a CANCEL that matches nothing gets 481', async () => {
    const ua = await new TestUa({ stack: fast }).start();
    const cancel = newRequest(ua.stack, 'CANCEL', `sip:ua@127.0.0.1:${ua.udp.localPort}`, 'udp');
    const { response } = await transact(ua, cancel, {
      protocol: 'udp',
      address: '127.0.0.1',
      port: ua.udp.localPort,
    });
    expect(response.status).toBe(481);
    await ua.stop();
  });
});

function invite(extra = ''): SipRequest {
  return parseMessage(
    Buffer.from(
      'INVITE sip:bob@b.example SIP/2.0\r\nVia: SIP/2.0/UDP a.example;branch=z9hG4bKd1\r\nMax-Forwards: 70\r\n' +
        'From: <sip:alice@a.example>;tag=a1\r\nTo: <sip:bob@b.example>\r\nCall-ID: dlg-1\r\nCSeq: 7 INVITE\r\n' +
        `Contact: <sip:alice@192.0.2.1>\r\n${extra}Content-Length: 0\r\n\r\n`,
    ),
  ) as SipRequest;
}

function answer(req: SipRequest, status: number, tag: string, contact: string, rr = ''): SipResponse {
  const r = createResponse(req, status, undefined, tag);
  r.append('Contact', contact);
  if (rr) r.set('Record-Route', rr);
  return r;
}

describe('dialog rules', () => {
  it('UAC: the route set is the Record-Route reversed; requests go to the remote target (§12.1.2)', () => {
    const req = invite();
    const ok = answer(req, 200, 'b1', '<sip:bob@192.0.2.2>', '<sip:p2.example;lr>, <sip:p1.example;lr>');
    const d = Dialog.uac(req, ok);
    const bye = d.createRequest('BYE');
    expect(bye.uri.toString()).toBe('sip:bob@192.0.2.2');
    expect(bye.route.map((r) => r.uri.toString())).toEqual(['sip:p1.example;lr', 'sip:p2.example;lr']);
    expect(bye.cseq).toEqual({ seq: 8, method: 'BYE' });
    expect(bye.to.tag).toBe('b1');
    expect(bye.from.tag).toBe('a1');
    expect(d.createAck(req).cseq).toEqual({ seq: 7, method: 'ACK' });
  });

  it('UAS: the route set is the Record-Route in order; remote CSeq must grow (§12.2.2)', () => {
    const req = invite('Record-Route: <sip:p1.example;lr>\r\n');
    const d = Dialog.uas(req, createResponse(req, 200, undefined, 'b1'));
    expect(d.routeSet.map((r) => r.uri.toString())).toEqual(['sip:p1.example;lr']);
    const next = (seq: number, method: string) =>
      parseMessage(
        Buffer.from(
          `${method} sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK${seq}\r\n` +
            `From: <sip:alice@a.example>;tag=a1\r\nTo: <sip:bob@b.example>;tag=b1\r\nCall-ID: dlg-1\r\n` +
            `CSeq: ${seq} ${method}\r\nContact: <sip:alice@198.51.100.9>\r\nContent-Length: 0\r\n\r\n`,
        ),
      ) as SipRequest;
    expect(d.receiveRequest(next(8, 'UPDATE'))).toBeNull();
    expect(d.remoteTarget.toString()).toBe('sip:alice@198.51.100.9');
    expect(d.receiveRequest(next(8, 'INFO'))?.status).toBe(500);
    expect(d.receiveRequest(next(9, 'BYE'))).toBeNull();
    expect(d.state).toBe('terminated');
  });

  it('a strict router in the route set becomes the Request-URI (§12.2.1.1)', () => {
    const req = invite();
    const d = Dialog.uac(req, answer(req, 200, 'b1', '<sip:bob@192.0.2.2>', '<sip:strict.example>'));
    const bye = d.createRequest('BYE');
    expect(bye.uri.toString()).toBe('sip:strict.example');
    expect(bye.route.map((r) => r.uri.toString())).toEqual(['sip:bob@192.0.2.2']);
  });

  it('forked INVITE: each remote tag has its own early dialog; the 2xx confirms one (§13.2.2.4)', () => {
    const table = new DialogTable();
    const req = invite();
    const a = table.fromResponse(req, answer(req, 180, 'fork-a', '<sip:a@192.0.2.10>'));
    const b = table.fromResponse(req, answer(req, 183, 'fork-b', '<sip:b@192.0.2.11>'));
    expect(a?.state).toBe('early');
    expect(b?.state).toBe('early');
    expect(table.forks('dlg-1', 'a1')).toHaveLength(2);
    const confirmed = table.fromResponse(req, answer(req, 200, 'fork-b', '<sip:b2@192.0.2.11>'));
    expect(confirmed).toBe(b);
    expect(b?.state).toBe('confirmed');
    expect(b?.remoteTarget.toString()).toBe('sip:b2@192.0.2.11');
    expect(a?.state).toBe('early');
    expect(table.fromResponse(req, answer(req, 100, 'x', '<sip:x@x>'))).toBeUndefined();
  });
});
