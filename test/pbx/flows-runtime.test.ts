// Call flows on live calls, with sipp as the carrier (127.0.0.3) and as the phones: the nodes
// the baresip test (test/interop/baresip-flows.test.ts) does not reach. Calls from the phone
// network enter at numbers; schedules open and close, a lookup names the caller and a rewrite
// changes the number the next phone shows, forwards leave through the trunk or to a SIP URI
// that asks for a password, a recording lands on disk, a mail in the outbox, a returning
// caller reaches the line they last spoke to, and a caller who hangs up mid-menu leaves
// nothing behind. The flow is drawn and published through the API, as an administrator would.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeWav } from '../../src/media/audio/wav.ts';
import type { PbxEvent } from '../../src/pbx/events.ts';
import { signInOperator, signUpCompany } from '../helpers/accounts.ts';
import type { ApiClient } from '../helpers/client.ts';
import type { Line } from '../helpers/lines.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { receivedRequest, sipPort, sippOk } from '../helpers/sipp-phones.ts';
import { runSipp, type SippRun } from '../sip/interop/sipp.ts';

type FlowEvent = Extract<PbxEvent, { type: 'flow' }>;

const CARRIER = '127.0.0.3';
const ZONE = 'Europe/Riga';
/** Our numbers: the ones with an entry object in the flow, and one routed straight to a line. */
const N = {
  entry: '+37167100001',
  direct: '+37167100002',
  closed: '+37167100003',
  open: '+37167100004',
  lookup: '+37167100005',
  forwardPhone: '+37167100006',
  forwardSip: '+37167100007',
  record: '+37167100008',
  email: '+37167100009',
  history: '+37167100010',
  menu: '+37167100011',
  greeting: '+37167100012',
} as const;
const FORWARDED_TO = '+37120000055';
const MAILBOX = 'callbacks@flows.example';

let server: TestServer;
let admin: ApiClient;
let operator: ApiClient;
let tenantId = '';
let trunkId = '';
const lines: Record<string, Line> = {};
const flowEvents: FlowEvent[] = [];
let lookupServer: Server;
let lookupUrl = '';
const lookupRequests: string[] = [];

const pbx = () => {
  const p = server.running.pbx;
  if (!p) throw new Error('SIP is not running');
  return p;
};
const line = (ext: string) => lines[ext] as Line;

/** Today's and tomorrow's date in the schedule's zone: a holiday on both closes it now. */
function localDates(): string[] {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const now = Date.now();
  return [f.format(now), f.format(now + 86_400_000)];
}

interface FlowOptions {
  /** Where the forward-sip node sends calls, and the password it answers a challenge with. */
  sipUri: string;
  sipPassword: string;
  /** How long forward-phone lets the number ring. */
  phoneTimeoutSec: number;
}
const defaults: FlowOptions = {
  sipUri: 'sip:provider@127.0.0.1:5999',
  sipPassword: 'flow-secret',
  phoneTimeoutSec: 20,
};

/** The tenant's call flow: one entry number per behaviour under test. */
function workspace(o: FlowOptions) {
  const node = (id: string, type: string, name: string, config: unknown = {}) => ({ id, type, name, config });
  const tts = (text: string) => ({ kind: 'tts', text, language: 'en' });
  const entry = (id: string, number: string) => node(id, 'number', `Number ${number}`, { number });
  const ringLine = (id: string, ext: string) =>
    node(id, 'ring', `Ring ${ext}`, { targets: [{ kind: 'line', id: line(ext).id }], timeoutSec: 20 });
  const allWeek = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' }];
  const nodes = [
    entry('in-entry', N.entry),
    ringLine('ring103', '103'),
    entry('in-closed', N.closed),
    node('holiday', 'schedule', 'Holiday today', {
      timezone: ZONE,
      weekly: allWeek,
      holidays: localDates().map((date) => ({ date, name: 'Test day' })),
    }),
    node('closed-msg', 'play', 'Closed message', { prompt: tts('We are closed today.') }),
    entry('in-open', N.open),
    node('always', 'schedule', 'Always open', { timezone: ZONE, weekly: allWeek }),
    ringLine('ring101', '101'),
    entry('in-lookup', N.lookup),
    node('lookup', 'lookup', 'CRM name', { url: `${lookupUrl}?number={{caller.number}}`, timeoutSec: 3 }),
    node('rewrite', 'rewrite', 'International 00', { removePrefix: '+', addPrefix: '00' }),
    entry('in-fwd-phone', N.forwardPhone),
    node('fwd-phone', 'forward-phone', 'To the mobile', {
      number: FORWARDED_TO,
      timeoutSec: o.phoneTimeoutSec,
    }),
    node('fwd-failed', 'play', 'Forward failed', { prompt: tts('The number is busy.') }),
    entry('in-fwd-sip', N.forwardSip),
    node('fwd-sip', 'forward-sip', 'To the provider', {
      uri: o.sipUri,
      username: 'flowuser',
      password: o.sipPassword,
      timeoutSec: 20,
    }),
    entry('in-record', N.record),
    node('rec', 'record', 'Record', { action: 'start' }),
    node('ring101rec', 'ring', 'Ring 101 recorded', {
      targets: [{ kind: 'line', id: line('101').id }],
      timeoutSec: 20,
    }),
    entry('in-email', N.email),
    node('mail', 'email', 'Tell the team', {
      to: [MAILBOX],
      subject: 'Call from {{caller.number}} to {{called}}',
      body: '{{caller.name}} <{{caller.number}}> called {{called}} ({{node.name}}).',
    }),
    node('thanks', 'play', 'Thanks', { prompt: tts('Thank you. We will call you back.') }),
    entry('in-history', N.history),
    node('history', 'history', 'Last agent', { withinHours: 24, timeoutSec: 20 }),
    entry('in-menu', N.menu),
    node('menu', 'menu', 'Main menu', {
      prompt: tts('Welcome. For sales press one. Please hold on while we tell you about our offers.'),
      keys: ['1'],
      timeoutSec: 20,
      retries: 0,
    }),
    entry('in-greeting', N.greeting),
    // Long and heard nowhere else, so it is synthesised for this call (not cached).
    node('greeting', 'play', 'Greeting', {
      prompt: tts(
        'Good day and thank you for calling the flows runtime test line. This greeting is long on purpose, so that speaking it takes a while to prepare.',
      ),
    }),
    node('sorry', 'play', 'Sorry', { prompt: tts('Sorry, goodbye.') }),
    node('end', 'hangup', 'End'),
  ];
  const edge = (from: string, output: string, to: string) => ({ id: `${from}-${output}`, from, output, to });
  const edges = [
    edge('in-entry', 'next', 'ring103'),
    edge('ring103', 'answered', 'end'),
    edge('ring103', 'no-answer', 'sorry'),
    edge('ring103', 'busy', 'sorry'),
    edge('in-closed', 'next', 'holiday'),
    edge('holiday', 'open', 'ring101'),
    edge('holiday', 'closed', 'closed-msg'),
    edge('closed-msg', 'next', 'end'),
    edge('in-open', 'next', 'always'),
    edge('always', 'open', 'ring101'),
    edge('always', 'closed', 'closed-msg'),
    edge('ring101', 'answered', 'end'),
    edge('ring101', 'no-answer', 'sorry'),
    edge('ring101', 'busy', 'sorry'),
    edge('in-lookup', 'next', 'lookup'),
    edge('lookup', 'found', 'rewrite'),
    edge('lookup', 'not-found', 'rewrite'),
    edge('rewrite', 'next', 'ring101'),
    edge('in-fwd-phone', 'next', 'fwd-phone'),
    edge('fwd-phone', 'answered', 'end'),
    edge('fwd-phone', 'failed', 'fwd-failed'),
    edge('fwd-failed', 'next', 'end'),
    edge('in-fwd-sip', 'next', 'fwd-sip'),
    edge('fwd-sip', 'answered', 'end'),
    edge('fwd-sip', 'failed', 'sorry'),
    edge('in-record', 'next', 'rec'),
    edge('rec', 'next', 'ring101rec'),
    edge('ring101rec', 'answered', 'end'),
    edge('ring101rec', 'no-answer', 'sorry'),
    edge('ring101rec', 'busy', 'sorry'),
    edge('in-email', 'next', 'mail'),
    edge('mail', 'next', 'thanks'),
    edge('thanks', 'next', 'end'),
    edge('in-history', 'next', 'history'),
    edge('history', 'answered', 'end'),
    edge('history', 'no-answer', 'sorry'),
    edge('history', 'not-found', 'sorry'),
    edge('in-menu', 'next', 'menu'),
    edge('menu', '1', 'ring101'),
    edge('menu', 'timeout', 'sorry'),
    edge('menu', 'invalid', 'sorry'),
    edge('in-greeting', 'next', 'greeting'),
    edge('greeting', 'next', 'end'),
    edge('sorry', 'next', 'end'),
  ];
  const layout = Object.fromEntries(
    nodes.map((n, i) => [n.id, { tab: 'main', x: (i % 8) * 200, y: Math.floor(i / 8) * 150 }]),
  );
  return { tabs: [{ id: 'main', name: 'Main' }], nodes, edges, layout };
}

async function publish(changes: Partial<FlowOptions> = {}): Promise<void> {
  const o = { ...defaults, ...changes };
  const saved = await admin.put('/api/workspace', { draft: workspace(o) });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  const published = await admin.post('/api/workspace/publish', { note: o.sipUri });
  expect(published.status, JSON.stringify(published.body)).toBe(201);
}

/** The carrier calling `number` from `from`, as a sipp UAC on the carrier's address. */
function carrierCall(scenario: string, number: string, from: string): Promise<SippRun> {
  const path = scenario.includes('/') ? scenario : `../../pbx/scenarios/flows/${scenario}`;
  return runSipp({
    scenario: { file: path },
    transport: 'udp',
    remote: `127.0.0.1:${sipPort(server)}`,
    localIp: CARRIER,
    inject: ['SEQUENTIAL', `${number.slice(1)};${from.slice(1)}`],
    extra: ['-trace_msg'],
  });
}
const carrierInbound = '../../pbx/scenarios/calls/carrier_inbound.xml';

/** A phone of `line` played by a sipp UAS, registered by a second sipp with its address. */
async function phoneOf(ext: string, scenario: string): Promise<SippRun> {
  const l = line(ext);
  const path = scenario.includes('/') ? scenario : `../../pbx/scenarios/flows/${scenario}`;
  const run = await runSipp({ scenario: { file: path }, transport: 'udp', extra: ['-trace_msg'] });
  const reg = await runSipp({
    scenario: { file: '../../pbx/scenarios/calls/register_contact.xml' },
    transport: 'udp',
    remote: `127.0.0.1:${sipPort(server)}`,
    inject: [
      'SEQUENTIAL',
      `${l.username};${l.domain};[authentication username=${l.username} password=${l.password}];${run.port}`,
    ],
  });
  await sippOk(reg);
  return run;
}
const calleeAnswers = '../../pbx/scenarios/calls/callee_answer.xml';

/** The carrier's network as a sipp UAS on 127.0.0.3, with the trunk pointed at it. */
async function carrierNetwork(scenario: string): Promise<SippRun> {
  const run = await runSipp({
    scenario: { file: `../../pbx/scenarios/calls/${scenario}` },
    transport: 'udp',
    localIp: CARRIER,
    extra: ['-trace_msg'],
  });
  expect((await operator.patch(`/api/operator/trunks/${trunkId}`, { port: run.port })).status).toBe(200);
  return run;
}

/** The trace of the next call through the flow, once it is over. */
async function flowRun(seen: number): Promise<FlowEvent> {
  await vi.waitFor(() => expect(flowEvents.length).toBeGreaterThan(seen), { timeout: 15_000, interval: 50 });
  return flowEvents[seen] as FlowEvent;
}
const path = (run: FlowEvent) => run.steps.map((s) => [s.nodeId, s.output]);

async function lastRecord() {
  await pbx().cdrs.flush();
  const list = await admin.get('/api/calls?limit=1');
  expect(list.status).toBe(200);
  return list.body.items[0];
}

/** Every call over: none left in the engine, none holding media. */
async function noCallsLeft() {
  await vi.waitFor(
    () => {
      expect(pbx().calls.size).toBe(0);
      expect(pbx().calls.endpoints()).toEqual([]);
    },
    { timeout: 10_000, interval: 50 },
  );
}

beforeAll(async () => {
  lookupServer = createServer((req, res) => {
    lookupRequests.push(req.url ?? '');
    res.setHeader('content-type', 'text/plain');
    res.end('Anna Berzina\n');
  });
  await new Promise<void>((r) => lookupServer.listen(0, '127.0.0.1', r));
  lookupUrl = `http://127.0.0.1:${(lookupServer.address() as AddressInfo).port}/caller-name`;

  // sipp answers only MD5 challenges; the lookup server is on loopback.
  server = await startTestServer(
    'pglite',
    { sipEnabled: true, flowHttpAllowPrivate: true },
    { digestAlgorithms: ['MD5'] },
  );
  pbx().events.on((e) => {
    if (e.type === 'flow') flowEvents.push(e);
  });
  operator = await signInOperator(server);
  const trunk = await operator.post('/api/operator/trunks', {
    name: 'carrier',
    host: CARRIER,
    port: 5060,
    transport: 'udp',
    inboundAddresses: [`${CARRIER}/32`],
  });
  expect(trunk.status, JSON.stringify(trunk.body)).toBe(201);
  trunkId = trunk.body.id;
  const numbers = Object.values(N);
  const added = await operator.post('/api/operator/numbers', {
    numbers: numbers.map((e164) => ({ e164, country: 'LV', areaCode: '67', type: 'local', trunkId })),
  });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  const company = await signUpCompany(server);
  admin = company.admin;
  tenantId = company.tenantId;
  const numberIds: Record<string, string> = {};
  for (const e164 of numbers) {
    const bought = await admin.post('/api/numbers', { e164 });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    numberIds[e164] = bought.body.id;
  }
  for (const ext of ['101', '102', '103']) {
    const person = await admin.post('/api/people', { firstName: 'Ext', lastName: ext, extension: ext });
    expect(person.status).toBe(201);
    const created = await admin.post(`/api/people/${person.body.id}/line`, {
      password: `password-of-${ext}`,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    lines[ext] = {
      id: created.body.id,
      tenantId,
      username: created.body.sipUsername,
      password: created.body.sipPassword,
      domain: created.body.sipDomain,
    };
  }
  // Both numbers have a direct line; only the first has an entry object in the flow.
  for (const [e164, ext] of [
    [N.entry, '101'],
    [N.direct, '102'],
  ] as const) {
    const routed = await admin.patch(`/api/numbers/${numberIds[e164]}`, {
      destination: { lineId: line(ext).id },
    });
    expect(routed.status, JSON.stringify(routed.body)).toBe(200);
  }
  await publish();
}, 90_000);

afterEach(async () => {
  for (const l of Object.values(lines)) server?.running.pbx?.location.removeAll(l.id);
});
afterAll(async () => {
  await server?.close();
  lookupServer?.close();
});

describe('entering the flow', () => {
  it('a carrier call to a number with an entry object follows the flow, not the number’s direct line', async () => {
    const seen = flowEvents.length;
    const ringed = await phoneOf('103', calleeAnswers);
    await sippOk(await carrierCall(carrierInbound, N.entry, '+37120000011'));
    await sippOk(ringed);
    const run = await flowRun(seen);
    expect(path(run)).toEqual([
      ['in-entry', 'next'],
      ['ring103', 'answered'],
      ['end', undefined],
    ]);
    expect(run.end.reason).toBe('answered');
    expect(receivedRequest(ringed, 'INVITE')).toMatch(/^From: "Outside Caller" <sip:\+37120000011@/m);
    expect(await lastRecord()).toMatchObject({
      direction: 'inbound',
      callerNumber: '+37120000011',
      calleeLineId: line('103').id,
      disposition: 'answered',
      trunkId,
    });
  });

  it('a number with no entry object keeps its direct routing: its line rings, no flow runs', async () => {
    const seen = flowEvents.length;
    const ringed = await phoneOf('102', calleeAnswers);
    await sippOk(await carrierCall(carrierInbound, N.direct, '+37120000012'));
    await sippOk(ringed);
    expect(await lastRecord()).toMatchObject({
      direction: 'inbound',
      callerNumber: '+37120000012',
      calleeLineId: line('102').id,
      disposition: 'answered',
    });
    await noCallsLeft();
    expect(flowEvents.length).toBe(seen);
  });
});

describe('schedule', () => {
  it('closed on a holiday (today in its time zone): the caller is answered, hears the message and gets our BYE', async () => {
    const seen = flowEvents.length;
    await sippOk(await carrierCall('carrier_gets_bye.xml', N.closed, '+37120000021'));
    const run = await flowRun(seen);
    expect(path(run)).toEqual([
      ['in-closed', 'next'],
      ['holiday', 'closed'],
      ['closed-msg', 'next'],
      ['end', undefined],
    ]);
    expect(run.steps[1]?.detail).toMatch(/closed \(holiday Test day\)/);
    expect(run.end.reason).toBe('hangup');
    expect(await lastRecord()).toMatchObject({ disposition: 'answered', endedBy: 'system' });
  });

  it('open all week: the call rings the line', async () => {
    const seen = flowEvents.length;
    const ringed = await phoneOf('101', calleeAnswers);
    await sippOk(await carrierCall(carrierInbound, N.open, '+37120000022'));
    await sippOk(ringed);
    const run = await flowRun(seen);
    expect(path(run)).toEqual([
      ['in-open', 'next'],
      ['always', 'open'],
      ['ring101', 'answered'],
      ['end', undefined],
    ]);
  });
});

describe('lookup and rewrite', () => {
  it('the phone rung next shows the looked-up name and the rewritten number', async () => {
    const seen = flowEvents.length;
    const before = lookupRequests.length;
    const ringed = await phoneOf('101', calleeAnswers);
    await sippOk(await carrierCall(carrierInbound, N.lookup, '+37120000031'));
    await sippOk(ringed);
    // The lookup asked for this caller's number (URL-encoded in the template).
    expect(lookupRequests.slice(before)).toEqual(['/caller-name?number=%2B37120000031']);
    expect(receivedRequest(ringed, 'INVITE')).toMatch(/^From: "Anna Berzina" <sip:0037120000031@/m);
    const run = await flowRun(seen);
    expect(path(run)).toEqual([
      ['in-lookup', 'next'],
      ['lookup', 'found'],
      ['rewrite', 'next'],
      ['ring101', 'answered'],
      ['end', undefined],
    ]);
  });
});

describe('forward-phone', () => {
  it('answered: the call leaves through the trunk with the caller’s number, and the two talk', async () => {
    const seen = flowEvents.length;
    const network = await carrierNetwork('carrier_answer.xml');
    await sippOk(await carrierCall(carrierInbound, N.forwardPhone, '+37120000041'));
    await sippOk(network);
    const invite = receivedRequest(network, 'INVITE');
    expect(invite).toMatch(
      new RegExp(`^INVITE sip:\\+37120000055@${CARRIER.replace(/\./g, '\\.')}:\\d+ SIP/2\\.0`),
    );
    expect(invite).toMatch(/^From: "Outside Caller" <sip:\+37120000041@/m);
    const run = await flowRun(seen);
    expect(path(run)).toEqual([
      ['in-fwd-phone', 'next'],
      ['fwd-phone', 'answered'],
      ['end', undefined],
    ]);
    expect(run.end.reason).toBe('answered');
    // The forwarded call no longer counts against the tenant's concurrent external calls.
    await noCallsLeft();
    expect(pbx().calls.guard.active(tenantId)).toBe(0);
  });

  it('refused (486 from the carrier): the failed branch plays its message and hangs up', async () => {
    const seen = flowEvents.length;
    const network = await carrierNetwork('callee_busy.xml');
    await sippOk(await carrierCall('carrier_gets_bye.xml', N.forwardPhone, '+37120000042'));
    await sippOk(network);
    const run = await flowRun(seen);
    expect(path(run)).toEqual([
      ['in-fwd-phone', 'next'],
      ['fwd-phone', 'failed'],
      ['fwd-failed', 'next'],
      ['end', undefined],
    ]);
    expect(run.steps[1]?.detail).toMatch(/busy/);
    expect(run.end.reason).toBe('hangup');
    await noCallsLeft();
    expect(pbx().calls.guard.active(tenantId)).toBe(0);
  });

  it('unanswered within its time: the ringing number is cancelled and the failed branch runs', async () => {
    await publish({ phoneTimeoutSec: 5 });
    try {
      const seen = flowEvents.length;
      // The carrier's number rings and expects CANCEL.
      const network = await carrierNetwork('callee_ring.xml');
      await sippOk(await carrierCall('carrier_gets_bye.xml', N.forwardPhone, '+37120000043'));
      await sippOk(network);
      const run = await flowRun(seen);
      expect(path(run)).toEqual([
        ['in-fwd-phone', 'next'],
        ['fwd-phone', 'failed'],
        ['fwd-failed', 'next'],
        ['end', undefined],
      ]);
      expect(run.steps[1]?.detail).toMatch(/no-answer/);
      await noCallsLeft();
      expect(pbx().calls.guard.active(tenantId)).toBe(0);
    } finally {
      await publish();
    }
  });
});

describe('forward-sip', () => {
  /** sipp as a SIP provider that challenges with 401 and checks the answer (verifyauth). */
  const provider = () =>
    runSipp({
      scenario: { file: '../../pbx/scenarios/flows/provider_digest.xml' },
      transport: 'udp',
      extra: ['-trace_msg'],
    });

  it('a provider that challenges with 401 gets the node’s digest credentials and answers', async () => {
    const uas = await provider();
    await publish({ sipUri: `sip:provider@127.0.0.1:${uas.port}` });
    try {
      const seen = flowEvents.length;
      await sippOk(await carrierCall(carrierInbound, N.forwardSip, '+37120000051'));
      await sippOk(uas);
      const invites = receivedRequests(uas, 'INVITE');
      expect(invites).toHaveLength(2);
      expect(invites[0]).not.toMatch(/^Authorization:/m);
      expect(invites[1]).toMatch(/^Authorization: Digest .*username="flowuser"/m);
      expect(invites[1]).toMatch(/^Authorization: Digest .*realm="provider\.test"/m);
      expect(invites[1]).toMatch(/^From: "Outside Caller" <sip:\+37120000051@/m);
      const run = await flowRun(seen);
      expect(path(run)).toEqual([
        ['in-fwd-sip', 'next'],
        ['fwd-sip', 'answered'],
        ['end', undefined],
      ]);
    } finally {
      await publish();
    }
  });

  it('a wrong password is refused by the provider: the failed branch runs', async () => {
    const uas = await provider();
    await publish({ sipUri: `sip:provider@127.0.0.1:${uas.port}`, sipPassword: 'not-the-secret' });
    try {
      const seen = flowEvents.length;
      await sippOk(await carrierCall('carrier_gets_bye.xml', N.forwardSip, '+37120000052'));
      await sippOk(uas);
      const run = await flowRun(seen);
      expect(path(run)).toEqual([
        ['in-fwd-sip', 'next'],
        ['fwd-sip', 'failed'],
        ['sorry', 'next'],
        ['end', undefined],
      ]);
    } finally {
      await publish();
    }
  });
});

describe('record', () => {
  const dir = () => join(server.config.dataDir, 'recordings', tenantId);
  const files = () => (existsSync(dir()) ? readdirSync(dir()) : []);

  /** One recorded call from the carrier to 101; the recording once it is complete. */
  async function recordedCall(caller: string, callerFile: string, agentFile: string) {
    const before = files();
    const seen = flowEvents.length;
    const agent = await phoneOf('101', agentFile);
    await sippOk(await carrierCall(callerFile, N.record, caller));
    await sippOk(agent);
    const run = await flowRun(seen);
    expect(path(run)).toEqual([
      ['in-record', 'next'],
      ['rec', 'next'],
      ['ring101rec', 'answered'],
      ['end', undefined],
    ]);
    // Complete once its header carries the data length, which is written when it closes.
    let file = '';
    await vi.waitFor(
      () => {
        const added = files().filter((f) => !before.includes(f));
        expect(added).toHaveLength(1);
        file = join(dir(), added[0] as string);
        expect(readFileSync(file).readUInt32LE(40)).toBeGreaterThan(0);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(file).toMatch(/\.wav$/);
    return decodeWav(readFileSync(file));
  }

  it('the recording is a stereo WAV under the tenant’s recordings: the caller on the left', async () => {
    // The caller sends sipp's A-law sample; the agent answers and says nothing.
    const wav = await recordedCall('+37120000061', 'carrier_talks.xml', calleeAnswers);
    expect(wav.sampleRate).toBe(8000);
    expect(wav.channels).toHaveLength(2);
    const [left, right] = wav.channels.map(rms);
    expect(left).toBeGreaterThan(0.01);
    expect(right).toBeLessThan(0.001);
  });

  it('… and the agent on the right', async () => {
    const wav = await recordedCall('+37120000062', 'carrier_listens.xml', 'callee_talks.xml');
    expect(wav.channels).toHaveLength(2);
    const [left, right] = wav.channels.map(rms);
    expect(left).toBeLessThan(0.001);
    expect(right).toBeGreaterThan(0.01);
  });
});

describe('email', () => {
  it('the mail is in the outbox with the subject and body filled in for this call', async () => {
    const seen = flowEvents.length;
    await sippOk(await carrierCall('carrier_gets_bye.xml', N.email, '+37120000071'));
    const run = await flowRun(seen);
    expect(path(run)).toEqual([
      ['in-email', 'next'],
      ['mail', 'next'],
      ['thanks', 'next'],
      ['end', undefined],
    ]);
    let mail = { subject: '', text: '' };
    await vi.waitFor(
      async () => {
        mail = await server.lastMailTo(MAILBOX);
        expect(mail.subject).toContain('+37120000071');
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(mail.subject).toBe(`Call from +37120000071 to ${N.email}`);
    expect(mail.text).toBe(`Outside Caller <+37120000071> called ${N.email} (Tell the team).`);
  });
});

describe('history', () => {
  it('a caller who last spoke to a line is put through to that line again', async () => {
    const caller = '+37120000081';
    // First an answered call to the number routed straight to 102.
    const first = await phoneOf('102', calleeAnswers);
    await sippOk(await carrierCall(carrierInbound, N.direct, caller));
    await sippOk(first);
    expect(await lastRecord()).toMatchObject({ callerNumber: caller, calleeLineId: line('102').id });
    pbx().location.removeAll(line('102').id);

    const seen = flowEvents.length;
    const again = await phoneOf('102', calleeAnswers);
    await sippOk(await carrierCall(carrierInbound, N.history, caller));
    await sippOk(again);
    const run = await flowRun(seen);
    expect(path(run)).toEqual([
      ['in-history', 'next'],
      ['history', 'answered'],
      ['end', undefined],
    ]);
    expect(await lastRecord()).toMatchObject({ callerNumber: caller, calleeLineId: line('102').id });
  });

  it('a caller with no history takes not-found', async () => {
    const seen = flowEvents.length;
    await sippOk(await carrierCall('carrier_gets_bye.xml', N.history, '+37120000082'));
    const run = await flowRun(seen);
    expect(path(run)).toEqual([
      ['in-history', 'next'],
      ['history', 'not-found'],
      ['sorry', 'next'],
      ['end', undefined],
    ]);
  });
});

describe('the caller hangs up', () => {
  it('mid-menu: the flow ends as caller-gone and no call or media is left', async () => {
    const seen = flowEvents.length;
    await sippOk(await carrierCall(carrierInbound, N.menu, '+37120000091'));
    const run = await flowRun(seen);
    expect(run.end.reason).toBe('caller-gone');
    expect(run.end.nodeId).toBe('menu');
    expect(path(run)).toEqual([['in-menu', 'next']]);
    await noCallsLeft();
    expect(await lastRecord()).toMatchObject({ callerNumber: '+37120000091', endedBy: 'caller' });
  });

  it('the moment the flow answers, while its first prompt is being prepared: the flow still ends as caller-gone', async () => {
    const seen = flowEvents.length;
    await sippOk(await carrierCall('carrier_hangs_up_at_once.xml', N.greeting, '+37120000092'));
    const run = await flowRun(seen);
    expect(run.end.reason).toBe('caller-gone');
    expect(run.end.nodeId).toBe('greeting');
    await noCallsLeft();
  });
});

/** Every request of a method sipp received, in order, from its -trace_msg log. */
function receivedRequests(run: SippRun, method: string): string[] {
  const log = readdirSync(run.dir).find((f) => f.endsWith('_messages.log'));
  if (!log) throw new Error('sipp ran without -trace_msg');
  return readFileSync(join(run.dir, log), 'utf8')
    .split(/\n-{10,}[^\n]*\n/)
    .filter((b) => b.includes('message received') && new RegExp(`\\n${method} \\S+ SIP/2\\.0`).test(b))
    .map((b) => b.slice(b.indexOf(`${method} `)));
}

function rms(x: Float32Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return Math.sqrt(sum / Math.max(1, x.length));
}
