// The dashboard follows the company's live events (GET /api/events) in Chromium against the
// real server with SIP on: while it shows "Live" it does not poll (no repeated GET of what it
// shows over a polling period), and then a phone registering (sipp), an agent logged into a
// queue through the API and a call between two phones appear on the open page without a
// reload; the queue's new counts come from the event itself (no GET of its live state). An
// agent, who may not open the stream, polls instead; with the stream cut, the dashboard says
// so and falls back to polling.
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, type Company, signUpCompany } from '../helpers/accounts.ts';
import { launchChromium } from '../helpers/browser.ts';
import type { ApiClient } from '../helpers/client.ts';
import { createExtensions, type Extension } from '../helpers/extensions.ts';
import type { Line } from '../helpers/lines.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { callerPhone, registeredPhone, sippOk } from '../helpers/sipp-phones.ts';
import { ensureConsoleBuilt, type WatchedPage, watchedPage } from './console-helpers.ts';

/** The dashboard's polling period while the stream is down (dashboard-page.tsx). */
const POLL_MS = 5000;

let server: TestServer;
let browser: Browser;
let acme: Company;
let ext: Map<string, Extension>;
let queueId: string;

const asLine = (e: Extension): Line => ({
  id: e.lineId,
  tenantId: acme.tenantId,
  username: e.username,
  password: e.password,
  domain: e.domain,
});

/** A browser page signed in with the API client's session cookie. */
async function signedIn(client: ApiClient): Promise<WatchedPage> {
  const w = await watchedPage(browser);
  const cookie = client.authHeaders().cookie ?? '';
  await w.context.addCookies(
    cookie.split('; ').map((pair) => {
      const eq = pair.indexOf('=');
      return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url: server.url };
    }),
  );
  return w;
}

/** Counts the page's GET requests by API path (query strings left out). */
function countGets(page: Page) {
  const counts = new Map<string, number>();
  page.on('request', (r: Request) => {
    if (r.method() !== 'GET') return;
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/api/')) counts.set(path, (counts.get(path) ?? 0) + 1);
  });
  return {
    of: (path: string) => counts.get(path) ?? 0,
    snapshot: () => new Map(counts),
  };
}

const queueRow = (page: Page) => page.locator('.queues-now li', { hasText: 'Front desk' });

describe('the dashboard live from the event stream, in Chromium', () => {
  beforeAll(async () => {
    await ensureConsoleBuilt();
    // sipp answers only MD5 digest challenges.
    server = await startTestServer('pglite', { sipEnabled: true }, { digestAlgorithms: ['MD5'] });
    acme = await signUpCompany(server, 'Live Co');
    ext = await createExtensions(acme.admin, ['301', '302']);
    const q = await acme.admin.post('/api/queues', { name: 'Front desk' });
    expect(q.status, JSON.stringify(q.body)).toBe(201);
    queueId = q.body.id;
    const member = await acme.admin.post(`/api/queues/${queueId}/members`, {
      personId: ext.get('301')?.personId,
    });
    expect(member.status, JSON.stringify(member.body)).toBe(201);
    // Members start logged in; this one logs in later, on camera.
    const out = await acme.admin.post(`/api/queues/agents/${ext.get('301')?.personId}/logout`, {});
    expect(out.status, JSON.stringify(out.body)).toBe(200);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows a registration, an agent logging in and a call as they happen, without polling', async () => {
    const w = await signedIn(acme.admin);
    const { page } = w;
    const gets = countGets(page);
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Dashboard');
    await expect.poll(() => page.locator('.live-indicator').textContent()).toBe('Live');
    await expect.poll(() => queueRow(page).textContent()).toContain('0/0 agents available');
    await page.getByText('No phone is registered right now.').waitFor();
    await page.getByText('No call in progress.').waitFor();

    // Live means no polling: over more than a polling period nothing is asked again.
    await page.waitForTimeout(1000);
    const settled = gets.snapshot();
    // (Longer than the server's 10 s idle-socket timeout too: a quiet stream must stay open.)
    await page.waitForTimeout(Math.max(POLL_MS, 10_000) + 2000);
    expect(gets.snapshot()).toEqual(settled);
    expect(await page.locator('.live-indicator').textContent()).toBe('Live');
    const livePath = `/api/queues/${queueId}/live`;
    expect(gets.of(livePath)).toBeGreaterThanOrEqual(1);

    // A phone registers: its registration event reloads the list of devices.
    const ext301 = ext.get('301') as Extension;
    const phone301 = await registeredPhone(server, 'callee_answer.xml', asLine(ext301));
    await expect.poll(() => page.locator('.device-list').textContent()).toContain('Ext 301');
    expect(gets.of('/api/registrations')).toBeGreaterThan(settled.get('/api/registrations') ?? 0);

    // An administrator logs the agent in through the API: the queue's event carries the new
    // counts and the agent's state, so the page shows them without asking for the queue again.
    const liveGets = gets.of(livePath);
    const login = await acme.admin.post(`/api/queues/agents/${ext301.personId}/login`, {});
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    await expect.poll(() => queueRow(page).textContent()).toContain('1/1 agents available');
    expect(gets.of(livePath)).toBe(liveGets);
    await w.screenshot('40-dashboard-live');

    // 302 calls 301, who answers: the call shows while they talk, then in the recent calls.
    const caller = await callerPhone(server, 'caller_long.xml', asLine(ext.get('302') as Extension), '301');
    await expect
      .poll(() => page.locator('.live-calls').textContent(), { timeout: 10_000 })
      .toMatch(/talking.*Ext 302/);
    await w.screenshot('41-dashboard-live-call');
    await sippOk(caller);
    await sippOk(phone301);
    await page.getByText('No call in progress.').waitFor();
    await expect
      .poll(() => page.locator('table').filter({ hasText: 'Started' }).textContent(), { timeout: 10_000 })
      .toMatch(/internal.*answered/);
    expect(w.errors).toEqual([]);
    await w.context.close();
  }, 120_000);

  it('an agent, who may not open the stream, has a dashboard that polls and never asks for it', async () => {
    const agent = await addUser(server, acme, 'agent');
    const w = await signedIn(agent.client);
    const gets = countGets(w.page);
    await w.page.goto(`${server.url}/`);
    await expect.poll(() => w.page.getByRole('heading', { level: 1 }).textContent()).toBe('Dashboard');
    await w.page.getByText('No call in progress.').waitFor();
    await expect.poll(() => gets.of('/api/calls/live'), { timeout: 15_000 }).toBeGreaterThan(1);
    expect(gets.of('/api/events')).toBe(0);
    expect(w.errors).toEqual([]);
    await w.context.close();
  }, 60_000);

  it('says when the stream is down and keeps the dashboard current by polling', async () => {
    const w = await signedIn(acme.admin);
    const { page } = w;
    await page.route('**/api/events', (route) => route.abort());
    const gets = countGets(page);
    await page.goto(`${server.url}/`);
    await expect
      .poll(() => page.locator('.live-indicator').textContent(), { timeout: 15_000 })
      .toBe('Reconnecting…');
    await expect.poll(() => queueRow(page).textContent()).toContain('agents available');
    const ext301 = ext.get('301') as Extension;
    const logout = await acme.admin.post(`/api/queues/agents/${ext301.personId}/logout`, {});
    expect(logout.status, JSON.stringify(logout.body)).toBe(200);
    await expect
      .poll(() => queueRow(page).textContent(), { timeout: 15_000 })
      .toContain('0/0 agents available');
    expect(gets.of(`/api/queues/${queueId}/live`)).toBeGreaterThan(1);
    await w.screenshot('42-dashboard-reconnecting');
    // Only the cut stream failed.
    expect(w.errors.filter((e) => !/ERR_FAILED/.test(e))).toEqual([]);
    await w.context.close();
  }, 60_000);
});
