// The shared contact directory: manual contacts, CSV import with a per-row report, export.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Company, signUpCompany } from '../helpers/accounts.ts';
import { databases, startTestServer, type TestServer } from '../helpers/server.ts';

const csvHeaders = { 'content-type': 'text/csv' };

describe.each(databases())('contacts on %s', (db) => {
  let server: TestServer;
  let acme: Company;
  beforeAll(async () => {
    server = await startTestServer(db, { csvMaxRows: 50, uploadMaxBytes: 8 * 1024 });
    acme = await signUpCompany(server, 'Acme Contacts');
  });
  afterAll(() => server?.close());

  it('imports good rows whole, reports each broken row, and imports nothing of a broken row', async () => {
    const csv = [
      'First Name,Last Name,Company,Job Title,Work Email,Home Email,Phone,Mobile,Show In Directory',
      'Anna,Berzina,Client Co,CFO,anna@client.example,,+37167111111,+37129111111,true',
      '"Jānis","Kalniņš, Jr.","Quote ""Co""",,janis@client.example,,,,',
      'Bad,Phone,X,,,,0067111,,true',
      ',NoFirst,X,,,,,,',
      'Bad,Email,X,,not-an-email,,,,',
      'Bad,Flag,X,,,,,,maybe',
      'Too,Few,Fields',
    ].join('\r\n');
    const res = await acme.admin.post('/api/contacts/import', csv, csvHeaders);
    expect(res.status).toBe(200);
    expect(res.body.imported).toBe(2);
    expect(res.body.rejected).toBe(5);
    expect(res.body.errors).toEqual([
      { row: 4, field: 'phone', message: expect.stringMatching(/E\.164/) },
      { row: 5, field: 'first_name', message: 'must not be empty' },
      { row: 6, field: 'work_email', message: 'must be an email address' },
      { row: 7, field: 'show_in_directory', message: 'must be true or false' },
      { row: 8, field: '', message: 'has 3 fields, the header has 9' },
    ]);
    const list = await acme.admin.get('/api/contacts?limit=200');
    expect(list.body.items.map((c: { lastName: string }) => c.lastName)).toEqual(['Berzina', 'Kalniņš, Jr.']);
    expect(list.body.items[0]).toMatchObject({
      source: 'csv',
      emails: [{ address: 'anna@client.example', label: 'work' }],
      contactNumbers: [
        { number: '+37167111111', label: 'phone' },
        { number: '+37129111111', label: 'mobile' },
      ],
    });
    expect(list.body.items[1].company).toBe('Quote "Co"');
  });

  it('changes nothing on a dry run', async () => {
    const co = await signUpCompany(server, 'Dry Run Co');
    const res = await co.admin.post(
      '/api/contacts/import?dryRun=true',
      'first_name,last_name\nA,B\n',
      csvHeaders,
    );
    expect(res.body).toMatchObject({ imported: 0, rejected: 0, dryRun: true });
    expect((await co.admin.get('/api/contacts')).body.items).toEqual([]);
  });

  it.each([
    [
      'an unknown column',
      'first_name,last_name,fax\nA,B,1\n',
      400,
      'invalid_csv',
      /unknown column\(s\): fax/,
    ],
    ['no last_name column', 'first_name\nA\n', 400, 'invalid_csv', /no last_name column/],
    [
      'an unclosed quote',
      'first_name,last_name\n"A,B\n',
      400,
      'invalid_csv',
      /line 2: a quoted field is not closed/,
    ],
    ['too many rows', `first_name,last_name\n${'A,B\n'.repeat(60)}`, 400, 'invalid_csv', /more than 51 rows/],
    [
      'an oversized file',
      `first_name,last_name\n${'Aaaaaaaaaa,Bbbbbbbbbb\n'.repeat(500)}`,
      413,
      'payload_too_large',
      /./,
    ],
  ])('refuses a file with %s and imports nothing', async (_what, csv, status, code, message) => {
    const co = await signUpCompany(server);
    const res = await co.admin.post('/api/contacts/import', csv, csvHeaders);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
    expect((await co.admin.get('/api/contacts')).body.items).toEqual([]);
  });

  it('exports CSV that imports back unchanged, with formula cells neutralised', async () => {
    const co = await signUpCompany(server, 'Export Co');
    await co.admin.post('/api/contacts', {
      firstName: '=HYPERLINK("http://evil")',
      lastName: 'Smith, "The" Third',
      company: 'Widgets',
      emails: [{ address: 'smith@widgets.example', label: 'home' }],
      contactNumbers: [{ number: '+37167222222', label: 'phone' }],
      showInDirectory: false,
    });
    const exported = await co.admin.get('/api/contacts/export');
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = exported.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'first_name,last_name,company,job_title,work_email,home_email,phone,mobile,show_in_directory',
    );
    expect(lines[1]).toBe(
      `"'=HYPERLINK(""http://evil"")","Smith, ""The"" Third",Widgets,,,smith@widgets.example,+37167222222,,false`,
    );

    const copy = await signUpCompany(server, 'Import Copy Co');
    const res = await copy.admin.post('/api/contacts/import', exported.text, csvHeaders);
    expect(res.body).toMatchObject({ imported: 1, rejected: 0 });
    const [c] = (await copy.admin.get('/api/contacts')).body.items;
    expect(c).toMatchObject({
      firstName: '=HYPERLINK("http://evil")',
      lastName: 'Smith, "The" Third',
      showInDirectory: false,
      emails: [{ address: 'smith@widgets.example', label: 'home' }],
    });
  });

  it('shows people and contacts in the company directory, without hidden ones', async () => {
    const co = await signUpCompany(server, 'Directory Co');
    await co.admin.post('/api/people', { firstName: 'Zed', lastName: 'Worker', extension: '555' });
    await co.admin.post('/api/people', { firstName: 'Hidden', lastName: 'Person', showInDirectory: false });
    await co.admin.post('/api/contacts', {
      firstName: 'Bea',
      lastName: 'Client',
      contactNumbers: [{ number: '+37167333333' }],
    });
    const dir = await co.admin.get('/api/directory');
    expect(dir.body.entries.map((e: { name: string; kind: string }) => `${e.kind}:${e.name}`)).toEqual([
      'contact:Bea Client',
      'person:Olga Owner',
      'person:Zed Worker',
    ]);
    expect(dir.body.entries[2].extension).toBe('555');
  });
});
