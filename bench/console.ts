// `npm run bench -- console`: the console's weight and speed. Builds it, prints the initial
// JavaScript of the first page (what index.html loads) and everything else, raw and gzip;
// then, against a real server on loopback, the time from navigation to the app's ready
// marker (performance mark 'switchboard-ready') in Debian's Chromium: the sign-in page for a
// visitor (cold cache, each run a fresh browser context), the dashboard with its data for a
// signed-in administrator, and how long the lazily loaded flow editor takes to show.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import type { Browser, BrowserContext } from 'playwright-core';
import { CONSOLE_DIR } from '../src/api/console.ts';
import { startServer } from '../src/cli/runtime.ts';
import { loadConfig } from '../src/config/index.ts';
import type { OutboxMailer } from '../src/services/mail.ts';
import { openStore } from '../src/store/database.ts';
import { launchChromium } from '../test/helpers/browser.ts';
import { percentile, printTable, type Row } from './lib/figures.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const kb = (n: number) => Math.round(n / 102.4) / 10;

function sizes(): Row[] {
  const assets = join(CONSOLE_DIR, 'assets');
  const html = readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8');
  // What the first page loads before it runs: the entry script and its module preloads.
  const initial = new Set(
    [...html.matchAll(/(?:src|href)="\/assets\/([^"]+\.(?:js|css))"/g)].map((m) => m[1] as string),
  );
  const files = readdirSync(assets).filter((f) => /\.(js|css)$/.test(f));
  const measure = (names: string[]) =>
    names.reduce(
      (a, f) => {
        const data = readFileSync(join(assets, f));
        return { raw: a.raw + data.length, gzip: a.gzip + gzipSync(data, { level: 9 }).length };
      },
      { raw: 0, gzip: 0 },
    );
  const row = (what: string, names: string[]): Row => {
    const m = measure(names);
    return { what, files: names.length, 'raw KB': kb(m.raw), 'gzip KB': kb(m.gzip) };
  };
  const js = files.filter((f) => f.endsWith('.js'));
  return [
    row(
      'initial JS (first page)',
      js.filter((f) => initial.has(f)),
    ),
    row(
      'initial CSS',
      files.filter((f) => f.endsWith('.css') && initial.has(f)),
    ),
    row(
      'flow editor chunk (lazy)',
      js.filter((f) => f.startsWith('flow-editor')),
    ),
    row(
      '2FA QR code chunk (lazy)',
      js.filter((f) => f.startsWith('totp-qr')),
    ),
    row('all JS', js),
    row(
      'all CSS',
      files.filter((f) => f.endsWith('.css')),
    ),
  ];
}

async function build(): Promise<void> {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: join(ROOT, 'web/console/vite.config.ts'), logLevel: 'warn' });
  console.log(`built ${CONSOLE_DIR} (${readdirSync(join(CONSOLE_DIR, 'assets')).length} files in assets)`);
}

/** Navigation start → the app's ready mark, in ms, for one page load in a context. */
async function timeToReady(context: BrowserContext, url: string): Promise<number> {
  const page = await context.newPage();
  try {
    await page.goto(url, { waitUntil: 'commit' });
    // Functions, not strings (the console's CSP forbids eval); they run in the page, whose DOM
    // types this Node project does not load.
    type InPage = { document: { documentElement: { dataset: Record<string, string | undefined> } } };
    await page.waitForFunction(
      () => (globalThis as unknown as InPage).document.documentElement.dataset.ready === 'true',
      null,
      { timeout: 30_000 },
    );
    return page.evaluate(() => performance.getEntriesByName('switchboard-ready')[0]?.startTime ?? Number.NaN);
  } finally {
    await page.close();
  }
}

async function series(browser: Browser, label: string, url: string, cookie?: string): Promise<Row> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext();
    if (cookie) await context.addCookies([{ name: 'sb_session', value: cookie, url }]);
    times.push(await timeToReady(context, url));
    await context.close();
  }
  return {
    page: label,
    runs: RUNS,
    'p50 ms': Math.round(percentile(times, 0.5)),
    'p90 ms': Math.round(percentile(times, 0.9)),
    'min ms': Math.round(Math.min(...times)),
  };
}

export default async function main(): Promise<void> {
  await build();
  printTable('console bundle (gzip level 9, as served from the .gz files)', sizes());

  const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-bench-console-'));
  const config = loadConfig({}, { dataDir, httpHost: '127.0.0.1', httpPort: 0, logLevel: 'silent' });
  const store = await openStore({ kind: 'pglite' });
  await store.migrate();
  const running = await startServer(config, pino({ level: 'silent' }), store);
  const browser = await launchChromium();
  try {
    const addr = running.app.server.address();
    const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const post = (path: string, body: unknown) =>
      fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const email = `bench-${Date.now()}@console-bench.example`;
    const password = 'bench password 123';
    await post('/api/signup', {
      email,
      password,
      companyName: 'Bench Co',
      firstName: 'Bea',
      lastName: 'Bench',
      country: 'LV',
      timeZone: 'Europe/Riga',
    });
    const [mail] = await (running.app.services.outbox as OutboxMailer).list(1, undefined, email);
    const token = /token=([\w-]+)/.exec(mail?.text ?? '')?.[1];
    await post('/api/auth/verify-email', { token });
    const login = await post('/api/auth/login', { email, password });
    const cookie = /sb_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
    if (!cookie) throw new Error('could not sign in the bench company');

    const rows = [
      await series(browser, 'sign-in page, visitor (cold cache)', `${base}/`),
      await series(browser, 'dashboard with data, signed in (cold cache)', `${base}/`, cookie),
      await series(browser, 'flow editor shown, signed in (cold cache)', `${base}/flows`, cookie),
    ];
    printTable(`time to interactive in Chromium (navigation → ready), ${RUNS} runs each, loopback`, rows);
  } finally {
    await browser.close();
    await running.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  const stamp = statSync(join(CONSOLE_DIR, 'index.html')).mtime.toISOString();
  console.log(`\n(console built ${stamp}; BENCH_RUNS sets the runs per page)`);
}
