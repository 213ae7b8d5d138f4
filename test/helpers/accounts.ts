// Test set-up through the public API, the way a customer does it: sign up, verify the
// email from the outbox, sign in.
import { expect } from 'vitest';
import type { ApiClient } from './client.ts';
import { type TestServer, tokenFromMail } from './server.ts';

let seq = 0;
export const PASSWORD = 'correct horse battery';

export interface Company {
  admin: ApiClient;
  email: string;
  tenantId: string;
  personId: string;
}

export async function signUpCompany(server: TestServer, name = `Acme ${++seq}`): Promise<Company> {
  const email = `owner${++seq}-${Date.now()}@${name.toLowerCase().replace(/\W+/g, '')}.example`;
  const c = server.client();
  const signup = await c.post('/api/signup', {
    email,
    password: PASSWORD,
    companyName: name,
    firstName: 'Olga',
    lastName: 'Owner',
    country: 'LV',
    timeZone: 'Europe/Riga',
  });
  expect(signup.status).toBe(202);
  const mail = await server.lastMailTo(email);
  expect((await c.post('/api/auth/verify-email', { token: tokenFromMail(mail.text) })).status).toBe(200);
  const login = await c.post('/api/auth/login', { email, password: PASSWORD });
  expect(login.status).toBe(200);
  return { admin: c, email, tenantId: login.body.user.tenantId, personId: login.body.user.personId };
}

/** Creates a person in the company and signs them in with the given role. */
export async function addUser(
  server: TestServer,
  company: Company,
  role: 'administrator' | 'supervisor' | 'agent',
) {
  const email = `${role}${++seq}-${Date.now()}@member.example`;
  const person = await company.admin.post('/api/people', {
    firstName: role,
    lastName: 'Member',
    emails: [{ address: email, label: 'work' }],
  });
  expect(person.status).toBe(201);
  const inv = await company.admin.post(`/api/people/${person.body.id}/invitations`, { role });
  expect(inv.status).toBe(201);
  const token = tokenFromMail((await server.lastMailTo(email)).text);
  const c = server.client();
  expect((await c.post('/api/invitations/accept', { token, password: PASSWORD })).status).toBe(201);
  return { client: c, email, personId: person.body.id as string };
}

/** Creates the platform operator with the setup token and returns a signed-in client. */
export async function signInOperator(server: TestServer): Promise<ApiClient> {
  const c = server.client();
  const { issueToken } = await import('../../src/api/auth/accounts.ts');
  const token = await issueToken(server.running.store.db, 'operator_setup', null, 60_000);
  const email = `operator-${Date.now()}@platform.example`;
  const res = await c.post('/api/setup', { token, email, password: PASSWORD });
  if (res.status === 409) throw new Error('operator already exists on this server; reuse it');
  expect(res.status).toBe(201);
  return c;
}
