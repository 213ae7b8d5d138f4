// The links Switchboard prints and emails open working pages in a real browser (Chromium).
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/api/auth/accounts.ts';
import { launchChromium } from '../helpers/browser.ts';
import { startTestServer, type TestServer, tokenFromMail } from '../helpers/server.ts';

describe('pages behind emailed links, in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startTestServer('pglite');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates the operator from the setup link, verifies a sign-up and signs in', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));

    const token = await issueToken(server.running.store.db, 'operator_setup', null, 60_000);
    await page.goto(`${server.url}/setup?token=${token}`);
    await page.getByLabel('Email').fill('root@platform.example');
    await page.getByLabel(/Password/).fill('operator password 1');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.locator('#msg').textContent()).toContain('operator account is ready');

    const c = server.client();
    await c.post('/api/signup', {
      email: 'new@browser.example',
      password: 'browser password',
      companyName: 'Browser Co',
      firstName: 'B',
      lastName: 'Rowser',
      country: 'LV',
      timeZone: 'Europe/Riga',
    });
    const link = /http\S+verify-email\?token=\S+/.exec(
      (await server.lastMailTo('new@browser.example')).text,
    )?.[0];
    expect(link).toBeDefined();
    await page.goto(`${server.url}/verify-email?token=${tokenFromMail(link as string)}`);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.locator('#msg').textContent()).toContain('email is verified');

    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Email').fill('new@browser.example');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.locator('#msg').textContent()).toBe('email or password is wrong');
    await page.getByLabel('Password').fill('browser password');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.locator('#msg').textContent()).toBe('You are signed in.');
    const cookies = await page.context().cookies();
    expect(cookies.find((k) => k.name === 'sb_session')?.httpOnly).toBe(true);
    expect(errors.filter((e) => !/401/.test(e))).toEqual([]);
  });
});
