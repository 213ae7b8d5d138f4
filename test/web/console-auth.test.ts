// The console's signed-out pages in Chromium, against the real server: the operator setup
// link, sign-up and the emailed verification link, sign-in with a wrong and a right
// password, password reset, an invitation accepted into an agent's console, and 2FA turned
// on from the account page (its QR code read back from the pixels) and then asked for at
// sign-in. These pages replace the plain HTML pages the server had before the console. The
// platform operator signs in to the companies and the number inventory.

// jsQR is CommonJS typed as ESM: Node's default import is its module object, whose .default is jsQR.
import jsqr from 'jsqr';
import { generate } from 'otplib';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/api/auth/accounts.ts';
import { launchChromium } from '../helpers/browser.ts';
import { startTestServer, type TestServer, tokenFromMail } from '../helpers/server.ts';
import { ensureConsoleBuilt, failedLoad, watchedPage } from './console-helpers.ts';

const PASSWORD = 'browser password';

/** Draws an SVG element to a canvas in the page and decodes the QR code in its pixels. */
async function readQr(svg: Locator): Promise<string | undefined> {
  const size = 400;
  // A function run in the page (the CSP forbids eval), whose DOM types this project lacks.
  type InPage = {
    XMLSerializer: new () => { serializeToString(n: unknown): string };
    Image: new () => { src: string; decode(): Promise<void> };
    document: {
      createElement(tag: 'canvas'): {
        width: number;
        height: number;
        getContext(kind: '2d'): {
          fillStyle: string;
          fillRect(x: number, y: number, w: number, h: number): void;
          drawImage(img: unknown, x: number, y: number, w: number, h: number): void;
          getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
        };
      };
    };
  };
  const rgba = await svg.evaluate(async (el, size) => {
    const w = globalThis as unknown as InPage;
    const img = new w.Image();
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new w.XMLSerializer().serializeToString(el))}`;
    await img.decode();
    const canvas = w.document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size, size);
    ctx.drawImage(img, 0, 0, size, size);
    return Array.from(ctx.getImageData(0, 0, size, size).data);
  }, size);
  return jsqr.default(Uint8ClampedArray.from(rgba), size, size)?.data;
}

describe('console sign-in pages, in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    await ensureConsoleBuilt();
    // SIP on, as the console expects (its dashboard lists the calls in progress).
    server = await startTestServer('pglite', { sipEnabled: true });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates the operator from the setup link', async () => {
    const { page, errors } = await watchedPage(browser);
    const token = await issueToken(server.running.store.db, 'operator_setup', null, 60_000);
    await page.goto(`${server.url}/setup?token=${token}`);
    await page.getByLabel('Email', { exact: true }).fill('root@platform.example');
    await page.getByLabel('Password', { exact: true }).fill('operator password 1');
    await page.getByRole('button', { name: 'Create operator' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('operator account is ready');
    expect(errors).toEqual([]);
  });

  it('signs a company up, verifies the email from the link and signs in', async () => {
    const { page, errors, context, screenshot } = await watchedPage(browser);
    await page.goto(`${server.url}/`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    await page.getByRole('link', { name: 'Create a company account' }).click();
    await page.getByLabel('Company name').fill('Browser Co');
    await page.getByLabel('First name').fill('Bea');
    await page.getByLabel('Last name').fill('Rowser');
    await page.getByLabel('Work email').fill('bea@browser.example');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByLabel('Country').selectOption('LV');
    await page.getByLabel('Time zone').selectOption('Europe/Riga');
    await page.getByRole('button', { name: 'Create account' }).click();
    // The API's own words, at the field.
    await expect.poll(() => page.locator('.field-error').textContent()).toContain('at least 10 characters');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('bea@browser.example');
    await screenshot('auth-signup-sent');

    const mail = await server.lastMailTo('bea@browser.example');
    await page.goto(`${server.url}/verify-email?token=${tokenFromMail(mail.text)}`);
    await expect.poll(() => page.getByRole('status').textContent()).toContain('email is verified');

    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Email', { exact: true }).fill('bea@browser.example');
    await page.getByLabel('Password', { exact: true }).fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('email or password is wrong');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Dashboard');
    const nav = await page.getByRole('navigation', { name: 'Main' }).textContent();
    expect(nav).toContain('People');
    expect(nav).toContain('Settings');
    const cookies = await context.cookies();
    expect(cookies.find((k) => k.name === 'sb_session')?.httpOnly).toBe(true);
    // The short password (400) and the wrong one (401) were shown to the user, nothing else failed.
    expect(errors.filter((e) => !failedLoad(400).test(e) && !failedLoad(401).test(e))).toEqual([]);
    expect(errors).toHaveLength(2);
  });

  it('resets a forgotten password from the emailed link', async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${server.url}/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email', { exact: true }).fill('bea@browser.example');
    await page.getByRole('button', { name: 'Send the link' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('reset link is on its way');
    const mail = await server.lastMailTo('bea@browser.example');
    expect(mail.subject).toContain('Reset');
    await page.goto(`${server.url}/reset-password?token=${tokenFromMail(mail.text)}`);
    await page.getByLabel('New password', { exact: true }).fill('another browser password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('password is changed');
    await page.getByRole('link', { name: 'Sign in with it now' }).click();
    await page.getByLabel('Email', { exact: true }).fill('bea@browser.example');
    await page.getByLabel('Password', { exact: true }).fill('another browser password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Dashboard');
    expect(errors).toEqual([]);
  });

  it('accepts an invitation into an agent console, whose menu has no administration', async () => {
    const admin = server.client();
    expect(
      (
        await admin.post('/api/auth/login', {
          email: 'bea@browser.example',
          password: 'another browser password',
        })
      ).status,
    ).toBe(200);
    const person = await admin.post('/api/people', {
      firstName: 'Ann',
      lastName: 'Agent',
      extension: '201',
      emails: [{ address: 'ann@browser.example', label: 'work' }],
    });
    expect((await admin.post(`/api/people/${person.body.id}/invitations`, { role: 'agent' })).status).toBe(
      201,
    );
    const token = tokenFromMail((await server.lastMailTo('ann@browser.example')).text);

    const { page, errors, screenshot } = await watchedPage(browser);
    await page.goto(`${server.url}/accept-invitation?token=${token}`);
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Join Browser Co on Switchboard');
    await page.getByLabel('Password', { exact: true }).fill('agent password 1');
    await page.getByRole('button', { name: 'Accept and sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Dashboard');
    await expect.poll(() => page.locator('.facts').textContent()).toContain('201');
    const nav = (await page.getByRole('navigation', { name: 'Main' }).textContent()) ?? '';
    expect(nav).toContain('Directory');
    expect(nav).not.toContain('People');
    expect(nav).not.toContain('Settings');
    await screenshot('auth-agent-dashboard');
    // Every page of the agent's menu opens without a refused request.
    for (const [link, title] of [
      ['Call flows', 'Call flows'],
      ['Queues', 'Queues'],
      ['Voicemail', 'Voicemail'],
      ['Recordings', 'Recordings'],
      ['Directory', 'Directory'],
      ['Audio library', 'Audio library'],
    ]) {
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: link, exact: true })
        .click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(title);
      await page.locator('.loading').first().waitFor({ state: 'detached' });
    }
    // Flows are read-only for agents: no palette, no publishing.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Call flows' }).click();
    await page.locator('.react-flow').waitFor();
    expect(await page.getByRole('button', { name: 'Publish' }).count()).toBe(0);
    expect(await page.locator('.palette').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('turns 2FA on from the account page, then asks for a code (or a recovery code) at sign-in', async () => {
    const { page, errors, screenshot } = await watchedPage(browser);
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Email', { exact: true }).fill('bea@browser.example');
    await page.getByLabel('Password', { exact: true }).fill('another browser password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'bea@browser.example' }).click();
    const setup = page.waitForResponse((r) => r.url().endsWith('/api/me/totp/setup'));
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    const { otpauthUri } = (await (await setup).json()) as { otpauthUri: string };
    // The QR code, read back from the pixels as a phone's camera would, is the setup link...
    const qr = page.getByRole('img', { name: /QR code of the setup key/ });
    const decoded = await readQr(qr);
    expect(decoded).toBe(otpauthUri);
    await screenshot('account-2fa-setup');
    // ...and its secret, the key shown for typing, makes the codes that turn 2FA on.
    const secret = new URL(decoded ?? '').searchParams.get('secret') ?? '';
    expect(((await page.locator('.secret code').textContent()) ?? '').replace(/\s/g, '')).toBe(secret);
    await page.getByLabel('Code from the app').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await expect.poll(() => page.locator('.codes li').count()).toBeGreaterThan(3);
    const recovery = ((await page.locator('.codes li').first().textContent()) ?? '').trim();
    await screenshot('account-2fa-on');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Email', { exact: true }).fill('bea@browser.example');
    await page.getByLabel('Password', { exact: true }).fill('another browser password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(recovery);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Dashboard');
    expect(errors).toEqual([]);
  });

  it('signs the platform operator in to a home with the companies and the number inventory', async () => {
    const operator = server.client();
    const login = await operator.post('/api/auth/login', {
      email: 'root@platform.example',
      password: 'operator password 1',
    });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    const added = await operator.post('/api/operator/numbers', {
      numbers: ['+37167100001', '+37167100002', '+37120100003'].map((e164) => ({
        e164,
        country: 'LV',
        areaCode: e164.slice(4, 6),
        type: e164.startsWith('+3712') ? 'mobile' : 'local',
      })),
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);

    const { page, errors, screenshot } = await watchedPage(browser);
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Email', { exact: true }).fill('root@platform.example');
    await page.getByLabel('Password', { exact: true }).fill('operator password 1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Platform operator');
    const company = page.locator('table.companies tr', { hasText: 'Browser Co' });
    await expect.poll(() => company.textContent()).toMatch(/LV.*active/);
    await page.getByText('3 of 3 numbers available to buy.').waitFor();
    expect(await page.locator('table.inventory tbody tr').allTextContents()).toEqual([
      'LVlocal20',
      'LVmobile10',
    ]);
    await screenshot('operator-home');
    expect(errors).toEqual([]);
  });
});
