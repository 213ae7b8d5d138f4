// Call queues on live calls with real phones: baresip agents 301-303 registered as extensions,
// baresip callers 201 and 202 dialling the flow's entry 600, which holds them in a queue set up
// through the API. Each strategy is checked by who rings, in which order, over successive
// calls; then the callback key (the caller is dialled back when an agent is free), and the
// overflow and timeout outputs of the flow's queue node.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/media/audio/wav.ts';
import type { PbxEvent, QueueEvent } from '../../src/pbx/events.ts';
import { signUpCompany } from '../helpers/accounts.ts';
import { BARESIP_BIN, type Baresip, type BaresipEvent } from '../helpers/baresip.ts';
import type { ApiClient } from '../helpers/client.ts';
import { createExtensions, type Extension, extensionPhone } from '../helpers/extensions.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { assertToneInWav, checkToneInSamples, wavSamples } from '../helpers/tone.ts';
import { sine } from '../media/rtp-peer.ts';

let server: TestServer;
let admin: ApiClient;
let exts = new Map<string, Extension>();
let musicPromptId = '';
const running: Baresip[] = [];
const flowEvents: Extract<PbxEvent, { type: 'flow' }>[] = [];
const queueEvents: QueueEvent[] = [];

const TONES: Record<string, number> = { '201': 1000, '202': 1200, '301': 500, '302': 650, '303': 850 };
const MUSIC_HZ = 800;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ext = (n: string) => exts.get(n) as Extension;
const outgoing = (type: BaresipEvent['type']) => (e: BaresipEvent) =>
  e.type === type && e.direction === 'outgoing';
const incoming = (type: BaresipEvent['type']) => (e: BaresipEvent) =>
  e.type === type && e.direction === 'incoming';

async function phone(n: string, autoAnswer: boolean): Promise<Baresip> {
  const b = await extensionPhone(server, `queue${n}`, ext(n), { hz: TONES[n] as number, autoAnswer });
  running.push(b);
  return b;
}

interface QueueSetup {
  strategy: string;
  members: { ext: string; skills?: Record<string, number>; ringTimeoutSeconds?: number }[];
  settings?: Record<string, unknown>;
  tags?: string[];
}

/** A queue made through the API, and the flow 600 → queue → an output per outcome, published. */
async function queueFlow(setup: QueueSetup): Promise<string> {
  const created = await admin.post('/api/queues', {
    name: `Q ${Date.now()} ${Math.random()}`,
    strategy: setup.strategy,
    wrapUpSeconds: 0,
    ringTimeoutSeconds: 8,
    announcePosition: false,
    announceWaitTime: false,
    musicPromptId,
    ...setup.settings,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const queueId = created.body.id as string;
  for (const m of setup.members) {
    const added = await admin.post(`/api/queues/${queueId}/members`, {
      personId: ext(m.ext).personId,
      ...(m.skills ? { skills: m.skills } : {}),
      ...(m.ringTimeoutSeconds ? { ringTimeoutSeconds: m.ringTimeoutSeconds } : {}),
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
  }
  const node = (id: string, type: string, name: string, config: unknown) => ({ id, type, name, config });
  const say = (text: string) => ({ prompt: { kind: 'tts', text, language: 'en' } });
  const nodes = [
    node('entry', 'internal-number', 'Support line', { extension: '600' }),
    node('queue', 'queue', 'Support queue', { queueId, tags: setup.tags ?? [] }),
    node('timeout', 'play', 'Timed out', say('Nobody could take your call.')),
    node('overflow', 'play', 'Full', say('All lines are busy.')),
    node('callback', 'play', 'Callback', say('We will call you back.')),
    node('end', 'hangup', 'End', {}),
  ];
  const edge = (from: string, output: string, to: string) => ({ id: `${from}-${output}`, from, output, to });
  const edges = [
    edge('entry', 'next', 'queue'),
    edge('queue', 'answered', 'end'),
    edge('queue', 'timeout', 'timeout'),
    edge('queue', 'overflow', 'overflow'),
    edge('queue', 'callback', 'callback'),
    edge('timeout', 'next', 'end'),
    edge('overflow', 'next', 'end'),
    edge('callback', 'next', 'end'),
  ];
  const layout = Object.fromEntries(nodes.map((n, i) => [n.id, { tab: 'main', x: i * 200, y: 0 }]));
  const saved = await admin.put('/api/workspace', {
    draft: { tabs: [{ id: 'main', name: 'Main' }], nodes, edges, layout },
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  const published = await admin.post('/api/workspace/publish', { note: setup.strategy });
  expect(published.status, JSON.stringify(published.body)).toBe(201);
  return queueId;
}

async function agentAction(n: string, action: 'login' | 'logout' | 'pause' | 'unpause', queueId: string) {
  const r = await admin.post(`/api/queues/agents/${ext(n).personId}/${action}`, {
    queueId,
    ...(action === 'pause' ? { reason: 'test' } : {}),
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

/** The caller dials 600; resolves with the agent whose phone rang first after `marks`. */
async function callAndSeeWhoRings(
  caller: Baresip,
  agents: Map<string, Baresip>,
): Promise<{ rang: string; marks: Map<string, number> }> {
  const marks = new Map([...agents].map(([n, b]) => [n, b.mark()]));
  await caller.dial(`sip:600@${ext('201').domain}`);
  const rang = await Promise.any(
    [...agents].map(async ([n, b]) => {
      await b.waitFor('incoming', { since: marks.get(n) as number, timeoutMs: 20_000 });
      return n;
    }),
  );
  return { rang, marks };
}

/** One call through the queue answered by whoever rings (agents answer automatically), then hung up. */
async function servedBy(caller: Baresip, agents: Map<string, Baresip>): Promise<string> {
  const callerMark = caller.mark();
  const { rang, marks } = await callAndSeeWhoRings(caller, agents);
  const agent = agents.get(rang) as Baresip;
  await agent.waitFor(incoming('established'), { since: marks.get(rang) as number });
  await delay(400);
  await caller.hangup();
  await caller.waitFor(outgoing('closed'), { since: callerMark });
  await agent.waitFor('closed', { since: marks.get(rang) as number });
  // The queue sees the call end (wrap-up 0) before the next one comes.
  await delay(300);
  return rang;
}

async function flowEnded(seen: number): Promise<Extract<PbxEvent, { type: 'flow' }>> {
  const end = Date.now() + 20_000;
  while (flowEvents.length <= seen) {
    if (Date.now() > end) throw new Error('no flow event');
    await delay(50);
  }
  return flowEvents[seen] as Extract<PbxEvent, { type: 'flow' }>;
}

async function liveState(queueId: string) {
  const r = await admin.get(`/api/queues/${queueId}/live`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

async function until<T>(
  what: string,
  f: () => Promise<T | undefined> | T | undefined,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

describe.skipIf(!existsSync(BARESIP_BIN))('call queues on live calls (baresip)', () => {
  beforeAll(async () => {
    server = await startTestServer('pglite', { sipEnabled: true }, { digestAlgorithms: ['MD5'] });
    const pbx = server.running.pbx;
    if (!pbx) throw new Error('SIP is not running');
    pbx.events.on((e) => {
      if (e.type === 'flow') flowEvents.push(e);
      if (e.type === 'queue') queueEvents.push(e);
    });
    admin = (await signUpCompany(server)).admin;
    exts = await createExtensions(admin, ['201', '202', '301', '302', '303']);
    const form = new FormData();
    form.set('name', 'Music 800 Hz');
    form.set(
      'file',
      new Blob([encodeWav(8000, 1, sine([MUSIC_HZ], 4000, 8000))], { type: 'audio/wav' }),
      'music.wav',
    );
    const uploaded = await admin.post('/api/prompts', form);
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    musicPromptId = uploaded.body.id;
  }, 60_000);

  afterEach(async () => {
    await Promise.all(running.splice(0).map((b) => b.stop()));
    for (const e of exts.values()) server?.running.pbx?.location.removeAll(e.lineId);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('round robin: each call goes to the next agent after the one offered last, across calls', async () => {
    await queueFlow({ strategy: 'round-robin', members: [{ ext: '301' }, { ext: '302' }, { ext: '303' }] });
    const caller = await phone('201', false);
    const agents = new Map([
      ['301', await phone('301', true)],
      ['302', await phone('302', true)],
      ['303', await phone('303', true)],
    ]);
    const order: string[] = [];
    for (let i = 0; i < 4; i++) order.push(await servedBy(caller, agents));
    expect(order).toEqual(['301', '302', '303', '301']);
  }, 120_000);

  it('ring all: every free agent rings at once; the first to answer takes the call, the others stop', async () => {
    await queueFlow({ strategy: 'ring-all', members: [{ ext: '301' }, { ext: '302' }] });
    const caller = await phone('201', false);
    const slow = await phone('301', false);
    const quick = await phone('302', false);
    const agents = new Map([
      ['301', slow],
      ['302', quick],
    ]);
    const { marks } = await callAndSeeWhoRings(caller, agents);
    await slow.waitFor('incoming', { since: marks.get('301') as number });
    await quick.waitFor('incoming', { since: marks.get('302') as number });
    await quick.answer();
    await quick.waitFor(incoming('established'), { since: marks.get('302') as number });
    // 301 stops ringing (CANCEL) and never talks.
    await slow.waitFor('closed', { since: marks.get('301') as number });
    expect(slow.events.slice(marks.get('301')).some(incoming('established'))).toBe(false);
    await delay(2000);
    await caller.hangup();
    await caller.waitFor(outgoing('closed'));
    // The caller heard 302, not the queue's music any more.
    await assertToneInWav(await recording(caller, 'received'), TONES['302'] as number);
  }, 60_000);

  it('longest idle: the agent available the longest rings first; a finished call sends the agent to the back', async () => {
    const queueId = await queueFlow({
      strategy: 'longest-idle',
      members: [{ ext: '301' }, { ext: '302' }, { ext: '303' }],
    });
    for (const n of ['301', '302', '303']) await agentAction(n, 'logout', queueId);
    const caller = await phone('201', false);
    const agents = new Map([
      ['301', await phone('301', true)],
      ['302', await phone('302', true)],
      ['303', await phone('303', true)],
    ]);
    // Logged in in this order: 302 has been available longest, then 303, then 301.
    for (const n of ['302', '303', '301']) {
      await agentAction(n, 'login', queueId);
      await delay(300);
    }
    const order: string[] = [];
    for (let i = 0; i < 4; i++) order.push(await servedBy(caller, agents));
    expect(order).toEqual(['302', '303', '301', '302']);
  }, 120_000);

  it('fewest calls: the agent with the fewest answered calls today rings first', async () => {
    const queueId = await queueFlow({ strategy: 'fewest-calls', members: [{ ext: '301' }, { ext: '302' }] });
    const caller = await phone('201', false);
    const agents = new Map([
      ['301', await phone('301', true)],
      ['302', await phone('302', true)],
    ]);
    await agentAction('302', 'pause', queueId);
    expect([await servedBy(caller, agents), await servedBy(caller, agents)]).toEqual(['301', '301']);
    await agentAction('302', 'unpause', queueId);
    const order: string[] = [];
    for (let i = 0; i < 3; i++) order.push(await servedBy(caller, agents));
    // 302 catches up (0 and 1 against 2), then equal counts go to the longest idle: 301.
    expect(order).toEqual(['302', '302', '301']);
    const live = await liveState(queueId);
    expect(live.agents.map((a: { callsAnswered: number }) => a.callsAnswered)).toEqual([3, 2]);
  }, 120_000);

  it('skills: the caller tagged by the flow goes to the agent with the best level in that skill', async () => {
    const queueId = await queueFlow({
      strategy: 'skills',
      tags: ['billing'],
      members: [
        { ext: '301', skills: { sales: 9 } },
        { ext: '302', skills: { billing: 3 } },
        { ext: '303', skills: { billing: 8, sales: 2 } },
      ],
    });
    const caller = await phone('201', false);
    const agents = new Map([
      ['301', await phone('301', true)],
      ['302', await phone('302', true)],
      ['303', await phone('303', true)],
    ]);
    expect(await servedBy(caller, agents)).toBe('303');
    await agentAction('303', 'pause', queueId);
    expect(await servedBy(caller, agents)).toBe('302');
    await agentAction('302', 'pause', queueId);
    // Nobody with the skill is free: the caller is not stranded, the other agent takes it.
    expect(await servedBy(caller, agents)).toBe('301');
  }, 120_000);

  it('random: only a logged-in, unpaused agent rings; after a missed ring the caller goes to the other', async () => {
    const queueId = await queueFlow({
      strategy: 'random',
      members: [{ ext: '301' }, { ext: '302' }, { ext: '303' }],
      settings: { ringTimeoutSeconds: 5 },
    });
    await agentAction('301', 'logout', queueId);
    const caller = await phone('201', false);
    const loggedOut = await phone('301', true);
    const idle = await phone('302', false);
    const other = await phone('303', false);
    const agents = new Map([
      ['302', idle],
      ['303', other],
    ]);
    const { rang, marks } = await callAndSeeWhoRings(caller, agents);
    // Whoever rang first lets it ring out; the call then goes to the other one.
    const second = rang === '302' ? '303' : '302';
    const next = agents.get(second) as Baresip;
    await next.waitFor('incoming', { since: marks.get(second) as number, timeoutMs: 15_000 });
    await next.answer();
    await next.waitFor(incoming('established'), { since: marks.get(second) as number });
    await caller.hangup();
    await caller.waitFor(outgoing('closed'));
    // The logged-out agent's phone, registered and answering automatically, never rang.
    expect(loggedOut.events.some((e) => e.type === 'incoming')).toBe(false);
  }, 60_000);

  it('live state and events: per-agent ring timeout, the call, wrap-up, and the queue recording', async () => {
    const queueId = await queueFlow({
      strategy: 'longest-idle',
      // The queue would ring each agent for a minute; 301 rings for 5 s only.
      members: [{ ext: '301', ringTimeoutSeconds: 5 }, { ext: '302' }],
      settings: { ringTimeoutSeconds: 60, wrapUpSeconds: 4, record: true },
    });
    for (const n of ['301', '302']) await agentAction(n, 'logout', queueId);
    const caller = await phone('201', false);
    const missing = await phone('301', false);
    const taking = await phone('302', false);
    for (const n of ['301', '302']) {
      await agentAction(n, 'login', queueId);
      await delay(200);
    }
    const since = queueEvents.length;
    const marks = [missing.mark(), taking.mark()] as const;
    await caller.dial(`sip:600@${ext('201').domain}`);
    await missing.waitFor('incoming', { since: marks[0] });
    const ringing = await until('the caller ringing 301 in the live state', async () => {
      const live = await liveState(queueId);
      return live.waiting[0]?.ringing.length === 1 ? live : undefined;
    });
    expect(ringing.waiting[0]).toMatchObject({ position: 1, number: '201', callback: null });
    expect(ringing.agents.map((a: { state: string }) => a.state)).toEqual(['ringing', 'available']);
    // 301's own timeout ends its ring long before the queue's minute; 302 rings next.
    await missing.waitFor('closed', { since: marks[0] });
    await taking.waitFor('incoming', { since: marks[1], timeoutMs: 15_000 });
    await taking.answer();
    await taking.waitFor(incoming('established'), { since: marks[1] });
    const talking = await liveState(queueId);
    expect(talking.waiting).toEqual([]);
    expect(talking.agents[1]).toMatchObject({ state: 'on-call', callsAnswered: 1 });
    await delay(1500);
    await caller.hangup();
    await taking.waitFor('closed', { since: marks[1] });
    const after = await until('302 in wrap-up', async () => {
      const live = await liveState(queueId);
      return live.agents[1].state === 'wrap-up' ? live : undefined;
    });
    expect(after.agents[1].wrapUpUntil).not.toBeNull();
    expect(after.serviceLevel).toMatchObject({ answered: 1 });
    expect(after.averageHandleSeconds).toBeGreaterThan(0);
    await until(
      '302 available again',
      async () => (await liveState(queueId)).agents[1].state === 'available',
    );
    const mine = queueEvents.slice(since).filter((e) => e.queueId === queueId);
    const agent302 = `person:${ext('302').personId}`;
    expect(mine.filter((e) => e.change === 'caller-ringing').map((e) => e.agentIds)).toEqual([
      [`person:${ext('301').personId}`],
      [agent302],
    ]);
    expect(
      mine.filter((e) => e.change === 'agent-state' && e.agentIds?.[0] === agent302).map((e) => e.agentState),
    ).toEqual(expect.arrayContaining(['ringing', 'on-call', 'wrap-up', 'available']));
    expect(mine.find((e) => e.change === 'caller-left')).toMatchObject({
      outcome: 'answered',
      callerNumber: '201',
    });
    // The queue records its calls: one stereo recording on record, from the queue.
    const recs = await until('the queue recording', async () => {
      const r = await admin.get(`/api/recordings?queue=${queueId}`);
      return r.status === 200 && r.body.items.length > 0 ? r.body.items : undefined;
    });
    expect(recs[0]).toMatchObject({ source: 'queue', queueId });
  }, 90_000);

  it('callback: the caller presses the key, keeps its place, and is dialled back once an agent is free', async () => {
    const queueId = await queueFlow({
      strategy: 'longest-idle',
      members: [{ ext: '301' }],
      settings: { callbackKey: '9', maxWaitSeconds: 120 },
    });
    await agentAction('301', 'pause', queueId);
    const caller = await phone('201', true);
    const agent = await phone('301', true);
    const seen = flowEvents.length;
    const since = queueEvents.length;
    await caller.dial(`sip:600@${ext('201').domain}`);
    await caller.waitFor(outgoing('established'));
    await delay(1500);
    await caller.command('sndcode', '9');
    // The flow's callback branch thanks the caller and hangs up.
    await caller.waitFor(outgoing('closed'), { timeoutMs: 20_000 });
    const run = await flowEnded(seen);
    expect(run.steps.map((s) => [s.nodeId, s.output])).toEqual([
      ['entry', 'next'],
      ['queue', 'callback'],
      ['callback', 'next'],
      ['end', undefined],
    ]);
    // The request waits in line with the number to call.
    const waiting = (await liveState(queueId)).waiting;
    expect(waiting).toEqual([
      expect.objectContaining({
        position: 1,
        number: '201',
        callback: expect.objectContaining({ number: '201' }),
      }),
    ]);
    // The agent comes back: Switchboard rings the agent first, then the caller.
    const agentMark = agent.mark();
    const callerMark = caller.mark();
    await agentAction('301', 'unpause', queueId);
    await agent.waitFor(incoming('established'), { since: agentMark, timeoutMs: 20_000 });
    await caller.waitFor(incoming('established'), { since: callerMark, timeoutMs: 30_000 });
    await delay(2500);
    await caller.hangup();
    await agent.waitFor('closed', { since: agentMark });
    await assertToneInWav(await recording(caller, 'received'), TONES['301'] as number);
    await assertToneInWav(await recording(agent, 'received'), TONES['201'] as number);
    const changes = queueEvents.slice(since).filter((e) => e.queueId === queueId);
    expect(changes.map((e) => e.change)).toEqual(
      expect.arrayContaining(['caller-joined', 'callback-requested', 'callback-dialing']),
    );
    expect((await liveState(queueId)).waiting).toEqual([]);
  }, 90_000);

  it('overflow: a caller beyond the maximum, or with nobody logged in, takes the overflow output', async () => {
    const queueId = await queueFlow({
      strategy: 'ring-all',
      members: [{ ext: '301' }],
      settings: { maxCallers: 1 },
    });
    await agentAction('301', 'pause', queueId);
    await phone('301', true);
    const first = await phone('201', false);
    const second = await phone('202', false);
    await first.dial(`sip:600@${ext('201').domain}`);
    await first.waitFor(outgoing('established'));
    await until('the first caller in line', async () => (await liveState(queueId)).waiting.length === 1);
    const seen = flowEvents.length;
    await second.dial(`sip:600@${ext('202').domain}`);
    await second.waitFor(outgoing('closed'), { timeoutMs: 20_000 });
    const full = await flowEnded(seen);
    expect(full.steps.map((s) => [s.nodeId, s.output])).toEqual([
      ['entry', 'next'],
      ['queue', 'overflow'],
      ['overflow', 'next'],
      ['end', undefined],
    ]);
    await first.hangup();
    await first.waitFor(outgoing('closed'));
    // Nobody logged in: no point waiting.
    await agentAction('301', 'logout', queueId);
    const mark = second.mark();
    await second.dial(`sip:600@${ext('202').domain}`);
    await second.waitFor(outgoing('closed'), { since: mark, timeoutMs: 20_000 });
    const empty = await flowEnded(seen + 2);
    expect(empty.steps.find((s) => s.nodeId === 'queue')?.output).toBe('overflow');
    const sl = (await liveState(queueId)).serviceLevel;
    expect(sl).toMatchObject({ overflowed: 2, abandoned: 0, abandonedShort: 1 });
  }, 90_000);

  it('timeout: a caller who must wait is told its place, hears the hold music, then takes the timeout output', async () => {
    const queueId = await queueFlow({
      strategy: 'ring-all',
      members: [{ ext: '301' }],
      settings: { maxWaitSeconds: 8, announcePosition: true },
    });
    await agentAction('301', 'pause', queueId);
    const agent = await phone('301', true);
    const caller = await phone('201', false);
    const seen = flowEvents.length;
    await caller.dial(`sip:600@${ext('201').domain}`);
    await caller.waitFor(outgoing('established'));
    await caller.waitFor(outgoing('closed'), { timeoutMs: 30_000 });
    const run = await flowEnded(seen);
    expect(run.steps.map((s) => [s.nodeId, s.output])).toEqual([
      ['entry', 'next'],
      ['queue', 'timeout'],
      ['timeout', 'next'],
      ['end', undefined],
    ]);
    expect(agent.events.some((e) => e.type === 'incoming')).toBe(false);
    // First "You are number 1 in line." (speech, not the music), then the queue's music (800 Hz).
    const { rate, samples } = wavSamples(await readFile(await recording(caller, 'received')));
    const spoken = checkToneInSamples(samples.subarray(0, rate), rate, MUSIC_HZ);
    expect(spoken.rms).toBeGreaterThan(0.003);
    expect(spoken.share).toBeLessThan(0.2);
    const music = checkToneInSamples(samples.subarray(4 * rate, 7 * rate), rate, MUSIC_HZ);
    expect(music.share).toBeGreaterThan(0.8);
    expect((await liveState(queueId)).serviceLevel).toMatchObject({ timedOut: 1, percent: 0 });
  }, 60_000);
});

async function recording(b: Baresip, direction: 'sent' | 'received'): Promise<string> {
  const recs = await b.recordings();
  const found = recs.filter((r) => r.direction === direction).at(-1);
  if (!found) throw new Error(`no ${direction} recording: ${b.logTail()}`);
  return found.path;
}
