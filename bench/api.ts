// `npm run bench -- api`: requests/s and p50/p99 latency of one list and one create endpoint,
// on PGlite and on PostgreSQL side by side. The server runs in this process; the load comes
// from autocannon in a child process, so the two do not share an event loop.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { startServer } from '../src/cli/runtime.ts';
import { loadConfig } from '../src/config/index.ts';
import { openStore, type StoreLocation } from '../src/store/database.ts';
import { printTable, type Row } from './lib/figures.ts';
import { startBenchPostgres } from './lib/postgres.ts';

const run = promisify(execFile);
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const PEOPLE = 200;

interface Cannon {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

async function cannon(url: string, cookie: string, post?: unknown): Promise<Cannon> {
  const args = [
    'autocannon',
    '-j',
    '-c',
    String(CONNECTIONS),
    '-d',
    String(DURATION_S),
    '-H',
    `cookie=${cookie}`,
  ];
  if (post) args.push('-m', 'POST', '-H', 'content-type=application/json', '-b', JSON.stringify(post));
  const { stdout } = await run('npx', [...args, url], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as Cannon;
}

async function measure(label: string, location: StoreLocation): Promise<Row[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-bench-'));
  const config = loadConfig(
    {},
    { dataDir, httpHost: '127.0.0.1', httpPort: 0, logLevel: 'silent', authRateLimitPerMinute: 1_000_000 },
  );
  const store = await openStore(location);
  await store.migrate();
  const running = await startServer(config, pino({ level: 'silent' }), store);
  try {
    const addr = running.app.server.address();
    const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const email = `bench-${Date.now()}@bench.example`;
    const password = 'bench password 123';
    const post = (path: string, body: unknown, cookie = '') =>
      fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify(body),
      });
    await post('/api/signup', {
      email,
      password,
      companyName: `Bench ${label}`,
      firstName: 'B',
      lastName: 'B',
      country: 'LV',
      timeZone: 'UTC',
    });
    const mail = (await running.app.services.outbox?.list(1, undefined, email))?.[0];
    const token = /token=([\w-]+)/.exec(mail?.text ?? '')?.[1];
    await post('/api/auth/verify-email', { token });
    const login = await post('/api/auth/login', { email, password });
    const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] as string;
    for (let i = 0; i < PEOPLE; i++) {
      await post(
        '/api/people',
        { firstName: `P${i}`, lastName: 'Bench', extension: String(1000 + i) },
        cookie,
      );
    }
    const list = await cannon(`${base}/api/people?limit=50`, cookie);
    const create = await cannon(`${base}/api/contacts`, cookie, {
      firstName: 'Load',
      lastName: 'Test',
      emails: [{ address: 'load@test.example', label: 'work' }],
      contactNumbers: [{ number: '+37167000000' }],
    });
    const row = (what: string, r: Cannon): Row => ({
      database: label,
      endpoint: what,
      'req/s': Math.round(r.requests.average),
      'p50 ms': r.latency.p50,
      'p99 ms': r.latency.p99,
      'non-2xx': r.non2xx,
      errors: r.errors,
    });
    return [row('GET /api/people?limit=50', list), row('POST /api/contacts', create)];
  } finally {
    await running.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export default async function main(): Promise<void> {
  console.log(
    `${CONNECTIONS} connections, ${DURATION_S} s per endpoint, ${PEOPLE} people in the tenant, session cookie auth`,
  );
  const rows = await measure('pglite', { kind: 'pglite' });
  const pg = startBenchPostgres();
  if (pg) {
    try {
      rows.push(...(await measure('postgres', { kind: 'postgres', url: pg.url, poolSize: 10 })));
    } finally {
      pg.stop();
    }
  } else {
    console.log('no PostgreSQL server found: install the postgresql package or set BENCH_DATABASE_URL');
  }
  printTable('API throughput and latency', rows);
}
