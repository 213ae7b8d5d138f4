// The audio prompt library through the API: uploads checked by content before anything is
// stored, TTS prompts, the WAV each one plays, roles, tenants, and no deletion while a flow
// (the draft or the live version) still uses the prompt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, type Company, signUpCompany } from '../helpers/accounts.ts';
import { databases, startTestServer, type TestServer } from '../helpers/server.ts';

/** A 16-bit mono PCM WAV of a sine tone (16 kHz by default, so the upload is resampled). */
function toneWav(ms: number, rate = 16_000, hz = 440): Buffer {
  const n = Math.round((rate * ms) / 1000);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++)
    data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

function upload(name: string | undefined, file: Buffer | undefined, filename = 'greeting.wav') {
  const form = new FormData();
  if (name !== undefined) form.set('name', name);
  if (file) form.set('file', new Blob([file]), filename);
  return form;
}

/** number-free flow: extension 777 -> play the prompt -> hang up. */
function flowPlaying(promptId: string | null) {
  return {
    tabs: [{ id: 'main', name: 'Main' }],
    nodes: [
      { id: 'entry', type: 'internal-number', name: 'Info line', config: { extension: '777' } },
      {
        id: 'greet',
        type: 'play',
        name: 'Greeting',
        config: {
          prompt: promptId ? { kind: 'file', promptId } : { kind: 'tts', text: 'Hello', language: 'en' },
        },
      },
      { id: 'bye', type: 'hangup', name: 'Bye', config: {} },
    ],
    edges: [
      { id: 'e1', from: 'entry', output: 'next', to: 'greet' },
      { id: 'e2', from: 'greet', output: 'next', to: 'bye' },
    ],
    layout: {},
  };
}

describe.each(databases())('audio prompts on %s', (db) => {
  let server: TestServer;
  let acme: Company;
  let other: Company;
  beforeAll(async () => {
    server = await startTestServer(db, { uploadMaxBytes: 256 * 1024 });
    acme = await signUpCompany(server, 'Acme Prompts');
    other = await signUpCompany(server, 'Other Prompts');
  });
  afterAll(() => server?.close());

  it('accepts a WAV upload, keeps its 8 kHz rendering and plays it back', async () => {
    const res = await acme.admin.post('/api/prompts', upload('Welcome', toneWav(500)));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Welcome', kind: 'file', text: null, durationMs: 500 });
    expect(res.body.audioUrl).toBe(`/api/prompts/${res.body.id}/audio`);

    const audio = await fetch(`${server.url}${res.body.audioUrl}`, {
      headers: { cookie: cookieOf(acme) },
    });
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    const wav = Buffer.from(await audio.arrayBuffer());
    expect(wav.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(wav.readUInt32LE(24)).toBe(8000); // sample rate
    expect(wav.readUInt16LE(22)).toBe(1); // mono
    expect(wav.length).toBe(44 + 8000 * 2 * 0.5);

    const list = await acme.admin.get('/api/prompts');
    expect(list.body.items.map((p: { name: string }) => p.name)).toEqual(['Welcome']);
    const again = await acme.admin.post('/api/prompts', upload('Welcome', toneWav(300)));
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'prompt_name_taken', field: 'name' });
  });

  it('refuses a damaged, foreign, empty or oversized file with a clear error and stores nothing', async () => {
    const good = toneWav(400);
    // A WAV header that promises a format chunk and data the file does not have.
    const truncated = Buffer.concat([
      good.subarray(0, 12),
      Buffer.from('fmt '),
      Buffer.from([200, 0, 0, 0, 1, 0]),
    ]);
    const corrupt = await acme.admin.post('/api/prompts', upload('Broken', truncated));
    expect(corrupt.status).toBe(422);
    expect(corrupt.body.error.code).toBe('audio_corrupt');
    expect(corrupt.body.error.field).toBe('file');
    expect(corrupt.body.error.message).toMatch(/damaged|corrupt/i);

    const pdf = await acme.admin.post(
      '/api/prompts',
      upload('Pdf', Buffer.from('%PDF-1.4 not audio at all'), 'x.wav'),
    );
    expect(pdf.status).toBe(415);
    expect(pdf.body.error).toMatchObject({
      code: 'unsupported_file_type',
      message: expect.stringMatching(/WAV or MP3/),
    });

    const tooShort = await acme.admin.post('/api/prompts', upload('Blip', toneWav(20)));
    expect(tooShort.status).toBe(422);

    const missing = await acme.admin.post('/api/prompts', upload('Nothing', undefined));
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'file_required', field: 'file' });
    const noName = await acme.admin.post('/api/prompts', upload(undefined, good));
    expect(noName.status).toBe(400);
    expect(noName.body.error.field).toBe('name');

    // 256 KB is this server's upload limit: 10 s of 16 kHz audio is 320 KB.
    const big = await acme.admin.post('/api/prompts', upload('Big', toneWav(10_000)));
    expect(big.status).toBe(413);
    const json = await acme.admin.post('/api/prompts', { name: 'x' });
    expect(json.status).toBe(415);

    const names = (await acme.admin.get('/api/prompts')).body.items.map((p: { name: string }) => p.name);
    for (const refused of ['Broken', 'Pdf', 'Blip', 'Nothing', 'Big']) expect(names).not.toContain(refused);
  });

  it('creates TTS prompts in a known language and renders them as WAV', async () => {
    const langs = await acme.admin.get('/api/prompts/languages');
    expect(langs.body.languages).toEqual(expect.arrayContaining(['en-us', 'lv', 'de']));

    const res = await acme.admin.post('/api/prompts/tts', {
      name: 'Closed',
      text: 'We are closed. Please call again tomorrow.',
      language: 'en',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'tts', language: 'en', voice: null });
    expect(res.body.durationMs).toBeGreaterThan(1000);
    const audio = await acme.admin.get(`/api/prompts/${res.body.id}/audio`);
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/wav');

    const unknown = await acme.admin.post('/api/prompts/tts', {
      name: 'Klingon',
      text: 'Qapla',
      language: 'tlh',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'unknown_language', field: 'language' });
    const badVoice = await acme.admin.post('/api/prompts/tts', {
      name: 'Bad voice',
      text: 'Hi',
      language: 'en',
      voice: '../etc',
    });
    expect(badVoice.status).toBe(400);
    expect(badVoice.body.error.field).toBe('voice');
    const tooLong = await acme.admin.post('/api/prompts/tts', {
      name: 'Long',
      text: 'a'.repeat(2001),
      language: 'en',
    });
    expect(tooLong.status).toBe(400);

    const preview = await acme.admin.post('/api/prompts/preview', {
      text: 'Press one for sales.',
      language: 'en',
    });
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toBe('audio/wav');
    const longPreview = await acme.admin.post('/api/prompts/preview', {
      text: 'a'.repeat(501),
      language: 'en',
    });
    expect(longPreview.status).toBe(400);
  });

  it('lets agents list and hear prompts but not change them; another company sees none', async () => {
    const [p] = (await acme.admin.get('/api/prompts')).body.items;
    const agent = await addUser(server, acme, 'agent');
    expect((await agent.client.get('/api/prompts')).status).toBe(200);
    expect((await agent.client.get(`/api/prompts/${p.id}/audio`)).status).toBe(200);
    expect((await agent.client.post('/api/prompts', upload('Agent', toneWav(300)))).status).toBe(403);
    expect(
      (await agent.client.post('/api/prompts/tts', { name: 'A', text: 'Hi', language: 'en' })).status,
    ).toBe(403);
    expect((await agent.client.delete(`/api/prompts/${p.id}`)).status).toBe(403);
    const supervisor = await addUser(server, acme, 'supervisor');
    const sup = await supervisor.client.post('/api/prompts/tts', {
      name: 'Supervisor',
      text: 'Hi',
      language: 'en',
    });
    expect(sup.status).toBe(201);

    expect((await other.admin.get('/api/prompts')).body.items).toEqual([]);
    expect((await other.admin.get(`/api/prompts/${p.id}`)).status).toBe(404);
    expect((await other.admin.get(`/api/prompts/${p.id}/audio`)).status).toBe(404);
    expect((await other.admin.delete(`/api/prompts/${p.id}`)).status).toBe(404);
  });

  it('refuses to delete a prompt the draft or the live flow uses', async () => {
    const created = await acme.admin.post('/api/prompts', upload('Menu intro', toneWav(300)));
    const id = created.body.id as string;
    expect((await acme.admin.put('/api/workspace', { draft: flowPlaying(id) })).body.issues).toEqual([]);

    const inDraft = await acme.admin.delete(`/api/prompts/${id}`);
    expect(inDraft.status).toBe(409);
    expect(inDraft.body.error.code).toBe('prompt_in_use');
    expect(inDraft.body.error.message).toMatch(/draft \(greet\)/);

    expect((await acme.admin.post('/api/workspace/publish', {})).status).toBe(201);
    await acme.admin.put('/api/workspace', { draft: flowPlaying(null) });
    const inLive = await acme.admin.delete(`/api/prompts/${id}`);
    expect(inLive.status).toBe(409);
    expect(inLive.body.error.message).toMatch(/live version 1 \(greet\)/);
    expect(inLive.body.error.message).not.toMatch(/draft/);

    expect((await acme.admin.post('/api/workspace/publish', {})).status).toBe(201);
    expect((await acme.admin.delete(`/api/prompts/${id}`)).status).toBe(204);
    expect((await acme.admin.get(`/api/prompts/${id}`)).status).toBe(404);
    // An old version that used it no longer validates, so it cannot be rolled back to.
    const rollback = await acme.admin.post('/api/workspace/rollback', { version: 1 });
    expect(rollback.status).toBe(422);
    expect(rollback.body.issues).toContainEqual(
      expect.objectContaining({ code: 'missing-reference', nodeId: 'greet', field: 'prompt.promptId' }),
    );
  });

  it("gives an upload's file id for line announcements and keeps it while a line announces it", async () => {
    const upload1 = await acme.admin.post('/api/prompts', upload('Agent whisper', toneWav(300)));
    expect(upload1.status).toBe(201);
    const fileId = upload1.body.fileId as string;
    expect(fileId).toMatch(/^[0-9a-f-]{36}$/);
    const tts = await acme.admin.post('/api/prompts/tts', { name: 'Spoken', text: 'Hello', language: 'en' });
    expect(tts.body.fileId).toBeNull();

    const person = await acme.admin.post('/api/people', {
      firstName: 'Ann',
      lastName: 'Nouncer',
      extension: '210',
    });
    const line = await acme.admin.post(`/api/people/${person.body.id}/line`, {
      externalAnnouncementFileId: fileId,
    });
    expect(line.status).toBe(201);
    expect(line.body.externalAnnouncementFileId).toBe(fileId);

    const refused = await acme.admin.delete(`/api/prompts/${upload1.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('prompt_in_use');
    expect(refused.body.error.message).toMatch(/announcement of Ann Nouncer's line \(210\)/);
    expect((await acme.admin.get(`/api/lines/${line.body.id}`)).body.externalAnnouncementFileId).toBe(fileId);

    expect(
      (await acme.admin.patch(`/api/lines/${line.body.id}`, { externalAnnouncementFileId: null })).status,
    ).toBe(200);
    expect((await acme.admin.delete(`/api/prompts/${upload1.body.id}`)).status).toBe(204);
  });
});

/** The session cookie of a company's admin client, for a raw fetch of binary content. */
function cookieOf(company: Company): string {
  const jar = (company.admin as unknown as { cookies: Map<string, string> }).cookies;
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}
