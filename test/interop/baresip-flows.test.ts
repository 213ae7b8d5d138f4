// Call flows on live calls, with real phones: baresip 201 dials the flow's entry extension
// 500, hears the menu, presses keys (RFC 4733 from baresip's `sndcode`), and the flow rings
// baresip 202, asks a local HTTP server which branch to take, plays an uploaded prompt, or
// times out. The flow is drawn and published through the API, as an administrator would.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/media/audio/wav.ts';
import type { PbxEvent } from '../../src/pbx/events.ts';
import { signUpCompany } from '../helpers/accounts.ts';
import { BARESIP_BIN, type Baresip, type BaresipEvent } from '../helpers/baresip.ts';
import type { ApiClient } from '../helpers/client.ts';
import { createExtensions, type Extension, extensionPhone } from '../helpers/extensions.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { assertToneInWav, toneInWav } from '../helpers/tone.ts';
import { sine } from '../media/rtp-peer.ts';

let server: TestServer;
let admin: ApiClient;
let hook: Server;
let hookUrl = '';
const hookRequests: { body: string; contentType: string | undefined }[] = [];
let hookReply = '3';
let promptId = '';
let work = '';
let exts = new Map<string, Extension>();
const running: Baresip[] = [];
const flowEvents: Extract<PbxEvent, { type: 'flow' }>[] = [];

const pbx = () => {
  const p = server?.running.pbx;
  if (!p) throw new Error('SIP is not running');
  return p;
};
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const outgoing = (type: BaresipEvent['type']) => (e: BaresipEvent) =>
  e.type === type && e.direction === 'outgoing';

async function phone(ext: string, o: { hz: number; autoAnswer: boolean }): Promise<Baresip> {
  const b = await extensionPhone(server, `flow${ext}`, exts.get(ext) as Extension, o);
  running.push(b);
  return b;
}

/** A WAV file of a pure tone, 16-bit mono 8 kHz. */
const toneWav = (hz: number, ms: number) => encodeWav(8000, 1, sine([hz], ms, 8000));

/** The flow of these tests: 500 → menu; 1 rings 202, 2 asks the hook, timeout says goodbye. */
function flow(opts: { oneRings: boolean }) {
  const node = (id: string, type: string, name: string, config: unknown) => ({ id, type, name, config });
  const tts = (text: string) => ({ kind: 'tts', text, language: 'en' });
  const nodes = [
    node('entry', 'internal-number', 'Sales line', { extension: '500' }),
    node('menu', 'menu', 'Main menu', {
      prompt: tts('Press one for sales, two for the hook.'),
      keys: ['1', '2'],
      timeoutSec: 4,
      retries: 0,
    }),
    opts.oneRings
      ? node('ring', 'ring', 'Ring 202', {
          targets: [{ kind: 'person', id: (exts.get('202') as Extension).personId }],
          strategy: 'simultaneous',
          timeoutSec: 20,
        })
      : node('ring', 'hangup', 'Closed', {}),
    node('hook', 'http', 'Ask CRM', {
      method: 'POST',
      url: hookUrl,
      headers: { 'content-type': 'application/json' },
      body: '{"caller":"{{caller.number}}","called":"{{called}}"}',
      timeoutSec: 3,
    }),
    node('jingle', 'play', 'Jingle', { prompt: { kind: 'file', promptId } }),
    node('bye', 'play', 'Goodbye', { prompt: tts('Goodbye.') }),
    node('end', 'hangup', 'End', {}),
  ];
  const edge = (from: string, output: string, to: string) => ({ id: `${from}-${output}`, from, output, to });
  const edges = [
    edge('entry', 'next', 'menu'),
    edge('menu', '1', 'ring'),
    edge('menu', '2', 'hook'),
    edge('menu', 'timeout', 'bye'),
    edge('menu', 'invalid', 'bye'),
    edge('menu', 'default', 'bye'),
    edge('hook', '3', 'jingle'),
    edge('hook', 'error', 'bye'),
    edge('jingle', 'next', 'end'),
    edge('bye', 'next', 'end'),
    ...(opts.oneRings
      ? [edge('ring', 'answered', 'end'), edge('ring', 'no-answer', 'bye'), edge('ring', 'busy', 'bye')]
      : []),
  ];
  for (const out of ['1', '2', '4', '5']) edges.push(edge('hook', out, 'bye'));
  const layout = Object.fromEntries(nodes.map((n, i) => [n.id, { tab: 'main', x: i * 200, y: 0 }]));
  return { tabs: [{ id: 'main', name: 'Main' }], nodes, edges, layout };
}

async function publish(opts: { oneRings: boolean }): Promise<number> {
  const saved = await admin.put('/api/workspace', { draft: flow(opts) });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  const published = await admin.post('/api/workspace/publish', { note: JSON.stringify(opts) });
  expect(published.status, JSON.stringify(published.body)).toBe(201);
  return published.body.version;
}

async function flowEnded(callerSeen: number): Promise<Extract<PbxEvent, { type: 'flow' }>> {
  const end = Date.now() + 15_000;
  while (flowEvents.length <= callerSeen) {
    if (Date.now() > end) throw new Error('no flow event');
    await delay(50);
  }
  return flowEvents[callerSeen] as Extract<PbxEvent, { type: 'flow' }>;
}

describe.skipIf(!existsSync(BARESIP_BIN))('call flows on live calls (baresip)', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'flows-'));
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        hookRequests.push({
          body: Buffer.concat(chunks).toString('utf8'),
          contentType: req.headers['content-type'],
        });
        res.end(hookReply);
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/route`;
    server = await startTestServer(
      'pglite',
      { sipEnabled: true, flowHttpAllowPrivate: true },
      { digestAlgorithms: ['MD5'] },
    );
    pbx().events.on((e) => {
      if (e.type === 'flow') flowEvents.push(e);
    });
    admin = (await signUpCompany(server)).admin;
    exts = await createExtensions(admin, ['201', '202']);
    const form = new FormData();
    form.set('name', 'Jingle 800 Hz');
    form.set('file', new Blob([toneWav(800, 3000)], { type: 'audio/wav' }), 'jingle.wav');
    const uploaded = await admin.post('/api/prompts', form);
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    promptId = uploaded.body.id;
  }, 60_000);

  afterEach(async () => {
    await Promise.all(running.splice(0).map((b) => b.stop()));
    for (const e of exts.values()) server?.running.pbx?.location.removeAll(e.lineId);
  });
  afterAll(async () => {
    await server?.close();
    hook?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('pressing 1 in the menu rings 202, which answers: the caller hears 202 and the record names 202', async () => {
    await publish({ oneRings: true });
    const caller = await phone('201', { hz: 1000, autoAnswer: false });
    const agent = await phone('202', { hz: 600, autoAnswer: true });
    const seen = flowEvents.length;
    const domain = (exts.get('201') as Extension).domain;
    await caller.dial(`sip:500@${domain}`);
    // The menu answers the call itself.
    await caller.waitFor(outgoing('established'));
    await delay(1500);
    await caller.command('sndcode', '1');
    await agent.waitFor('incoming');
    await agent.waitFor((e) => e.type === 'established' && e.direction === 'incoming');
    await delay(2500);
    await caller.hangup();
    await caller.waitFor(outgoing('closed'));
    const run = await flowEnded(seen);
    expect(run.steps.map((s) => [s.nodeId, s.output])).toEqual([
      ['entry', 'next'],
      ['menu', '1'],
      ['ring', 'answered'],
      // After the conversation only nodes that need no caller run: the hang-up node ends it.
      ['end', undefined],
    ]);
    expect(run.end.reason).toBe('answered');
    await assertToneInWav(await recording(caller, 'received'), 600);
    await pbx().cdrs.flush();
    const list = await admin.get('/api/calls?limit=1');
    const cdr = list.body.items[0];
    expect(cdr).toMatchObject({ direction: 'internal', calleeLineId: (exts.get('202') as Extension).lineId });
    expect(cdr.disposition).toBe('answered');
  }, 60_000);

  it('pressing 2 posts the caller to the HTTP hook; its reply 3 plays the uploaded prompt, then the call ends', async () => {
    await publish({ oneRings: true });
    hookReply = '3';
    const caller = await phone('201', { hz: 1000, autoAnswer: false });
    const seen = flowEvents.length;
    const before = hookRequests.length;
    await caller.dial(`sip:500@${(exts.get('201') as Extension).domain}`);
    await caller.waitFor(outgoing('established'));
    await delay(1500);
    await caller.command('sndcode', '2');
    // The flow hangs up after the prompt: the caller sees the call closed by us.
    await caller.waitFor(outgoing('closed'), { timeoutMs: 20_000 });
    const run = await flowEnded(seen);
    expect(run.steps.map((s) => s.nodeId)).toEqual(['entry', 'menu', 'hook', 'jingle', 'end']);
    expect(run.end.reason).toBe('hangup');
    const sent = hookRequests[before];
    expect(sent?.contentType).toBe('application/json');
    expect(JSON.parse(sent?.body ?? '{}')).toEqual({ caller: '201', called: '500' });
    await assertToneInWav(await recording(caller, 'received'), 800);
  }, 60_000);

  it('no key: the menu times out, says goodbye and hangs up; no one is rung', async () => {
    await publish({ oneRings: true });
    const caller = await phone('201', { hz: 1000, autoAnswer: false });
    const agent = await phone('202', { hz: 600, autoAnswer: true });
    const seen = flowEvents.length;
    await caller.dial(`sip:500@${(exts.get('201') as Extension).domain}`);
    await caller.waitFor(outgoing('established'));
    await caller.waitFor(outgoing('closed'), { timeoutMs: 30_000 });
    const run = await flowEnded(seen);
    expect(run.steps.map((s) => [s.nodeId, s.output])).toEqual([
      ['entry', 'next'],
      ['menu', 'timeout'],
      ['bye', 'next'],
      ['end', undefined],
    ]);
    expect(agent.events.some((e) => e.type === 'incoming')).toBe(false);
    const rec = await recording(caller, 'received');
    // Nothing but our prompts reached the caller: no 202 tone.
    expect((await toneInWav(rec, 600)).share).toBeLessThan(0.2);
  }, 60_000);

  it('a call in progress finishes on the version it started with; the next call follows the new one', async () => {
    const first = await publish({ oneRings: true });
    const caller = await phone('201', { hz: 1000, autoAnswer: false });
    const agent = await phone('202', { hz: 600, autoAnswer: true });
    const seen = flowEvents.length;
    await caller.dial(`sip:500@${(exts.get('201') as Extension).domain}`);
    await caller.waitFor(outgoing('established'));
    // Published while the caller is in the menu: key 1 now hangs up, for new calls only.
    const second = await publish({ oneRings: false });
    expect(second).toBe(first + 1);
    await delay(500);
    await caller.command('sndcode', '1');
    await agent.waitFor((e) => e.type === 'established' && e.direction === 'incoming');
    await caller.hangup();
    const run = await flowEnded(seen);
    expect(run.version).toBe(first);
    expect(run.steps.map((s) => s.nodeId)).toEqual(['entry', 'menu', 'ring', 'end']);

    const mark = caller.mark();
    await caller.dial(`sip:500@${(exts.get('201') as Extension).domain}`);
    await caller.waitFor(outgoing('established'), { since: mark });
    await delay(1000);
    await caller.command('sndcode', '1');
    await caller.waitFor(outgoing('closed'), { since: mark, timeoutMs: 15_000 });
    const next = await flowEnded(seen + 1);
    expect(next.version).toBe(second);
    expect(next.steps.map((s) => s.nodeId)).toEqual(['entry', 'menu', 'ring']);
    expect(next.end.reason).toBe('hangup');
  }, 90_000);
});

async function recording(b: Baresip, direction: 'sent' | 'received'): Promise<string> {
  const recs = await b.recordings();
  const found = recs.filter((r) => r.direction === direction).at(-1);
  if (!found) throw new Error(`no ${direction} recording: ${b.logTail()}`);
  return found.path;
}
