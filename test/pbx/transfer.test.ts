// Transfers by REFER (RFC 3515) through the real server, with sipp as the phones: a blind
// transfer answered by its target, one that fails and leaves the transferor with its caller,
// and an attended transfer (REFER with Replaces, RFC 3891) joining the transferor's two
// partners, on one media worker and across two (the moved party's media is re-anchored).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signUpCompany } from '../helpers/accounts.ts';
import type { ApiClient } from '../helpers/client.ts';
import { createLine, type Line } from '../helpers/lines.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { callerPhone, receivedRequest, sipPort, sippOk } from '../helpers/sipp-phones.ts';
import { runSipp, type SippRun } from '../sip/interop/sipp.ts';

const PASSWORD = 'line-password-1';

interface Setup {
  server: TestServer;
  admin: ApiClient;
  lines: Map<string, Line>;
}

async function setUp(mediaWorkers: number): Promise<Setup> {
  // sipp answers only the first challenge and only MD5.
  const server = await startTestServer(
    'pglite',
    { sipEnabled: true, mediaWorkers },
    { digestAlgorithms: ['MD5'] },
  );
  const company = await signUpCompany(server);
  const lines = new Map<string, Line>();
  for (const ext of ['100', '101', '102', '103']) {
    const p = await company.admin.post('/api/people', { firstName: 'Ext', lastName: ext, extension: ext });
    expect(p.status).toBe(201);
    lines.set(
      ext,
      await createLine(server, {
        tenantId: company.tenantId,
        personId: p.body.id,
        username: ext,
        password: PASSWORD,
      }),
    );
  }
  return { server, admin: company.admin, lines };
}

const scenarioFile = (name: string) => `../../pbx/scenarios/${name}`;

/** A registered phone (sipp as UAS) of `line`, with sipp keys (-key name value). */
async function registered(s: Setup, scenario: string, ext: string, keys: Record<string, string> = {}) {
  const line = s.lines.get(ext) as Line;
  const run = await runSipp({
    scenario: { file: scenarioFile(scenario) },
    transport: 'udp',
    extra: ['-trace_msg', ...Object.entries(keys).flatMap(([k, v]) => ['-key', k, v])],
  });
  const reg = await runSipp({
    scenario: { file: scenarioFile('calls/register_contact.xml') },
    transport: 'udp',
    remote: `127.0.0.1:${sipPort(s.server)}`,
    inject: [
      'SEQUENTIAL',
      `${line.username};${line.domain};[authentication username=${line.username} password=${line.password}];${run.port}`,
    ],
  });
  await sippOk(reg);
  return run;
}

/** A phone of `ext` placing a call (sipp as UAC): fields user;domain;credentials;dialled;more… */
function calling(
  s: Setup,
  scenario: string,
  ext: string,
  dial: string,
  more: string[] = [],
): Promise<SippRun> {
  const line = s.lines.get(ext) as Line;
  return runSipp({
    scenario: { file: scenarioFile(scenario) },
    transport: 'udp',
    remote: `127.0.0.1:${sipPort(s.server)}`,
    extra: ['-trace_msg'],
    inject: [
      'SEQUENTIAL',
      [
        line.username,
        line.domain,
        `[authentication username=${line.username} password=${line.password}]`,
        dial,
        ...more,
      ].join(';'),
    ],
  });
}

/** Every request of a method sipp received, in order, from its -trace_msg log. */
function receivedAll(run: SippRun, method: string): string[] {
  const log = readdirSync(run.dir).find((f) => f.endsWith('_messages.log'));
  if (!log) throw new Error('sipp ran without -trace_msg');
  return readFileSync(join(run.dir, log), 'utf8')
    .split(/\n-{10,}[^\n]*\n/)
    .filter((b) => b.includes('message received') && new RegExp(`\\n${method} \\S+ SIP/2\\.0`).test(b));
}

async function records(s: Setup, n: number) {
  const pbx = s.server.running.pbx;
  await pbx?.cdrs.flush();
  const list = await s.admin.get(`/api/calls?limit=${n}`);
  expect(list.status).toBe(200);
  return list.body.items as Record<string, unknown>[];
}

function unregisterAll(s: Setup): void {
  for (const l of s.lines.values()) s.server.running.pbx?.location.removeAll(l.id);
}

/** The answered call of `ext` as caller: its dialog with us as Replaces names it (escaped). */
async function consultDialog(s: Setup, ext: string): Promise<string> {
  const line = s.lines.get(ext) as Line;
  const pbx = s.server.running.pbx;
  let replaces = '';
  await vi.waitFor(
    () => {
      const call = pbx?.calls
        .calls(line.tenantId)
        .find((c) => c.caller.lineId === line.id && c.state === 'answered');
      expect(call, 'the consultation call is answered').toBeDefined();
      if (!call) return;
      // As the target would see it: to-tag is ours, from-tag the phone's (RFC 3891 §6.1).
      replaces = `${call.a.invite.callId};to-tag=${call.a.toTag};from-tag=${call.a.invite.from.tag}`;
    },
    { timeout: 10_000 },
  );
  return encodeURIComponent(replaces);
}

describe('REFER transfers (one media worker)', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp(1);
  }, 60_000);
  afterAll(async () => s?.server.close());

  it('blind: 101 refers its caller 100 to 102; 102 rings as a call from 100, answers, and 101 is let go', async () => {
    unregisterAll(s);
    const target = await registered(s, 'calls/callee_hangs_up.xml', '102');
    const agent = await registered(s, 'transfer/agent_refers.xml', '101', { target: '102' });
    const caller = await callerPhone(s.server, 'caller_gets_bye.xml', s.lines.get('100') as Line, '101');
    await sippOk(agent);
    await sippOk(target);
    // 102 hung up: the transferred caller gets our BYE.
    await sippOk(caller);
    // The target sees the transferred party as the caller.
    expect(receivedRequest(target, 'INVITE')).toMatch(/^From: .*<sip:100@/m);
    const [cdr] = await records(s, 1);
    expect(cdr).toMatchObject({
      callerNumber: '100',
      calleeNumber: '102',
      disposition: 'answered',
      endedBy: 'callee',
    });
    const detail = await s.admin.get(`/api/calls/${cdr?.id}`);
    const legs = detail.body.legs as { lineId?: string; status?: number }[];
    expect(legs.filter((l) => l.status === 200).map((l) => l.lineId)).toEqual([
      s.lines.get('101')?.id,
      s.lines.get('102')?.id,
    ]);
    await vi.waitFor(() => expect(s.server.running.pbx?.calls.size).toBe(0));
  });

  it('blind to a busy target: the final NOTIFY says 486 and the transferor is still with its caller', async () => {
    unregisterAll(s);
    const target = await registered(s, 'calls/callee_busy.xml', '102');
    const agent = await registered(s, 'transfer/agent_refer_fails.xml', '101', { target: '102' });
    const caller = await callerPhone(s.server, 'caller_gets_bye.xml', s.lines.get('100') as Line, '101');
    await sippOk(target);
    // The agent hung up after the failure: its caller, still connected to it, gets our BYE.
    await sippOk(agent);
    await sippOk(caller);
    expect(receivedAll(agent, 'NOTIFY')[1]).toContain('SIP/2.0 486 Busy Here');
    const [cdr] = await records(s, 1);
    expect(cdr).toMatchObject({ callerNumber: '100', calleeNumber: '101', endedBy: 'callee' });
  });

  it('blind to an extension whose phone is offline: its "when unavailable" forwards to 103, which answers', async () => {
    unregisterAll(s);
    const l = s.lines.get('102') as Line;
    const patched = await s.admin.patch(`/api/lines/${l.id}`, {
      whenUnavailable: { action: 'forward', to: '103' },
    });
    expect(patched.status).toBe(200);
    try {
      const forwarded = await registered(s, 'calls/callee_hangs_up.xml', '103');
      const agent = await registered(s, 'transfer/agent_refers.xml', '101', { target: '102' });
      const caller = await callerPhone(s.server, 'caller_gets_bye.xml', s.lines.get('100') as Line, '101');
      await sippOk(agent);
      await sippOk(forwarded);
      await sippOk(caller);
      expect(receivedRequest(forwarded, 'INVITE')).toMatch(/^From: .*<sip:100@/m);
      const [cdr] = await records(s, 1);
      expect(cdr).toMatchObject({ callerNumber: '100', calleeNumber: '103', disposition: 'answered' });
    } finally {
      await s.admin.patch(`/api/lines/${l.id}`, { whenUnavailable: { action: 'hangup' } });
    }
  });

  it('INVITE with Replaces: a second phone of line 100 takes over its call with 101; the first gets BYE', async () => {
    unregisterAll(s);
    const callee = await registered(s, 'calls/callee_answer.xml', '101');
    const first = await callerPhone(s.server, 'caller_gets_bye.xml', s.lines.get('100') as Line, '101');
    const dialog = decodeURIComponent(await consultDialog(s, '100'));
    const [callId, toTag, fromTag] = dialog.split(';').map((p, i) => (i === 0 ? p : (p.split('=')[1] ?? '')));
    const ids = [callId ?? '', toTag ?? '', fromTag ?? ''];
    // Another line may not take it.
    await sippOk(await calling(s, 'transfer/caller_replaces_refused.xml', '102', '101', ids));
    const second = await calling(s, 'transfer/caller_replaces.xml', '100', '101', ids);
    await sippOk(first);
    // The second phone talks, hangs up; 101 gets our BYE.
    await sippOk(second);
    await sippOk(callee);
    expect(receivedAll(callee, 'INVITE')).toHaveLength(1);
    await vi.waitFor(() => expect(s.server.running.pbx?.calls.size).toBe(0));
  });

  it('attended: 101 consults 102, then joins its caller 100 to 102 by REFER with Replaces', async () => {
    unregisterAll(s);
    const target = await registered(s, 'calls/callee_answer.xml', '102');
    const consultation = await calling(s, 'calls/caller_gets_bye.xml', '101', '102');
    const replaces = await consultDialog(s, '101');
    const caller = await registered(s, 'transfer/callee_talks.xml', '100');
    const agent = await calling(s, 'transfer/caller_refers_replaces.xml', '101', '100', [replaces, '102']);
    // 101 is let go from both calls.
    await sippOk(agent);
    await sippOk(consultation);
    // 100 talks to 102 (no re-INVITE reaches either: same worker), hangs up; 102 gets our BYE.
    await sippOk(caller);
    await sippOk(target);
    expect(receivedAll(target, 'INVITE')).toHaveLength(1);
    const [joined, consult] = await records(s, 2);
    expect(consult).toMatchObject({ callerNumber: '101', calleeNumber: '102', hangupCause: 'transferred' });
    expect(joined).toMatchObject({ calleeNumber: '102', disposition: 'answered' });
    await vi.waitFor(() => expect(s.server.running.pbx?.calls.size).toBe(0));
  });
});

describe('attended transfer across media workers', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp(2);
  }, 60_000);
  afterAll(async () => s?.server.close());

  it('the target’s media is re-anchored on the worker of the caller’s call with a re-INVITE', async () => {
    unregisterAll(s);
    // Each call's endpoints go to the least loaded worker: the two calls land on different ones.
    const target = await registered(s, 'transfer/callee_reanchored.xml', '102');
    const consultation = await calling(s, 'calls/caller_gets_bye.xml', '101', '102');
    const replaces = await consultDialog(s, '101');
    const caller = await registered(s, 'transfer/callee_talks.xml', '100');
    const agent = await calling(s, 'transfer/caller_refers_replaces.xml', '101', '100', [replaces, '102']);
    await sippOk(agent);
    await sippOk(consultation);
    await sippOk(caller);
    await sippOk(target);
    const [first, second] = receivedAll(target, 'INVITE').map((m) => /m=audio (\d+)/.exec(m)?.[1]);
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    await vi.waitFor(() => expect(s.server.running.pbx?.calls.size).toBe(0));
  });
});
