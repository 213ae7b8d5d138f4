// Opens the store: embedded PGlite under DATA_DIR/db by default, PostgreSQL when a URL is
// given. Both speak the same SQL, so one schema and one set of migrations serve both.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Store {
  db: Db;
  kind: 'pglite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export type StoreLocation =
  | { kind: 'pglite'; dir?: string | undefined } // no dir: in memory (tests)
  | { kind: 'postgres'; url: string; poolSize?: number | undefined };

// Migrations stay in src/ and are read from there by both the tsx and the compiled build.
const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/store/migrations');

// Any fixed 64-bit key: it serialises migrations of several nodes starting at once.
const MIGRATION_LOCK_KEY = 727_360_511;

export async function openStore(location: StoreLocation): Promise<Store> {
  if (location.kind === 'pglite') {
    if (location.dir) mkdirSync(location.dir, { recursive: true });
    const client = location.dir ? new PGlite(location.dir) : new PGlite();
    await client.waitReady;
    const db = drizzlePglite(client, { schema }) as unknown as Db;
    return {
      db,
      kind: 'pglite',
      migrate: () => migratePglite(db as never, { migrationsFolder }),
      close: () => client.close(),
    };
  }
  const pool = new pg.Pool({ connectionString: location.url, max: location.poolSize ?? 10 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = drizzleNodePg(pool, { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    migrate: async () => {
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        await migrateNodePg(drizzleNodePg(client, { schema }), { migrationsFolder });
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

export function storeLocationFromConfig(config: {
  databaseUrl?: string | undefined;
  dataDir: string;
  databasePoolSize: number;
}): StoreLocation {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl, poolSize: config.databasePoolSize }
    : { kind: 'pglite', dir: join(config.dataDir, 'db') };
}

/** True when the database answers a trivial query (for /healthz). */
export async function pingStore(store: Store): Promise<boolean> {
  try {
    await store.db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}
