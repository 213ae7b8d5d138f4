// Sign-up, email verification, login, lock-out, password reset and TOTP 2FA, over HTTP.
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, signUpCompany } from '../helpers/accounts.ts';
import { databases, startTestServer, type TestServer, tokenFromMail } from '../helpers/server.ts';

// A TOTP code for the step after the current one: accepted within the ±1 step window
// and newer than any code used just before it, so tests need not wait for the clock.
const nextCode = (secret: string, stepsAhead = 1) =>
  generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 * stepsAhead });

describe.each(databases())('accounts on %s', (db) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(db, { loginMaxFailures: 3 });
  });
  afterAll(() => server?.close());

  it('signs up a company, verifies the email from the outbox and signs in', async () => {
    const c = server.client();
    const email = 'ceo@northwind.example';
    const signup = await c.post('/api/signup', {
      email,
      password: PASSWORD,
      companyName: 'Northwind Traders',
      firstName: 'Nina',
      lastName: 'North',
      country: 'lv',
      timeZone: 'Europe/Riga',
    });
    expect(signup.status).toBe(202);
    expect(signup.body).toEqual({ status: 'verification_sent', email });

    const before = await c.post('/api/auth/login', { email, password: PASSWORD });
    expect(before.status).toBe(403);
    expect(before.body.error.code).toBe('email_not_verified');

    const mail = await server.lastMailTo(email);
    expect(mail.subject).toMatch(/verify/i);
    const verify = await c.post('/api/auth/verify-email', { token: tokenFromMail(mail.text) });
    expect(verify.status).toBe(200);
    const again = await c.post('/api/auth/verify-email', { token: tokenFromMail(mail.text) });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('invalid_token');

    const login = await c.post('/api/auth/login', { email, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ email, role: 'administrator', mfaEnabled: false });
    expect(login.headers.getSetCookie()[0]).toMatch(/HttpOnly/i);

    const me = await c.get('/api/me');
    expect(me.body.tenant.name).toBe('Northwind Traders');
    expect(me.body.tenant.sipDomain).toBe('northwind-traders.sip.switchboard.local');

    const tenant = await c.patch('/api/tenant', {
      legalName: 'Northwind Traders SIA',
      vatId: 'lv 40003 123456',
      billingAddress: { line1: 'Brivibas 1', city: 'Riga', postalCode: 'LV-1010', country: 'LV' },
    });
    expect(tenant.status).toBe(200);
    expect(tenant.body).toMatchObject({
      legalName: 'Northwind Traders SIA',
      vatId: 'LV40003123456',
      status: 'active',
    });

    const change = await c.post('/api/me/password', {
      currentPassword: 'not it',
      newPassword: 'another password 2',
    });
    expect(change.status).toBe(401);
    expect(change.body.error.field).toBe('currentPassword');
    expect(
      (await c.post('/api/me/password', { currentPassword: PASSWORD, newPassword: 'another password 2' }))
        .status,
    ).toBe(200);
    const log = await c.get('/api/audit-events');
    expect(log.body.items.map((e: { action: string }) => e.action)).toEqual([
      'user.email_verified',
      'tenant.update',
      'user.password_change',
    ]);

    expect((await c.post('/api/auth/logout')).status).toBe(204);
    expect((await c.get('/api/me')).status).toBe(401);
  });

  it('refuses free-mail sign-ups and answers a repeated sign-up like a new one', async () => {
    const c = server.client();
    const body = {
      password: PASSWORD,
      companyName: 'X',
      firstName: 'A',
      lastName: 'B',
      country: 'LV',
      timeZone: 'UTC',
    };
    const free = await c.post('/api/signup', { ...body, email: 'someone@gmail.com' });
    expect(free.status).toBe(400);
    expect(free.body.error).toMatchObject({ code: 'business_email_required', field: 'email' });

    const company = await signUpCompany(server);
    const repeat = await c.post('/api/signup', { ...body, email: company.email });
    expect(repeat.status).toBe(202);
    expect(repeat.body.status).toBe('verification_sent');
    expect((await server.lastMailTo(company.email)).subject).toMatch(/tried to sign up/);

    const bad = await c.post('/api/signup', { ...body, email: 'x@y.example', timeZone: 'Mars/Olympus' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', field: 'timeZone' });
  });

  it('locks an account after repeated failures, and unknown emails the same way', async () => {
    const company = await signUpCompany(server);
    const c = server.client();
    for (const email of [company.email, 'nobody@unknown.example']) {
      for (let i = 0; i < 3; i++) {
        const r = await c.post('/api/auth/login', { email, password: 'wrong password!' });
        expect(r.status).toBe(401);
        expect(r.body.error.code).toBe('invalid_credentials');
      }
      const locked = await c.post('/api/auth/login', { email, password: PASSWORD });
      expect(locked.status).toBe(423);
      expect(locked.body.error.code).toBe('account_locked');
    }
    // A password reset lifts the lock.
    await c.post('/api/auth/password-reset', { email: company.email });
    const token = tokenFromMail((await server.lastMailTo(company.email)).text);
    const done = await c.post('/api/auth/password-reset/complete', {
      token,
      password: 'a brand new password',
    });
    expect(done.status).toBe(200);
    expect((await c.post('/api/auth/login', { email: company.email, password: PASSWORD })).status).toBe(401);
    expect(
      (await c.post('/api/auth/login', { email: company.email, password: 'a brand new password' })).status,
    ).toBe(200);
    // The old admin session was signed out by the reset.
    expect((await company.admin.get('/api/me')).status).toBe(401);
  });

  it('answers a reset request the same for unknown emails', async () => {
    const r = await server.client().post('/api/auth/password-reset', { email: 'ghost@nowhere.example' });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ status: 'sent_if_registered' });
  });

  it('turns on TOTP 2FA, then requires a code or a single-use recovery code at login', async () => {
    const company = await signUpCompany(server);
    const setup = await company.admin.post('/api/me/totp/setup');
    expect(setup.status).toBe(200);
    expect(setup.body.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    const secret = setup.body.secret as string;

    const wrong = await company.admin.post('/api/me/totp/enable', { code: '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'invalid_code', field: 'code' });
    const enabled = await company.admin.post('/api/me/totp/enable', { code: await generate({ secret }) });
    expect(enabled.status).toBe(200);
    const recovery = enabled.body.recoveryCodes as string[];
    expect(recovery).toHaveLength(10);

    const c = server.client();
    const step1 = await c.post('/api/auth/login', { email: company.email, password: PASSWORD });
    expect(step1.body).toMatchObject({ mfaRequired: true });
    expect(step1.headers.getSetCookie()).toHaveLength(0);
    const bad = await c.post('/api/auth/login/mfa', { mfaToken: step1.body.mfaToken, code: '123456' });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('invalid_code');
    const good = await c.post('/api/auth/login/mfa', {
      mfaToken: step1.body.mfaToken,
      code: await nextCode(secret),
    });
    expect(good.status).toBe(200);
    expect(good.body.user.mfaEnabled).toBe(true);
    expect((await c.get('/api/me')).status).toBe(200);

    // The same code cannot be replayed for another login.
    const c2 = server.client();
    const s2 = await c2.post('/api/auth/login', { email: company.email, password: PASSWORD });
    const replay = await c2.post('/api/auth/login/mfa', {
      mfaToken: s2.body.mfaToken,
      code: await nextCode(secret),
    });
    expect(replay.status).toBe(401);
    const viaRecovery = await c2.post('/api/auth/login/mfa', {
      mfaToken: s2.body.mfaToken,
      recoveryCode: recovery[0],
    });
    expect(viaRecovery.status).toBe(200);

    const c3 = server.client();
    const s3 = await c3.post('/api/auth/login', { email: company.email, password: PASSWORD });
    const reused = await c3.post('/api/auth/login/mfa', {
      mfaToken: s3.body.mfaToken,
      recoveryCode: recovery[0],
    });
    expect(reused.status).toBe(401);
  });

  it('enforces a company policy that administrators use 2FA', async () => {
    const company = await signUpCompany(server);
    expect((await company.admin.patch('/api/tenant', { requireAdmin2fa: true })).status).toBe(200);
    const blocked = await company.admin.get('/api/people');
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe('mfa_enrollment_required');
    const me = await company.admin.get('/api/me');
    expect(me.body.mfaEnrollmentRequired).toBe(true);
    const setup = await company.admin.post('/api/me/totp/setup');
    await company.admin.post('/api/me/totp/enable', { code: await generate({ secret: setup.body.secret }) });
    expect((await company.admin.get('/api/people')).status).toBe(200);
    const off = await company.admin.post('/api/me/totp/disable', {
      password: PASSWORD,
      code: await nextCode(setup.body.secret),
    });
    expect(off.status).toBe(409);
    expect(off.body.error.code).toBe('mfa_required_by_policy');
  });
});

describe('rate limiting of the auth endpoints', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { authRateLimitPerMinute: 4 });
  });
  afterAll(() => server?.close());

  it('answers 429 with Retry-After once an address exceeds its budget', async () => {
    const c = server.client();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await c.post('/api/auth/login', { email: `x${i}@y.example`, password: 'whatever' })).status,
      );
    }
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    const limited = await c.post('/api/auth/login', { email: 'z@y.example', password: 'whatever' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
