// What the console's browser tests share: the console built from the current sources (once,
// even when several test files start together), a page that records every browser console
// error, and a place for screenshots.
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CONSOLE_DIR } from '../../src/api/console.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES = ['web/console/src', 'web/console/index.html', 'web/console/vite.config.ts', 'src/flows'];
export const SCREENSHOTS = join(ROOT, 'test-results/console');

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((n) => newestMtime(join(path, n))));
}

function builtAt(): number {
  try {
    return statSync(join(CONSOLE_DIR, 'index.html')).mtimeMs;
  } catch {
    return 0;
  }
}

/** Builds dist/console unless it is newer than every source; one builder at a time (a lock dir). */
export async function ensureConsoleBuilt(): Promise<void> {
  const lock = join(ROOT, 'dist/.console-build-lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const fresh = () => builtAt() > Math.max(...SOURCES.map((s) => newestMtime(join(ROOT, s))));
  for (;;) {
    if (fresh()) return;
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file is building; a lock older than two minutes is a crashed build's.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (fresh()) return;
    const { build } = await import('vite');
    await build({ configFile: join(ROOT, 'web/console/vite.config.ts'), logLevel: 'warn' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Every console error and uncaught exception the page produced, in order. */
  errors: string[];
  screenshot(name: string): Promise<void>;
}

/** A fresh browser context (its own cookies) at the given viewport, with its errors recorded. */
export async function watchedPage(
  browser: Browser,
  viewport = { width: 1280, height: 800 },
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    page,
    context,
    errors,
    screenshot: async (name) => {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
  };
}

/** Chromium's line for a failed fetch, which the console causes on purpose when testing errors. */
export const failedLoad = (status: number) => new RegExp(`Failed to load resource: .*status of ${status}\\b`);
