// The console end to end, in Chromium against the real server with SIP on: an administrator
// signs up, buys a number, adds two people with lines through the create-user wizard (one
// with an announcement from an uploaded prompt, set again on a person's page; recordings sent
// by the delivery methods made under Settings), draws
// a flow (number → menu → 1 records and rings Anna, 2 or no answer goes to voicemail),
// simulates it, keeps the simulation as a flow test, publishes it; then the carrier (sipp on
// 127.0.0.3) calls the number and presses 1, Anna's phone (sipp registered with the password
// the wizard showed) answers, and the Recordings page draws the call; a second call presses 2
// and leaves a message, which the Voicemail page plays. Every page is screenshotted under test-results/console/ and the
// browser console must stay free of errors throughout.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInOperator } from '../helpers/accounts.ts';
import { launchChromium } from '../helpers/browser.ts';
import type { Line } from '../helpers/lines.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { registeredPhone, sipPort, sippOk } from '../helpers/sipp-phones.ts';
import { runSipp } from '../sip/interop/sipp.ts';
import { ensureConsoleBuilt, failedLoad, type WatchedPage, watchedPage } from './console-helpers.ts';
import {
  addDeliveryMethod,
  addPersonWithLine,
  buyNumber,
  type CreatedLine,
  dragFromPalette,
  drawCable,
  go,
  selectNode,
  signUp,
  toneWav,
  uploadPrompt,
  waitForHeading,
} from './console-steps.ts';

const CARRIER = '127.0.0.3';
const NUMBER = '+37167200001';
const CALLER = '+37129000111';
const EMAIL = 'olga@console-telecom.example';
const PASSWORD = 'console password 1';
const RECORDS_EMAIL = 'records@console-telecom.example';

let server: TestServer;
let browser: Browser;
let w: WatchedPage;
let page: Page;
const lines: Record<string, CreatedLine & { id?: string }> = {};
let annaId = '';

const scenario = (name: string) => `../../web/console-scenarios/${name}`;

function carrierCall(file: string) {
  return runSipp({
    scenario: { file: scenario(file) },
    transport: 'udp',
    remote: `127.0.0.1:${sipPort(server)}`,
    localIp: CARRIER,
    inject: ['SEQUENTIAL', `${NUMBER.slice(1)};${CALLER.slice(1)}`],
  });
}

const asLine = (l: CreatedLine): Line => ({ id: '', tenantId: '', ...l });

describe('the console end to end, in Chromium with a real call', () => {
  beforeAll(async () => {
    await ensureConsoleBuilt();
    // sipp answers only MD5 digest challenges.
    // Recording deliveries retry once, at once, so a refusing server makes a failed one.
    server = await startTestServer(
      'pglite',
      { sipEnabled: true },
      { digestAlgorithms: ['MD5'], recordingDelivery: { retryScheduleMs: [200] } },
    );
    // The platform operator's side (no console pages yet): a trunk to the carrier and numbers.
    const operator = await signInOperator(server);
    const trunk = await operator.post('/api/operator/trunks', {
      name: 'carrier',
      host: CARRIER,
      port: 5060,
      transport: 'udp',
      inboundAddresses: [`${CARRIER}/32`],
    });
    expect(trunk.status, JSON.stringify(trunk.body)).toBe(201);
    const added = await operator.post('/api/operator/numbers', {
      numbers: [NUMBER, '+37167200002'].map((e164) => ({
        e164,
        country: 'LV',
        areaCode: '67',
        type: 'local',
        trunkId: trunk.body.id,
      })),
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    browser = await launchChromium();
    w = await watchedPage(browser);
    page = w.page;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs up, buys a number and adds two people with lines in the wizard', async () => {
    await signUp(page, server, EMAIL, PASSWORD);
    await w.screenshot('01-dashboard-empty');
    await buyNumber(page, NUMBER);
    await w.screenshot('02-numbers-buy');
    await page.getByRole('button', { name: 'Your numbers' }).click();
    await page.locator('tbody').getByText(NUMBER).waitFor();
    await w.screenshot('03-numbers-own');

    // An uploaded greeting to announce calls with (line announcements take uploaded prompts).
    await uploadPrompt(page, 'Welcome tone', toneWav(800));

    // Where recordings go: an email address (its test mail arrives) and an FTP server that
    // refuses connections (its test shows why); the FTP password is write-only.
    await go(page, 'Settings', 'Settings');
    await page.getByRole('button', { name: 'Delivery methods' }).click();
    await page.getByText('No delivery methods yet.').waitFor();
    await addDeliveryMethod(page, 'Email', { Name: 'Office mail', 'Email addresses': RECORDS_EMAIL });
    await page.getByRole('button', { name: 'Test Office mail' }).click();
    await page.getByText('Test mail sent').waitFor();
    expect((await server.lastMailTo(RECORDS_EMAIL)).subject).toMatch(/test/i);
    await addDeliveryMethod(page, 'FTP', {
      Name: 'Archive FTP',
      Server: '127.0.0.1',
      Port: '1',
      Username: 'recorder',
      Password: 'ftp secret 1',
    });
    await page.getByRole('button', { name: 'Test Archive FTP' }).click();
    await expect
      .poll(() => page.locator('.test-result .field-error').textContent())
      .toMatch(/^Test failed: ./);
    await page.getByRole('button', { name: 'Edit Archive FTP' }).click();
    const edit = page.getByRole('dialog');
    expect(await edit.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    await edit.getByText('Leave empty to keep the stored one.').waitFor();
    await edit.getByLabel('Folder').fill('calls');
    await edit.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved “Archive FTP”.').waitFor();
    await w.screenshot('23-settings-delivery-methods');
    // The FTP test's refusal (422) is the only failed request.
    expect(w.errors.filter((e) => !failedLoad(422).test(e))).toEqual([]);
    w.errors.length = 0;

    lines.anna = await addPersonWithLine(page, {
      first: 'Anna',
      last: 'Sales',
      department: 'Sales',
      extension: '201',
      recordInbound: true,
      deliveryMethods: ['Office mail', 'Archive FTP'],
    });
    await w.screenshot('04-people-wizard-done');
    expect(lines.anna.username).toBe('201');
    expect(lines.anna.password.length).toBeGreaterThanOrEqual(12);
    lines.boris = await addPersonWithLine(page, {
      first: 'Boris',
      last: 'Support',
      department: 'Support',
      extension: '202',
      recordInbound: false,
      internalAnnouncement: 'Welcome tone',
    });
    await go(page, 'People', 'People');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(3);
    await w.screenshot('05-people');
    await page.getByRole('link', { name: 'Anna Sales' }).click();
    annaId = new URL(page.url()).pathname.split('/').pop() ?? '';
    await waitForHeading(page, 'Anna Sales');
    await page.getByText('No phone is registered on this line.').waitFor();
    // Anna's line, edited on her page: her outside calls are announced with the greeting.
    await page.getByLabel('External announcement').selectOption({ label: 'Welcome tone' });
    await page.getByRole('button', { name: 'Play Welcome tone' }).waitFor();
    await page.getByRole('button', { name: 'Save line' }).click();
    await page.getByText('Line saved.').waitFor();
    await w.screenshot('06-person');
    // The API has both announcements as the uploaded prompt's file.
    const api = server.client();
    expect((await api.post('/api/auth/login', { email: EMAIL, password: PASSWORD })).status).toBe(200);
    const prompt = (await api.get('/api/prompts')).body.items.find(
      (p: { name: string }) => p.name === 'Welcome tone',
    );
    expect(prompt.fileId).toEqual(expect.any(String));
    const byUser = new Map(
      (await api.get('/api/lines?limit=50')).body.items.map((l: { sipUsername: string }) => [
        l.sipUsername,
        l,
      ]),
    );
    expect(byUser.get('201')).toMatchObject({
      externalAnnouncementFileId: prompt.fileId,
      internalAnnouncementFileId: null,
    });
    expect(byUser.get('202')).toMatchObject({
      internalAnnouncementFileId: prompt.fileId,
      externalAnnouncementFileId: null,
    });
    // Anna's recordings go to both methods; the FTP one kept its password through the edit.
    const methods = new Map(
      (await api.get('/api/delivery-methods')).body.items.map((m: { name: string }) => [m.name, m]),
    );
    expect(methods.get('Archive FTP')).toMatchObject({ secretSet: true, directory: 'calls', port: 1 });
    expect(
      (
        byUser.get('201') as { recording: { deliveryMethodIds: string[] } }
      ).recording.deliveryMethodIds.sort(),
    ).toEqual([...methods.values()].map((m) => (m as { id: string }).id).sort());
    expect(w.errors).toEqual([]);
  }, 120_000);

  it('draws number → menu → record and ring Anna, or voicemail; simulates it and publishes it', async () => {
    await go(page, 'Call flows', 'Call flows');
    await page.getByRole('button', { name: 'Add Phone number' }).click();
    await page.locator('[data-node-id="number-1"]').waitFor();
    expect(await page.getByLabel('Phone number', { exact: true }).inputValue()).toBe(NUMBER);
    await dragFromPalette(page, 'menu', 320, 60);
    await page.locator('[data-node-id="menu-1"]').waitFor();
    await page.getByRole('button', { name: 'Add Ring people' }).click();
    await page
      .getByLabel('Add', { exact: true })
      .selectOption({ label: 'Anna Sales (201): all their phones' });
    await page.getByRole('button', { name: 'Add Voicemail' }).click();
    await page.getByLabel('Voicemail box').selectOption({ label: 'Anna Sales (person)' });
    await page.getByRole('button', { name: 'Add Recording' }).click();
    await page.getByLabel('Recording', { exact: true }).selectOption('start');
    // The number's output and the menu's input are joined on the canvas with the mouse...
    await drawCable(page, 'number-1', 'next', 'menu-1');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(1);
    // ...and the other cables from the properties panel, as a keyboard user would.
    await selectNode(page, 'menu-1', 'IVR menu');
    await page.getByLabel('When key 1, go to').selectOption({ label: 'Recording (Recording)' });
    await page.getByLabel('When key 2, go to').selectOption({ label: 'Voicemail (Voicemail)' });
    await selectNode(page, 'record-1', 'Recording');
    await page.getByLabel('When next, go to').selectOption({ label: 'Ring people (Ring people)' });
    await selectNode(page, 'ring-1', 'Ring people');
    await page.getByLabel('When no answer, go to').selectOption({ label: 'Voicemail (Voicemail)' });
    await page.getByLabel('When busy, go to').selectOption({ label: 'Voicemail (Voicemail)' });
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(6);
    // The last cable comes off with Undo and back with Redo.
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(5);
    await page.getByRole('button', { name: 'Redo' }).click();
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(6);
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByText('No errors: ready to publish.').waitFor();
    await w.screenshot('07-flow-drawn');

    await page.getByRole('button', { name: 'Simulate', exact: true }).click();
    await page.getByLabel('Keys the caller presses').fill('1');
    await page.getByLabel('Anna Sales', { exact: true }).selectOption('answered');
    await page.getByRole('button', { name: 'Run simulation' }).click();
    await expect.poll(() => page.locator('.trace-end').textContent()).toContain('Someone answered');
    expect(await page.locator('.trace-steps li').allTextContents()).toEqual([
      expect.stringContaining('Phone number'),
      expect.stringContaining('pressed 1'),
      expect.stringContaining('Recording'),
      expect.stringContaining('Anna Sales'),
    ]);
    // Stepping moves the highlight on the canvas.
    await page.getByRole('button', { name: 'Next step' }).click();
    await expect.poll(() => page.locator('.fn.sim-current').getAttribute('data-node-id')).toBe('menu-1');
    await w.screenshot('08-flow-simulated');
    await page.getByLabel('Keep as a flow test named').fill('Key 1 rings Anna');
    await page.getByRole('button', { name: 'Save test' }).click();
    await page.getByText('Saved the test “Key 1 rings Anna”.').waitFor();

    await page.getByRole('button', { name: 'Every path' }).click();
    await page.getByRole('button', { name: 'List every path' }).click();
    await expect.poll(() => page.locator('.paths li').count()).toBeGreaterThanOrEqual(4);
    await w.screenshot('09-flow-paths');
    await page.getByRole('button', { name: 'Tests', exact: true }).click();
    await page.getByRole('button', { name: 'Run every test on the draft' }).click();
    await expect
      .poll(() => page.locator('.tests [role="status"]').textContent())
      .toContain('1 passed, 0 failed');

    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByLabel('What changed').fill('Sales menu');
    await page.getByRole('button', { name: 'Publish now' }).click();
    await page.getByText('Version 1 is live').first().waitFor();
    await page.getByRole('button', { name: 'Versions' }).click();
    await page.getByText('Sales menu').waitFor();
    await w.screenshot('10-flow-published');
    expect(w.errors).toEqual([]);
  }, 120_000);

  it('a call from the carrier follows the flow: key 1 rings Anna, who answers, and is recorded', async () => {
    const anna = await registeredPhone(server, 'callee_answer.xml', asLine(lines.anna as CreatedLine));
    await go(page, 'Dashboard', 'Dashboard');
    await expect
      .poll(() => page.locator('.device-list').textContent(), { timeout: 15_000 })
      .toContain('Anna Sales');
    await w.screenshot('11-dashboard-registered');
    const caller = await carrierCall('carrier_presses_1.xml');
    // While they talk, the dashboard lists the call with both parties.
    await expect
      .poll(() => page.locator('.live-calls').textContent(), { timeout: 15_000 })
      .toMatch(new RegExp(`talking.*${CALLER.replace('+', '\\+')}`));
    await w.screenshot('11-dashboard-live-call');
    await sippOk(caller);
    await sippOk(anna);
    // The call is in the history as an answered inbound call from the carrier's caller.
    await go(page, 'Call history', 'Call history');
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          await page.locator('.loading').waitFor({ state: 'detached' });
          return (await page.locator('tbody tr').allTextContents()).join('\n');
        },
        { timeout: 15_000 },
      )
      .toMatch(new RegExp(`inbound.*${CALLER.replace('+', '\\+')}.*answered`));
    await w.screenshot('12-call-history');
    // The flow's Recording object recorded the branch: its player draws both sides.
    await go(page, 'Recordings', 'Recordings');
    await page.getByRole('button', { name: 'Play' }).first().click();
    await page.getByRole('img', { name: /Waveform of the call from/ }).waitFor({ timeout: 15_000 });
    await w.screenshot('16-recording-player');
    // Anna's line sends its recordings by mail (delivered) and to the FTP server, which
    // refuses: after its two attempts (the schedule is shortened here) it failed; Retry sends
    // it again.
    const deliveries = page.locator('.recording-list > li').first().locator('.deliveries');
    await expect
      .poll(
        async () => {
          await page.reload();
          await waitForHeading(page, 'Recordings');
          return deliveries.textContent({ timeout: 5000 }).catch(() => '');
        },
        { timeout: 30_000 },
      )
      .toMatch(/Archive FTP \(ftp\)\s*failed after 2 attempts: .*cannot connect/);
    expect(await deliveries.textContent()).toMatch(/Office mail \(email\)\s*delivered/);
    expect((await server.lastMailTo(RECORDS_EMAIL)).subject).toContain(`Call recording: ${CALLER}`);
    await w.screenshot('16-recordings-deliveries');
    await deliveries.getByRole('button', { name: 'Retry sending to Archive FTP' }).click();
    await expect.poll(() => deliveries.textContent()).toMatch(/Archive FTP \(ftp\)\s*pending/);
    expect(w.errors).toEqual([]);
  }, 120_000);

  it('key 2 leaves a voicemail, played in the browser', async () => {
    await sippOk(await carrierCall('carrier_leaves_message.xml'));
    await go(page, 'Voicemail', 'Voicemail');
    await page.getByRole('button', { name: /Anna Sales/ }).click();
    const message = page.locator('.message-list > li').first();
    await expect.poll(() => message.textContent(), { timeout: 20_000 }).toContain(CALLER);
    // The audio element's source is the message's WAV, which the browser can load and play.
    const audio = message.locator('audio');
    type Audio = { muted: boolean; duration: number; play(): Promise<void> };
    await audio.evaluate((a: Audio) => {
      a.muted = true;
      return a.play();
    });
    await expect.poll(() => audio.evaluate((a: Audio) => a.duration)).toBeGreaterThan(1);
    // Playing a new message marks it heard.
    await expect.poll(() => message.locator('.badge', { hasText: 'new' }).count()).toBe(0);
    await w.screenshot('13-voicemail');
    expect(w.errors).toEqual([]);
  }, 120_000);

  it('adds a spoken prompt after hearing a preview, and imports contacts listing the rejected rows', async () => {
    await go(page, 'Audio library', 'Audio library');
    await page.getByLabel('Name', { exact: true }).last().fill('Closed message');
    await page.getByLabel('Text to speak').fill('We are closed. Please call again tomorrow.');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByLabel('Preview of the spoken text').waitFor();
    await page.getByRole('button', { name: 'Save prompt' }).click();
    await page.getByText('Added “Closed message”.').waitFor();
    await page
      .getByRole('cell', { name: /^Closed message/ })
      .first()
      .waitFor();
    await w.screenshot('18-audio-library');

    await go(page, 'Directory', 'Directory');
    await page.getByRole('button', { name: 'Shared contacts' }).click();
    const csv = [
      'first_name,last_name,company,phone',
      'Carl,Customer,Acme,+37120000001',
      'Nora,,Acme,not-a-number',
      '',
    ].join('\n');
    await page
      .getByLabel('CSV file')
      .setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText('Imported 1 contact(s); 1 row(s) rejected.').waitFor();
    const rejected = await page.locator('.import-report tbody tr').allTextContents();
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatch(/^3/);
    await page.getByRole('cell', { name: 'Carl Customer' }).waitFor();
    await w.screenshot('17-directory-contacts-import');
    expect(w.errors).toEqual([]);
  }, 120_000);

  it('sets the emergency address of a number and asks to port numbers in with the two documents', async () => {
    await go(page, 'Numbers', 'Numbers');
    await page.getByRole('button', { name: 'Emergency address' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Street and number').fill('Brivibas iela 1');
    await dialog.getByLabel('Postal code').fill('LV-1010');
    await dialog.getByLabel('City').fill('Riga');
    await dialog.getByRole('button', { name: 'Save address' }).click();
    await page.getByRole('cell', { name: /Brivibas iela 1, LV-1010 Riga/ }).waitFor();

    await page.getByRole('button', { name: 'Port in' }).click();
    await page.getByRole('textbox', { name: 'Numbers', exact: true }).fill('+37167300001, +37167300002');
    await page.getByLabel('Current carrier').fill('Old Telecom');
    const pdf = (name: string) => ({
      name,
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n%test\n'),
    });
    await page.getByLabel('Letter of authorization').setInputFiles(pdf('loa.pdf'));
    await page.getByLabel('Latest invoice from the carrier').setInputFiles(pdf('invoice.pdf'));
    await page.getByRole('button', { name: 'Send port-in request' }).click();
    await page.getByText('Request sent for 2 number(s).').waitFor();
    const row = page.locator('tbody tr', { hasText: 'Old Telecom' });
    expect(await row.textContent()).toContain('submitted');
    await w.screenshot('21-numbers-port-in');
    expect(w.errors).toEqual([]);
  }, 120_000);

  it('shows a screenshot-worthy page everywhere an administrator goes, at desktop and phone width', async () => {
    const pages: [string, string, string][] = [
      ['Dashboard', 'Dashboard', '14-dashboard'],
      ['Queues', 'Queues', '15-queues'],
      ['Directory', 'Directory', '17-directory'],
      ['Settings', 'Settings', '19-settings-company'],
    ];
    for (const [link, title, name] of pages) {
      await go(page, link, title);
      await page.locator('.loading').first().waitFor({ state: 'detached' });
      await w.screenshot(name);
    }
    for (const tab of ['Calling and SIP', 'Feature codes', 'Delivery methods', 'API keys', 'Audit log']) {
      await page.getByRole('button', { name: tab }).click();
      await page.locator('.loading').first().waitFor({ state: 'detached' });
      await w.screenshot(`20-settings-${tab.toLowerCase().replace(/\W+/g, '-')}`);
    }
    // A delivery method a line uses cannot be deleted: the API's reason is shown.
    await page.getByRole('button', { name: 'Delivery methods' }).click();
    await page.getByRole('button', { name: 'Delete Archive FTP' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await expect
      .poll(() => page.getByRole('dialog').getByRole('alert').textContent())
      .toContain('used by the lines of Anna Sales (201)');
    await w.screenshot('23-settings-delivery-method-in-use');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(w.errors.filter((e) => !failedLoad(409).test(e))).toEqual([]);
    w.errors.length = 0;
    await page.getByRole('link', { name: EMAIL }).click();
    await waitForHeading(page, 'Your account');
    await w.screenshot('22-account');

    const phone = await watchedPage(browser, { width: 390, height: 844 });
    await phone.context.addCookies(await w.context.cookies());
    for (const [path, title, name] of [
      ['/', 'Dashboard', '30-phone-dashboard'],
      ['/people', 'People', '31-phone-people'],
      ['/flows', 'Call flows', '32-phone-flows'],
      ['/voicemail', 'Voicemail', '33-phone-voicemail'],
      ['/recordings', 'Recordings', '34-phone-recordings'],
      ['/settings?tab=delivery', 'Settings', '35-phone-settings-delivery-methods'],
      [`/people/${annaId}`, 'Anna Sales', '36-phone-person'],
    ] as const) {
      await phone.page.goto(`${server.url}${path}`);
      await waitForHeading(phone.page, title);
      await phone.page.locator('.loading').first().waitFor({ state: 'detached' });
      await phone.screenshot(name);
    }
    // The navigation folds behind the Menu button at phone width and opens from it.
    expect(await phone.page.locator('#main-nav').isVisible()).toBe(false);
    await phone.page.getByRole('button', { name: 'Menu' }).click();
    expect(await phone.page.locator('#main-nav').isVisible()).toBe(true);
    await phone.context.close();
    expect(phone.errors).toEqual([]);
    expect(w.errors).toEqual([]);
  }, 120_000);
});
