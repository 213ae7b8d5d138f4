// What an administrator does in the console, step by step, for the end-to-end test: each
// function drives the browser as a person would (labels, buttons, drag and drop) and reads
// back only what the page shows.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import { tokenFromMail } from '../helpers/server.ts';

const heading = (page: Page) => page.getByRole('heading', { level: 1 });

export async function waitForHeading(page: Page, text: string): Promise<void> {
  await expect.poll(() => heading(page).textContent(), { timeout: 15_000 }).toBe(text);
}

export async function go(page: Page, linkName: string, title: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: linkName, exact: true })
    .click();
  await waitForHeading(page, title);
}

/** Sign-up form, the emailed verification link, then sign-in: lands on the dashboard. */
export async function signUp(page: Page, server: TestServer, email: string, password: string): Promise<void> {
  await page.goto(`${server.url}/signup`);
  await page.getByLabel('Company name').fill('Console Telecom');
  await page.getByLabel('First name').fill('Olga');
  await page.getByLabel('Last name').fill('Owner');
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Country').selectOption('LV');
  await page.getByLabel('Time zone').selectOption('Europe/Riga');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('We sent a verification link').waitFor();
  const token = tokenFromMail((await server.lastMailTo(email)).text);
  await page.goto(`${server.url}/verify-email?token=${token}`);
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await waitForHeading(page, 'Dashboard');
}

export async function buyNumber(page: Page, e164: string): Promise<void> {
  await go(page, 'Numbers', 'Numbers');
  await page.getByRole('button', { name: 'Buy', exact: true }).click();
  await page.getByLabel('Country').selectOption('LV');
  await page.getByRole('button', { name: 'Find numbers' }).click();
  await page.getByRole('button', { name: `Buy ${e164}` }).click();
  await page.getByText(`${e164} is yours`).waitFor();
}

export interface CreatedLine {
  username: string;
  password: string;
  domain: string;
}

/**
 * The create-user wizard: details, then the application line (extension, when unavailable,
 * recording); returns the SIP credentials the last step shows once.
 */
export async function addPersonWithLine(
  page: Page,
  p: {
    first: string;
    last: string;
    department: string;
    extension: string;
    recordInbound: boolean;
    /** An uploaded prompt's name, played to colleagues this line calls. */
    internalAnnouncement?: string;
    /** Names of the delivery methods the line's recordings go to. */
    deliveryMethods?: string[];
  },
): Promise<CreatedLine> {
  await go(page, 'People', 'People');
  await page.getByRole('link', { name: 'Add a person' }).click();
  await waitForHeading(page, 'Add a person');
  await page.getByLabel('First name').fill(p.first);
  await page.getByLabel('Last name').fill(p.last);
  await page.getByLabel('Department').fill(p.department);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('heading', { name: 'Configure application line' }).waitFor();
  await page.getByLabel('Internal number (extension)').fill(p.extension);
  await page.getByLabel('When unavailable').selectOption('voicemail');
  if (p.recordInbound) await page.getByLabel('Inbound external calls').check();
  for (const name of p.deliveryMethods ?? []) await page.getByLabel(name, { exact: true }).check();
  if (p.internalAnnouncement) {
    await page.getByLabel('Internal announcement').selectOption({ label: p.internalAnnouncement });
    await page.getByRole('button', { name: `Play ${p.internalAnnouncement}` }).waitFor();
  }
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: `${p.first} ${p.last} is added` }).waitFor();
  const value = async (term: string) =>
    (
      (await page.locator('dt', { hasText: term }).locator('xpath=following-sibling::dd[1]').textContent()) ??
      ''
    ).trim();
  return {
    username: await value('SIP username'),
    password: await value('Password'),
    domain: await value('Domain'),
  };
}

/** A 16-bit mono PCM WAV of a sine tone, as a person's recorded greeting would be uploaded. */
export function toneWav(ms: number, rate = 8000, hz = 440): Buffer {
  const n = Math.round((rate * ms) / 1000);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++)
    data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Uploads a recording to the audio library from its page. */
export async function uploadPrompt(page: Page, name: string, wav: Buffer): Promise<void> {
  await go(page, 'Audio library', 'Audio library');
  const form = page.locator('form', { has: page.getByLabel('Audio file') });
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form
    .getByLabel('Audio file')
    .setInputFiles({ name: 'greeting.wav', mimeType: 'audio/wav', buffer: wav });
  await form.getByRole('button', { name: 'Upload' }).click();
  await page.getByText(`Added “${name}”.`).waitFor();
}

/** Settings → Delivery methods → Add: fills the dialog's labelled fields, then saves. */
export async function addDeliveryMethod(
  page: Page,
  kind: 'Email' | 'FTP' | 'FTPS (FTP over TLS)' | 'SFTP (SSH)',
  fields: Record<string, string>,
): Promise<void> {
  await page.getByRole('button', { name: 'Add a delivery method' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Send by').selectOption({ label: kind });
  for (const [label, value] of Object.entries(fields))
    await dialog.getByLabel(label, { exact: true }).fill(value);
  await dialog.getByRole('button', { name: 'Add method' }).click();
  await page.getByText(`Saved “${fields.Name}”.`).waitFor();
}

/** Drags a palette entry onto the canvas at a point of the canvas. */
export async function dragFromPalette(page: Page, type: string, x: number, y: number): Promise<void> {
  await page.locator(`.palette-item[data-type="${type}"]`).dragTo(page.locator('.react-flow__pane'), {
    targetPosition: { x, y },
  });
}

/** Draws a cable with the mouse from an output port of one node to the input of another. */
export async function drawCable(page: Page, from: string, output: string, to: string): Promise<void> {
  await page.locator('.react-flow__controls-fitview').click();
  const source = page.locator(
    `[data-node-id="${from}"] .react-flow__handle.source[data-handleid="${output}"]`,
  );
  const target = page.locator(`[data-node-id="${to}"] .react-flow__handle.target`);
  // The fit animation settles before the handles are measured.
  await page.waitForTimeout(400);
  const a = await source.boundingBox();
  const b = await target.boundingBox();
  if (!a || !b) throw new Error(`no ports to join ${from}.${output} → ${to}`);
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
}

export async function selectNode(page: Page, id: string, kind: string): Promise<void> {
  await page.locator(`[data-node-id="${id}"] .fn-name`).click();
  await expect.poll(() => page.locator('.properties h2').textContent()).toBe(kind);
}
