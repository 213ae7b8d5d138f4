// Number inventory, buying and releasing, emergency addresses and port-in with uploads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Company, signInOperator, signUpCompany } from '../helpers/accounts.ts';
import type { ApiClient } from '../helpers/client.ts';
import { databases, startTestServer, type TestServer } from '../helpers/server.ts';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

function portInForm(parts: {
  numbers?: string;
  carrier?: string;
  loa?: Buffer;
  invoice?: Buffer;
  loaName?: string;
}) {
  const form = new FormData();
  if (parts.numbers !== undefined) form.set('numbers', parts.numbers);
  if (parts.carrier !== undefined) form.set('currentCarrier', parts.carrier);
  if (parts.loa) form.set('loa', new Blob([parts.loa]), parts.loaName ?? 'loa.pdf');
  if (parts.invoice) form.set('invoice', new Blob([parts.invoice]), 'invoice.png');
  return form;
}

describe.each(databases())('numbers on %s', (db) => {
  let server: TestServer;
  let operator: ApiClient;
  let acme: Company;
  let other: Company;
  beforeAll(async () => {
    server = await startTestServer(db, { uploadMaxBytes: 64 * 1024 });
    operator = await signInOperator(server);
    acme = await signUpCompany(server, 'Acme Numbers');
    other = await signUpCompany(server, 'Other Numbers');
    const trunk = await operator.post('/api/operator/trunks', {
      name: 'carrier-a',
      host: 'sip.carrier-a.example',
    });
    expect(trunk.status).toBe(201);
    const add = await operator.post('/api/operator/numbers', {
      numbers: [
        { e164: '+37167000001', country: 'LV', areaCode: '67', type: 'local', trunkId: trunk.body.id },
        { e164: '+37167000002', country: 'LV', areaCode: '67', type: 'local', trunkId: trunk.body.id },
        { e164: '+37120000003', country: 'LV', areaCode: '2', type: 'mobile' },
        { e164: '+18005550004', country: 'US', areaCode: '800', type: 'toll-free' },
      ],
    });
    expect(add.body).toEqual({ created: 4 });
  });
  afterAll(() => server?.close());

  it('lets a company browse the inventory by country, area and type, buy and release', async () => {
    const lv = await acme.admin.get('/api/numbers/available?country=LV&type=local');
    expect(lv.body.items.map((n: { e164: string }) => n.e164)).toEqual(['+37167000001', '+37167000002']);
    const mobile = await acme.admin.get('/api/numbers/available?country=lv&areaCode=2');
    expect(mobile.body.items.map((n: { e164: string }) => n.e164)).toEqual(['+37120000003']);

    const bought = await acme.admin.post('/api/numbers', { e164: '+37167000001' });
    expect(bought.status).toBe(201);
    expect(bought.body).toMatchObject({ e164: '+37167000001', type: 'local', source: 'inventory' });
    expect(bought.body.assignedAt).not.toBeNull();

    const taken = await other.admin.post('/api/numbers', { e164: '+37167000001' });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'number_unavailable', field: 'e164' });
    const after = await other.admin.get('/api/numbers/available?country=LV&type=local');
    expect(after.body.items.map((n: { e164: string }) => n.e164)).toEqual(['+37167000002']);
    expect((await other.admin.get(`/api/numbers/${bought.body.id}`)).status).toBe(404);
    expect((await other.admin.delete(`/api/numbers/${bought.body.id}`)).status).toBe(404);

    const address = { line1: 'Brivibas 10', city: 'Riga', postalCode: 'LV-1010', country: 'LV' };
    const withAddress = await acme.admin.put(`/api/numbers/${bought.body.id}/emergency-address`, { address });
    expect(withAddress.body.emergencyAddress).toEqual(address);
    const badAddress = await acme.admin.put(`/api/numbers/${bought.body.id}/emergency-address`, {
      address: { ...address, country: 'Latvia' },
    });
    expect(badAddress.status).toBe(400);
    expect(badAddress.body.error.field).toBe('address.country');

    expect((await acme.admin.delete(`/api/numbers/${bought.body.id}`)).status).toBe(204);
    expect((await acme.admin.get('/api/numbers')).body.items).toEqual([]);
    const back = await operator.get('/api/operator/numbers?status=available&country=LV&type=local');
    expect(
      back.body.items.find((n: { e164: string }) => n.e164 === '+37167000001').emergencyAddress,
    ).toBeNull();
  });

  it('rejects malformed numbers and duplicates in the inventory', async () => {
    const bad = await acme.admin.post('/api/numbers', { e164: '37167000001' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', field: 'e164' });
    const dup = await operator.post('/api/operator/numbers', {
      numbers: [{ e164: '+37167000002', country: 'LV', areaCode: '67', type: 'local' }],
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('number_exists');
    expect((await acme.admin.post('/api/operator/numbers', { numbers: [] })).status).toBe(403);
  });

  it('takes a port-in request with its documents and tracks it to completion', async () => {
    const res = await acme.admin.post(
      '/api/port-in-requests',
      portInForm({ numbers: '+37166111111, +37166111112', carrier: 'Old Telecom', loa: PDF, invoice: PNG }),
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'submitted',
      numbers: ['+37166111111', '+37166111112'],
      currentCarrier: 'Old Telecom',
    });
    const loa = await acme.admin.get(`/api/files/${res.body.loaFileId}`);
    expect(loa.status).toBe(200);
    expect(loa.headers.get('content-type')).toBe('application/pdf');
    expect(loa.text).toBe(PDF.toString());
    expect((await other.admin.get(`/api/files/${res.body.loaFileId}`)).status).toBe(404);
    expect((await other.admin.get(`/api/port-in-requests/${res.body.id}`)).status).toBe(404);

    const skip = await operator.patch(`/api/operator/port-in-requests/${res.body.id}`, {
      status: 'completed',
    });
    expect(skip.status).toBe(409);
    expect(skip.body.error.code).toBe('invalid_transition');
    const started = await operator.patch(`/api/operator/port-in-requests/${res.body.id}`, {
      status: 'in_progress',
    });
    expect(started.body.startedAt).not.toBeNull();
    const done = await operator.patch(`/api/operator/port-in-requests/${res.body.id}`, {
      status: 'completed',
    });
    expect(done.body).toMatchObject({ status: 'completed' });
    const mine = await acme.admin.get('/api/numbers');
    expect(mine.body.items.map((n: { e164: string; source: string }) => [n.e164, n.source])).toEqual([
      ['+37166111111', 'port-in'],
      ['+37166111112', 'port-in'],
    ]);
  });

  it('records a rejection with its reason', async () => {
    const res = await acme.admin.post(
      '/api/port-in-requests',
      portInForm({ numbers: '+37166222222', carrier: 'X', loa: PDF, invoice: PDF }),
    );
    const noReason = await operator.patch(`/api/operator/port-in-requests/${res.body.id}`, {
      status: 'rejected',
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.field).toBe('reason');
    await operator.patch(`/api/operator/port-in-requests/${res.body.id}`, {
      status: 'rejected',
      reason: 'Name on the LoA does not match',
    });
    const seen = await acme.admin.get(`/api/port-in-requests/${res.body.id}`);
    expect(seen.body).toMatchObject({
      status: 'rejected',
      rejectionReason: 'Name on the LoA does not match',
    });
    expect(seen.body.rejectedAt).not.toBeNull();
  });

  it.each([
    [
      'an oversized upload',
      {
        numbers: '+37166333333',
        carrier: 'X',
        loa: Buffer.concat([PDF, Buffer.alloc(70 * 1024)]),
        invoice: PDF,
      },
      413,
      'payload_too_large',
      undefined,
    ],
    [
      'a file that is not a document',
      { numbers: '+37166333333', carrier: 'X', loa: Buffer.from('MZ\x90\x00 not a pdf'), invoice: PDF },
      415,
      'unsupported_file_type',
      'loa',
    ],
    [
      'a missing invoice',
      { numbers: '+37166333333', carrier: 'X', loa: PDF },
      400,
      'file_required',
      'invoice',
    ],
    [
      'a number not in E.164',
      { numbers: '+37166333333, 66333334', carrier: 'X', loa: PDF, invoice: PDF },
      400,
      'validation_failed',
      'numbers.1',
    ],
    [
      'no current carrier',
      { numbers: '+37166333333', loa: PDF, invoice: PDF },
      400,
      'validation_failed',
      'currentCarrier',
    ],
  ])('refuses %s', async (_what, parts, status, code, field) => {
    const before = (await acme.admin.get('/api/port-in-requests?limit=200')).body.items.length;
    const res = await acme.admin.post('/api/port-in-requests', portInForm(parts));
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    if (field) expect(res.body.error.field).toBe(field);
    expect((await acme.admin.get('/api/port-in-requests?limit=200')).body.items.length).toBe(before);
  });
});
