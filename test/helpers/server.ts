// Starts the real Switchboard HTTP server on loopback for a test, on PGlite or on a fresh
// PostgreSQL database (when TEST_DATABASE_URL is set, as scripts/test.sh does).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { type PbxOverrides, type Running, startServer } from '../../src/cli/runtime.ts';
import { type Config, loadConfig } from '../../src/config/index.ts';
import type { OutboxMailer } from '../../src/services/mail.ts';
import { openStore } from '../../src/store/database.ts';
import { ApiClient } from './client.ts';

export type DbKind = 'pglite' | 'postgres';

/** The databases store and API tests run on: PGlite always, PostgreSQL when available. */
export function databases(): DbKind[] {
  if (process.env.CI && !process.env.TEST_DATABASE_URL) {
    throw new Error('CI must run the store tests on PostgreSQL too: run them through scripts/test.sh');
  }
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestServer {
  url: string;
  config: Config;
  running: Running;
  outbox: OutboxMailer;
  client(): ApiClient;
  /** The newest mail sent to an address, from the local outbox. */
  lastMailTo(address: string): Promise<{ subject: string; text: string }>;
  close(): Promise<void>;
}

export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.TEST_DATABASE_URL as string;
  const name = `sb_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`drop database if exists ${name} with (force)`);
      await d.end();
    },
  };
}

export async function startTestServer(
  kind: DbKind,
  overrides: Partial<Config> = {},
  /** PBX options that are not configuration: short SIP timers, the digest challenge order. */
  pbx: PbxOverrides = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-test-'));
  const pgDb = kind === 'postgres' ? await createTestDatabase() : null;
  const config = loadConfig(
    {},
    {
      dataDir,
      httpHost: '127.0.0.1',
      httpPort: 0,
      logLevel: 'silent',
      databaseUrl: pgDb?.url,
      // Every test request comes from 127.0.0.1; the limiter has its own test.
      authRateLimitPerMinute: 100_000,
      // API tests need no SIP; call tests turn it on (SIP on a free port, one media worker).
      sipEnabled: false,
      sipHost: '127.0.0.1',
      sipPort: 0,
      mediaWorkers: 1,
      ...overrides,
    },
  );
  const store = await openStore(pgDb ? { kind: 'postgres', url: pgDb.url, poolSize: 5 } : { kind: 'pglite' });
  await store.migrate();
  const running = await startServer(config, pino({ level: 'silent' }), store, pbx);
  const address = running.app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  const url = `http://127.0.0.1:${address.port}`;
  const outbox = running.app.services.outbox as OutboxMailer;
  return {
    url,
    config,
    running,
    outbox,
    client: () => new ApiClient(url),
    async lastMailTo(address: string) {
      const [mail] = await outbox.list(1, undefined, address);
      if (!mail) throw new Error(`no mail to ${address} in the outbox`);
      return mail;
    },
    async close() {
      await running.close();
      await pgDb?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The token in a link such as http://host/verify-email?token=XYZ inside a mail body. */
export function tokenFromMail(text: string): string {
  const m = /[?&]token=([A-Za-z0-9_-]+)/.exec(text);
  if (!m?.[1]) throw new Error(`no token link in mail: ${text}`);
  return m[1];
}
