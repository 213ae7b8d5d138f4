// The interpreter node by node, mostly through the simulator (which is runFlow with
// scenario effects), and directly where an effect must misbehave.
import { describe, expect, it } from 'vitest';
import {
  CallerGone,
  type FlowEffects,
  type RingRequest,
  runFlow,
  type TraceStep,
  type Workspace,
} from '../../src/flows/index.ts';
import { cables, chain, NUMBER, node, sim, tts, workspace } from './fixtures.ts';

const alice = { kind: 'person', id: 'alice' } as const;
const bob = { kind: 'person', id: 'bob' } as const;
const desk = { kind: 'line', id: 'desk' } as const;

/** in -> X, each listed output of X to a hangup node named after it. */
function around(x: ReturnType<typeof node>, outputs: string[]): Workspace {
  const nodes = [
    node('in', 'number', { number: NUMBER }),
    x,
    ...outputs.map((o) => node(`to-${o}`, 'hangup')),
  ];
  return workspace(nodes, cables(`in:next>${x.id}`, ...outputs.map((o) => `${x.id}:${o}>to-${o}`)));
}

/** Effects that fail the test if used, with the given ones overridden. */
function effects(over: Partial<FlowEffects> = {}): FlowEffects {
  const no = (what: string) => () => {
    throw new Error(`unexpected ${what}`);
  };
  return {
    now: () => new Date('2025-01-01T12:00:00Z'),
    play: no('play'),
    readDigit: no('readDigit'),
    ring: no('ring'),
    forwardPhone: no('forwardPhone'),
    forwardSip: no('forwardSip'),
    record: no('record'),
    queue: no('queue'),
    voicemail: no('voicemail'),
    http: no('http'),
    email: no('email'),
    lastAgent: no('lastAgent'),
    hangup: async () => {},
    ...over,
  };
}
const start = { caller: { number: '+37129000000', name: null }, called: NUMBER };

describe('ring', () => {
  const ringAll = (strategy: string) =>
    around(node('r', 'ring', { targets: [alice, bob, desk], strategy, timeoutSec: 20, stepTimeoutSec: 8 }), [
      'no-answer',
      'busy',
    ]);

  it.each([
    [{ 'person:bob': 'answered' }, 'answered'],
    [{ 'person:alice': 'busy', 'person:bob': 'busy', 'line:desk': 'busy' }, 'busy'],
    [{ 'person:alice': 'busy', 'person:bob': 'busy' }, 'no-answer'],
    [{ 'person:alice': 'failed', 'person:bob': 'failed', 'line:desk': 'failed' }, 'no-answer'],
    [{}, 'no-answer'],
  ])('simultaneous with %j -> %s', async (answers, output) => {
    const r = await sim(ringAll('simultaneous'), { answers });
    expect(r.steps[1]!.output).toBe(output);
    const rings = r.effects.filter((e) => e.kind === 'ring');
    expect(rings).toEqual([expect.objectContaining({ targets: [alice, bob, desk], timeoutSec: 20 })]);
  });

  it('sequential rings one at a time with the step timeout until someone answers', async () => {
    const r = await sim(ringAll('sequential'), {
      answers: { 'person:alice': 'busy', 'person:bob': 'answered' },
    });
    const rings = r.effects.flatMap((e) => (e.kind === 'ring' ? [[e.targets, e.timeoutSec, e.outcome]] : []));
    expect(rings).toEqual([
      [[alice], 8, 'busy'],
      [[bob], 8, 'answered'],
    ]);
    expect(r.steps[1]).toMatchObject({
      output: 'answered',
      detail: 'rang in turn: person alice busy, person bob answered',
    });
  });

  it.each([
    [{ 'person:alice': 'busy', 'person:bob': 'busy', 'line:desk': 'busy' }, 'busy'],
    [{ 'person:alice': 'busy', 'person:bob': 'failed', 'line:desk': 'busy' }, 'no-answer'],
    [{ 'person:alice': 'busy', 'person:bob': 'busy' }, 'no-answer'],
  ])('sequential with %j -> %s', async (answers, output) => {
    const r = await sim(ringAll('sequential'), { answers });
    expect(r.steps[1]!.output).toBe(output);
    expect(r.effects.filter((e) => e.kind === 'ring')).toHaveLength(3);
  });

  it('passes the caller as the flow has made it', async () => {
    const seen: RingRequest[] = [];
    const ws = chain(node('rw', 'rewrite', { addSuffix: '9' }), node('r', 'ring', { targets: [alice] }));
    await runFlow(
      ws,
      'in',
      start,
      effects({
        ring: async (req) => {
          seen.push(req);
          return 'no-answer';
        },
      }),
    );
    expect(seen[0]).toMatchObject({ caller: { number: '+371290000009', name: null }, nodeId: 'r' });
  });
});

describe('after a conversation', () => {
  const flow = (next: ReturnType<typeof node>) =>
    workspace(
      [
        node('in', 'number', { number: NUMBER }),
        node('r', 'ring', { targets: [alice] }, 'Sales'),
        node('mail', 'email', { to: ['boss@example.com'], subject: 'Call from {{caller.number}} done' }),
        next,
      ],
      cables('in:next>r', 'r:answered>mail', `mail:next>${next.id}`),
    );

  it('runs only nodes that need no caller, and ends answered at the node that was answered', async () => {
    const r = await sim(flow(node('greet', 'play', { prompt: tts('Hi') }, 'Greeting')), {
      answers: { 'person:alice': 'answered' },
    });
    expect(r.steps.map((s) => s.nodeId)).toEqual(['in', 'r', 'mail']);
    expect(r.end).toEqual({
      reason: 'answered',
      nodeId: 'r',
      detail: "answered at 'Sales'; 'Greeting' needs a caller",
    });
    expect(r.effects.map((e) => e.kind)).toEqual(['ring', 'email', 'hangup']);
  });

  it('counts a hangup node after a conversation as answered', async () => {
    const r = await sim(flow(node('bye', 'hangup')), { answers: { 'person:alice': 'answered' } });
    expect(r.steps.map((s) => s.nodeId)).toEqual(['in', 'r', 'mail', 'bye']);
    expect(r.end).toMatchObject({ reason: 'answered', nodeId: 'r' });
  });

  it('ends answered when the answered output has no cable', async () => {
    const r = await sim(around(node('f', 'forward-phone', { number: '+4930123456' }), ['failed']), {
      answers: { 'number:+4930123456': 'answered' },
    });
    expect(r.end).toMatchObject({ reason: 'answered', nodeId: 'f' });
  });
});

describe('forwarding, recording, history', () => {
  it('forwards to a phone number; anything but answered is failed', async () => {
    const ws = around(node('f', 'forward-phone', { number: '+4930123456', timeoutSec: 45 }), [
      'answered',
      'failed',
    ]);
    const busy = await sim(ws, { answers: { 'number:+4930123456': 'busy' } });
    expect(busy.steps[1]!.output).toBe('failed');
    expect(busy.effects[0]).toMatchObject({ kind: 'forward-phone', number: '+4930123456', timeoutSec: 45 });
  });

  it('forwards to a SIP URI without copying the password into the result', async () => {
    const ws = around(
      node('f', 'forward-sip', { uri: 'sip:desk@pbx.example.com', username: 'u', password: 's3cret' }),
      ['failed'],
    );
    const r = await sim(ws, { answers: { 'sip:desk@pbx.example.com': 'answered' } });
    expect(r.steps[1]!.output).toBe('answered');
    expect(JSON.stringify(r)).not.toContain('s3cret');
    const seen: unknown[] = [];
    await runFlow(
      ws,
      'in',
      start,
      effects({
        forwardSip: async (req) => {
          seen.push(req);
          return 'failed';
        },
      }),
    );
    expect(seen[0]).toMatchObject({
      uri: 'sip:desk@pbx.example.com',
      username: 'u',
      password: 's3cret',
      timeoutSec: 60,
    });
  });

  it('starts and stops recording', async () => {
    const ws = chain(
      node('on', 'record', { action: 'start' }),
      node('off', 'record', { action: 'stop' }),
      node('bye', 'hangup'),
    );
    const r = await sim(ws);
    expect(r.effects.filter((e) => e.kind === 'record').map((e) => e.kind === 'record' && e.on)).toEqual([
      true,
      false,
    ]);
  });

  it('rings the last agent within the window', async () => {
    const ws = around(node('h', 'history', { withinHours: 48, timeoutSec: 12 }), [
      'answered',
      'no-answer',
      'not-found',
    ]);
    const none = await sim(ws);
    expect(none.steps[1]!.output).toBe('not-found');
    expect(none.effects[0]).toEqual({
      kind: 'last-agent',
      nodeId: 'h',
      callerNumber: '+37129000000',
      withinHours: 48,
    });
    const missed = await sim(ws, { lastAgent: bob, answers: { 'person:bob': 'busy' } });
    expect(missed.steps[1]!.output).toBe('no-answer');
    expect(missed.effects[1]).toMatchObject({ kind: 'ring', targets: [bob], timeoutSec: 12 });
    const reached = await sim(ws, { lastAgent: bob, answers: { 'person:bob': 'answered' } });
    expect(reached.end).toMatchObject({ reason: 'answered', nodeId: 'h' });
  });

  it('takes the queue output the wait ended with, with the caller tags of the branch', async () => {
    const q = node('q', 'queue', { queueId: 'support', tags: ['billing'] });
    const ws = around(q, ['answered', 'timeout', 'overflow', 'callback']);
    for (const outcome of ['timeout', 'overflow', 'callback'] as const) {
      const r = await sim(ws, { queues: { support: outcome } });
      expect(r.steps[1]).toMatchObject({ nodeId: 'q', output: outcome });
      expect(r.end).toMatchObject({ reason: 'hangup', nodeId: `to-${outcome}` });
      expect(r.effects[0]).toMatchObject({ kind: 'queue', queueId: 'support', tags: ['billing'], outcome });
    }
    // Nobody answers unless the scenario says so.
    expect((await sim(ws)).steps[1]!.output).toBe('timeout');
    const answered = await sim(ws, { queues: { support: 'answered' } });
    expect(answered.end).toMatchObject({ reason: 'answered', nodeId: 'q' });
  });

  it('adds tags from a lookup reply to the caller for the queue', async () => {
    const look = node('l', 'lookup', { url: 'https://crm.example/who?n={{caller.number}}' });
    const q = node('q', 'queue', { queueId: 'support', tags: ['en'] });
    const ws = workspace(
      [node('in', 'number', { number: NUMBER }), look, q, node('end', 'hangup')],
      cables('in:next>l', 'l:found>q', 'q:timeout>end'),
    );
    const r = await sim(ws, {
      httpReplies: { l: [{ status: 200, body: '{"name":"Ann","tags":["vip","not a tag!",7]}' }] },
    });
    expect(r.effects.find((e) => e.kind === 'queue')).toMatchObject({
      tags: ['vip', 'en'],
      caller: { name: 'Ann' },
    });
  });

  it('leaves a message or listens to a box, then goes on', async () => {
    for (const mode of ['leave', 'listen'] as const) {
      const r = await sim(chain(node('v', 'voicemail', { mode, boxId: 'b1' })));
      expect(r.effects[0]).toMatchObject({ kind: 'voicemail', mode, boxId: 'b1' });
      expect(r.steps[1]).toMatchObject({ nodeId: 'v', output: 'next' });
    }
  });
});

describe('rewrite', () => {
  it.each([
    [{ addPrefix: '00' }, '+37129000000', '00+37129000000'],
    [{ removePrefix: '+371', addPrefix: '0' }, '+37129000000', '029000000'],
    [{ removePrefix: '+44' }, '+37129000000', '+37129000000'],
    [{ removeSuffix: '000', addSuffix: '1' }, '+37129000000', '+371290001'],
    [{ removeSuffix: '77' }, '+37129000000', '+37129000000'],
  ])('%j turns %s into %s', async (config, from, to) => {
    const r = await sim(chain(node('rw', 'rewrite', config)), { caller: { number: from } });
    expect(r.caller.number).toBe(to);
    expect(r.steps[1]!.detail).toBe(`caller number ${from} → ${to}`);
  });
});

describe('ends', () => {
  it('hangs up with no-cable at an output without a cable', async () => {
    const r = await sim(chain(node('p', 'play', { prompt: tts('Hi') }, 'Hi')));
    expect(r.end).toEqual({
      reason: 'no-cable',
      nodeId: 'p',
      detail: "output 'next' of 'Hi' has no cable: hung up",
    });
    expect(r.effects.at(-1)).toEqual({ kind: 'hangup', nodeId: 'p' });
  });

  it('stops at the step limit and hangs up', async () => {
    const ws = workspace(
      [
        node('in', 'number', { number: NUMBER }),
        node('a', 'record', { action: 'start' }),
        node('b', 'record', { action: 'stop' }),
      ],
      cables('in:next>a', 'a:next>b', 'b:next>a'),
    );
    const r = await sim(ws, { maxSteps: 10 });
    expect(r.steps).toHaveLength(10);
    expect(r.end).toMatchObject({ reason: 'step-limit', detail: 'stopped after 10 steps' });
    expect(r.effects.at(-1)?.kind).toBe('hangup');
    const dflt = await runFlow(ws, 'in', start, effects({ record: async () => {} }));
    expect(dflt.steps).toHaveLength(1000);
  });

  it('ends with an error at a misconfigured node', async () => {
    const r = await sim(
      chain(node('p', 'play', { prompt: { kind: 'tts', text: '', language: 'en' } }, 'Broken')),
    );
    expect(r.end).toMatchObject({ reason: 'error', nodeId: 'p' });
    expect(r.end.detail).toContain("'Broken' is misconfigured: prompt.text:");
  });

  it('ends with an error when a cable leads to a missing node or the entry does not exist', async () => {
    const ws = chain(node('p', 'play', { prompt: tts('Hi') }));
    ws.edges.push({ id: 'lost', from: 'p', output: 'next', to: 'ghost' });
    expect((await sim(ws)).end).toMatchObject({ reason: 'error', detail: "node 'ghost' does not exist" });
    const r = await runFlow(ws, 'nowhere', start, effects());
    expect(r.end).toMatchObject({ reason: 'error', detail: "node 'nowhere' does not exist" });
  });

  it('ends with an error when an effect fails, and still hangs up', async () => {
    const hung: (string | undefined)[] = [];
    const r = await runFlow(
      chain(node('rec', 'record', { action: 'start' })),
      'in',
      start,
      effects({
        record: async () => {
          throw new Error('disk full');
        },
        hangup: async (id) => void hung.push(id),
      }),
    );
    expect(r.end).toEqual({ reason: 'error', nodeId: 'rec', detail: "'rec' failed: disk full" });
    expect(hung).toEqual(['rec']);
  });

  it('recognises CallerGone from another copy of the module by its name', async () => {
    class Gone extends Error {
      override name = 'CallerGone';
    }
    const r = await runFlow(
      chain(node('p', 'play', { prompt: tts('Hi') })),
      'in',
      start,
      effects({
        play: async () => {
          throw new Gone();
        },
      }),
    );
    expect(r.end.reason).toBe('caller-gone');
    const r2 = await runFlow(
      chain(node('r', 'ring', { targets: [alice] })),
      'in',
      start,
      effects({
        ring: async () => {
          throw new CallerGone();
        },
      }),
    );
    expect(r2.end).toMatchObject({ reason: 'caller-gone', nodeId: 'r' });
  });

  it('reports each step as it happens', async () => {
    const seen: TraceStep[] = [];
    const r = await runFlow(chain(node('bye', 'hangup')), 'in', start, effects(), {
      onStep: (s) => seen.push(s),
    });
    expect(seen).toEqual(r.steps);
    expect(seen.map((s) => [s.nodeId, s.output])).toEqual([
      ['in', 'next'],
      ['bye', undefined],
    ]);
    expect(r.end).toEqual({ reason: 'hangup', nodeId: 'bye', detail: 'hung up' });
  });

  it('does not change the caller object it was given', async () => {
    const caller = { number: '+37129000000', name: null };
    const r = await runFlow(
      chain(node('rw', 'rewrite', { addPrefix: '0' })),
      'in',
      { caller, called: NUMBER },
      effects(),
    );
    expect(caller.number).toBe('+37129000000');
    expect(r.caller.number).toBe('0+37129000000');
  });
});
