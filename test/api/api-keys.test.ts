// API keys: scopes, rotation, revocation, last-used time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Company, signUpCompany } from '../helpers/accounts.ts';
import { databases, startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(databases())('API keys on %s', (db) => {
  let server: TestServer;
  let acme: Company;
  beforeAll(async () => {
    server = await startTestServer(db);
    acme = await signUpCompany(server, 'Acme Keys');
  });
  afterAll(() => server?.close());

  it('grants exactly the scopes of the key', async () => {
    const created = await acme.admin.post('/api/api-keys', {
      name: 'crm sync',
      scopes: [
        { resource: 'people', access: 'read' },
        { resource: 'contacts', access: 'write' },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^sb_[a-z0-9]+_[A-Za-z0-9_-]{20,}$/);
    const listed = await acme.admin.get('/api/api-keys');
    expect(listed.body.items[0]).toMatchObject({ name: 'crm sync', lastUsedAt: null });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);

    const key = server.client();
    key.bearer = created.body.key;
    expect((await key.get('/api/people')).status).toBe(200);
    expect((await key.post('/api/contacts', { firstName: 'Via', lastName: 'Key' })).status).toBe(201);
    const write = await key.post('/api/people', { firstName: 'No', lastName: 'Scope' });
    expect(write.status).toBe(403);
    expect(write.body.error.message).toMatch(/no scope/);
    expect((await key.get('/api/numbers')).status).toBe(403);
    expect((await key.get('/api/me')).status).toBe(403);

    const log = await acme.admin.get('/api/audit-events?action=contact.create');
    expect(log.body.items[0]).toMatchObject({ actorType: 'api_key', actor: 'api key crm sync' });
    const used = await acme.admin.get('/api/api-keys');
    expect(used.body.items[0].lastUsedAt).not.toBeNull();
  });

  it('stops the old secret on rotation and every secret on revocation', async () => {
    const created = await acme.admin.post('/api/api-keys', {
      name: 'rotating',
      scopes: [{ resource: 'people', access: 'read' }],
    });
    const key = server.client();
    key.bearer = created.body.key;
    expect((await key.get('/api/people')).status).toBe(200);

    const rotated = await acme.admin.post(`/api/api-keys/${created.body.id}/rotate`);
    expect(rotated.body.key).not.toBe(created.body.key);
    expect(rotated.body.rotatedAt).not.toBeNull();
    const old = await key.get('/api/people');
    expect(old.status).toBe(401);
    expect(old.body.error.code).toBe('unauthenticated');
    key.bearer = rotated.body.key;
    expect((await key.get('/api/people')).status).toBe(200);

    expect((await acme.admin.delete(`/api/api-keys/${created.body.id}`)).status).toBe(204);
    expect((await key.get('/api/people')).status).toBe(401);
    expect((await acme.admin.delete(`/api/api-keys/${created.body.id}`)).status).toBe(404);
  });

  it("cannot reach another company's data, and refuses made-up keys alike", async () => {
    const other = await signUpCompany(server, 'Other Keys');
    const secret = await other.admin.post('/api/people', { firstName: 'Private', lastName: 'Person' });
    const created = await acme.admin.post('/api/api-keys', {
      name: 'reader',
      scopes: [{ resource: 'people', access: 'read' }],
    });
    const key = server.client();
    key.bearer = created.body.key;
    expect((await key.get(`/api/people/${secret.body.id}`)).status).toBe(404);
    for (const bogus of ['sb_nope_nope', `${created.body.key}x`, 'sb_']) {
      key.bearer = bogus;
      expect((await key.get('/api/people')).status).toBe(401);
    }
    const badScope = await acme.admin.post('/api/api-keys', {
      name: 'x',
      scopes: [{ resource: 'billing', access: 'read' }],
    });
    expect(badScope.status).toBe(400);
    expect(badScope.body.error.field).toBe('scopes.0.resource');
  });
});
