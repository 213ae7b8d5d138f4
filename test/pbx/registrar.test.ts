// The registrar of a running Switchboard (RFC 3261 §10.3) against real peers: sipp as a phone
// over UDP and TCP, and our own stack as a phone for what sipp cannot express (several
// contacts, Path, instance ids, CSeq order). Also the ban of an address that keeps guessing
// passwords, and the tenant's SIP ACL.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PbxEvent } from '../../src/pbx/events.ts';
import type { Pbx } from '../../src/pbx/pbx.ts';
import {
  DigestClient,
  newCallId,
  newTag,
  SipRequest,
  type SipResponse,
  SipUri,
  type Target,
} from '../../src/sip/index.ts';
import { tenants } from '../../src/store/schema.ts';
import { signUpCompany } from '../helpers/accounts.ts';
import { createLine, type Line } from '../helpers/lines.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { runSipp as runSippOn, type SippOptions } from '../sip/interop/sipp.ts';
import { TestUa } from '../sip/support/test-ua.ts';
import { transact } from '../sip/support/uac.ts';

/**
 * runSipp with a media port of our own: sipp binds RTP on -mp up to -mp+3, and the ports
 * runSipp picks from the ephemeral range often land there (exit 254, bind failure).
 */
async function runSipp(o: SippOptions) {
  const mp = await mediaPorts();
  return runSippOn({ ...o, extra: ['-mp', String(mp), ...(o.extra ?? [])] });
}

async function mediaPorts(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
  for (;;) {
    // Below the ephemeral range, so no other port runSipp picks can fall inside.
    const p = 10_000 + 4 * Math.floor(Math.random() * 2500);
    if ((await Promise.all([p, p + 1, p + 2, p + 3].map(free))).every(Boolean)) return p;
  }
}

const scenario = (name: string) => ({ file: `../../pbx/scenarios/${name}` });

let server: TestServer;
let pbx: Pbx;
let phone: TestUa;
let company: Awaited<ReturnType<typeof signUpCompany>>;
const lines: Record<string, Line> = {};
const events: PbxEvent[] = [];

beforeAll(async () => {
  server = await startTestServer(
    'pglite',
    {
      sipEnabled: true,
      registerMinExpires: 60,
      registerMaxExpires: 1800,
      sipAuthBanFailures: 5,
      sipAuthBanWindowSeconds: 60,
      sipAuthBanSeconds: 600,
    },
    // sipp 3.6 answers only the first challenge and only MD5: offer MD5 first here.
    { digestAlgorithms: ['MD5', 'SHA-256'], timers: { T1: 20, T2: 160, T4: 200 } },
  );
  pbx = server.running.pbx as Pbx;
  pbx.events.on((e) => events.push(e));
  company = await signUpCompany(server);
  const people = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
  for (const username of people) {
    const personId =
      username === 'alice'
        ? company.personId
        : (await company.admin.post('/api/people', { firstName: username, lastName: 'Line' })).body.id;
    lines[username] = await createLine(server, {
      tenantId: company.tenantId,
      personId,
      username,
      password: `${username}-secret`,
    });
  }
  phone = await new TestUa().start();
}, 60_000);

afterAll(async () => {
  await phone?.stop();
  await server?.close();
});

const line = (name: string): Line => lines[name] as Line;
const remote = () => `127.0.0.1:${pbx.sipPort}`;
const sipp = (user: string, password = `${user}-secret`, expires = '300') =>
  `${user};${line('alice').domain};[authentication username=${user} password=${password}];${expires}`;
/** sipp's error log without its header and its complaint about a video RTP port it never uses. */
const errors = (r: { errors: string }) =>
  r.errors
    .split('\n')
    .filter(
      (l) => l.trim() && !l.startsWith('The following events') && !l.includes('Unable to bind video RTP'),
    )
    .join('\n');
const contactsOf = (name: string) => pbx.location.bindings(line(name).id).map((b) => b.contact);

interface Registration {
  username: string;
  password: string;
  domain: string;
  contacts: string[] | '*';
  expires?: number;
  callId?: string;
  cseq?: number;
  headers?: [string, string][];
  /** The AOR in To, when it is not username@domain. */
  to?: string;
}

/** REGISTER from our own stack over UDP, answering one challenge: [401, final]. */
async function register(r: Registration): Promise<[SipResponse, SipResponse]> {
  const target: Target = { protocol: 'udp', address: '127.0.0.1', port: pbx.sipPort };
  const callId = r.callId ?? newCallId();
  const tag = newTag();
  const build = (cseq: number) => {
    const req = new SipRequest('REGISTER', SipUri.parse(`sip:${r.domain}`));
    req.append('From', `<sip:${r.username}@${r.domain}>;tag=${tag}`);
    req.append('To', `<${r.to ?? `sip:${r.username}@${r.domain}`}>`);
    req.append('Call-ID', callId);
    req.append('CSeq', `${cseq} REGISTER`);
    if (r.contacts === '*') req.append('Contact', '*');
    else for (const c of r.contacts) req.append('Contact', c);
    if (r.expires !== undefined) req.append('Expires', String(r.expires));
    for (const [k, v] of r.headers ?? []) req.append(k, v);
    return req;
  };
  const cseq = r.cseq ?? 1;
  const first = await transact(phone, build(cseq), target);
  expect(first.response.status).toBe(401);
  const again = build(cseq + 1);
  expect(
    new DigestClient({ username: r.username, password: r.password }).authorize(again, first.response),
  ).toBe(true);
  const second = await transact(phone, again, target);
  return [first.response, second.response];
}

const as = (name: string, more: Partial<Registration> = {}): Registration => ({
  username: name,
  password: `${name}-secret`,
  domain: line(name).domain,
  contacts: [`<sip:${name}@127.0.0.1:5999>`],
  ...more,
});

describe.each(['udp', 'tcp'] as const)('sipp phone over %s', (transport) => {
  it('registers with digest and the location lists its contact and flow', async () => {
    const run = await runSipp({
      scenario: scenario('register.xml'),
      transport,
      remote: remote(),
      inject: ['SEQUENTIAL', sipp('alice')],
    });
    const result = await run.done;
    expect(errors(result)).toBe('');
    expect(result.code).toBe(0);
    // sipp writes [transport] in upper case.
    const contact = `sip:alice@127.0.0.1:${run.port};transport=${transport}`;
    const binding = pbx.location.bindings(line('alice').id).find((b) => b.contact.toLowerCase() === contact);
    expect(binding).toMatchObject({ userAgent: 'sipp-phone', tenantId: company.tenantId });
    expect(binding?.flow.protocol).toBe(transport);
    if (transport === 'tcp') expect(binding?.flow.connectionId).toBeDefined();
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'registration',
        change: 'added',
        lineId: line('alice').id,
        contact: binding?.contact,
      }),
    );
  });

  it('is challenged again with a wrong password', async () => {
    const run = await runSipp({
      scenario: scenario('register_refused.xml'),
      transport,
      remote: remote(),
      inject: ['SEQUENTIAL', sipp('bob', 'wrong')],
    });
    const result = await run.done;
    expect(errors(result)).toBe('');
    expect(result.code).toBe(0);
    expect(contactsOf('bob')).toEqual([]);
  });

  it('gets 423 with Min-Expires for a too short Expires', async () => {
    const run = await runSipp({
      scenario: scenario('register_too_brief.xml'),
      transport,
      remote: remote(),
      inject: ['SEQUENTIAL', sipp('bob', undefined, '10')],
    });
    const result = await run.done;
    expect(errors(result)).toBe('');
    expect(result.code).toBe(0);
    expect(contactsOf('bob')).toEqual([]);
  });

  it('unregisters its contact with Expires: 0', async () => {
    await register(as('carol', { contacts: ['<sip:carol@127.0.0.1:5998>'] }));
    const run = await runSipp({
      scenario: scenario('unregister.xml'),
      transport,
      remote: remote(),
      inject: ['SEQUENTIAL', sipp('carol')],
    });
    const result = await run.done;
    expect(errors(result)).toBe('');
    expect(result.code).toBe(0);
    // The other contact stays.
    expect(contactsOf('carol')).toEqual(['sip:carol@127.0.0.1:5998']);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'registration',
        change: 'removed',
        contact: `sip:carol@127.0.0.1:${run.port};transport=${transport.toUpperCase()}`,
      }),
    );
  });

  it('unregisters every contact with Contact: *', async () => {
    await register(as('dave', { contacts: ['<sip:dave@127.0.0.1:5998>'] }));
    const run = await runSipp({
      scenario: scenario('unregister_all.xml'),
      transport,
      remote: remote(),
      inject: ['SEQUENTIAL', sipp('dave')],
    });
    const result = await run.done;
    expect(errors(result)).toBe('');
    expect(result.code).toBe(0);
    expect(contactsOf('dave')).toEqual([]);
  });
});

describe('registrar', () => {
  it('answers an unknown user, an unknown domain and a wrong password alike but for the nonce', async () => {
    const target: Target = { protocol: 'udp', address: '127.0.0.1', port: pbx.sipPort };
    const attempt = async (username: string, domain: string, password: string) => {
      const build = (cseq: number) => {
        const req = new SipRequest('REGISTER', SipUri.parse(`sip:${domain}`));
        req.append('From', `<sip:${username}@${domain}>;tag=${newTag()}`);
        req.append('To', `<sip:${username}@${domain}>`);
        req.append('Call-ID', newCallId());
        req.append('CSeq', `${cseq} REGISTER`);
        req.append('Contact', `<sip:${username}@127.0.0.1:5999>`);
        return req;
      };
      const first = (await transact(phone, build(1), target)).response;
      const again = build(2);
      new DigestClient({ username, password }).authorize(again, first);
      const second = (await transact(phone, again, target)).response;
      return [first, second].map((r) => ({
        status: r.status,
        reason: r.reason,
        names: r.names.filter((n) => !['Via', 'From', 'To', 'Call-ID', 'CSeq'].includes(n)),
        challenges: r
          .getAll('WWW-Authenticate')
          .map((v) => v.replace(/nonce="[^"]*"/, 'nonce=_').replace(domain, 'DOMAIN')),
      }));
    };
    const wrong = await attempt('erin', line('erin').domain, 'wrong');
    const unknown = await attempt('nobody', line('erin').domain, 'whatever');
    const noDomain = await attempt('erin', 'nowhere.example', 'erin-secret');
    expect(wrong[1]?.status).toBe(401);
    expect(unknown).toEqual(wrong);
    expect(noDomain).toEqual(wrong);
    // A success clears the failures counted against 127.0.0.1.
    expect((await register(as('erin')))[1].status).toBe(200);
  });

  it('keeps several contacts, lists them with expires and a Date, and clamps Expires', async () => {
    const [, ok] = await register(
      as('frank', {
        contacts: ['<sip:frank@127.0.0.1:6001>', '<sip:frank@127.0.0.1:6002>;expires=120'],
        expires: 7200,
        headers: [['User-Agent', 'desk phone']],
      }),
    );
    expect(ok.status).toBe(200);
    expect(ok.get('Date')).toMatch(/GMT$/);
    const listed = ok.contact === '*' ? [] : ok.contact.map((c) => [c.uriText, Number(c.param('expires'))]);
    expect(listed).toEqual([
      ['sip:frank@127.0.0.1:6001', 1800],
      ['sip:frank@127.0.0.1:6002', 120],
    ]);
    // Without any Expires: 3600, clamped to the maximum (1800 here).
    const [, again] = await register(as('frank', { contacts: ['<sip:frank@127.0.0.1:6003>'] }));
    const third = again.contact === '*' ? undefined : again.contact.find((c) => c.uriText.endsWith(':6003'));
    expect(third?.param('expires')).toBe('1800');
    expect(again.contact).toHaveLength(3);
    const agents = pbx.location.bindings(line('frank').id).map((b) => [b.contact, b.userAgent]);
    expect(agents).toContainEqual(['sip:frank@127.0.0.1:6001', 'desk phone']);
    // Expires 0 on one contact removes just that one.
    const [, removed] = await register(as('frank', { contacts: ['<sip:frank@127.0.0.1:6002>'], expires: 0 }));
    expect(removed.status).toBe(200);
    expect(contactsOf('frank').sort()).toEqual(['sip:frank@127.0.0.1:6001', 'sip:frank@127.0.0.1:6003']);
    // A query (no Contact) lists without changing.
    const [, query] = await register(as('frank', { contacts: [] }));
    expect(query.status).toBe(200);
    expect(query.contact).toHaveLength(2);
  });

  it('refuses * with a non-zero Expires (400) and a REGISTER for another AOR (403)', async () => {
    expect((await register(as('frank', { contacts: '*', expires: 60 })))[1].status).toBe(400);
    expect((await register(as('frank', { contacts: '*' })))[1].status).toBe(400);
    const [, forbidden] = await register(as('frank', { to: `sip:alice@${line('alice').domain}` }));
    expect(forbidden.status).toBe(403);
    expect(contactsOf('alice')).not.toContain('sip:frank@127.0.0.1:5999');
  });

  it('rejects an older CSeq of the same Call-ID (500) and accepts a newer one', async () => {
    const callId = newCallId();
    const contact = '<sip:erin@127.0.0.1:6100>';
    expect((await register(as('erin', { callId, cseq: 10, contacts: [contact] })))[1].status).toBe(200);
    expect((await register(as('erin', { callId, cseq: 3, contacts: [contact] })))[1].status).toBe(500);
    expect((await register(as('erin', { callId, cseq: 3, contacts: '*', expires: 0 })))[1].status).toBe(500);
    expect(contactsOf('erin')).toContain('sip:erin@127.0.0.1:6100');
    const [, newer] = await register(as('erin', { callId, cseq: 20, contacts: [contact], expires: 0 }));
    expect(newer.status).toBe(200);
    expect(contactsOf('erin')).not.toContain('sip:erin@127.0.0.1:6100');
    // Another Call-ID may change the binding whatever its CSeq.
    expect((await register(as('erin', { cseq: 1, contacts: [contact] })))[1].status).toBe(200);
  });

  it('keeps +sip.instance: a new contact of the same device replaces the old one', async () => {
    const instance = '"<urn:uuid:00000000-0000-1000-8000-00000000abcd>"';
    await register(as('bob', { contacts: [`<sip:bob@127.0.0.1:6201>;+sip.instance=${instance}`] }));
    const [, ok] = await register(
      as('bob', { contacts: [`<sip:bob@127.0.0.1:6202>;+sip.instance=${instance}`] }),
    );
    expect(ok.status).toBe(200);
    const bindings = pbx.location.bindings(line('bob').id);
    expect(bindings.map((b) => [b.contact, b.instanceId])).toEqual([
      ['sip:bob@127.0.0.1:6202', '<urn:uuid:00000000-0000-1000-8000-00000000abcd>'],
    ]);
    expect(ok.getAll('Contact').join()).toContain('+sip.instance=');
  });

  it('stores Path when the phone supports it and echoes it', async () => {
    const path = '<sip:edge.example;lr>';
    const [, ok] = await register(
      as('carol', {
        contacts: ['<sip:carol@10.1.1.1:5060>'],
        headers: [
          ['Supported', 'path'],
          ['Path', path],
        ],
      }),
    );
    expect(ok.status).toBe(200);
    expect(ok.get('Path')).toBe(path);
    const b = pbx.location.bindings(line('carol').id).find((x) => x.contact === 'sip:carol@10.1.1.1:5060');
    expect(b?.path).toEqual([path]);
    // Without Supported: path it is not stored.
    await register(as('carol', { contacts: ['<sip:carol@10.1.1.2:5060>'], headers: [['Path', path]] }));
    const c = pbx.location.bindings(line('carol').id).find((x) => x.contact === 'sip:carol@10.1.1.2:5060');
    expect(c?.path).toEqual([]);
  });

  it('keeps at most 10 contacts per line, replacing the oldest', async () => {
    await register(as('dave', { contacts: '*', expires: 0 }));
    for (let i = 0; i < 12; i++)
      await register(as('dave', { contacts: [`<sip:dave@127.0.0.1:${7000 + i}>`] }));
    const kept = contactsOf('dave').sort();
    expect(kept).toHaveLength(10);
    expect(kept).not.toContain('sip:dave@127.0.0.1:7000');
    expect(kept).not.toContain('sip:dave@127.0.0.1:7001');
    expect(kept).toContain('sip:dave@127.0.0.1:7011');
  });

  it('answers 403 after auth when the tenant SIP ACL excludes the address', async () => {
    const other = await signUpCompany(server);
    await server.running.store.db
      .update(tenants)
      .set({ sipAcl: ['10.0.0.0/8'] })
      .where(eq(tenants.id, other.tenantId));
    const l = await createLine(server, {
      tenantId: other.tenantId,
      personId: other.personId,
      username: 'zed',
      password: 'zed-secret',
    });
    const [challenge, answer] = await register({
      username: 'zed',
      password: 'zed-secret',
      domain: l.domain,
      contacts: ['<sip:zed@127.0.0.1:5999>'],
    });
    expect(challenge.status).toBe(401);
    expect(answer.status).toBe(403);
    expect(pbx.location.bindings(l.id)).toEqual([]);
  });
});

describe('an authentication storm', () => {
  it('bans the guessing address while a phone on 127.0.0.1 keeps registering', async () => {
    const messages = join(tmpdir(), `storm-${process.pid}-${Date.now()}.log`);
    // 8 attempts, one at a time: the 5th wrong answer earns the ban, the last 3 hear nothing.
    const storm = await runSipp({
      scenario: scenario('auth_storm.xml'),
      transport: 'udp',
      remote: remote(),
      inject: ['SEQUENTIAL', sipp('erin', 'guess')],
      extra: ['-i', '127.0.0.2', '-m', '8', '-l', '1', '-trace_msg', '-message_file', messages],
    });
    const legit = await runSipp({
      scenario: scenario('register.xml'),
      transport: 'udp',
      remote: remote(),
      inject: ['SEQUENTIAL', sipp('alice')],
      extra: ['-m', '6', '-l', '1', '-r', '2'],
    });
    const [s, l] = await Promise.all([storm.done, legit.done]);
    expect(errors(l)).toBe('');
    expect(l.code).toBe(0);
    expect(s.code).not.toBe(0);
    expect(pbx.ban.isBanned('127.0.0.2')).toBe(true);
    expect(pbx.ban.isBanned('127.0.0.1')).toBe(false);
    // Two answers for each of the 5 attempts before the ban, then silence.
    const received = readFileSync(messages, 'utf8').match(/message received/g) ?? [];
    expect(received).toHaveLength(10);
    // After the storm the phone still registers.
    const after = await runSipp({
      scenario: scenario('register.xml'),
      transport: 'udp',
      remote: remote(),
      inject: ['SEQUENTIAL', sipp('alice')],
    });
    expect((await after.done).code).toBe(0);
    await vi.waitFor(() =>
      expect(contactsOf('alice')).toContain(`sip:alice@127.0.0.1:${after.port};transport=UDP`),
    );
  }, 60_000);
});
