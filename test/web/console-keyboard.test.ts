// The console from the keyboard, in Chromium: the skip link comes first, every page of the
// menu is reached with Tab and opened with Enter, what has focus shows it (a focus ring),
// and a dialog takes focus, keeps Tab inside, closes with Escape and gives focus back to the
// button that opened it.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Company, signUpCompany } from '../helpers/accounts.ts';
import { launchChromium } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ensureConsoleBuilt, type WatchedPage, watchedPage } from './console-helpers.ts';

let server: TestServer;
let browser: Browser;
let acme: Company;

// Functions run in the page (the CSP forbids eval), whose DOM types this project lacks.
type El = {
  tagName: string;
  textContent: string | null;
  getAttribute(n: string): string | null;
  closest(s: string): El | null;
};
type InPage = {
  document: { activeElement: El | null };
  getComputedStyle(e: El): { boxShadow: string; outlineStyle: string };
};

/** What has focus: its tag, its text or label, whether it is inside a dialog, its focus ring. */
function focused(page: Page) {
  return page.evaluate(() => {
    const w = globalThis as unknown as InPage;
    const e = w.document.activeElement;
    if (!e) return undefined;
    const style = w.getComputedStyle(e);
    return {
      tag: e.tagName.toLowerCase(),
      name: (e.getAttribute('aria-label') ?? e.textContent ?? '').trim(),
      inDialog: !!e.closest('dialog'),
      ring: style.boxShadow !== 'none' || style.outlineStyle !== 'none',
    };
  });
}

async function signedIn(): Promise<WatchedPage> {
  const w = await watchedPage(browser);
  const cookie = acme.admin.authHeaders().cookie ?? '';
  await w.context.addCookies(
    cookie.split('; ').map((pair) => {
      const eq = pair.indexOf('=');
      return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url: server.url };
    }),
  );
  return w;
}

describe('the console from the keyboard, in Chromium', () => {
  beforeAll(async () => {
    await ensureConsoleBuilt();
    server = await startTestServer('pglite', { sipEnabled: true });
    acme = await signUpCompany(server, 'Keys Co');
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('reaches every page of the menu with Tab and Enter, with a visible focus ring', async () => {
    const w = await signedIn();
    const { page } = w;
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Dashboard');
    // The skip link is in the Tab order (first in the page) and moves focus to the content.
    let tabs = 0;
    for (; tabs < 40; tabs++) {
      await page.keyboard.press('Tab');
      if ((await focused(page))?.name === 'Skip to content') break;
    }
    expect(tabs, 'Tab never reached the skip link').toBeLessThan(40);
    expect(await focused(page)).toMatchObject({ tag: 'a', ring: true });
    await page.keyboard.press('Enter');
    expect(await focused(page)).toMatchObject({ tag: 'main' });
    const menu = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
    expect(menu.length).toBeGreaterThan(8);
    for (const label of menu) {
      // From the page's heading, Tab until the menu entry has focus, then Enter.
      let seen = 0;
      for (; seen < 40; seen++) {
        await page.keyboard.press('Tab');
        const f = await focused(page);
        if (f?.tag === 'a' && f.name === label) {
          expect(f.ring).toBe(true);
          break;
        }
      }
      expect(seen, `Tab never reached “${label}”`).toBeLessThan(40);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('[aria-current="page"]').first().textContent()).toBe(label);
      await page.locator('.loading').first().waitFor({ state: 'detached' });
    }
    expect(w.errors).toEqual([]);
    await w.context.close();
  }, 120_000);

  it('a dialog takes focus, keeps Tab inside, closes with Escape and gives focus back', async () => {
    const w = await signedIn();
    const { page } = w;
    await page.goto(`${server.url}/settings?tab=delivery`);
    const open = page.getByRole('button', { name: 'Add a delivery method' });
    await open.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    expect(await focused(page)).toMatchObject({ inDialog: true });
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      expect(await focused(page)).toMatchObject({ inDialog: true, ring: true });
    }
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(await focused(page)).toMatchObject({ tag: 'button', name: 'Add a delivery method' });
    expect(w.errors).toEqual([]);
    await w.context.close();
  }, 60_000);
});
