// Voicemail with real phones: baresip 201 calls 202, which is offline and sends callers to
// voicemail when unavailable; a message is left (a 700 Hz tone for words), mailed with its MP3
// to a local SMTP server, and seen by 202's lamp (sipp subscribed to message-summary) until it
// is deleted through the API. Call flows leave messages (uploaded greeting, '#', silence, too
// short) and listen to the box with its PIN and keys sent as RFC 4733 events (`sndcode`).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeMp3 } from '../../src/media/audio/mp3.ts';
import { encodeWav } from '../../src/media/audio/wav.ts';
import type { Pbx } from '../../src/pbx/pbx.ts';
import { newId } from '../../src/store/ids.ts';
import { PASSWORD } from '../helpers/accounts.ts';
import { BARESIP_BIN, type Baresip, type BaresipEvent, startBaresip } from '../helpers/baresip.ts';
import type { ApiClient } from '../helpers/client.ts';
import { createExtensions, type Extension, extensionPhone } from '../helpers/extensions.ts';
import { type MailSink, type ReceivedMail, startMailSink } from '../helpers/mail-sink.ts';
import { startTestServer, type TestServer, tokenFromMail } from '../helpers/server.ts';
import { checkToneInSamples, toneInWav, wavSamples } from '../helpers/tone.ts';
import { sine } from '../media/rtp-peer.ts';
import { runSipp, type SippRun } from '../sip/interop/sipp.ts';

const MAILBOX = 'vm202@example.test';
const WORDS_HZ = 700;
const GREETING_HZ = 500;

let server: TestServer;
let admin: ApiClient;
let sink: MailSink;
let work = '';
let exts = new Map<string, Extension>();
let boxId = '';
let greetingFileId = '';
let mails: ReceivedMail[] = [];
const running: Baresip[] = [];

const pbx = () => server.running.pbx as Pbx;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const outgoing = (type: BaresipEvent['type']) => (e: BaresipEvent) =>
  e.type === type && e.direction === 'outgoing';
const ext = (n: string) => exts.get(n) as Extension;

async function until<T>(
  what: string,
  get: () => Promise<T | undefined> | T | undefined,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

function cookieOf(client: ApiClient): string {
  const jar = (client as unknown as { cookies: Map<string, string> }).cookies;
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** 201 as a baresip phone: sending a tone, or a WAV file (tone then silence). */
async function caller(source: { hz: number } | { wav: string }): Promise<Baresip> {
  const e = ext('201');
  const b =
    'hz' in source
      ? await extensionPhone(server, 'vm201', e, { hz: source.hz, autoAnswer: false })
      : await startBaresip({
          name: 'vm201wav',
          account: {
            user: e.username,
            password: e.password,
            domain: e.domain,
            registrar: `127.0.0.1:${pbx().sipPort}`,
          },
          wav: source.wav,
          record: true,
        });
  running.push(b);
  return b;
}

async function received(b: Baresip): Promise<string> {
  const found = (await b.recordings()).filter((r) => r.direction === 'received').at(-1);
  if (!found) throw new Error(`no received recording: ${b.logTail()}`);
  return found.path;
}

async function messages(): Promise<
  { id: string; status: string; durationMs: number; callerNumber: string }[]
> {
  const res = await admin.get(`/api/voicemail/boxes/${boxId}/messages`);
  expect(res.status).toBe(200);
  return res.body.items;
}

async function messageAudio(id: string): Promise<Buffer> {
  const res = await fetch(`${server.url}/api/voicemail/messages/${id}/audio`, {
    headers: { cookie: cookieOf(admin) },
  });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** The NOTIFYs sipp received so far, from its -trace_msg log. */
function notifies(run: SippRun): string[] {
  const log = readdirSync(run.dir).find((f) => f.endsWith('_messages.log'));
  if (!log) return [];
  return readFileSync(join(run.dir, log), 'utf8')
    .split(/\n-{10,}[^\n]*\n/)
    .filter((b) => b.includes('message received') && /\nNOTIFY \S+ SIP\/2\.0/.test(b))
    .map((b) => b.slice(b.indexOf('NOTIFY ')));
}
const voiceMessage = (n: string) => /Voice-Message: (\d+\/\d+)/.exec(n)?.[1];

/** The first attachment of a MIME mail, decoded. */
function attachment(data: string): { type: string; bytes: Buffer } {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(data)?.[1];
  if (!boundary) throw new Error('mail is not multipart');
  for (const part of data.split(`--${boundary}`)) {
    if (!/Content-Disposition: attachment/i.test(part)) continue;
    const type = /Content-Type: ([^;\r\n]+)/i.exec(part)?.[1] ?? '';
    const body = part.slice(part.search(/\r?\n\r?\n/)).replace(/\s+/g, '');
    return { type, bytes: Buffer.from(body, 'base64') };
  }
  throw new Error('mail has no attachment');
}

/** Signs a company up as accounts.ts does, with the verification mail from the SMTP server. */
async function signUpOverSmtp(): Promise<ApiClient> {
  const email = `owner-${Date.now()}@voicemail.example`;
  const c = server.client();
  const signup = await c.post('/api/signup', {
    email,
    password: PASSWORD,
    companyName: 'Voicemail Co',
    firstName: 'Olga',
    lastName: 'Owner',
    country: 'LV',
    timeZone: 'Europe/Riga',
  });
  expect(signup.status).toBe(202);
  const mail = await until('the verification mail', () => mails.find((m) => m.to.includes(email)));
  // Quoted-printable: soft line breaks and =3D undone before the link is read.
  const text = mail.data.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  expect((await c.post('/api/auth/verify-email', { token: tokenFromMail(text) })).status).toBe(200);
  expect((await c.post('/api/auth/login', { email, password: PASSWORD })).status).toBe(200);
  return c;
}

/** 600 leaves a message in 202's box, 601 listens to it; both then hang up. */
async function publishFlow(): Promise<void> {
  const node = (id: string, type: string, name: string, config: unknown) => ({ id, type, name, config });
  const nodes = [
    node('leave-entry', 'internal-number', 'Leave', { extension: '600' }),
    node('leave', 'voicemail', 'Leave a message', { mode: 'leave', boxId }),
    node('listen-entry', 'internal-number', 'Listen', { extension: '601' }),
    node('listen', 'voicemail', 'Listen', { mode: 'listen', boxId }),
    node('end', 'hangup', 'End', {}),
  ];
  const edge = (from: string, to: string) => ({ id: `${from}-${to}`, from, output: 'next', to });
  const edges = [
    edge('leave-entry', 'leave'),
    edge('leave', 'end'),
    edge('listen-entry', 'listen'),
    edge('listen', 'end'),
  ];
  const layout = Object.fromEntries(nodes.map((n, i) => [n.id, { tab: 'main', x: i * 200, y: 0 }]));
  const saved = await admin.put('/api/workspace', {
    draft: { tabs: [{ id: 'main', name: 'Main' }], nodes, edges, layout },
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  const published = await admin.post('/api/workspace/publish', { note: 'voicemail' });
  expect(published.status, JSON.stringify(published.body)).toBe(201);
}

describe.skipIf(!existsSync(BARESIP_BIN))('voicemail with real phones', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'voicemail-'));
    sink = await startMailSink();
    mails = sink.mails;
    server = await startTestServer(
      'pglite',
      {
        sipEnabled: true,
        smtpUrl: sink.url,
        mailFrom: 'PBX <pbx@switchboard.example>',
      },
      // sipp (the lamp) answers only MD5 challenges.
      { digestAlgorithms: ['MD5'] },
    );
    admin = await signUpOverSmtp();
    exts = await createExtensions(admin, ['201', '202']);
    const line = await admin.patch(`/api/lines/${ext('202').lineId}`, {
      whenUnavailable: { action: 'voicemail' },
    });
    expect(line.status, JSON.stringify(line.body)).toBe(200);
    const boxes = await admin.get(`/api/voicemail/boxes?personId=${ext('202').personId}`);
    boxId = boxes.body.items[0].id;
    const box = await admin.patch(`/api/voicemail/boxes/${boxId}`, { emails: [MAILBOX], pin: '1357' });
    expect(box.status, JSON.stringify(box.body)).toBe(200);
  }, 60_000);

  afterEach(async () => {
    await Promise.all(running.splice(0).map((b) => b.stop()));
  });
  afterAll(async () => {
    await server?.close();
    await sink?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('an unanswered call leaves a message: mailed as an MP3, on the lamp until deleted through the API', async () => {
    const lamp = await runSipp({
      scenario: { file: '../../pbx/scenarios/voicemail/mwi_watch.xml' },
      transport: 'udp',
      remote: `127.0.0.1:${pbx().sipPort}`,
      inject: [
        'SEQUENTIAL',
        `${ext('202').username};${ext('202').domain};[authentication username=${ext('202').username} password=${ext('202').password}]`,
      ],
      extra: ['-trace_msg', '-timeout', '120s'],
    });
    await until('the first NOTIFY', () => notifies(lamp).length >= 1);
    expect(voiceMessage(notifies(lamp)[0] as string)).toBe('0/0');

    const phone = await caller({ hz: WORDS_HZ });
    await phone.dial(`sip:202@${ext('201').domain}`);
    // 202 has no phone registered: voicemail answers, greets, beeps and records.
    await phone.waitFor(outgoing('established'), { timeoutMs: 15_000 });
    await delay(10_000);
    await phone.hangup();
    await phone.waitFor(outgoing('closed'));

    const [message] = await until('the message', async () => {
      const list = await messages();
      return list.length > 0 ? list : undefined;
    });
    expect(message).toMatchObject({ status: 'new', callerNumber: '201' });
    expect(message?.durationMs).toBeGreaterThan(2000);
    expect(message?.durationMs).toBeLessThan(10_000);
    const { rate, samples } = wavSamples(await messageAudio(message?.id as string));
    const tone = checkToneInSamples(samples, rate, WORDS_HZ, { skipSeconds: 0.3 });
    expect(Math.abs(tone.dominantHz - WORDS_HZ)).toBeLessThan(15);
    expect(tone.share).toBeGreaterThan(0.8);

    // The lamp lights...
    await until('the NOTIFY of the new message', () => notifies(lamp).length >= 2);
    const lit = notifies(lamp)[1] as string;
    expect(voiceMessage(lit)).toBe('1/0');
    expect(lit).toContain('Messages-Waiting: yes');

    // ...and the mail arrives with the message as an MP3 that decodes to the same words.
    const mail = await until('the mail', () => mails.find((m) => m.to.includes(MAILBOX)));
    expect(mail.data).toMatch(/^Subject: Voicemail from Ext 201 <201> \(0:0\d\)/m);
    const mp3 = attachment(mail.data);
    expect(mp3.type).toBe('audio/mpeg');
    const decoded = await decodeMp3(mp3.bytes);
    const pcm = decoded.channels[0] as Float32Array;
    expect(pcm.length / decoded.sampleRate).toBeGreaterThan((message?.durationMs as number) / 1000 - 0.1);
    const heard = checkToneInSamples(pcm, decoded.sampleRate, WORDS_HZ, { skipSeconds: 0.3 });
    expect(Math.abs(heard.dominantHz - WORDS_HZ)).toBeLessThan(15);
    expect(heard.share).toBeGreaterThan(0.8);

    // Deleted through the API: the lamp goes out, then the phone unsubscribes.
    const gone = await admin.request('DELETE', `/api/voicemail/messages/${message?.id}`);
    expect(gone.status).toBe(204);
    const r = await lamp.done;
    expect(r.errors.trim(), r.output).toBe('');
    expect(r.code, r.output).toBe(0);
    const all = notifies(lamp);
    expect(all.map(voiceMessage)).toEqual(['0/0', '1/0', '0/0', '0/0']);
    expect(all[2]).toContain('Messages-Waiting: no');
    expect(all[3]).toMatch(/Subscription-State: terminated/);
  }, 120_000);

  it('a flow leaves a message after the uploaded greeting; # ends it and the caller is told it is saved', async () => {
    const form = new FormData();
    form.set('file', new Blob([encodeWav(8000, 1, sine([GREETING_HZ], 2000, 8000))]), 'greeting.wav');
    const greeting = await admin.put(`/api/voicemail/boxes/${boxId}/greeting`, form);
    expect(greeting.status, JSON.stringify(greeting.body)).toBe(200);
    greetingFileId = greeting.body.greeting.fileId;
    await publishFlow();
    const before = (await messages()).length;

    const phone = await caller({ hz: WORDS_HZ });
    await phone.dial(`sip:600@${ext('201').domain}`);
    await phone.waitFor(outgoing('established'));
    // 2 s of greeting, the beep, about 3 s of words, then #.
    await delay(6000);
    await phone.command('sndcode', '#');
    // "Your message has been saved", then the flow hangs up.
    await phone.waitFor(outgoing('closed'), { timeoutMs: 20_000 });

    const list = await messages();
    expect(list).toHaveLength(before + 1);
    const left = list.at(-1);
    expect(left?.durationMs).toBeGreaterThan(1500);
    expect(left?.durationMs).toBeLessThan(5000);
    // The caller heard the uploaded greeting.
    const heard = await toneInWav(await received(phone), GREETING_HZ, { skipSeconds: 0.2, maxSeconds: 1.5 });
    expect(heard.share).toBeGreaterThan(0.5);
  }, 60_000);

  it('silence ends a message: the silent tail is cut and we hang up', async () => {
    // Words (a tone) for 6 s from the answer, then silence; the greeting takes ~2.5 s of it.
    const wav = join(work, 'words-then-silence.wav');
    const words = sine([WORDS_HZ], 6000, 8000);
    const pcm = new Int16Array(8000 * 30);
    pcm.set(words);
    await writeFile(wav, encodeWav(8000, 1, pcm));
    const before = (await messages()).length;
    const phone = await caller({ wav });
    await phone.dial(`sip:600@${ext('201').domain}`);
    await phone.waitFor(outgoing('established'));
    // We end the call ourselves: the caller never hangs up.
    const closed = await phone.waitFor(outgoing('closed'), { timeoutMs: 25_000 });
    expect(closed.param ?? '').not.toMatch(/end of file/);
    const list = await messages();
    expect(list).toHaveLength(before + 1);
    const left = list.at(-1);
    // Only the words are kept: 6 s minus the greeting and beep, without the 5 s of silence.
    expect(left?.durationMs).toBeGreaterThan(1500);
    expect(left?.durationMs).toBeLessThan(5000);
    const { rate, samples } = wavSamples(await messageAudio(left?.id as string));
    expect(checkToneInSamples(samples, rate, WORDS_HZ, { skipSeconds: 0.3 }).share).toBeGreaterThan(0.8);
  }, 60_000);

  it('a message under a second is not kept', async () => {
    const before = (await messages()).length;
    const phone = await caller({ hz: WORDS_HZ });
    await phone.dial(`sip:600@${ext('201').domain}`);
    await phone.waitFor(outgoing('established'));
    await delay(800);
    // The first # skips the greeting, the second ends the recording as it starts.
    await phone.command('sndcode', '#');
    await delay(300);
    await phone.command('sndcode', '#');
    await phone.waitFor(outgoing('closed'), { timeoutMs: 20_000 });
    expect(await messages()).toHaveLength(before);
  }, 60_000);

  it('three wrong PINs end the call and open nothing', async () => {
    const before = await messages();
    expect(before.length).toBeGreaterThan(0);
    const phone = await caller({ hz: 300 });
    await phone.dial(`sip:601@${ext('201').domain}`);
    await phone.waitFor(outgoing('established'));
    await delay(1000);
    for (let i = 0; i < 3; i++) {
      for (const d of '0000#') {
        await phone.command('sndcode', d);
        await delay(300);
      }
      await delay(2500);
    }
    await phone.waitFor(outgoing('closed'), { timeoutMs: 20_000 });
    expect(await messages()).toEqual(before);
  }, 60_000);

  it('listens with the PIN (a wrong one first): hears the message, it becomes saved, 7 deletes it, 0 records a greeting', async () => {
    const list = await messages();
    expect(list.length).toBeGreaterThan(0);
    // One message to hear: the others go.
    for (const m of list.slice(0, -1)) await admin.request('DELETE', `/api/voicemail/messages/${m.id}`);
    const target = list.at(-1) as { id: string; status: string };
    await admin.patch(`/api/voicemail/messages/${target.id}`, { status: 'new' });

    const phone = await caller({ hz: 300 });
    await phone.dial(`sip:601@${ext('201').domain}`);
    await phone.waitFor(outgoing('established'));
    await delay(1000);
    const keys = async (digits: string) => {
      for (const d of digits) {
        await phone.command('sndcode', d);
        await delay(400);
      }
    };
    await keys('2468#');
    await delay(2500);
    await keys('1357#');
    // The summary, the heading, the message: once heard it is saved.
    await until(
      'the message to be heard',
      async () => (await messages()).find((m) => m.id === target.id && m.status === 'saved'),
      30_000,
    );
    await delay(500);
    await keys('7');
    await until('the message to be deleted', async () =>
      (await messages()).every((m) => m.id !== target.id) ? true : undefined,
    );
    // No more messages: 0 records a new greeting (the phone's 300 Hz), # ends it.
    await keys('0');
    await delay(8000);
    await keys('#');
    const box = await until('the new greeting', async () => {
      const b = (await admin.get(`/api/voicemail/boxes/${boxId}`)).body;
      return b.greeting.kind === 'file' && b.greeting.fileId !== greetingFileId ? b : undefined;
    });
    expect(box.messages).toEqual({ new: 0, saved: 0 });
    await delay(1500);
    await keys('*');
    await phone.waitFor(outgoing('closed'), { timeoutMs: 20_000 });
    // The caller heard the message's words.
    const rec = await received(phone);
    expect((await toneInWav(rec, WORDS_HZ, { skipSeconds: 0.5 })).share).toBeGreaterThan(0.1);
    // The greeting is what the phone sent.
    const res = await fetch(`${server.url}/api/voicemail/boxes/${boxId}/greeting`, {
      headers: { cookie: cookieOf(admin) },
    });
    expect(res.status).toBe(200);
    const { rate, samples } = wavSamples(Buffer.from(await res.arrayBuffer()));
    expect(samples.length / rate).toBeGreaterThan(1);
    expect(checkToneInSamples(samples, rate, 300, { skipSeconds: 0.3 }).share).toBeGreaterThan(0.8);
  }, 90_000);

  it("the voicemail code (*97) from the owner's own phone opens the box after its PIN", async () => {
    // A message left earlier (written as the PBX writes one).
    const store = pbx().voicemail.store;
    const id = newId();
    const tenantId = (await admin.get('/api/tenant')).body.id;
    const key = store.messageKey(tenantId, id);
    await mkdir(dirname(store.absolute(key)), { recursive: true });
    const wav = encodeWav(8000, 1, sine([WORDS_HZ], 2000, 8000));
    await writeFile(store.absolute(key), wav);
    await store.addMessage({
      id,
      tenantId,
      boxId,
      callId: null,
      callerNumber: '201',
      callerName: null,
      durationMs: 2000,
      path: key,
      bytes: wav.length,
    });
    const owner = await extensionPhone(server, 'vm202', ext('202'), { hz: 300, autoAnswer: false });
    running.push(owner);
    try {
      await owner.dial(`sip:*97@${ext('202').domain}`);
      await owner.waitFor(outgoing('established'));
      await delay(1000);
      for (const d of '1357#') {
        await owner.command('sndcode', d);
        await delay(400);
      }
      await until(
        'the message to be heard',
        async () => (await messages()).find((m) => m.id === id && m.status === 'saved'),
        30_000,
      );
      await owner.command('sndcode', '*');
      await owner.waitFor(outgoing('closed'), { timeoutMs: 20_000 });
    } finally {
      pbx().location.removeAll(ext('202').lineId);
    }
  }, 60_000);
});
