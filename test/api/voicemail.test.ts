// Voicemail boxes and messages through the API: a box for every person and queue, the PIN
// kept only as a hash, greetings (TTS, uploads checked like prompts), messages listed,
// played, marked saved and deleted; an agent sees only their own box, another company none.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/media/audio/wav.ts';
import { verifyPin } from '../../src/pbx/voicemail/pin.ts';
import { VoicemailStore } from '../../src/pbx/voicemail/store.ts';
import { newId } from '../../src/store/ids.ts';
import { files, voicemailBoxes } from '../../src/store/schema.ts';
import { addUser, type Company, signUpCompany } from '../helpers/accounts.ts';
import type { ApiClient } from '../helpers/client.ts';
import { databases, startTestServer, type TestServer } from '../helpers/server.ts';
import { sine } from '../media/rtp-peer.ts';

const toneWav = (hz: number, ms: number) => encodeWav(8000, 1, sine([hz], ms, 8000));

function cookieOf(client: ApiClient): string {
  const jar = (client as unknown as { cookies: Map<string, string> }).cookies;
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

function upload(file: Buffer, filename = 'greeting.wav') {
  const form = new FormData();
  form.set('file', new Blob([file]), filename);
  return form;
}

describe.each(databases())('voicemail API on %s', (db) => {
  let server: TestServer;
  let acme: Company;
  let other: Company;
  let agent: Awaited<ReturnType<typeof addUser>>;
  let supervisor: Awaited<ReturnType<typeof addUser>>;
  let store: VoicemailStore;

  beforeAll(async () => {
    server = await startTestServer(db);
    acme = await signUpCompany(server, 'Acme Voicemail');
    other = await signUpCompany(server, 'Other Voicemail');
    agent = await addUser(server, acme, 'agent');
    supervisor = await addUser(server, acme, 'supervisor');
    store = new VoicemailStore(server.running.store.db, server.config.dataDir);
  });
  afterAll(() => server?.close());

  const boxOf = async (c: ApiClient, personId: string) => {
    const res = await c.get(`/api/voicemail/boxes?personId=${personId}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.items).toHaveLength(1);
    return res.body.items[0];
  };

  /** A message left in a box, as the PBX stores one: a row and its WAV under DATA_DIR. */
  async function leaveMessage(boxId: string, caller: string, hz = 700) {
    const id = newId();
    const path = store.messageKey(acme.tenantId, id);
    const wav = toneWav(hz, 1500);
    await mkdir(dirname(store.absolute(path)), { recursive: true });
    await writeFile(store.absolute(path), wav);
    return store.addMessage({
      id,
      tenantId: acme.tenantId,
      boxId,
      callId: null,
      callerNumber: caller,
      callerName: null,
      durationMs: 1500,
      path,
      bytes: wav.length,
    });
  }

  it('lists a box for every person, each with the defaults and no PIN', async () => {
    const res = await acme.admin.get('/api/voicemail/boxes');
    expect(res.status).toBe(200);
    const owners = res.body.items.map((b: { owner: { personId: string } }) => b.owner.personId);
    expect(owners).toEqual(expect.arrayContaining([acme.personId, agent.personId, supervisor.personId]));
    expect(res.body.items[0]).toMatchObject({
      hasPin: false,
      greeting: { kind: 'default' },
      maxMessageSeconds: 120,
      emails: [],
      attachAudio: true,
      messages: { new: 0, saved: 0 },
    });
    expect(res.body.items[0].owner.kind).toBe('person');
  });

  it('sets a PIN that is kept only as a hash and refuses one that is not 4 to 10 digits', async () => {
    const box = await boxOf(acme.admin, acme.personId);
    const bad = await acme.admin.patch(`/api/voicemail/boxes/${box.id}`, { pin: '12a4' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('pin');
    const short = await acme.admin.patch(`/api/voicemail/boxes/${box.id}`, { pin: '123' });
    expect(short.status).toBe(400);
    const ok = await acme.admin.patch(`/api/voicemail/boxes/${box.id}`, { pin: '4321' });
    expect(ok.status).toBe(200);
    expect(ok.body.hasPin).toBe(true);
    expect(JSON.stringify(ok.body)).not.toContain('4321');
    expect(ok.body).not.toHaveProperty('pinHash');
    const [row] = await server.running.store.db
      .select()
      .from(voicemailBoxes)
      .where(eq(voicemailBoxes.id, box.id));
    expect(row?.pinHash).toMatch(/^scrypt\$/);
    expect(await verifyPin('4321', row?.pinHash as string)).toBe(true);
    expect(await verifyPin('1234', row?.pinHash as string)).toBe(false);
    const removed = await acme.admin.patch(`/api/voicemail/boxes/${box.id}`, { pin: null });
    expect(removed.body.hasPin).toBe(false);
  });

  it('changes the length limit, the mail delivery and a TTS greeting, with errors at the field', async () => {
    const box = await boxOf(acme.admin, acme.personId);
    const tooLong = await acme.admin.patch(`/api/voicemail/boxes/${box.id}`, { maxMessageSeconds: 3600 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.field).toBe('maxMessageSeconds');
    const badMail = await acme.admin.patch(`/api/voicemail/boxes/${box.id}`, { emails: ['not-mail'] });
    expect(badMail.status).toBe(400);
    expect(badMail.body.error.field).toBe('emails.0');
    const unknown = await acme.admin.patch(`/api/voicemail/boxes/${box.id}`, {
      greeting: { kind: 'tts', text: 'Hi', language: 'xx-nope' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.field).toBe('greeting.language');
    const ok = await acme.admin.patch(`/api/voicemail/boxes/${box.id}`, {
      maxMessageSeconds: 60,
      emails: ['Olga@Example.com'],
      attachAudio: false,
      greeting: { kind: 'tts', text: 'Olga is away. Speak after the tone.', language: 'en' },
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({
      maxMessageSeconds: 60,
      emails: ['olga@example.com'],
      attachAudio: false,
      greeting: { kind: 'tts', text: 'Olga is away. Speak after the tone.', language: 'en', voice: null },
    });
  });

  it('takes an uploaded greeting checked as prompts are, and drops the one it replaces', async () => {
    const box = await boxOf(acme.admin, acme.personId);
    const pdf = await acme.admin.put(
      `/api/voicemail/boxes/${box.id}/greeting`,
      upload(Buffer.from('%PDF-1.4 no audio'), 'x.wav'),
    );
    expect(pdf.status).toBe(415);
    expect(pdf.body.error.code).toBe('unsupported_file_type');
    const first = await acme.admin.put(`/api/voicemail/boxes/${box.id}/greeting`, upload(toneWav(500, 2000)));
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.greeting.kind).toBe('file');
    const second = await acme.admin.put(
      `/api/voicemail/boxes/${box.id}/greeting`,
      upload(toneWav(600, 2000)),
    );
    expect(second.status).toBe(200);
    expect(second.body.greeting.fileId).not.toBe(first.body.greeting.fileId);
    const db = server.running.store.db;
    expect(await db.select().from(files).where(eq(files.id, first.body.greeting.fileId))).toHaveLength(0);
    expect(await db.select().from(files).where(eq(files.id, second.body.greeting.fileId))).toHaveLength(1);
    // Back to the spoken default: the uploaded file goes too.
    const reset = await acme.admin.patch(`/api/voicemail/boxes/${box.id}`, { greeting: { kind: 'default' } });
    expect(reset.body.greeting).toEqual({ kind: 'default' });
    expect(await db.select().from(files).where(eq(files.id, second.body.greeting.fileId))).toHaveLength(0);
  });

  it('lists, plays, marks saved and deletes messages', async () => {
    const box = await boxOf(acme.admin, acme.personId);
    const first = await leaveMessage(box.id, '+37120000001', 700);
    const second = await leaveMessage(box.id, '201', 900);
    const all = await acme.admin.get(`/api/voicemail/boxes/${box.id}/messages`);
    expect(all.body.items.map((m: { id: string }) => m.id)).toEqual([first.id, second.id]);
    expect(all.body.items[0]).toMatchObject({
      callerNumber: '+37120000001',
      status: 'new',
      durationMs: 1500,
      audioUrl: `/api/voicemail/messages/${first.id}/audio`,
    });
    expect((await boxOf(acme.admin, acme.personId)).messages).toEqual({ new: 2, saved: 0 });

    const audio = await fetch(`${server.url}/api/voicemail/messages/${first.id}/audio`, {
      headers: { cookie: cookieOf(acme.admin) },
    });
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await audio.arrayBuffer()).equals(toneWav(700, 1500))).toBe(true);

    const saved = await acme.admin.patch(`/api/voicemail/messages/${first.id}`, { status: 'saved' });
    expect(saved.status).toBe(200);
    expect(saved.body.status).toBe('saved');
    const fresh = await acme.admin.get(`/api/voicemail/boxes/${box.id}/messages?status=new`);
    expect(fresh.body.items.map((m: { id: string }) => m.id)).toEqual([second.id]);
    expect((await boxOf(acme.admin, acme.personId)).messages).toEqual({ new: 1, saved: 1 });

    const gone = await acme.admin.request('DELETE', `/api/voicemail/messages/${first.id}`);
    expect(gone.status).toBe(204);
    expect(existsSync(store.absolute(first.path))).toBe(false);
    expect((await acme.admin.get(`/api/voicemail/messages/${first.id}`)).status).toBe(404);
    expect((await acme.admin.request('DELETE', `/api/voicemail/messages/${first.id}`)).status).toBe(404);
    expect((await boxOf(acme.admin, acme.personId)).messages).toEqual({ new: 1, saved: 0 });
  });

  it("shows an agent only their own box and messages; supervisors see everyone's", async () => {
    const own = await agent.client.get('/api/voicemail/boxes');
    expect(own.status).toBe(200);
    expect(own.body.items).toHaveLength(1);
    expect(own.body.items[0].owner.personId).toBe(agent.personId);
    const ownerBox = await boxOf(acme.admin, acme.personId);
    expect((await agent.client.get(`/api/voicemail/boxes/${ownerBox.id}`)).status).toBe(404);
    expect((await agent.client.get(`/api/voicemail/boxes/${ownerBox.id}/messages`)).status).toBe(404);
    expect((await agent.client.patch(`/api/voicemail/boxes/${ownerBox.id}`, { pin: '1111' })).status).toBe(
      404,
    );
    const msg = await leaveMessage(ownerBox.id, '555');
    expect((await agent.client.get(`/api/voicemail/messages/${msg.id}`)).status).toBe(404);
    expect((await agent.client.request('DELETE', `/api/voicemail/messages/${msg.id}`)).status).toBe(404);
    // Their own box they manage.
    const pin = await agent.client.patch(`/api/voicemail/boxes/${own.body.items[0].id}`, { pin: '2468' });
    expect(pin.status).toBe(200);
    expect(pin.body.hasPin).toBe(true);

    const all = await supervisor.client.get('/api/voicemail/boxes');
    expect(all.body.items.length).toBeGreaterThanOrEqual(3);
    expect((await supervisor.client.get(`/api/voicemail/messages/${msg.id}`)).status).toBe(200);
  });

  it("removes a deleted person's messages and greeting from disk with the box", async () => {
    const leaving = await acme.admin.post('/api/people', { firstName: 'Lea', lastName: 'Ving' });
    expect(leaving.status).toBe(201);
    const box = await boxOf(acme.admin, leaving.body.id);
    const message = await leaveMessage(box.id, '+37120000009');
    const greeting = await acme.admin.put(
      `/api/voicemail/boxes/${box.id}/greeting`,
      upload(toneWav(500, 1000)),
    );
    expect(greeting.status).toBe(200);
    const db = server.running.store.db;
    const [greetingFile] = await db.select().from(files).where(eq(files.id, greeting.body.greeting.fileId));
    expect(greetingFile).toBeDefined();
    expect(existsSync(store.absolute(message.path))).toBe(true);

    expect((await acme.admin.delete(`/api/people/${leaving.body.id}`)).status).toBe(204);
    expect(existsSync(store.absolute(message.path))).toBe(false);
    expect(await db.select().from(files).where(eq(files.id, greeting.body.greeting.fileId))).toHaveLength(0);
    expect((await acme.admin.get(`/api/voicemail/boxes/${box.id}`)).status).toBe(404);
  });

  it("never shows another company's boxes or messages", async () => {
    const box = await boxOf(acme.admin, acme.personId);
    const msg = await leaveMessage(box.id, '777');
    const list = await other.admin.get('/api/voicemail/boxes');
    expect(list.body.items.map((b: { id: string }) => b.id)).not.toContain(box.id);
    expect((await other.admin.get(`/api/voicemail/boxes/${box.id}`)).status).toBe(404);
    expect((await other.admin.patch(`/api/voicemail/boxes/${box.id}`, { pin: '9999' })).status).toBe(404);
    expect((await other.admin.get(`/api/voicemail/messages/${msg.id}/audio`)).status).toBe(404);
    expect((await other.admin.request('DELETE', `/api/voicemail/messages/${msg.id}`)).status).toBe(404);
  });
});
