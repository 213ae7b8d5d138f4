// Fuzzing: valid messages (the RFC 4475 ones that parse, and the bench's typical ones)
// mutated byte- and token-wise. The parser either accepts or throws a typed SipError; every
// typed getter does the same; and a running stack fed a share of them ends with no
// transaction or timer left. SIP_FUZZ_ITERATIONS sets the count (default 100,000).
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { INVITE, OK, REGISTER } from '../../bench/sip/messages.ts';
import { type Flow, parseMessage, SipError, type SipMessage, SipRequest } from '../../src/sip/index.ts';
import { CASES, fixture } from './rfc4475/cases.ts';
import { expectNoLeaks, TestUa } from './support/test-ua.ts';

const ITERATIONS = Number(process.env.SIP_FUZZ_ITERATIONS ?? 100_000);
const SEEDS: Buffer[] = [
  ...CASES.filter((c) => c.parse === 'ok').map((c) => fixture(c.file)),
  INVITE,
  OK,
  REGISTER,
];
const TOKENS = [
  '<',
  '>',
  ';',
  ',',
  '"',
  '\\',
  '%',
  '%0',
  ':',
  '@',
  '[',
  ']',
  ' ',
  '\r\n',
  '\r\n ',
  '=',
  '?',
  '\0',
  'é',
  '*',
];

/** A small deterministic PRNG (mulberry32) so a failure can be replayed from its iteration. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(seed: Buffer, random: () => number): Buffer {
  const pick = (n: number) => Math.floor(random() * n);
  let b = Buffer.from(seed);
  const rounds = 1 + pick(3);
  for (let r = 0; r < rounds; r++) {
    const at = pick(b.length);
    switch (pick(7)) {
      case 0: // flip a byte
        b[at] = pick(256);
        break;
      case 1: // insert a grammar token
        b = Buffer.concat([b.subarray(0, at), Buffer.from(TOKENS[pick(TOKENS.length)]!), b.subarray(at)]);
        break;
      case 2: // delete a run
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + pick(20)))]);
        break;
      case 3: // truncate
        b = b.subarray(0, at);
        break;
      case 4: {
        // duplicate a line
        const lines = b.toString('latin1').split('\r\n');
        const i = pick(lines.length);
        lines.splice(i, 0, lines[i] ?? '');
        b = Buffer.from(lines.join('\r\n'), 'latin1');
        break;
      }
      case 5: // a digit run where a number was
        b = Buffer.concat([b.subarray(0, at), Buffer.from('9'.repeat(1 + pick(25))), b.subarray(at)]);
        break;
      default: {
        // swap two lines
        const lines = b.toString('latin1').split('\r\n');
        const i = pick(lines.length);
        const j = pick(lines.length);
        [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
        b = Buffer.from(lines.join('\r\n'), 'latin1');
      }
    }
  }
  return b;
}

/** Reads every typed view; only SipErrors may come out. */
function touch(m: SipMessage): void {
  const getters = [
    'via',
    'from',
    'to',
    'callId',
    'cseq',
    'maxForwards',
    'expires',
    'contentLength',
    'contentType',
    'contact',
    'route',
    'recordRoute',
    'path',
    'pAssertedIdentity',
    'referTo',
    'referredBy',
    'require',
    'supported',
    'allow',
    'accept',
    'event',
    'subscriptionState',
    'sessionExpires',
    'minSE',
    'replaces',
    'privacy',
    'authorization',
    'wwwAuthenticate',
  ] as const;
  for (const g of getters) {
    try {
      const v = m[g];
      if (Array.isArray(v)) for (const x of v) if (x && typeof x === 'object' && 'uri' in x) x.uri.toString();
    } catch (e) {
      if (!(e instanceof SipError)) throw e;
    }
  }
  if (m instanceof SipRequest) m.uri.toString();
  m.toBuffer();
}

describe('fuzz', () => {
  it(`${ITERATIONS} mutated messages: only typed errors, never a crash`, () => {
    const random = rng(4475);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const data = mutate(SEEDS[i % SEEDS.length]!, random);
      let m: SipMessage;
      try {
        m = parseMessage(data);
      } catch (e) {
        if (!(e instanceof SipError)) throw new Error(`iteration ${i}: ${(e as Error).stack}`);
        refused++;
        continue;
      }
      accepted++;
      touch(m);
    }
    // Both outcomes occur: the mutations reach past the first line.
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  }, 120_000);

  it('a running stack fed mutated messages keeps answering and leaks nothing', async () => {
    const ua = await new TestUa({ stack: { timers: { T1: 5, T2: 40, T4: 50 } } }).start();
    const sink = createSocket('udp4');
    await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
    const flow: Flow = {
      protocol: 'udp',
      address: '127.0.0.1',
      port: sink.address().port,
      localAddress: '127.0.0.1',
      localPort: ua.udp.localPort,
    };
    const random = rng(5118);
    const n = Math.max(1000, Math.floor(ITERATIONS / 50));
    for (let i = 0; i < n; i++) ua.stack.receive(mutate(SEEDS[i % SEEDS.length]!, random), flow);
    // The stack still serves a good request after all that (answered to a socket of its own,
    // so the flood of answers to the mutations cannot crowd it out).
    const probe = createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
    const probeFlow: Flow = { ...flow, port: probe.address().port };
    const ok = Buffer.from(
      `OPTIONS sip:ua@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${probeFlow.port};branch=z9hG4bKafter\r\n` +
        `Max-Forwards: 70\r\nFrom: <sip:f@127.0.0.1>;tag=1\r\nTo: <sip:ua@127.0.0.1>\r\nCall-ID: after-fuzz\r\n` +
        `CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
    );
    const reply = new Promise<string>((resolve) => probe.once('message', (d) => resolve(d.toString())));
    ua.stack.receive(ok, probeFlow);
    expect(await reply).toMatch(/^SIP\/2\.0 200 OK/);
    await expectNoLeaks(ua, 20_000);
    await ua.stop();
    sink.close();
    probe.close();
  }, 60_000);
});
