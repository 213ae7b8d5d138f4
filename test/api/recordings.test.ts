// The recordings API and the tenant's recording settings, without calls: recordings here are
// rows and WAV files put where the recording service puts them (test/pbx/recording.test.ts
// makes them with real calls). Bounds and errors, Range requests, another company's
// recordings, recordings still running, the retention window applied to existing ones.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byteRange } from '../../src/api/routes/recordings.ts';
import { encodeWav } from '../../src/media/audio/wav.ts';
import { recordingPath } from '../../src/pbx/recording/index.ts';
import { newId } from '../../src/store/ids.ts';
import { recordings } from '../../src/store/schema.ts';
import { addUser, type Company, signUpCompany } from '../helpers/accounts.ts';
import type { ApiClient } from '../helpers/client.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const DAY_MS = 86_400_000;
let server: TestServer;
let acme: Company;
let other: Company;
let key: string;

/** A finished (or, with `ended: false`, running) recording of the company, file included. */
async function recording(
  c: Company,
  o: { ended?: boolean; file?: boolean; caller?: string; startedAt?: Date; source?: 'line' | 'queue' } = {},
) {
  const id = newId();
  const path = recordingPath(c.tenantId, id);
  const startedAt = o.startedAt ?? new Date();
  const endedAt = new Date(startedAt.getTime() + 2000);
  // Two seconds of stereo: a ramp, so any byte range can be checked against the file.
  const samples = new Int16Array(2 * 16000).map((_, i) => i % 30000);
  const wav = encodeWav(8000, 2, samples);
  if (o.file !== false) {
    mkdirSync(join(server.config.dataDir, 'recordings', c.tenantId), { recursive: true });
    writeFileSync(join(server.config.dataDir, path), wav);
  }
  const ended = o.ended !== false;
  await server.running.store.db.insert(recordings).values({
    id,
    tenantId: c.tenantId,
    callId: newId(),
    source: o.source ?? 'line',
    path,
    callerNumber: o.caller ?? '+37120000001',
    calleeNumber: '201',
    personIds: [c.personId],
    startedAt,
    endedAt: ended ? endedAt : null,
    durationMs: ended ? 2000 : null,
    bytes: ended ? wav.length : null,
    expiresAt: ended ? new Date(endedAt.getTime() + 365 * DAY_MS) : null,
  });
  return { id, path, wav, endedAt };
}

async function audio(id: string, range?: string) {
  const res = await fetch(`${server.url}/api/recordings/${id}/audio`, {
    headers: { authorization: `Bearer ${key}`, ...(range ? { range } : {}) },
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

beforeAll(async () => {
  server = await startTestServer('pglite');
  acme = await signUpCompany(server, 'Recordings Acme');
  other = await signUpCompany(server, 'Recordings Other');
  const created = await acme.admin.post('/api/api-keys', {
    name: 'player',
    scopes: [{ resource: 'recordings', access: 'read' }],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  key = created.body.key;
}, 60_000);
afterAll(async () => server?.close());

describe('recording settings of the company', () => {
  it('keeps recordings 365 days by default, with no consent prompt', async () => {
    const t = await acme.admin.get('/api/tenant');
    expect(t.body).toMatchObject({ recordingRetentionDays: 365, recordingConsentPromptId: null });
  });

  it('takes a retention from 7 days to 10 years', async () => {
    for (const days of [6, 3651, 30.5]) {
      const res = await acme.admin.patch('/api/tenant', { recordingRetentionDays: days });
      expect(res.status, String(days)).toBe(400);
      expect(res.body.error.field).toBe('recordingRetentionDays');
    }
    for (const days of [7, 3650]) {
      const res = await acme.admin.patch('/api/tenant', { recordingRetentionDays: days });
      expect(res.status).toBe(200);
      expect(res.body.recordingRetentionDays).toBe(days);
    }
  });

  it('applies a new retention to recordings that ended, not to running ones', async () => {
    const done = await recording(acme);
    const running = await recording(acme, { ended: false });
    expect((await acme.admin.patch('/api/tenant', { recordingRetentionDays: 10 })).status).toBe(200);
    const r = (await acme.admin.get(`/api/recordings/${done.id}`)).body;
    expect(Date.parse(r.expiresAt)).toBe(done.endedAt.getTime() + 10 * DAY_MS);
    expect((await acme.admin.get(`/api/recordings/${running.id}`)).body.expiresAt).toBeNull();
    await acme.admin.patch('/api/tenant', { recordingRetentionDays: 365 });
  });

  it('takes a consent prompt from the company’s own library only', async () => {
    const prompt = await acme.admin.post('/api/prompts/tts', {
      name: 'Recording notice',
      text: 'This call may be recorded.',
      language: 'en',
    });
    expect(prompt.status).toBe(201);
    const theirs = await other.admin.post('/api/prompts/tts', {
      name: 'Theirs',
      text: 'Hello.',
      language: 'en',
    });
    expect(theirs.status).toBe(201);
    for (const id of [newId(), theirs.body.id]) {
      const res = await acme.admin.patch('/api/tenant', { recordingConsentPromptId: id });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'unknown_prompt', field: 'recordingConsentPromptId' });
    }
    const set = await acme.admin.patch('/api/tenant', { recordingConsentPromptId: prompt.body.id });
    expect(set.status).toBe(200);
    expect((await acme.admin.get('/api/tenant')).body.recordingConsentPromptId).toBe(prompt.body.id);
    const cleared = await acme.admin.patch('/api/tenant', { recordingConsentPromptId: null });
    expect(cleared.body.recordingConsentPromptId).toBeNull();
  });

  it('is for administrators to change', async () => {
    const supervisor = await addUser(server, acme, 'supervisor');
    expect((await supervisor.client.patch('/api/tenant', { recordingRetentionDays: 30 })).status).toBe(403);
  });
});

describe('/api/recordings', () => {
  let mine: Awaited<ReturnType<typeof recording>>;
  let theirs: Awaited<ReturnType<typeof recording>>;
  beforeAll(async () => {
    mine = await recording(acme, { caller: '+37129999999', source: 'queue' });
    theirs = await recording(other);
  });

  it('needs a session or a key with the recordings scope', async () => {
    expect((await server.client().get('/api/recordings')).status).toBe(401);
    const calls = await acme.admin.post('/api/api-keys', {
      name: 'calls only',
      scopes: [{ resource: 'calls', access: 'read' }],
    });
    const c = server.client();
    c.bearer = calls.body.key;
    expect((await c.get('/api/recordings')).status).toBe(403);
    const k = server.client();
    k.bearer = key;
    const list = await k.get('/api/recordings?number=29999999');
    expect(list.status).toBe(200);
    expect(list.body.items.map((r: { id: string }) => r.id)).toEqual([mine.id]);
    expect((await k.delete(`/api/recordings/${mine.id}`)).status).toBe(403);
  });

  it('says which filter is wrong', async () => {
    for (const [q, field] of [
      ['source=voicemail', 'source'],
      ['from=yesterday', 'from'],
      ['person=42', 'person'],
      ['queue=q1', 'queue'],
      ['number=abc', 'number'],
      ['cursor=bm9wZQ', 'cursor'],
      ['limit=500', 'limit'],
    ]) {
      const res = await acme.admin.get(`/api/recordings?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.field, q).toBe(field);
    }
  });

  it('filters by time and source', async () => {
    const old = await recording(acme, { startedAt: new Date(Date.now() - 10 * DAY_MS) });
    const since = new Date(Date.now() - DAY_MS).toISOString();
    const recent = await acme.admin.get(`/api/recordings?from=${since}&source=queue`);
    expect(recent.body.items.map((r: { id: string }) => r.id)).toEqual([mine.id]);
    const before = await acme.admin.get(`/api/recordings?to=${since}`);
    expect(before.body.items.map((r: { id: string }) => r.id)).toEqual([old.id]);
  });

  it('never shows another company’s recording', async () => {
    const list = await acme.admin.get('/api/recordings?limit=200');
    expect(list.body.items.map((r: { id: string }) => r.id)).not.toContain(theirs.id);
    expect((await acme.admin.get(`/api/recordings/${theirs.id}`)).status).toBe(404);
    expect((await audio(theirs.id)).status).toBe(404);
    expect((await acme.admin.delete(`/api/recordings/${theirs.id}`)).status).toBe(404);
    expect(existsSync(join(server.config.dataDir, theirs.path))).toBe(true);
  });

  it('serves the whole file, or the one byte range asked for', async () => {
    const size = mine.wav.length;
    const whole = await audio(mine.id);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(size));
    expect(whole.bytes.equals(mine.wav)).toBe(true);
    const cases: [string, number, number][] = [
      ['bytes=100-199', 100, 199],
      ['bytes=1000-', 1000, size - 1],
      ['bytes=-500', size - 500, size - 1],
      [`bytes=10-${size + 1000}`, 10, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const r = await audio(mine.id, range);
      expect(r.status, range).toBe(206);
      expect(r.headers.get('content-range'), range).toBe(`bytes ${start}-${end}/${size}`);
      expect(r.bytes.equals(mine.wav.subarray(start, end + 1)), range).toBe(true);
    }
    // Several ranges, or another unit: the whole file (RFC 9110 §14.2 lets a server ignore Range).
    for (const range of ['bytes=0-9,20-29', 'items=0-1', 'bytes=50-10']) {
      const r = await audio(mine.id, range);
      expect(r.status, range).toBe(200);
      expect(r.bytes.length).toBe(size);
    }
    const past = await audio(mine.id, `bytes=${size}-`);
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${size}`);
  });

  it('refuses to serve or delete a recording still running', async () => {
    const running = await recording(acme, { ended: false });
    expect((await audio(running.id)).status).toBe(409);
    const del = await acme.admin.delete(`/api/recordings/${running.id}`);
    expect(del.status).toBe(409);
    expect(del.body.error.code).toBe('recording_in_progress');
  });

  it('deletes a recording whose file is already gone, and audits deletions', async () => {
    const lost = await recording(acme, { file: false });
    expect((await audio(lost.id)).status).toBe(404);
    expect((await acme.admin.delete(`/api/recordings/${lost.id}`)).status).toBe(204);
    expect((await acme.admin.get(`/api/recordings/${lost.id}`)).status).toBe(404);
    const [row] = await server.running.store.db.select().from(recordings).where(eq(recordings.id, lost.id));
    expect(row).toBeUndefined();
    const log = await acme.admin.get('/api/audit-events?action=recording.delete');
    expect(log.body.items[0]).toMatchObject({ resourceId: lost.id });
  });
});

describe('byteRange', () => {
  it('reads RFC 9110 byte ranges against a size', () => {
    expect(byteRange(undefined, 100)).toBeUndefined();
    expect(byteRange('bytes=0-0', 100)).toEqual({ start: 0, end: 0 });
    expect(byteRange('bytes=99-', 100)).toEqual({ start: 99, end: 99 });
    expect(byteRange('bytes=-1000', 100)).toEqual({ start: 0, end: 99 });
    expect(byteRange('bytes=-', 100)).toBeUndefined();
    expect(() => byteRange('bytes=100-', 100)).toThrow(/100 bytes/);
    expect(() => byteRange('bytes=-0', 100)).toThrow();
  });
});
