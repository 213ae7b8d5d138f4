// sipp as the phones and carriers of PBX tests: scenarios in test/pbx/scenarios/calls, fields
// passed by injection, and a callee that is registered before the test dials it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runSipp, type SippRun } from '../sip/interop/sipp.ts';
import type { Line } from './lines.ts';
import type { TestServer } from './server.ts';

const file = (name: string) => `../../pbx/scenarios/calls/${name}`;

export function sipPort(server: TestServer): number {
  const pbx = server.running.pbx;
  if (!pbx) throw new Error('SIP is not running');
  return pbx.sipPort;
}

/** A phone of `line` running a caller scenario: fields user;domain;credentials;dialled. */
export function callerPhone(
  server: TestServer,
  scenario: string,
  line: Line,
  dial: string,
): Promise<SippRun> {
  return runSipp({
    scenario: { file: file(scenario) },
    transport: 'udp',
    remote: `127.0.0.1:${sipPort(server)}`,
    inject: [
      'SEQUENTIAL',
      `${line.username};${line.domain};[authentication username=${line.username} password=${line.password}];${dial}`,
    ],
  });
}

/**
 * A callee: sipp as the phone (a UAS scenario), registered for `line` by a second sipp with
 * the first one's address as Contact (a sipp scenario only hears its own Call-IDs).
 */
export async function registeredPhone(server: TestServer, scenario: string, line: Line): Promise<SippRun> {
  const run = await runSipp({ scenario: { file: file(scenario) }, transport: 'udp', extra: ['-trace_msg'] });
  const reg = await runSipp({
    scenario: { file: file('register_contact.xml') },
    transport: 'udp',
    remote: `127.0.0.1:${sipPort(server)}`,
    inject: [
      'SEQUENTIAL',
      `${line.username};${line.domain};[authentication username=${line.username} password=${line.password}];${run.port}`,
    ],
  });
  await sippOk(reg);
  return run;
}

export async function sippOk(run: SippRun): Promise<void> {
  const r = await run.done;
  expect(r.errors, r.output).toBe('');
  expect(r.code, r.output).toBe(0);
}

/** The first request of a method sipp received, from its -trace_msg log. */
export function receivedRequest(run: SippRun, method: string): string {
  const log = readdirSync(run.dir).find((f) => f.endsWith('_messages.log'));
  if (!log) throw new Error('sipp ran without -trace_msg');
  const text = readFileSync(join(run.dir, log), 'utf8');
  const blocks = text.split(/\n-{10,}[^\n]*\n/);
  const found = blocks.find(
    (b) => b.includes('message received') && new RegExp(`\\n${method} \\S+ SIP/2\\.0`).test(b),
  );
  if (!found) throw new Error(`sipp received no ${method}:\n${text.slice(0, 2000)}`);
  return found.slice(found.indexOf(`${method} `));
}
