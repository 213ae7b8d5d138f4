// Supervisor spy with real phones: agent 201 (600 Hz) is in a call with customer 202
// (1000 Hz); supervisor 203 (1400 Hz), who supervises 201's team, dials 4#201 (listen),
// 5#201 (whisper) or 6#201 (barge). Who hears whom is read from each phone's recording of
// what it received: the supervisor hears both; the agent hears the supervisor in whisper and
// barge; the customer only in barge. When the supervisor leaves, the two are bridged again;
// when the call ends, the supervisor is hung up. Someone supervising another team is refused.
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Company, signUpCompany } from '../helpers/accounts.ts';
import { BARESIP_BIN, type Baresip, type BaresipEvent } from '../helpers/baresip.ts';
import { createExtensions, type Extension, extensionPhone } from '../helpers/extensions.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { analyseWav, describeTone, toneInWav } from '../helpers/tone.ts';

const AGENT_HZ = 600;
const CUSTOMER_HZ = 1000;
const SUPERVISOR_HZ = 1400;

let server: TestServer;
let company: Company;
let exts = new Map<string, Extension>();
const running: Baresip[] = [];

const pbx = () => {
  const p = server?.running.pbx;
  if (!p) throw new Error('SIP is not running');
  return p;
};
const ext = (e: string) => exts.get(e) as Extension;
const uri = (dialled: string) => `sip:${encodeURIComponent(dialled)}@${ext('201').domain}`;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const call = (type: BaresipEvent['type'], direction: 'incoming' | 'outgoing') => (e: BaresipEvent) =>
  e.type === type && e.direction === direction;

async function phone(e: string, hz: number, autoAnswer: boolean): Promise<Baresip> {
  const b = await extensionPhone(server, `spy${e}`, ext(e), { hz, autoAnswer });
  running.push(b);
  return b;
}

/** Waits until `cond` holds; throws `what` if it does not within 10 s. */
async function until(what: string, cond: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`still waiting: ${what}`);
    await delay(50);
  }
}

/** The WAV of what the phone received in its one call. */
async function heard(b: Baresip): Promise<string> {
  const recs = await b.recordings();
  const r = recs.find((x) => x.direction === 'received');
  if (!r) throw new Error(`${b.name} recorded nothing received: ${b.logTail()}`);
  return r.path;
}

/** Share of the energy at `hz` in a recording (0..1). */
async function share(path: string, hz: number, opts: { lastSeconds?: number } = {}): Promise<number> {
  let skipSeconds = 0.5;
  if (opts.lastSeconds !== undefined) {
    const whole = await analyseWav(path, { skipSeconds: 0 });
    skipSeconds = Math.max(0, whole.seconds - opts.lastSeconds);
  }
  return (await toneInWav(path, hz, { skipSeconds })).share;
}

/**
 * Agent and customer talk; the supervisor dials `code` + 201 and stays a few seconds; then the
 * supervisor hangs up (and the call goes on a little) or the agent ends the call.
 */
async function spy(
  code: string,
  o: { agentCalls: boolean; end: 'supervisor leaves' | 'agent hangs up' },
): Promise<{ agent: Baresip; customer: Baresip; supervisor: Baresip; closedBy?: string }> {
  const agent = await phone('201', AGENT_HZ, !o.agentCalls);
  const customer = await phone('202', CUSTOMER_HZ, o.agentCalls);
  const supervisor = await phone('203', SUPERVISOR_HZ, false);
  const [from, to, toExt] = o.agentCalls ? [agent, customer, '202'] : [customer, agent, '201'];
  await from.dial(uri(toExt));
  await to.waitFor(call('established', 'incoming'));
  await from.waitFor(call('established', 'outgoing'));
  await delay(1000);

  await supervisor.dial(uri(`${code}201`));
  await supervisor.waitFor(call('established', 'outgoing'));
  await until('the supervisor joined the call', () => pbx().features.spy.active.size === 1);
  await delay(3000); // let the mixed audio flow; nothing below depends on how long exactly

  if (o.end === 'supervisor leaves') {
    await supervisor.hangup();
    await supervisor.waitFor(call('closed', 'outgoing'));
    await until('the call is bridged again', () => pbx().features.spy.active.size === 0);
    await delay(1500);
    await from.hangup();
  } else {
    await agent.hangup();
  }
  await from.waitFor(call('closed', 'outgoing'));
  await to.waitFor(call('closed', 'incoming'));
  const closed = await supervisor.waitFor(call('closed', 'outgoing'));
  await until('no call is left', () => pbx().calls.size === 0);
  expect(pbx().features.spy.active.size).toBe(0);
  return { agent, customer, supervisor, closedBy: closed.param };
}

describe.skipIf(!existsSync(BARESIP_BIN))('supervisor spy between baresip phones', () => {
  beforeAll(async () => {
    server = await startTestServer('pglite', { sipEnabled: true }, { digestAlgorithms: ['MD5'] });
    company = await signUpCompany(server);
    const { admin } = company;
    exts = await createExtensions(admin, ['201', '202', '203', '204']);
    // 203 supervises the team of agent 201; 204 supervises another team, of 202 only.
    const floor = await admin.post('/api/teams', { name: 'Floor' });
    expect(floor.status).toBe(201);
    for (const [e, role] of [
      ['201', 'agent'],
      ['203', 'supervisor'],
    ] as const)
      expect(
        (await admin.put(`/api/teams/${floor.body.id}/members/${ext(e).personId}`, { role })).status,
      ).toBe(200);
    const other = await admin.post('/api/teams', { name: 'Back office' });
    await admin.put(`/api/teams/${other.body.id}/members/${ext('202').personId}`, { role: 'agent' });
    await admin.put(`/api/teams/${other.body.id}/members/${ext('204').personId}`, { role: 'supervisor' });
  }, 60_000);

  afterEach(async () => {
    await Promise.all(running.splice(0).map((b) => b.stop()));
    for (const e of exts.values()) server?.running.pbx?.location.removeAll(e.lineId);
  });
  afterAll(async () => server?.close());

  it('listen (4#): the supervisor hears agent and customer; neither hears the supervisor; the bridge comes back', async () => {
    const { agent, customer, supervisor } = await spy('4#', {
      agentCalls: true,
      end: 'supervisor leaves',
    });
    const sup = await heard(supervisor);
    expect(await share(sup, AGENT_HZ), describeTone(await toneInWav(sup, AGENT_HZ))).toBeGreaterThan(0.2);
    expect(await share(sup, CUSTOMER_HZ)).toBeGreaterThan(0.2);
    expect(await share(sup, SUPERVISOR_HZ)).toBeLessThan(0.01);

    const agentHeard = await heard(agent);
    const customerHeard = await heard(customer);
    expect(await share(agentHeard, SUPERVISOR_HZ)).toBeLessThan(0.01);
    expect(await share(customerHeard, SUPERVISOR_HZ)).toBeLessThan(0.01);
    // After the supervisor left, agent and customer hear each other again.
    expect(await share(agentHeard, CUSTOMER_HZ, { lastSeconds: 1 })).toBeGreaterThan(0.9);
    expect(await share(customerHeard, AGENT_HZ, { lastSeconds: 1 })).toBeGreaterThan(0.9);
  });

  it('whisper (5#) on an agent who answered: only the agent hears the supervisor', async () => {
    const { agent, customer, supervisor } = await spy('5#', {
      agentCalls: false,
      end: 'supervisor leaves',
    });
    const sup = await heard(supervisor);
    expect(await share(sup, AGENT_HZ)).toBeGreaterThan(0.2);
    expect(await share(sup, CUSTOMER_HZ)).toBeGreaterThan(0.2);

    const agentHeard = await heard(agent);
    const customerHeard = await heard(customer);
    expect(
      await share(agentHeard, SUPERVISOR_HZ),
      describeTone(await toneInWav(agentHeard, SUPERVISOR_HZ)),
    ).toBeGreaterThan(0.15);
    expect(await share(agentHeard, CUSTOMER_HZ)).toBeGreaterThan(0.3);
    expect(await share(customerHeard, SUPERVISOR_HZ)).toBeLessThan(0.01);
    expect(await share(agentHeard, CUSTOMER_HZ, { lastSeconds: 1 })).toBeGreaterThan(0.9);
    expect(await share(customerHeard, AGENT_HZ, { lastSeconds: 1 })).toBeGreaterThan(0.9);
  });

  it('whisper (5#) on an agent who called: only the agent hears the supervisor', async () => {
    const { agent, customer } = await spy('5#', { agentCalls: true, end: 'supervisor leaves' });
    expect(await share(await heard(agent), SUPERVISOR_HZ)).toBeGreaterThan(0.15);
    expect(await share(await heard(customer), SUPERVISOR_HZ)).toBeLessThan(0.01);
  });

  it('barge (6#): both hear the supervisor; when the agent hangs up, the supervisor is hung up too', async () => {
    const { agent, customer, supervisor } = await spy('6#', { agentCalls: true, end: 'agent hangs up' });
    const agentHeard = await heard(agent);
    const customerHeard = await heard(customer);
    expect(await share(agentHeard, SUPERVISOR_HZ)).toBeGreaterThan(0.15);
    expect(await share(customerHeard, SUPERVISOR_HZ)).toBeGreaterThan(0.15);
    expect(await share(agentHeard, CUSTOMER_HZ)).toBeGreaterThan(0.3);
    expect(await share(customerHeard, AGENT_HZ)).toBeGreaterThan(0.3);
    const sup = await heard(supervisor);
    expect(await share(sup, AGENT_HZ)).toBeGreaterThan(0.2);
    expect(await share(sup, CUSTOMER_HZ)).toBeGreaterThan(0.2);
  });

  it('keys switch the mode: barge (6#), then 4 turns it into listen and the customer no longer hears the supervisor', async () => {
    const agent = await phone('201', AGENT_HZ, false);
    const customer = await phone('202', CUSTOMER_HZ, true);
    const supervisor = await phone('203', SUPERVISOR_HZ, false);
    await agent.dial(uri('202'));
    await customer.waitFor(call('established', 'incoming'));
    await agent.waitFor(call('established', 'outgoing'));
    await supervisor.dial(uri('6#201'));
    await supervisor.waitFor(call('established', 'outgoing'));
    await until('the supervisor joined the call', () => pbx().features.spy.active.size === 1);
    await delay(2500);
    // baresip sends the key as RFC 4733 telephone-event.
    await supervisor.command('sndcode', '4');
    await delay(3000);
    await agent.hangup();
    await supervisor.waitFor(call('closed', 'outgoing'));
    await customer.waitFor(call('closed', 'incoming'));

    const customerHeard = await heard(customer);
    // The barge was heard; the end of the call, in listen mode, has none of it.
    expect(await share(customerHeard, SUPERVISOR_HZ)).toBeGreaterThan(0.15);
    expect(await share(customerHeard, SUPERVISOR_HZ, { lastSeconds: 1.5 })).toBeLessThan(0.01);
    expect(await share(customerHeard, AGENT_HZ, { lastSeconds: 1.5 })).toBeGreaterThan(0.9);
    const sup = await heard(supervisor);
    expect(await share(sup, CUSTOMER_HZ, { lastSeconds: 1.5 })).toBeGreaterThan(0.2);
  });

  it('a supervisor of another team gets 403, and the call goes on untouched', async () => {
    const agent = await phone('201', AGENT_HZ, false);
    const customer = await phone('202', CUSTOMER_HZ, true);
    const outsider = await phone('204', SUPERVISOR_HZ, false);
    await agent.dial(uri('202'));
    await customer.waitFor(call('established', 'incoming'));
    await agent.waitFor(call('established', 'outgoing'));

    await outsider.dial(uri('4#201'));
    const refused = await outsider.waitFor(call('closed', 'outgoing'));
    expect(refused.param).toMatch(/^403/);
    expect(outsider.events.some((e) => e.type === 'established')).toBe(false);
    expect(pbx().features.spy.active.size).toBe(0);
    expect(pbx().calls.size).toBe(1);

    await agent.hangup();
    await customer.waitFor(call('closed', 'incoming'));
  });

  it('an administrator may listen to anyone; nobody in a call is 404', async () => {
    const { admin, personId } = company;
    expect((await admin.patch(`/api/people/${personId}`, { extension: '205' })).status).toBe(200);
    const line = await admin.post(`/api/people/${personId}/line`, {});
    expect(line.status).toBe(201);
    exts.set('205', {
      personId,
      lineId: line.body.id,
      username: line.body.sipUsername,
      password: line.body.sipPassword,
      domain: line.body.sipDomain,
    });
    const boss = await phone('205', 1800, false);

    let since = boss.mark();
    await boss.dial(uri('4#201'));
    expect((await boss.waitFor(call('closed', 'outgoing'), { since })).param).toMatch(/^404 Not in a call/);

    const agent = await phone('201', AGENT_HZ, false);
    const customer = await phone('202', CUSTOMER_HZ, true);
    await agent.dial(uri('202'));
    await customer.waitFor(call('established', 'incoming'));
    await agent.waitFor(call('established', 'outgoing'));
    since = boss.mark();
    await boss.dial(uri('4#201'));
    await boss.waitFor(call('established', 'outgoing'), { since });
    await until('the administrator joined the call', () => pbx().features.spy.active.size === 1);
    await delay(2000);
    await agent.hangup();
    await boss.waitFor(call('closed', 'outgoing'), { since });
    const bossHeard = await heard(boss);
    expect(await share(bossHeard, AGENT_HZ)).toBeGreaterThan(0.2);
    expect(await share(bossHeard, CUSTOMER_HZ)).toBeGreaterThan(0.2);
  });
});
