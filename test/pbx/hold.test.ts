// Hold through the real server, sipp as the phones: whichever form the hold takes (sendonly
// in test/pbx/calls.test.ts; here a=inactive, and c=0.0.0.0 of RFC 2543), Switchboard
// answers it itself, the other phone gets no re-INVITE, and our music goes to that phone
// until the holder resumes. (Music heard by a real phone: test/interop/baresip-transfer.)
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signUpCompany } from '../helpers/accounts.ts';
import { createLine, type Line } from '../helpers/lines.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { registeredPhone, sippOk } from '../helpers/sipp-phones.ts';
import { runSipp } from '../sip/interop/sipp.ts';

let server: TestServer;
const lines = new Map<string, Line>();

beforeAll(async () => {
  server = await startTestServer('pglite', { sipEnabled: true }, { digestAlgorithms: ['MD5'] });
  const company = await signUpCompany(server);
  for (const ext of ['100', '101']) {
    const p = await company.admin.post('/api/people', { firstName: 'Ext', lastName: ext, extension: ext });
    expect(p.status).toBe(201);
    lines.set(
      ext,
      await createLine(server, {
        tenantId: company.tenantId,
        personId: p.body.id,
        username: ext,
        password: 'line-password-1',
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

/** 100 calls 101 with a caller scenario of test/pbx/scenarios/transfer. */
function holdingCaller(scenario: string) {
  const l = lines.get('100') as Line;
  return runSipp({
    scenario: { file: `../../pbx/scenarios/transfer/${scenario}` },
    transport: 'udp',
    remote: `127.0.0.1:${pbx().sipPort}`,
    inject: [
      'SEQUENTIAL',
      `${l.username};${l.domain};[authentication username=${l.username} password=${l.password}];101`,
    ],
  });
}

/** RTP packets we have sent to the held phone (the held sipp sends none, nor does the holder). */
async function sentToCallee(): Promise<number> {
  const [call] = pbx().calls.calls((lines.get('100') as Line).tenantId);
  const callee = call?.sides.callee;
  return callee ? (await pbx().media.stats(callee)).packetsSent : 0;
}

describe('hold answered by Switchboard', () => {
  for (const [form, scenario] of [
    ['a=inactive', 'caller_holds_inactive.xml'],
    ['c=0.0.0.0', 'caller_holds_null_address.xml'],
  ] as const) {
    it(`${form}: answered as hold, resumed; the callee gets no re-INVITE, and our music while held`, async () => {
      for (const l of lines.values()) pbx().location.removeAll(l.id);
      const callee = await registeredPhone(server, 'callee_hold.xml', lines.get('101') as Line);
      const caller = await holdingCaller(scenario);
      // Neither phone sends audio: whatever reaches the callee is our music.
      await vi.waitFor(async () => expect(await sentToCallee()).toBeGreaterThan(0), { timeout: 10_000 });
      await sippOk(caller);
      await sippOk(callee);
    });
  }
});
