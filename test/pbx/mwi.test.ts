// Message-waiting indication (RFC 3842 over RFC 6665) of a running Switchboard, with sipp as
// the phone: a digest-challenged SUBSCRIBE to message-summary, the NOTIFY that follows at
// once, another after the mailbox changes, a refresh and an unsubscribe; and the 489 of an
// event package we do not serve.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pbx } from '../../src/pbx/pbx.ts';
import { newId } from '../../src/store/ids.ts';
import { signUpCompany } from '../helpers/accounts.ts';
import { createLine, type Line } from '../helpers/lines.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { runSipp, type SippRun } from '../sip/interop/sipp.ts';

const scenario = (name: string) => ({ file: `../../pbx/scenarios/voicemail/${name}` });

let server: TestServer;
let pbx: Pbx;
let alice: Line;
let alicePerson = '';
let bob: Line;

beforeAll(async () => {
  server = await startTestServer(
    'pglite',
    // Subscriptions share the registration bounds: 1 s lets a test watch one expire.
    { sipEnabled: true, registerMinExpires: 1 },
    // sipp 3.6 answers only MD5 challenges.
    { digestAlgorithms: ['MD5', 'SHA-256'], timers: { T1: 20, T2: 160, T4: 200 } },
  );
  pbx = server.running.pbx as Pbx;
  const company = await signUpCompany(server);
  alicePerson = company.personId;
  alice = await createLine(server, {
    tenantId: company.tenantId,
    personId: company.personId,
    username: 'alice',
    password: 'alice-secret',
  });
  const other = await company.admin.post('/api/people', { firstName: 'Bob', lastName: 'Line' });
  bob = await createLine(server, {
    tenantId: company.tenantId,
    personId: other.body.id,
    username: 'bob',
    password: 'bob-secret',
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

const fields = (l: Line) =>
  `${l.username};${l.domain};[authentication username=${l.username} password=${l.password}]`;

/** What sipp received, in order, from its -trace_msg log. */
function received(run: SippRun, method: string): string[] {
  const log = readdirSync(run.dir).find((f) => f.endsWith('_messages.log'));
  if (!log) return [];
  const text = readFileSync(join(run.dir, log), 'utf8');
  return text
    .split(/\n-{10,}[^\n]*\n/)
    .filter((b) => b.includes('message received') && new RegExp(`\\n${method} \\S+ SIP/2\\.0`).test(b))
    .map((b) => b.slice(b.indexOf(`${method} `)));
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

const header = (message: string, name: string) =>
  new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(message)?.[1]?.trim();
const body = (message: string) => message.slice(message.search(/\r?\n\r?\n/)).trim();

describe('message-waiting indication', () => {
  it('tells a subscribed phone its counts at once, on every change, on refresh, and at the end', async () => {
    // Alice's box holds two saved messages.
    const box = await pbx.voicemail.store.personBox(alice.tenantId, alicePerson);
    if (!box) throw new Error('no box');
    for (let i = 0; i < 2; i++) {
      const id = newId();
      await pbx.voicemail.store.addMessage({
        id,
        tenantId: alice.tenantId,
        boxId: box.id,
        callId: null,
        callerNumber: '201',
        callerName: null,
        durationMs: 1000,
        path: pbx.voicemail.store.messageKey(alice.tenantId, id),
        bytes: 16_044,
      });
      await pbx.voicemail.store.markSaved(alice.tenantId, id);
    }
    const run = await runSipp({
      scenario: scenario('mwi_subscribe.xml'),
      transport: 'udp',
      remote: `127.0.0.1:${pbx.sipPort}`,
      inject: ['SEQUENTIAL', fields(alice)],
      extra: ['-trace_msg'],
    });
    await until('the first NOTIFY', () => received(run, 'NOTIFY').length === 1);
    expect(pbx.mwi.subscriptions(alice.id)).toBe(1);
    // A message is left: one new, the two saved still there.
    const id = newId();
    await pbx.voicemail.store.addMessage({
      id,
      tenantId: alice.tenantId,
      boxId: box.id,
      callId: null,
      callerNumber: '202',
      callerName: null,
      durationMs: 1000,
      path: pbx.voicemail.store.messageKey(alice.tenantId, id),
      bytes: 16_044,
    });
    pbx.voicemail.changed(box);
    const r = await run.done;
    expect(r.errors.trim(), r.output).toBe('');
    expect(r.code, r.output).toBe(0);

    const notifies = received(run, 'NOTIFY');
    expect(notifies).toHaveLength(4);
    const [first, changed, refreshed, final] = notifies as [string, string, string, string];
    for (const n of notifies) {
      expect(header(n, 'Event')).toBe('message-summary');
      expect(header(n, 'Content-Type')).toBe('application/simple-message-summary');
    }
    expect(body(first)).toBe(
      `Messages-Waiting: no\r\nMessage-Account: sip:alice@${alice.domain}\r\nVoice-Message: 0/2 (0/0)`,
    );
    expect(header(first, 'Subscription-State')).toMatch(/^active;expires=(600|59\d)$/);
    expect(body(changed)).toContain('Messages-Waiting: yes');
    expect(body(changed)).toContain('Voice-Message: 1/2 (0/0)');
    expect(body(refreshed)).toContain('Voice-Message: 1/2 (0/0)');
    expect(header(final, 'Subscription-State')).toMatch(/^terminated/);
    // CSeq of the NOTIFYs rises by one each (one dialog, in order).
    const seqs = notifies.map((n) => Number(header(n, 'CSeq')?.split(' ')[0]));
    expect(seqs).toEqual([
      seqs[0],
      (seqs[0] as number) + 1,
      (seqs[0] as number) + 2,
      (seqs[0] as number) + 3,
    ]);
    await until('the subscription to go', () => pbx.mwi.subscriptions(alice.id) === 0);
  });

  it('ends a subscription that is not refreshed with a final NOTIFY (reason timeout)', async () => {
    const run = await runSipp({
      scenario: scenario('mwi_expiry.xml'),
      transport: 'udp',
      remote: `127.0.0.1:${pbx.sipPort}`,
      inject: ['SEQUENTIAL', `${fields(bob)};2`],
    });
    const r = await run.done;
    expect(r.errors.trim(), r.output).toBe('');
    expect(r.code, r.output).toBe(0);
    expect(pbx.mwi.subscriptions(bob.id)).toBe(0);
  });

  it('refuses a phone the mailbox of another line (403)', async () => {
    const run = await runSipp({
      scenario: scenario('subscribe_other_mailbox.xml'),
      transport: 'udp',
      remote: `127.0.0.1:${pbx.sipPort}`,
      inject: ['SEQUENTIAL', `${fields(bob)};alice`],
    });
    const r = await run.done;
    expect(r.errors.trim(), r.output).toBe('');
    expect(r.code, r.output).toBe(0);
    expect(pbx.mwi.size).toBe(0);
  });

  it('answers a SUBSCRIBE for another event package 489 with Allow-Events', async () => {
    const run = await runSipp({
      scenario: scenario('subscribe_bad_event.xml'),
      transport: 'udp',
      remote: `127.0.0.1:${pbx.sipPort}`,
      inject: ['SEQUENTIAL', fields(bob)],
    });
    const r = await run.done;
    expect(r.errors.trim(), r.output).toBe('');
    expect(r.code, r.output).toBe(0);
    expect(pbx.mwi.size).toBe(0);
  });
});
