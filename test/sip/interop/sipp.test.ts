// Interop with sipp (Debian sip-tester) as UAC and as UAS, over UDP and TCP: OPTIONS,
// REGISTER with Digest, and an INVITE dialog (INVITE, 180, 200, ACK, BYE). Each scenario
// ends with sipp's exit status and our leak check: no transaction, timer or dialog left.
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type SipResponse, SipUri } from '../../../src/sip/index.ts';
import { expectNoLeaks, TestUa } from '../support/test-ua.ts';
import { call, newRequest, register, transact } from '../support/uac.ts';
import { runSipp } from './sipp.ts';

let ua: TestUa;

beforeEach(async () => {
  ua = await new TestUa({
    users: { alice: 'secret' },
    requireAuth: true,
    // sipp 3.6 answers MD5 challenges only; it takes the first one it finds.
    algorithms: ['MD5'],
    inviteStatus: 200,
    stack: { timers: { T1: 20, T2: 160, T4: 200 } },
  }).start();
});

afterEach(async () => {
  await expectNoLeaks(ua);
  await ua.stop();
});

/** Waits until sipp accepts TCP connections on its port (UDP needs nothing: we retransmit). */
async function listening(port: number, transport: 'udp' | 'tcp'): Promise<void> {
  if (transport === 'udp') return;
  await vi.waitFor(
    () =>
      new Promise<void>((resolve, reject) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve();
        });
        s.once('error', reject);
      }),
    { timeout: 5000, interval: 50 },
  );
}

describe.each(['udp', 'tcp'] as const)('sipp over %s', (transport) => {
  const ourPort = () => (transport === 'udp' ? ua.udp.localPort : ua.tcp.localPort);
  const remote = () => `127.0.0.1:${ourPort()}`;

  it('sipp as UAC: OPTIONS gets 200', async () => {
    const run = await runSipp({ scenario: { file: 'options_uac.xml' }, transport, remote: remote() });
    const result = await run.done;
    expect(result.errors).toBe('');
    expect(result.code).toBe(0);
    expect(ua.received.map((r) => r.method)).toEqual(['OPTIONS']);
  });

  it('sipp as UAC: REGISTER is challenged, then accepted with MD5 digest', async () => {
    const run = await runSipp({
      scenario: { file: 'reg_uac.xml' },
      transport,
      remote: remote(),
      inject: ['SEQUENTIAL', 'alice;[authentication username=alice password=secret]'],
    });
    const result = await run.done;
    expect(result.code).toBe(0);
    const aor = [...ua.bindings.keys()];
    expect(aor).toEqual(['sip:alice@127.0.0.1']);
    expect(ua.bindings.get('sip:alice@127.0.0.1')?.[0]?.contact).toBe('sip:alice@127.0.0.1:5080');
  });

  it('sipp as UAC: REGISTER with a wrong password is refused', async () => {
    const run = await runSipp({
      scenario: { file: 'reg_uac.xml' },
      transport,
      remote: remote(),
      inject: ['SEQUENTIAL', 'alice;[authentication username=alice password=wrong]'],
    });
    const result = await run.done;
    expect(result.code).not.toBe(0);
    expect(ua.bindings.size).toBe(0);
  });

  it('sipp as UAC: INVITE dialog with ACK and BYE', async () => {
    const run = await runSipp({ scenario: { builtin: 'uac' }, transport, remote: remote() });
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(ua.log).toEqual(['invite', 'ack', 'bye']);
  });

  it('sipp as UAS: our OPTIONS gets 200', async () => {
    const run = await runSipp({ scenario: { file: 'options_uas.xml' }, transport });
    await listening(run.port, transport);
    const target = { protocol: transport, address: '127.0.0.1', port: run.port };
    const req = newRequest(ua.stack, 'OPTIONS', `sip:sipp@127.0.0.1:${run.port}`, transport);
    const { response } = await transact(ua, req, target);
    expect(response.status).toBe(200);
    expect((await run.done).code).toBe(0);
  });

  it('sipp as UAS: our REGISTER answers its MD5 challenge', async () => {
    const run = await runSipp({ scenario: { file: 'reg_uas.xml' }, transport });
    await listening(run.port, transport);
    const target = { protocol: transport, address: '127.0.0.1', port: run.port };
    const responses = await register(ua, target, `sip:127.0.0.1:${run.port}`, 'carrier', 'trunkpass');
    expect(responses.map((r: SipResponse) => r.status)).toEqual([401, 200]);
    expect((await run.done).code).toBe(0);
  });

  it('sipp as UAS: our INVITE dialog, ACK, then our BYE', async () => {
    const run = await runSipp({ scenario: { builtin: 'uas' }, transport });
    await listening(run.port, transport);
    const target = { protocol: transport, address: '127.0.0.1', port: run.port };
    const c = await call(ua, target, `sip:service@127.0.0.1:${run.port}`);
    expect(c.response.status).toBe(200);
    expect(c.dialog.state).toBe('confirmed');
    expect(SipUri.parse(c.dialog.remoteTarget.toString()).port).toBe(run.port);
    // sipp's built-in UAS pauses before it expects our BYE.
    const bye = await c.bye();
    expect(bye.status).toBe(200);
    expect((await run.done).code).toBe(0);
  });
});
