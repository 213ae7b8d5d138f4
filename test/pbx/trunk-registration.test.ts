// Switchboard registering to carriers (trunks with authMode 'register'): sipp plays the
// carrier's registrar. A trunk added to the database starts registering on the directory
// reload, answers the MD5 challenge, refreshes before expiry, unregisters when removed, and
// fails over to the secondary host when the primary does not answer, coming back later.
import { createSocket } from 'node:dgram';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PbxEvent } from '../../src/pbx/events.ts';
import type { Pbx } from '../../src/pbx/pbx.ts';
import { newId } from '../../src/store/ids.ts';
import { trunks } from '../../src/store/schema.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { freePort, runSipp as runSippOn, type SippOptions } from '../sip/interop/sipp.ts';

let server: TestServer;
let pbx: Pbx;
const events: PbxEvent[] = [];

beforeAll(async () => {
  // Short SIP timers: a REGISTER times out after 64*T1 = 1.28 s, the first retry waits as long.
  server = await startTestServer('pglite', { sipEnabled: true }, { timers: { T1: 20, T2: 160, T4: 200 } });
  pbx = server.running.pbx as Pbx;
  pbx.events.on((e) => events.push(e));
}, 60_000);

afterAll(async () => server?.close());

const udpFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const u = createSocket('udp4');
    u.once('error', () => resolve(false));
    u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
  });

/** sipp as the carrier, with its RTP ports away from the ones runSipp picks; resolves once bound. */
async function carrier(file: string, port?: number) {
  let mp: number;
  do mp = 10_000 + 4 * Math.floor(Math.random() * 2500);
  while (!(await Promise.all([mp, mp + 1, mp + 2, mp + 3].map(udpFree))).every(Boolean));
  const o: SippOptions = {
    scenario: { file: `../../pbx/scenarios/${file}` },
    transport: 'udp',
    extra: ['-mp', String(mp), ...(port ? ['-p', String(port)] : [])],
  };
  const run = await runSippOn(o);
  const listening = port ?? run.port;
  await vi.waitFor(async () => expect(await udpFree(listening)).toBe(false), { timeout: 5000 });
  return { ...run, port: listening };
}

async function addTrunk(fields: Partial<typeof trunks.$inferInsert>): Promise<string> {
  const id = newId();
  await server.running.store.db.insert(trunks).values({
    id,
    name: `carrier-${id}`,
    host: '127.0.0.1',
    port: 5060,
    transport: 'udp',
    authMode: 'register',
    username: 'carrier',
    password: 'trunkpass',
    registerExpires: 300,
    ...fields,
  });
  await pbx.directory.reload();
  return id;
}

async function removeTrunk(id: string): Promise<void> {
  await server.running.store.db.delete(trunks).where(eq(trunks.id, id));
  await pbx.directory.reload();
}

describe('carrier registration', () => {
  it('registers with digest, refreshes before expiry and unregisters when the trunk goes', async () => {
    const sipp = await carrier('carrier_registrar.xml');
    const id = await addTrunk({ port: sipp.port });
    expect(pbx.trunks.status(id)?.state).toBe('registering');
    await vi.waitFor(() => expect(pbx.trunks.status(id)?.state).toBe('registered'), { timeout: 10_000 });
    expect(pbx.trunks.status(id)).toMatchObject({ registrar: `127.0.0.1:${sipp.port}`, lastError: null });
    expect(events).toContainEqual({
      type: 'trunk-registration',
      trunkId: id,
      state: 'registered',
      host: `127.0.0.1:${sipp.port}`,
    });
    // The carrier granted 2 s first; the refresh (same Call-ID, challenged again) gets 600 s.
    await vi.waitFor(
      () => {
        const expiresAt = Date.parse(pbx.trunks.status(id)?.expiresAt ?? '');
        expect(expiresAt - Date.now()).toBeGreaterThan(60_000);
      },
      { timeout: 10_000 },
    );
    expect(pbx.trunks.all().map((s) => s.trunkId)).toContain(id);
    await removeTrunk(id);
    expect(pbx.trunks.status(id)).toBeUndefined();
    // sipp ends well only after our REGISTER with Expires: 0 passed its digest check.
    const result = await sipp.done;
    expect(result.code).toBe(0);
    await vi.waitFor(() =>
      expect(events).toContainEqual(expect.objectContaining({ trunkId: id, state: 'unregistered' })),
    );
  }, 30_000);

  it('reports wrong credentials as failed with the carrier answer', async () => {
    const sipp = await carrier('carrier_registrar_once.xml');
    const id = await addTrunk({ port: sipp.port, password: 'wrong' });
    await vi.waitFor(() => expect(pbx.trunks.status(id)?.state).toBe('failed'), { timeout: 10_000 });
    expect(pbx.trunks.status(id)?.lastError).toBe('403 Forbidden');
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'trunk-registration',
        trunkId: id,
        state: 'failed',
        detail: '403 Forbidden',
      }),
    );
    expect(JSON.stringify(pbx.trunks.all())).not.toContain('wrong');
    await removeTrunk(id);
    await sipp.done;
  }, 30_000);

  it('fails over to the secondary when the primary does not answer, and returns to the primary', async () => {
    const primary = await freePort();
    const secondary = await carrier('carrier_registrar_once.xml');
    const id = await addTrunk({ port: primary, secondaryHost: '127.0.0.1', secondaryPort: secondary.port });
    await vi.waitFor(
      () =>
        expect(pbx.trunks.status(id)).toMatchObject({
          state: 'registered',
          registrar: `127.0.0.1:${secondary.port}`,
        }),
      { timeout: 15_000 },
    );
    expect((await secondary.done).code).toBe(0);
    // The primary comes up: a later retry registers there.
    const back = await carrier('carrier_registrar_once.xml', primary);
    await vi.waitFor(
      () =>
        expect(pbx.trunks.status(id)).toMatchObject({
          state: 'registered',
          registrar: `127.0.0.1:${primary}`,
        }),
      { timeout: 20_000 },
    );
    expect((await back.done).code).toBe(0);
    await removeTrunk(id);
  }, 60_000);

  it('restarts a trunk whose settings change', async () => {
    const id = await addTrunk({ port: await freePort() });
    await vi.waitFor(() => expect(pbx.trunks.status(id)?.state).toBe('failed'), { timeout: 10_000 });
    expect(pbx.trunks.status(id)?.lastError).toBe('timeout');
    const sipp = await carrier('carrier_registrar_once.xml');
    await server.running.store.db.update(trunks).set({ port: sipp.port }).where(eq(trunks.id, id));
    await pbx.directory.reload();
    await vi.waitFor(
      () =>
        expect(pbx.trunks.status(id)).toMatchObject({
          state: 'registered',
          registrar: `127.0.0.1:${sipp.port}`,
        }),
      { timeout: 10_000 },
    );
    expect((await sipp.done).code).toBe(0);
    await removeTrunk(id);
  }, 30_000);

  it('ignores trunks recognised by IP', async () => {
    const id = await addTrunk({ authMode: 'ip', port: await freePort() });
    expect(pbx.trunks.status(id)).toBeUndefined();
    await removeTrunk(id);
  });
});
