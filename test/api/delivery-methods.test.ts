// Recording delivery methods over HTTP: administrators only, one company's methods invisible
// to another, every field checked, the server's password never in any answer or in the
// audit log, no deletion while a line uses a method, lines naming only their company's
// methods, and the "test" button: a mail to each address, or a real connection attempt.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, type Company, signUpCompany } from '../helpers/accounts.ts';
import type { ApiClient, ApiResponse } from '../helpers/client.ts';
import { databases, startTestServer, type TestServer } from '../helpers/server.ts';

const SECRET = 'Sw0rdfish-ftp-password';
const FTP = { name: 'Archive FTP', kind: 'ftp', host: 'ftp.example.test', username: 'rec', secret: SECRET };

/** A TCP port on loopback that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe.each(databases())('delivery methods on %s', (db) => {
  let server: TestServer;
  let acme: Company;
  let other: Company;
  let supervisor: ApiClient;
  let agent: ApiClient;
  /** Every response an admin got, to look for the secret in. */
  const seen: ApiResponse[] = [];
  const admin = {
    async call(method: string, path: string, body?: unknown) {
      const r = await acme.admin.request(method, path, body);
      seen.push(r);
      return r;
    },
    get: (path: string) => admin.call('GET', path),
    post: (path: string, body?: unknown) => admin.call('POST', path, body),
    patch: (path: string, body?: unknown) => admin.call('PATCH', path, body),
    delete: (path: string) => admin.call('DELETE', path),
  };

  async function personWithLine(first: string, ext: string): Promise<{ personId: string; lineId: string }> {
    const p = await acme.admin.post('/api/people', { firstName: first, lastName: 'Liner', extension: ext });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    const l = await acme.admin.post(`/api/people/${p.body.id}/line`, {});
    expect(l.status, JSON.stringify(l.body)).toBe(201);
    return { personId: p.body.id, lineId: l.body.id };
  }

  beforeAll(async () => {
    server = await startTestServer(db);
    acme = await signUpCompany(server, 'Acme Delivery');
    other = await signUpCompany(server, 'Other Delivery');
    supervisor = (await addUser(server, acme, 'supervisor')).client;
    agent = (await addUser(server, acme, 'agent')).client;
  }, 60_000);
  afterAll(() => server?.close());

  it('creates, lists, reads and changes methods; ports default by protocol', async () => {
    const mail = await admin.post('/api/delivery-methods', {
      name: 'Compliance inbox',
      kind: 'email',
      addresses: ['Records@Acme.example', 'backup@acme.example'],
    });
    expect(mail.status, JSON.stringify(mail.body)).toBe(201);
    expect(mail.body).toMatchObject({
      name: 'Compliance inbox',
      kind: 'email',
      format: 'mp3',
      addresses: ['records@acme.example', 'backup@acme.example'],
      host: null,
      secretSet: false,
    });
    const ftp = await admin.post('/api/delivery-methods', FTP);
    expect(ftp.status, JSON.stringify(ftp.body)).toBe(201);
    expect(ftp.body).toMatchObject({
      kind: 'ftp',
      host: 'ftp.example.test',
      port: 21,
      username: 'rec',
      directory: '',
      secretSet: true,
      addresses: [],
    });
    const sftp = await admin.post('/api/delivery-methods', {
      name: 'Vault',
      kind: 'sftp',
      host: '192.0.2.7',
      username: 'vault',
      directory: '/srv/recordings',
      secret: 'another-password',
      format: 'wav',
    });
    expect(sftp.status, JSON.stringify(sftp.body)).toBe(201);
    expect(sftp.body).toMatchObject({
      port: 22,
      format: 'wav',
      hostKeySha256: null,
      verifyCertificate: null,
    });
    const ftps = await admin.post('/api/delivery-methods', {
      name: 'Secure FTP',
      kind: 'ftps',
      host: 'files.acme.example',
      port: 2121,
      username: 'up',
      secret: 'pw-of-ftps',
      verifyCertificate: false,
    });
    expect(ftps.status, JSON.stringify(ftps.body)).toBe(201);
    expect(ftps.body).toMatchObject({ port: 2121, verifyCertificate: false });

    const list = await admin.get('/api/delivery-methods');
    expect(list.status).toBe(200);
    expect(list.body.items.map((m: { name: string }) => m.name)).toEqual([
      'Compliance inbox',
      'Archive FTP',
      'Vault',
      'Secure FTP',
    ]);
    expect((await admin.get(`/api/delivery-methods/${ftp.body.id}`)).body).toEqual(ftp.body);

    // A secret left out stays; a new one replaces it; null removes it (not for SFTP).
    const renamed = await admin.patch(`/api/delivery-methods/${ftp.body.id}`, {
      name: 'Archive',
      directory: 'calls/2026',
    });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body).toMatchObject({
      name: 'Archive',
      directory: 'calls/2026',
      secretSet: true,
      port: 21,
    });
    const changed = await admin.patch(`/api/delivery-methods/${ftp.body.id}`, { secret: `${SECRET}-2` });
    expect(changed.body.secretSet).toBe(true);
    const removed = await admin.patch(`/api/delivery-methods/${ftp.body.id}`, { secret: null });
    expect(removed.body.secretSet).toBe(false);
    const back = await admin.patch(`/api/delivery-methods/${ftp.body.id}`, { secret: SECRET });
    expect(back.body.secretSet).toBe(true);
    const keyless = await admin.patch(`/api/delivery-methods/${sftp.body.id}`, { secret: null });
    expect(keyless.status).toBe(422);
    expect(keyless.body.error).toMatchObject({ code: 'secret_required', field: 'secret' });
  });

  it('never returns or audits the secret', async () => {
    for (const r of seen) expect(r.text).not.toContain(SECRET);
    const log = await acme.admin.get('/api/audit-events?resource=delivery_methods&limit=200');
    expect(log.status).toBe(200);
    expect(log.body.items.length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(log.body)).not.toContain(SECRET);
    expect(JSON.stringify(log.body)).not.toContain('another-password');
    const changes = log.body.items.filter((e: { action: string }) => e.action === 'delivery_method.update');
    expect(changes.map((e: { details: { secret?: string } }) => e.details.secret)).toEqual([
      undefined,
      'changed',
      'removed',
      'changed',
    ]);
  });

  it('is for administrators only', async () => {
    const [m] = (await acme.admin.get('/api/delivery-methods')).body.items;
    for (const c of [supervisor, agent]) {
      expect((await c.get('/api/delivery-methods')).status).toBe(403);
      expect((await c.get(`/api/delivery-methods/${m.id}`)).status).toBe(403);
      expect((await c.post('/api/delivery-methods', { ...FTP, name: 'Mine' })).status).toBe(403);
      expect((await c.patch(`/api/delivery-methods/${m.id}`, { name: 'Mine' })).status).toBe(403);
      expect((await c.request('DELETE', `/api/delivery-methods/${m.id}`)).status).toBe(403);
      expect((await c.post(`/api/delivery-methods/${m.id}/test`)).status).toBe(403);
    }
    expect((await server.client().get('/api/delivery-methods')).status).toBe(401);
  });

  it("keeps each company's methods its own", async () => {
    const [m] = (await acme.admin.get('/api/delivery-methods')).body.items;
    expect((await other.admin.get('/api/delivery-methods')).body.items).toEqual([]);
    expect((await other.admin.get(`/api/delivery-methods/${m.id}`)).status).toBe(404);
    expect((await other.admin.patch(`/api/delivery-methods/${m.id}`, { name: 'Taken' })).status).toBe(404);
    expect((await other.admin.request('DELETE', `/api/delivery-methods/${m.id}`)).status).toBe(404);
    expect((await other.admin.post(`/api/delivery-methods/${m.id}/test`)).status).toBe(404);
    // The same name is free in another company.
    const same = await other.admin.post('/api/delivery-methods', { ...FTP, name: m.name });
    expect(same.status, JSON.stringify(same.body)).toBe(201);
    // Its lines cannot name Acme's method.
    const p = await other.admin.post('/api/people', {
      firstName: 'Oscar',
      lastName: 'Other',
      extension: '301',
    });
    const line = await other.admin.post(`/api/people/${p.body.id}/line`, {
      recording: {
        inboundInternal: true,
        inboundExternal: false,
        outboundInternal: false,
        outboundExternal: false,
        onDemand: false,
        deliveryMethodIds: [m.id],
      },
    });
    expect(line.status).toBe(422);
    expect(line.body.error).toMatchObject({
      code: 'unknown_delivery_method',
      field: 'recording.deliveryMethodIds.0',
    });
  });

  it('checks every field and names it', async () => {
    const bad = async (body: unknown, status: number, field: string | undefined, code?: string) => {
      const r = await acme.admin.post('/api/delivery-methods', body);
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.error.field).toBe(field);
      if (code) expect(r.body.error.code).toBe(code);
    };
    await bad({ name: 'No one', kind: 'email', addresses: [] }, 400, 'addresses');
    await bad({ name: 'Not mail', kind: 'email', addresses: ['nobody'] }, 400, 'addresses.0');
    const eleven = Array.from({ length: 11 }, (_, i) => `r${i}@acme.example`);
    await bad({ name: 'Many', kind: 'email', addresses: eleven }, 400, 'addresses');
    await bad({ ...FTP, name: 'Bad host', host: 'ftp example' }, 400, 'host');
    await bad({ ...FTP, name: 'Bad port', port: 70000 }, 400, 'port');
    await bad({ ...FTP, name: 'Climber', directory: 'a/../../etc' }, 400, 'directory');
    await bad({ ...FTP, name: 'Two lines', secret: 'pass\r\nDELE x' }, 400, 'secret');
    await bad({ ...FTP, name: '' }, 400, 'name');
    await bad({ ...FTP, name: 'Fax', kind: 'fax' }, 400, 'kind');
    await bad({ ...FTP, name: 'Odd format', format: 'ogg' }, 400, 'format');
    const { secret: _, ...noSecret } = FTP;
    await bad({ ...noSecret, name: 'Keyless', kind: 'sftp' }, 400, 'secret');
    await bad({ ...FTP, name: 'Mail field', addresses: ['a@b.example'] }, 400, undefined);
    await bad({ ...FTP, name: 'Archive' }, 409, 'name', 'delivery_method_name_taken');

    const [mail] = (await acme.admin.get('/api/delivery-methods')).body.items;
    expect(mail.kind).toBe('email');
    const wrongKind = await acme.admin.patch(`/api/delivery-methods/${mail.id}`, { host: 'x.example' });
    expect(wrongKind.status).toBe(422);
    expect(wrongKind.body.error).toMatchObject({ code: 'not_for_kind', field: 'host' });
    const unknown = await acme.admin.patch(`/api/delivery-methods/${mail.id}`, { kind: 'ftp' });
    expect(unknown.status).toBe(400);
  });

  it('keeps at most 20 methods per company', async () => {
    const have = (await acme.admin.get('/api/delivery-methods')).body.items.length;
    for (let i = have; i < 20; i++) {
      const r = await acme.admin.post('/api/delivery-methods', { ...FTP, name: `Filler ${i}` });
      expect(r.status).toBe(201);
    }
    const over = await acme.admin.post('/api/delivery-methods', { ...FTP, name: 'One too many' });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe('too_many_delivery_methods');
    for (const m of (await acme.admin.get('/api/delivery-methods')).body.items)
      if (m.name.startsWith('Filler'))
        expect((await acme.admin.delete(`/api/delivery-methods/${m.id}`)).status).toBe(204);
  });

  it('lets lines name methods; a method in use cannot be deleted', async () => {
    const methods = (await acme.admin.get('/api/delivery-methods')).body.items;
    const byName = (n: string) => methods.find((m: { name: string }) => m.name === n).id as string;
    const { lineId } = await personWithLine('Lina', '201');
    const rec = {
      inboundInternal: true,
      inboundExternal: false,
      outboundInternal: false,
      outboundExternal: false,
      onDemand: false,
    };
    // Lines made before delivery methods, or without them, have none.
    expect((await acme.admin.get(`/api/lines/${lineId}`)).body.recording.deliveryMethodIds).toEqual([]);
    const set = await acme.admin.patch(`/api/lines/${lineId}`, {
      recording: { ...rec, deliveryMethodIds: [byName('Archive'), byName('Vault')] },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.recording.deliveryMethodIds).toEqual([byName('Archive'), byName('Vault')]);
    // Recording settings without the list keep it.
    const kept = await acme.admin.patch(`/api/lines/${lineId}`, { recording: { ...rec, onDemand: true } });
    expect(kept.body.recording).toMatchObject({
      onDemand: true,
      deliveryMethodIds: [byName('Archive'), byName('Vault')],
    });

    const unknown = await acme.admin.patch(`/api/lines/${lineId}`, {
      recording: { ...rec, deliveryMethodIds: [byName('Archive'), '0190a0b0-0000-7000-8000-000000000000'] },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({
      code: 'unknown_delivery_method',
      field: 'recording.deliveryMethodIds.1',
    });
    const twice = await acme.admin.patch(`/api/lines/${lineId}`, {
      recording: { ...rec, deliveryMethodIds: [byName('Vault'), byName('Vault')] },
    });
    expect(twice.status).toBe(422);
    expect(twice.body.error.code).toBe('duplicate_delivery_method');
    const six = await acme.admin.patch(`/api/lines/${lineId}`, {
      recording: {
        ...rec,
        deliveryMethodIds: methods
          .slice(0, 4)
          .map((m: { id: string }) => m.id)
          .concat(['0190a0b0-0000-7000-8000-000000000001', '0190a0b0-0000-7000-8000-000000000002']),
      },
    });
    expect(six.status).toBe(400);
    expect(six.body.error.field).toBe('recording.deliveryMethodIds');

    const inUse = await acme.admin.delete(`/api/delivery-methods/${byName('Vault')}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.code).toBe('delivery_method_in_use');
    expect(inUse.body.error.message).toContain('Lina Liner (201)');
    const off = await acme.admin.patch(`/api/lines/${lineId}`, {
      recording: { ...rec, deliveryMethodIds: [byName('Archive')] },
    });
    expect(off.status).toBe(200);
    expect((await acme.admin.delete(`/api/delivery-methods/${byName('Vault')}`)).status).toBe(204);
    expect((await acme.admin.get(`/api/delivery-methods/${byName('Vault')}`)).status).toBe(404);
  });

  it('tests a method: a mail to each address, or a real connection that fails plainly', async () => {
    const methods = (await acme.admin.get('/api/delivery-methods')).body.items;
    const mail = methods.find((m: { kind: string }) => m.kind === 'email');
    const ok = await acme.admin.post(`/api/delivery-methods/${mail.id}/test`);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toEqual({ ok: true });
    for (const to of ['records@acme.example', 'backup@acme.example']) {
      const sent = await server.lastMailTo(to);
      expect(sent.subject).toBe('Test of the delivery method "Compliance inbox"');
    }

    const port = await closedPort();
    for (const kind of ['ftp', 'sftp'] as const) {
      const m = await acme.admin.post('/api/delivery-methods', {
        name: `Nothing there ${kind}`,
        kind,
        host: '127.0.0.1',
        port,
        username: 'nobody',
        secret: SECRET,
      });
      expect(m.status, JSON.stringify(m.body)).toBe(201);
      const failed = await acme.admin.post(`/api/delivery-methods/${m.body.id}/test`);
      expect(failed.status, JSON.stringify(failed.body)).toBe(422);
      expect(failed.body.error.code).toBe('delivery_test_connect');
      expect(failed.body.error.message).toMatch(/refused/);
      expect(failed.text).not.toContain(SECRET);
    }
  });
});
