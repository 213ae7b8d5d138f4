// Calls between extensions through the real server, with sipp as the phones: answered,
// busy, unanswered (ring timeout), cancelled, unknown extension, re-INVITE hold answered by
// us (not relayed), do not disturb, forwarding when unavailable; each leaves a call record.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signUpCompany } from '../helpers/accounts.ts';
import type { ApiClient } from '../helpers/client.ts';
import { createLine, type Line } from '../helpers/lines.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { callerPhone, registeredPhone as registeredPhoneOf, sippOk } from '../helpers/sipp-phones.ts';
import { runSipp } from '../sip/interop/sipp.ts';

let server: TestServer;
let admin: ApiClient;
const lines = new Map<string, Line>();
const PASSWORD = 'line-password-1';

beforeAll(async () => {
  // sipp answers only the first challenge and only MD5.
  server = await startTestServer('pglite', { sipEnabled: true }, { digestAlgorithms: ['MD5'] });
  const company = await signUpCompany(server);
  admin = company.admin;
  for (const ext of ['100', '101', '102', '103']) {
    const p = await admin.post('/api/people', { firstName: 'Ext', lastName: ext, extension: ext });
    expect(p.status).toBe(201);
    lines.set(
      ext,
      await createLine(server, {
        tenantId: company.tenantId,
        personId: p.body.id,
        username: ext,
        password: PASSWORD,
      }),
    );
  }
}, 60_000);
afterAll(async () => server?.close());

const pbx = () => {
  const p = server.running.pbx;
  if (!p) throw new Error('SIP is not running');
  return p;
};
const line = (ext: string) => lines.get(ext) as Line;

const phone = (file: string, ext: string, dial = '') => callerPhone(server, file, line(ext), dial);
const registeredPhone = (file: string, ext: string) => registeredPhoneOf(server, file, line(ext));
/** sipp succeeded; on failure the last call record says what Switchboard thought happened. */
const expectOk = async (run: Awaited<ReturnType<typeof phone>>) => {
  try {
    await sippOk(run);
  } catch (e) {
    await pbx().cdrs.flush();
    console.log('last call record:', JSON.stringify((await admin.get('/api/calls?limit=1')).body.items[0]));
    throw e;
  }
};

async function lastRecord() {
  await pbx().cdrs.flush();
  const list = await admin.get('/api/calls?limit=1');
  expect(list.status).toBe(200);
  return list.body.items[0];
}

async function unregisterAll() {
  for (const l of lines.values()) pbx().location.removeAll(l.id);
}

describe('calls between extensions', () => {
  it('100 calls 101, which rings and answers; 100 hangs up; the record says answered', async () => {
    await unregisterAll();
    const callee = await registeredPhone('callee_answer.xml', '101');
    const caller = await phone('caller_answered.xml', '100', '101');
    await expectOk(caller);
    await expectOk(callee);
    const cdr = await lastRecord();
    expect(cdr).toMatchObject({
      direction: 'internal',
      callerNumber: '100',
      calleeNumber: '101',
      disposition: 'answered',
      endedBy: 'caller',
    });
    expect(cdr.answeredAt).not.toBeNull();
    expect(pbx().calls.size).toBe(0);
  });

  it('a busy phone gives the caller 486 and a busy record', async () => {
    await unregisterAll();
    const callee = await registeredPhone('callee_busy.xml', '101');
    const caller = await phone('caller_486.xml', '100', '101');
    await expectOk(caller);
    await expectOk(callee);
    expect(await lastRecord()).toMatchObject({ disposition: 'busy', calleeNumber: '101' });
  });

  it('an extension with no registered phone gives 480', async () => {
    await unregisterAll();
    await expectOk(await phone('caller_480.xml', '100', '102'));
    expect(await lastRecord()).toMatchObject({ disposition: 'no-answer', calleeNumber: '102' });
  });

  it('an unknown extension gives 404', async () => {
    await expectOk(await phone('caller_404.xml', '100', '999'));
  });

  it('the caller hangs up while it rings: the callee gets CANCEL, the caller 487, a cancelled record', async () => {
    await unregisterAll();
    const callee = await registeredPhone('callee_ring.xml', '101');
    const caller = await phone('caller_cancel.xml', '100', '101');
    await expectOk(caller);
    await expectOk(callee);
    expect(await lastRecord()).toMatchObject({ disposition: 'cancelled', endedBy: 'caller' });
  });

  it('nobody answers within the ring timeout: the callee is cancelled, the caller gets 480', async () => {
    await unregisterAll();
    const l = line('101');
    const patched = await admin.patch(`/api/lines/${l.id}`, { ringTimeoutSeconds: 5 });
    expect(patched.status).toBe(200);
    try {
      const callee = await registeredPhone('callee_ring.xml', '101');
      const caller = await phone('caller_480.xml', '100', '101');
      await expectOk(caller);
      await expectOk(callee);
      expect(await lastRecord()).toMatchObject({ disposition: 'no-answer' });
    } finally {
      await admin.patch(`/api/lines/${l.id}`, { ringTimeoutSeconds: 30 });
    }
  });

  it('when 101 does not answer, its "when unavailable" forwards the call to 103', async () => {
    await unregisterAll();
    const l = line('101');
    expect(
      (await admin.patch(`/api/lines/${l.id}`, { whenUnavailable: { action: 'forward', to: '103' } })).status,
    ).toBe(200);
    try {
      // 101 is offline; 103 answers.
      const callee = await registeredPhone('callee_answer.xml', '103');
      const caller = await phone('caller_answered.xml', '100', '101');
      await expectOk(caller);
      await expectOk(callee);
      expect(await lastRecord()).toMatchObject({ disposition: 'answered', calleeNumber: '103' });
    } finally {
      await admin.patch(`/api/lines/${l.id}`, { whenUnavailable: { action: 'hangup' } });
    }
  });

  it('do not disturb: the call is refused without ringing the phone', async () => {
    await unregisterAll();
    const l = line('102');
    expect((await admin.patch(`/api/lines/${l.id}`, { doNotDisturb: true })).status).toBe(200);
    try {
      await expectOk(await phone('caller_480.xml', '100', '102'));
      // Refused without ringing, but on record as a missed call to 102.
      expect(await lastRecord()).toMatchObject({ calleeNumber: '102', hangupCause: '480 Do Not Disturb' });
    } finally {
      await admin.patch(`/api/lines/${l.id}`, { doNotDisturb: false });
    }
  });

  it('smart do not disturb: a line already in a call rejects a second call as busy', async () => {
    await unregisterAll();
    const l = line('101');
    expect((await admin.patch(`/api/lines/${l.id}`, { smartDoNotDisturb: true })).status).toBe(200);
    try {
      const first = await registeredPhone('callee_answer.xml', '102');
      const busyCaller = await phone('caller_long.xml', '101', '102');
      await vi.waitFor(
        () =>
          expect(
            pbx()
              .calls.live(l.tenantId)
              .some((c) => c.state === 'answered'),
          ).toBe(true),
        { timeout: 10_000 },
      );
      await expectOk(await phone('caller_486.xml', '100', '101'));
      expect(await lastRecord()).toMatchObject({ disposition: 'busy', calleeNumber: '101' });
      await expectOk(busyCaller);
      await expectOk(first);
    } finally {
      await admin.patch(`/api/lines/${l.id}`, { smartDoNotDisturb: false });
    }
  });

  it('hold: the caller re-INVITEs sendonly and gets recvonly; the callee gets no re-INVITE (our music instead)', async () => {
    await unregisterAll();
    const callee = await registeredPhone('callee_hold.xml', '101');
    const caller = await phone('caller_hold.xml', '100', '101');
    await expectOk(caller);
    await expectOk(callee);
    expect(await lastRecord()).toMatchObject({ disposition: 'answered' });
  });

  it('the callee hangs up first: the caller gets the BYE and the record says so', async () => {
    await unregisterAll();
    const callee = await registeredPhone('callee_hangs_up.xml', '101');
    const caller = await phone('caller_gets_bye.xml', '100', '101');
    await expectOk(caller);
    await expectOk(callee);
    expect(await lastRecord()).toMatchObject({ disposition: 'answered', endedBy: 'callee' });
  });

  it('unconditional forwarding sends the call to the target without ringing the line', async () => {
    await unregisterAll();
    const l = line('101');
    expect((await admin.patch(`/api/lines/${l.id}`, { forwardTo: '103' })).status).toBe(200);
    try {
      const forwarded = await registeredPhone('callee_answer.xml', '103');
      const caller = await phone('caller_answered.xml', '100', '101');
      await expectOk(caller);
      await expectOk(forwarded);
      expect(await lastRecord()).toMatchObject({ disposition: 'answered', calleeNumber: '103' });
    } finally {
      await admin.patch(`/api/lines/${l.id}`, { forwardTo: null });
    }
  });

  it('a callee answering with malformed Session-Expires and Supported still gets a normal call', async () => {
    await unregisterAll();
    const callee = await registeredPhone('callee_bad_headers.xml', '101');
    const caller = await phone('caller_answered.xml', '100', '101');
    await expectOk(caller);
    await expectOk(callee);
    expect(await lastRecord()).toMatchObject({ disposition: 'answered', endedBy: 'caller' });
  });

  it('a session interval below 90 s is refused 422 with Min-SE (RFC 4028)', async () => {
    await unregisterAll();
    await expectOk(await phone('caller_422.xml', '100', '101'));
  });

  it('a wrong password is challenged again and places no call', async () => {
    const run = await runSipp({
      scenario: { file: '../../pbx/scenarios/calls/caller_answered.xml' },
      transport: 'udp',
      remote: `127.0.0.1:${pbx().sipPort}`,
      inject: [
        'SEQUENTIAL',
        `100;${line('100').domain};[authentication username=100 password=wrong];101;100`,
      ],
      extra: ['-timeout', '5s'],
    });
    const r = await run.done;
    expect(r.code).not.toBe(0);
    expect(pbx().calls.size).toBe(0);
  });
});
