// The company's feature codes over HTTP: everyone reads them, administrators set them, and a
// bad or colliding code is refused 422 at the field of the feature.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FEATURE_CODES } from '../../src/pbx/feature-codes.ts';
import { addUser, type Company, signUpCompany } from '../helpers/accounts.ts';
import type { ApiClient } from '../helpers/client.ts';
import { databases, startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(databases())('feature codes on %s', (db) => {
  let server: TestServer;
  let acme: Company;
  let other: Company;
  let agent: ApiClient;
  let supervisor: ApiClient;

  beforeAll(async () => {
    server = await startTestServer(db);
    acme = await signUpCompany(server, 'Acme Codes');
    other = await signUpCompany(server, 'Other Codes');
    agent = (await addUser(server, acme, 'agent')).client;
    supervisor = (await addUser(server, acme, 'supervisor')).client;
  });
  afterAll(async () => server?.close());

  it('starts with the defaults, readable by every role, each feature described', async () => {
    for (const c of [acme.admin, supervisor, agent]) {
      const res = await c.get('/api/feature-codes');
      expect(res.status).toBe(200);
      expect(res.body.codes).toEqual(DEFAULT_FEATURE_CODES);
    }
    const { features } = (await agent.get('/api/feature-codes')).body;
    expect(features).toContainEqual({
      name: 'listen',
      code: '4#',
      default: '4#',
      inCall: false,
      takesArgument: true,
    });
    expect(features).toContainEqual({
      name: 'transfer',
      code: '*2',
      default: '*2',
      inCall: true,
      takesArgument: false,
    });
  });

  it('an administrator changes codes; features left out keep their default; only this company sees it', async () => {
    const res = await acme.admin.put('/api/feature-codes', { dndOn: '*70', dndOff: '*71', listen: '*41' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.codes).toMatchObject({ dndOn: '*70', dndOff: '*71', listen: '*41', voicemail: '*97' });
    expect((await agent.get('/api/feature-codes')).body.codes.dndOn).toBe('*70');
    expect((await other.admin.get('/api/feature-codes')).body.codes.dndOn).toBe('*78');

    // A PUT is the whole set: what is left out goes back to its default.
    const again = await acme.admin.put('/api/feature-codes', { listen: '*41' });
    expect(again.body.codes).toMatchObject({ dndOn: '*78', dndOff: '*79', listen: '*41' });
    const reset = await acme.admin.put('/api/feature-codes', {});
    expect(reset.body.codes).toEqual(DEFAULT_FEATURE_CODES);
  });

  it('supervisors and agents may not change them', async () => {
    for (const c of [supervisor, agent]) {
      const res = await c.put('/api/feature-codes', { dndOn: '*70' });
      expect(res.status).toBe(403);
    }
    expect((await acme.admin.get('/api/feature-codes')).body.codes.dndOn).toBe('*78');
  });

  it('refuses a malformed code 422 at its field', async () => {
    for (const bad of ['78', '*', '*123456', '*7x']) {
      const res = await acme.admin.put('/api/feature-codes', { dndOn: bad });
      expect(res.status, bad).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'invalid_feature_code', field: 'dndOn' });
    }
  });

  it('refuses colliding codes 422 at the field of the one that cannot be reached', async () => {
    const same = await acme.admin.put('/api/feature-codes', { dndOff: '*78' });
    expect(same.status).toBe(422);
    expect(same.body.error).toMatchObject({ field: 'dndOff' });
    expect(same.body.error.message).toContain('same code *78');

    // Pickup (*8 followed by an extension) would swallow *80.
    const prefix = await acme.admin.put('/api/feature-codes', { forwardOff: '*80' });
    expect(prefix.status).toBe(422);
    expect(prefix.body.error).toMatchObject({ field: 'forwardOff' });

    // In a call keys come one by one: *3 then 1 would be the conference already.
    const inCall = await acme.admin.put('/api/feature-codes', { recordOnDemand: '*31' });
    expect(inCall.status).toBe(422);
    expect(inCall.body.error).toMatchObject({ field: 'recordOnDemand' });
    expect((await acme.admin.get('/api/feature-codes')).body.codes).toEqual(DEFAULT_FEATURE_CODES);
  });

  it('refuses features it does not know and codes that are not strings (400)', async () => {
    const unknown = await acme.admin.put('/api/feature-codes', { teleport: '*55' });
    expect(unknown.status).toBe(400);
    const number = await acme.admin.put('/api/feature-codes', { dndOn: 78 });
    expect(number.status).toBe(400);
    expect(number.body.error.field).toBe('dndOn');
  });

  it('records the change in the audit log', async () => {
    await acme.admin.put('/api/feature-codes', { pickup: '**8' });
    const log = await acme.admin.get('/api/audit-events?action=feature_codes.update&limit=200');
    expect(log.status).toBe(200);
    expect(log.body.items.at(-1)).toMatchObject({ details: { pickup: '**8' } });
    await acme.admin.put('/api/feature-codes', {});
  });
});
