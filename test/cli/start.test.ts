// The real process: `switchboard start --demo` migrates an empty PGlite data folder, seeds
// the demo company, prints the setup link, serves, finishes an in-flight request on
// SIGTERM, exits cleanly, and finds its data again on the next start.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../helpers/client.ts';

interface Proc {
  child: ChildProcess;
  output: () => string;
  port: number;
  exited: Promise<number | null>;
}

async function startProcess(dataDir: string, args: string[]): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start', ...args], {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATABASE_URL: '',
      SIP_HOST: '127.0.0.1',
      SIP_PORT: '0',
      MEDIA_WORKERS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /listening at http:\/\/127\.0\.0\.1:(\d+)/i.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(Number(m[1]));
      }
    }, 50);
    exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`exited with ${code} before listening:\n${out}`));
    });
  });
  return { child, output: () => out, port, exited };
}

describe('switchboard start', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'switchboard-cli-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('starts on an empty data folder with the demo company and the setup link, and stops cleanly on SIGTERM', async () => {
    const p = await startProcess(dataDir, ['--demo']);
    const password = /Sign in as admin@demo\.switchboard\.test with password (\S+)/.exec(p.output())?.[1];
    expect(password).toBeDefined();
    const setupToken = /setup\?token=([A-Za-z0-9_-]+)/.exec(p.output())?.[1];
    expect(setupToken).toBeDefined();
    expect(p.output()).toContain('admin create --email');

    const c = new ApiClient(`http://127.0.0.1:${p.port}`);
    expect((await c.post('/api/auth/login', { email: 'admin@demo.switchboard.test', password })).status).toBe(
      200,
    );
    const people = await c.get('/api/people');
    expect(people.body.items.map((x: { extension: string }) => x.extension)).toEqual([
      '100',
      '101',
      '102',
      '103',
    ]);
    expect((await c.get('/api/numbers')).body.items.map((n: { e164: string }) => n.e164)).toEqual([
      '+15550100100',
    ]);
    // The sample flow is valid and live: version 1, and its number reaches the menu.
    const flow = await c.get('/api/workspace');
    expect(flow.body.draft.nodes.map((n: { type: string }) => n.type)).toEqual(
      expect.arrayContaining(['number', 'schedule', 'play', 'menu', 'ring', 'hangup']),
    );
    expect(flow.body.publishedVersion).toBe(1);
    expect(flow.body.issues.filter((i: { severity: string }) => i.severity === 'error')).toEqual([]);
    const simulated = await c.post('/api/workspace/simulate', {
      version: 'live',
      scenario: {
        entry: { number: '+15550100100' },
        caller: { number: '+15551234567' },
        at: '2026-11-18T10:00:00+02:00',
        digits: ['2'],
        answers: {},
      },
    });
    expect(simulated.status, JSON.stringify(simulated.body)).toBe(200);
    expect(simulated.body.version).toBe(1);
    // Nobody is available in a simulation unless the scenario says so: support rings out.
    expect(simulated.body.result.steps.map((s: { nodeId: string }) => s.nodeId)).toEqual([
      'n-number',
      'n-hours',
      'n-greeting',
      'n-menu',
      'n-support',
      'n-sorry',
      'n-bye',
    ]);
    const op = new ApiClient(c.baseUrl);
    expect(
      (
        await op.post('/api/setup', {
          token: setupToken,
          email: 'op@platform.example',
          password: 'operator password',
        })
      ).status,
    ).toBe(201);

    // A request whose headers arrived before SIGTERM is answered before the process exits.
    const body = JSON.stringify({ email: 'admin@demo.switchboard.test', password });
    const sock = connect(p.port, '127.0.0.1');
    let response = '';
    sock.on('data', (d) => {
      response += d;
    });
    const closed = new Promise((resolve) => sock.on('close', resolve));
    await new Promise((resolve) => sock.on('connect', resolve));
    sock.write(
      `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    await new Promise((r) => setTimeout(r, 200));
    p.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    sock.write(body);
    await closed;
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain('stopped cleanly');
  });

  it('finds its data again on the next start and prints no setup link once an operator exists', async () => {
    const p = await startProcess(dataDir, ['--demo']);
    expect(p.output()).not.toContain('setup?token=');
    expect(p.output()).toContain('demo company already present');
    expect((await new ApiClient(`http://127.0.0.1:${p.port}`).get('/healthz')).body.status).toBe('ok');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});

describe('switchboard admin create', () => {
  it('creates the platform operator, who signs in; the setup link is no longer offered', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-admin-'));
    try {
      const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' };
      const run = (args: string[], extra: Record<string, string> = {}) =>
        promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
          env: { ...env, ...extra },
        });
      const short = await run(['admin', 'create', '--email', 'ops@platform.example'], {
        SWITCHBOARD_ADMIN_PASSWORD: 'short',
      }).catch((e: { code: number; stderr: string }) => e);
      expect(short).toMatchObject({ code: 2, stderr: expect.stringContaining('at least 10 characters') });
      const made = await run(['admin', 'create', '--email', 'Ops@Platform.example'], {
        SWITCHBOARD_ADMIN_PASSWORD: 'operator secret 1',
      });
      expect(made.stdout).toContain('platform operator ops@platform.example created');
      const again = await run(['admin', 'create', '--email', 'ops@platform.example'], {
        SWITCHBOARD_ADMIN_PASSWORD: 'operator secret 1',
      }).catch((e: { code: number; stderr: string }) => e);
      expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining('already has an account') });

      const p = await startProcess(dataDir, []);
      expect(p.output()).not.toContain('setup?token=');
      const c = new ApiClient(`http://127.0.0.1:${p.port}`);
      expect(
        (await c.post('/api/auth/login', { email: 'ops@platform.example', password: 'operator secret 1' }))
          .body.user.role,
      ).toBe('operator');
      expect((await c.get('/api/operator/tenants')).status).toBe(200);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
