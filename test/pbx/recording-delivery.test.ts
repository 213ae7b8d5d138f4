// Recording delivery methods end to end, with real peers on loopback: sipp as the phones,
// smtp-server as the company's mail server, pyftpdlib as its FTP and FTPS servers, OpenSSH's
// sshd as its SFTP server. A (201) records inbound internal calls and sends them by email,
// FTP (WAV) and SFTP; C (203) records nothing but names FTPS and the same FTP method: C
// calls A, and the one recording goes once to each of the four methods. Then a server that
// refuses connections (pending with the error, failed after the retry schedule, retried
// through the API once it is fixed), a recording deleted with its deliveries, a recording
// whose file is gone, and a delivery cut short by a restart that is sent after the start.
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Running, startServer } from '../../src/cli/runtime.ts';
import { decodeMp3 } from '../../src/media/audio/mp3.ts';
import { decodeWav } from '../../src/media/audio/wav.ts';
import { newId } from '../../src/store/ids.ts';
import { recordingDeliveries, recordings } from '../../src/store/schema.ts';
import { PASSWORD } from '../helpers/accounts.ts';
import { ApiClient } from '../helpers/client.ts';
import {
  type FtpServer,
  freeTcpPort,
  type SftpServer,
  startFtpServer,
  startSftpServer,
} from '../helpers/file-servers.ts';
import type { Line } from '../helpers/lines.ts';
import { type MailSink, type ReceivedMail, startMailSink } from '../helpers/mail-sink.ts';
import { startTestServer, type TestServer, tokenFromMail } from '../helpers/server.ts';
import { callerPhone, registeredPhone, sippOk } from '../helpers/sipp-phones.ts';

const MAILBOX = 'recordings@acme.example';
/** Waits after failed attempts 1 and 2: a delivery fails for good at its third failure. */
const SCHEDULE = [1000, 1000];
const OFF = {
  inboundInternal: false,
  inboundExternal: false,
  outboundInternal: false,
  outboundExternal: false,
  onDemand: false,
};

let server: TestServer;
/** The running server: the test's, then the one started again on the same database. */
let running: Running;
let url = '';
let admin: ApiClient;
let adminEmail = '';
let tenantId = '';
let sink: MailSink;
let ftp: FtpServer;
let ftps: FtpServer;
let sftp: SftpServer;
let mails: ReceivedMail[] = [];
const lines: Record<string, Line> = {};
const people: Record<string, string> = {};
const methods: Record<string, string> = {};

interface Delivery {
  methodId: string;
  methodName: string;
  kind: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  deliveredAt: string | null;
}
interface RecordingView {
  id: string;
  personIds: string[];
  endedAt: string | null;
  durationMs: number;
  deliveries: Delivery[];
}

const pbx = () => {
  const p = running.pbx;
  if (!p) throw new Error('SIP is not running');
  return p;
};

/** A TCP front for an FTP server: holds connections unanswered, or passes them through. */
class Gate {
  mode: 'hold' | 'forward' = 'hold';
  readonly held: Socket[] = [];
  #server: Server | undefined;
  port = 0;

  constructor(private readonly to: () => number) {}

  async open(): Promise<void> {
    const server = createServer((socket) => {
      if (this.mode === 'hold') {
        this.held.push(socket);
        socket.on('error', () => {});
        return;
      }
      const upstream = connect(this.to(), '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.held) s.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

async function until<T>(what: string, get: () => Promise<T | undefined> | T | undefined, ms = 30_000) {
  let last: T | undefined;
  await vi.waitFor(
    async () => {
      last = await get();
      if (last === undefined || last === false) throw new Error(`still waiting for ${what}`);
    },
    { timeout: ms, interval: 50 },
  );
  return last as T;
}

/** The first attachment of a MIME mail, decoded. */
function attachment(data: string): { type: string; name: string; bytes: Buffer } {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(data)?.[1];
  if (!boundary) throw new Error('mail is not multipart');
  for (const part of data.split(`--${boundary}`)) {
    if (!/Content-Disposition: attachment/i.test(part)) continue;
    const type = /Content-Type: ([^;\r\n]+)/i.exec(part)?.[1] ?? '';
    const name = /filename="?([^";\r\n]+)"?/i.exec(part)?.[1] ?? '';
    const body = part.slice(part.search(/\r?\n\r?\n/)).replace(/\s+/g, '');
    return { type, name, bytes: Buffer.from(body, 'base64') };
  }
  throw new Error('mail has no attachment');
}

/** Signs a company up with the verification mail from the SMTP server (there is no outbox). */
async function signUp(): Promise<void> {
  adminEmail = `owner-${Date.now()}@delivery.example`;
  admin = new ApiClient(url);
  const signup = await admin.post('/api/signup', {
    email: adminEmail,
    password: PASSWORD,
    companyName: 'Delivery Co',
    firstName: 'Olga',
    lastName: 'Owner',
    country: 'LV',
    timeZone: 'Europe/Riga',
  });
  expect(signup.status).toBe(202);
  const mail = await until('the verification mail', () => mails.find((m) => m.to.includes(adminEmail)));
  const text = mail.data.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  expect((await admin.post('/api/auth/verify-email', { token: tokenFromMail(text) })).status).toBe(200);
  const login = await admin.post('/api/auth/login', { email: adminEmail, password: PASSWORD });
  expect(login.status).toBe(200);
  tenantId = login.body.user.tenantId;
}

async function method(key: string, body: Record<string, unknown>): Promise<void> {
  const r = await admin.post('/api/delivery-methods', { name: key, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  methods[key] = r.body.id;
}

async function personWithLine(key: string, ext: string, recording: Partial<typeof OFF>, names: string[]) {
  const p = await admin.post('/api/people', { firstName: key, lastName: 'Caller', extension: ext });
  expect(p.status, JSON.stringify(p.body)).toBe(201);
  people[key] = p.body.id;
  const l = await admin.post(`/api/people/${p.body.id}/line`, {
    password: `password-of-${ext}`,
    recording: { ...OFF, ...recording, deliveryMethodIds: names.map((n) => methods[n]) },
  });
  expect(l.status, JSON.stringify(l.body)).toBe(201);
  lines[ext] = {
    id: l.body.id,
    tenantId,
    username: l.body.sipUsername,
    password: l.body.sipPassword,
    domain: l.body.sipDomain,
  };
}

async function setLineMethods(ext: string, names: string[]): Promise<void> {
  const line = await admin.get(`/api/lines/${lines[ext]?.id}`);
  const r = await admin.patch(`/api/lines/${lines[ext]?.id}`, {
    recording: { ...line.body.recording, deliveryMethodIds: names.map((n) => methods[n]) },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

/** C (203) calls A (201), who answers; C talks for three seconds. Returns the recording. */
async function callAndRecord(): Promise<RecordingView> {
  const since = new Date();
  for (const l of Object.values(lines)) pbx().location.removeAll(l.id);
  const callee = await registeredPhone(server, 'callee_answer.xml', lines['201'] as Line);
  await sippOk(await callerPhone(server, '../recording/caller_talks.xml', lines['203'] as Line, '201'));
  await sippOk(callee);
  await pbx().recordings.idle();
  const list = await until('the recording', async () => {
    const r = await admin.get(`/api/recordings?from=${encodeURIComponent(since.toISOString())}`);
    return r.body.items.length === 1 && r.body.items[0].endedAt ? r.body.items : undefined;
  });
  return list[0];
}

const recording = async (id: string): Promise<RecordingView> => {
  const r = await admin.get<RecordingView>(`/api/recordings/${id}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};
const deliveryTo = async (id: string, key: string) =>
  (await recording(id)).deliveries.find((d) => d.methodId === methods[key]);

async function wavOf(id: string): Promise<Buffer> {
  const res = await fetch(`${url}/api/recordings/${id}/audio`, { headers: admin.authHeaders() });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** The files in a server's folder (its root, or a folder under it), leftovers of uploads included. */
const filesIn = (dir: string) => readdirSync(dir).sort();

function rms(x: Float32Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return Math.sqrt(sum / Math.max(1, x.length));
}

/** An MP3 that decodes to the call: about as long, C's words on the left (caller) channel. */
async function expectTheCall(mp3: Uint8Array, durationMs: number): Promise<void> {
  const decoded = await decodeMp3(mp3);
  expect(decoded.channels).toHaveLength(2);
  const seconds = (decoded.channels[0]?.length ?? 0) / decoded.sampleRate;
  expect(seconds).toBeGreaterThan(durationMs / 1000 - 0.2);
  expect(seconds).toBeLessThan(durationMs / 1000 + 0.5);
  const [left, right] = decoded.channels.map(rms) as [number, number];
  expect(left).toBeGreaterThan(0.01);
  expect(right).toBeLessThan(0.005);
}

beforeAll(async () => {
  sink = await startMailSink();
  mails = sink.mails;
  [ftp, ftps, sftp] = await Promise.all([startFtpServer(), startFtpServer({ tls: true }), startSftpServer()]);
  server = await startTestServer(
    'pglite',
    {
      sipEnabled: true,
      smtpUrl: sink.url,
      mailFrom: 'PBX <pbx@switchboard.example>',
    },
    // sipp answers only MD5 challenges; failed deliveries retried after a second.
    { digestAlgorithms: ['MD5'], recordingDelivery: { retryScheduleMs: SCHEDULE } },
  );
  running = server.running;
  url = server.url;
  await signUp();
  await method('Mail', { kind: 'email', addresses: [MAILBOX] });
  await method('Archive', {
    kind: 'ftp',
    host: '127.0.0.1',
    port: ftp.port,
    username: ftp.username,
    secret: ftp.password,
    format: 'wav',
  });
  await method('Secure', {
    kind: 'ftps',
    host: '127.0.0.1',
    port: ftps.port,
    username: ftps.username,
    secret: ftps.password,
    directory: 'calls/2026',
    // The test server's certificate is self-signed.
    verifyCertificate: false,
  });
  await method('Vault', {
    kind: 'sftp',
    host: '127.0.0.1',
    port: sftp.port,
    username: sftp.username,
    secret: sftp.privateKey,
    directory: sftp.root,
    hostKeySha256: sftp.hostKeySha256,
  });
  await personWithLine('A', '201', { inboundInternal: true }, ['Mail', 'Archive', 'Vault']);
  // C's line records nothing itself: its methods still get the recordings of C's calls.
  await personWithLine('C', '203', {}, ['Secure', 'Archive']);
}, 90_000);

afterAll(async () => {
  // After a failed restart test the first server may be half closed.
  await running?.close().catch(() => {});
  if (server) await rm(server.config.dataDir, { recursive: true, force: true });
  await Promise.all([ftp?.stop(), ftps?.stop(), sftp?.stop()]);
  await sink?.close();
});

describe('a recorded call goes to every method of the lines on it', () => {
  let rec: RecordingView;

  it('is delivered once to each method: mail, FTP, FTPS and SFTP', async () => {
    rec = await callAndRecord();
    expect(rec.personIds.sort()).toEqual([people.A, people.C].sort());
    const done = await until('all four deliveries', async () => {
      const r = await recording(rec.id);
      return r.deliveries.length === 4 &&
        r.deliveries.every((d: { status: string }) => d.status !== 'pending')
        ? r.deliveries
        : undefined;
    });
    // Archive is named by both lines: one delivery.
    expect(done.map((d: { methodName: string }) => d.methodName)).toEqual([
      'Archive',
      'Mail',
      'Secure',
      'Vault',
    ]);
    for (const d of done) {
      expect(d, JSON.stringify(d)).toMatchObject({ status: 'delivered', attempts: 1, lastError: null });
      expect(Date.parse(d.deliveredAt ?? '')).toBeGreaterThanOrEqual(Date.parse(rec.endedAt ?? ''));
    }
    expect(done.map((d: { kind: string }) => d.kind)).toEqual(['ftp', 'email', 'ftps', 'sftp']);
  });

  it('mails the MP3 to the address, with who called whom', async () => {
    const mail = await until('the recording mail', () =>
      mails.find((m) => m.to.includes(MAILBOX) && /Subject: Call recording/.test(m.data)),
    );
    expect(mails.filter((m) => m.to.includes(MAILBOX))).toHaveLength(1);
    expect(mail.data).toMatch(/^Subject: Call recording: 203 to 201 \(0:0\d\)/m);
    const text = mail.data.replace(/=\r?\n/g, '');
    expect(text).toContain(`Recording: ${rec.id}`);
    const mp3 = attachment(mail.data);
    expect(mp3.type).toBe('audio/mpeg');
    expect(mp3.name).toMatch(/^recording-\d{4}-\d\d-\d\dT\d{6}Z-203-201-[0-9a-f]{8}\.mp3$/);
    expect(mp3.name.slice(-12, -4)).toBe(rec.id.replace(/-/g, '').slice(-8));
    await expectTheCall(mp3.bytes, rec.durationMs);
  });

  it('puts the WAV on the FTP server byte for byte, and the MP3 on the FTPS and SFTP servers', async () => {
    const wavName = filesIn(ftp.root);
    expect(wavName).toHaveLength(1);
    expect(wavName[0]).toMatch(/^recording-\d{4}-\d\d-\d\dT\d{6}Z-203-201-[0-9a-f]{8}\.wav$/);
    const onFtp = readFileSync(join(ftp.root, wavName[0] as string));
    expect(onFtp.equals(await wavOf(rec.id))).toBe(true);
    expect(decodeWav(onFtp).channels).toHaveLength(2);

    const mp3Name = (wavName[0] as string).replace(/\.wav$/, '.mp3');
    // FTPS: into the folder the method names, created on the way.
    expect(filesIn(join(ftps.root, 'calls', '2026'))).toEqual([mp3Name]);
    expect(filesIn(sftp.root)).toEqual([mp3Name]);
    const viaFtps = readFileSync(join(ftps.root, 'calls', '2026', mp3Name));
    const viaSftp = readFileSync(join(sftp.root, mp3Name));
    expect(viaSftp.equals(viaFtps)).toBe(true);
    const mailed = attachment((mails.find((m) => m.to.includes(MAILBOX)) as { data: string }).data).bytes;
    expect(mailed.equals(viaSftp)).toBe(true);
    await expectTheCall(viaSftp, rec.durationMs);
  });
});

describe('a server that cannot be reached', () => {
  let rec: RecordingView;

  it('keeps the delivery pending with the error, then fails it after the retry schedule', async () => {
    await method('Nowhere', {
      kind: 'ftp',
      host: '127.0.0.1',
      port: await freeTcpPort(),
      username: 'nobody',
      secret: 'not-a-password',
    });
    await setLineMethods('201', ['Nowhere']);
    await setLineMethods('203', []);
    rec = await callAndRecord();
    const pending = await until('a failed first attempt', async () => {
      const d = await deliveryTo(rec.id, 'Nowhere');
      return d?.status === 'pending' && d.lastError ? d : undefined;
    });
    expect(pending.attempts).toBeGreaterThanOrEqual(1);
    expect(pending.lastError).toMatch(/refused/);
    expect(pending.deliveredAt).toBeNull();
    const failed = await until('the delivery to fail', async () => {
      const d = await deliveryTo(rec.id, 'Nowhere');
      return d?.status === 'failed' ? d : undefined;
    });
    expect(failed).toMatchObject({ attempts: SCHEDULE.length + 1, deliveredAt: null });
    expect(failed.lastError).toMatch(/refused/);
    expect((await recording(rec.id)).deliveries).toHaveLength(1);
  });

  it('is sent again when retried through the API once the method is fixed', async () => {
    const id = methods.Nowhere as string;
    const early = await admin.post(`/api/recordings/${rec.id}/deliveries/${newId()}/retry`);
    expect(early.status).toBe(404);
    const fixed = await admin.patch(`/api/delivery-methods/${id}`, {
      port: ftp.port,
      username: ftp.username,
      secret: ftp.password,
      directory: 'retried',
    });
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(200);
    const retried = await admin.post(`/api/recordings/${rec.id}/deliveries/${id}/retry`);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.deliveries[0].methodId).toBe(id);
    const delivered = await until('the retried delivery', async () => {
      const d = await deliveryTo(rec.id, 'Nowhere');
      return d?.status === 'delivered' ? d : undefined;
    });
    expect(delivered).toMatchObject({ attempts: 1, lastError: null });
    const [name] = filesIn(join(ftp.root, 'retried'));
    expect(name).toMatch(new RegExp(`-${rec.id.replace(/-/g, '').slice(-8)}\\.mp3$`));
    // A delivered one is not retried.
    const again = await admin.post(`/api/recordings/${rec.id}/deliveries/${id}/retry`);
    expect(again.status).toBe(409);
  });

  it('goes with its recording when the recording is deleted', async () => {
    const db = running.store.db;
    const before = await db
      .select()
      .from(recordingDeliveries)
      .where(eq(recordingDeliveries.recordingId, rec.id));
    expect(before).toHaveLength(1);
    expect((await admin.delete(`/api/recordings/${rec.id}`)).status).toBe(204);
    const after = await db
      .select()
      .from(recordingDeliveries)
      .where(eq(recordingDeliveries.recordingId, rec.id));
    expect(after).toEqual([]);
  });

  it('fails at once, without retrying, when the recording’s file is gone', async () => {
    // A recording whose file was lost (its row is still there), queued for the FTP method.
    const id = newId();
    const now = new Date();
    const db = running.store.db;
    await db.insert(recordings).values({
      id,
      tenantId,
      callId: 'lost-file',
      source: 'line',
      path: `recordings/${tenantId}/${id}.wav`,
      callerNumber: '203',
      calleeNumber: '201',
      personIds: [people.A as string],
      startedAt: now,
      endedAt: now,
      durationMs: 1000,
      bytes: 32_044,
    });
    await db
      .insert(recordingDeliveries)
      .values({ recordingId: id, methodId: methods.Archive as string, tenantId });
    pbx().recordings.deliveries.kick();
    const failed = await until('the delivery to fail', async () => {
      const d = await deliveryTo(id, 'Archive');
      return d?.status === 'failed' ? d : undefined;
    });
    expect(failed).toMatchObject({ attempts: 1, lastError: 'recording deleted', deliveredAt: null });
  });
});

describe('a restart', () => {
  it('sends after the start a delivery the stop cut short', async () => {
    const gate = new Gate(() => ftp.port);
    await gate.open();
    try {
      await setLineMethods('201', ['Archive']);
      const moved = await admin.patch(`/api/delivery-methods/${methods.Archive}`, {
        port: gate.port,
        directory: 'restart',
      });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      const rec = await callAndRecord();
      await until('the attempt to connect', () => gate.held.length > 0);
      expect(await deliveryTo(rec.id, 'Archive')).toMatchObject({ status: 'pending', attempts: 1 });

      // Stopped mid-attempt: the attempt is given back, due at once and not counted.
      await running.app.close();
      await running.pbx?.shutdown();
      const [row] = await running.store.db
        .select()
        .from(recordingDeliveries)
        .where(eq(recordingDeliveries.recordingId, rec.id));
      expect(row).toMatchObject({ status: 'pending', attempts: 0 });
      expect(filesIn(ftp.root)).not.toContain('restart');

      gate.mode = 'forward';
      running = await startServer(server.config, pino({ level: 'silent' }), running.store, {
        digestAlgorithms: ['MD5'],
        recordingDelivery: { retryScheduleMs: SCHEDULE },
      });
      url = `http://127.0.0.1:${(running.app.server.address() as AddressInfo).port}`;
      admin = new ApiClient(url);
      expect((await admin.post('/api/auth/login', { email: adminEmail, password: PASSWORD })).status).toBe(
        200,
      );
      const d = await until('the delivery after the start', async () => {
        const x = await deliveryTo(rec.id, 'Archive');
        return x?.status === 'delivered' ? x : undefined;
      });
      expect(d).toMatchObject({ attempts: 1, lastError: null });
      const [name] = filesIn(join(ftp.root, 'restart'));
      expect(readFileSync(join(ftp.root, 'restart', name as string)).equals(await wavOf(rec.id))).toBe(true);
    } finally {
      await gate.close();
    }
  });
});
