// The scenario format, entry resolution, and flow-test expectations passing and failing.
import { describe, expect, it } from 'vitest';
import {
  checkExpectation,
  FlowInputError,
  flowTestExpectationSchema,
  scenarioSchema,
  simulate,
  type Workspace,
} from '../../src/flows/index.ts';
import { cables, NUMBER, node, sim, tts, workspace } from './fixtures.ts';

/** Main number and extension 500 -> menu: 1 rings Alice then Bob in turn, 2 rewrites and looks up, default hangs up. */
function flow(): Workspace {
  return workspace(
    [
      node('in', 'number', { number: NUMBER }),
      node('ext', 'internal-number', { extension: '500' }),
      node('menu', 'menu', { prompt: tts('Press 1 or 2'), keys: ['1', '2'], retries: 0 }),
      node('sales', 'ring', {
        targets: [
          { kind: 'person', id: 'alice' },
          { kind: 'person', id: 'bob' },
        ],
        strategy: 'sequential',
      }),
      node('rw', 'rewrite', { removePrefix: '+371', addPrefix: '0' }),
      node('who', 'lookup', { url: 'https://crm.example.com/{{caller.number}}' }),
      node('bye', 'hangup'),
    ],
    cables(
      'in:next>menu',
      'ext:next>menu',
      'menu:1>sales',
      'menu:2>rw',
      'rw:next>who',
      'who:found>bye',
      'menu:default>bye',
    ),
  );
}

describe('scenarios', () => {
  it('enters at a number, an extension or a node, with the called number to match', async () => {
    const s = { caller: { number: '+37129000000' }, at: '2025-03-28T09:30:00Z' };
    const byNumber = await simulate(flow(), scenarioSchema.parse({ ...s, entry: { number: NUMBER } }));
    expect(byNumber.steps[0]).toMatchObject({ nodeId: 'in', detail: `call to ${NUMBER} from +37129000000` });
    const byExt = await simulate(flow(), scenarioSchema.parse({ ...s, entry: { extension: '500' } }));
    expect(byExt.steps[0]).toMatchObject({
      nodeId: 'ext',
      detail: 'call to extension 500 from +37129000000',
    });
    const byNode = await simulate(
      flow(),
      scenarioSchema.parse({ ...s, entry: { nodeId: 'menu' }, digits: ['1'] }),
    );
    expect(byNode.steps.map((st) => st.nodeId)).toEqual(['menu', 'sales']);
  });

  it('throws FlowInputError for an entry the workspace does not have', async () => {
    const s = { caller: { number: '+37129000000' }, at: '2025-03-28T09:30:00Z' };
    await expect(
      simulate(flow(), scenarioSchema.parse({ ...s, entry: { number: '+37120009999' } })),
    ).rejects.toThrow(new FlowInputError('no entry object answers +37120009999'));
    await expect(
      simulate(flow(), scenarioSchema.parse({ ...s, entry: { extension: '999' } })),
    ).rejects.toThrow(FlowInputError);
    await expect(simulate(flow(), scenarioSchema.parse({ ...s, entry: { nodeId: 'nope' } }))).rejects.toThrow(
      "there is no node 'nope'",
    );
  });

  it('records rewrite and lookup in the final caller', async () => {
    const r = await sim(flow(), { digits: ['2'], httpReplies: { who: [{ status: 200, body: 'Anna' }] } });
    expect(r.caller).toEqual({ number: '029000000', name: 'Anna' });
    expect(r.effects.find((e) => e.kind === 'http')).toMatchObject({
      request: { url: 'https://crm.example.com/029000000' },
    });
  });

  it.each([
    ['a bad key', { digits: ['A'] }, 'digits.0'],
    ['a bad time', { at: '28.03.2025 09:30' }, 'at'],
    ['a time without offset', { at: '2025-03-28T09:30:00' }, 'at'],
    ['an unknown answer key', { answers: { 'group:x': 'answered' } }, 'answers.group:x'],
    ['an unknown outcome', { answers: { 'person:alice': 'maybe' } }, 'answers.person:alice'],
    ['a bad entry', { entry: { number: '123' } }, 'entry.number'],
    ['an unknown field', { digitz: [] }, ''],
    ['a bad reply', { httpReplies: { who: [{ status: 700, body: '' }] } }, 'httpReplies.who.0.status'],
  ])('refuses %s', (_what, over, path) => {
    const r = scenarioSchema.safeParse({
      entry: { nodeId: 'in' },
      caller: { number: '+1555' },
      at: '2025-03-28T09:30:00Z',
      ...over,
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('flow test expectations', () => {
  it('passes when every expectation holds', async () => {
    const r = await sim(flow(), { digits: ['1'], answers: { 'person:bob': 'answered' } });
    const expected = flowTestExpectationSchema.parse({
      endReason: 'answered',
      endsAt: 'sales',
      visits: ['in', 'sales'],
      avoids: ['bye'],
      rings: [
        { kind: 'person', id: 'alice' },
        { kind: 'person', id: 'bob' },
      ],
      callerNumber: '+37129000000',
      callerName: null,
    });
    expect(checkExpectation(r, expected)).toEqual({ passed: true, failures: [] });
  });

  it('fails with a reason for each expectation that does not hold', async () => {
    const r = await sim(flow(), { digits: ['1'] });
    const expected = flowTestExpectationSchema.parse({
      endReason: 'answered',
      endsAt: 'bye',
      visits: ['sales', 'menu'],
      avoids: ['sales'],
      rings: [
        { kind: 'person', id: 'bob' },
        { kind: 'line', id: 'desk' },
      ],
      callerNumber: '029000000',
      callerName: 'Anna',
    });
    expect(checkExpectation(r, expected)).toEqual({
      passed: false,
      failures: [
        `expected the call to end 'answered', it ended 'no-cable': output 'no-answer' of 'sales' has no cable: hung up`,
        "expected the call to end at 'bye', it ended at 'sales'",
        "expected a visit to 'menu' after 'sales'; visited in → menu → sales",
        "expected the call never to reach 'sales', it did",
        'expected line:desk to ring; rang person:alice, person:bob',
        'expected the caller number 029000000, it is +37129000000',
        'expected the caller name "Anna", it is null',
      ],
    });
  });

  it('needs the simulated effects for ring expectations', async () => {
    const { effects: _e, ...bare } = await sim(flow(), { digits: ['1'] });
    const check = checkExpectation(bare, { rings: [{ kind: 'person', id: 'alice' }] });
    expect(check).toEqual({ passed: false, failures: ['ring expectations need a simulation result'] });
  });

  it('turns red when the flow changes behaviour', async () => {
    const expected = flowTestExpectationSchema.parse({ visits: ['sales'], endReason: 'answered' });
    const scenario = { digits: ['1'], answers: { 'person:alice': 'answered' } };
    expect(checkExpectation(await sim(flow(), scenario), expected).passed).toBe(true);
    const changed = flow();
    changed.edges.find((e) => e.output === '1')!.to = 'bye';
    const check = checkExpectation(await sim(changed, scenario), expected);
    expect(check.passed).toBe(false);
    expect(check.failures).toHaveLength(2);
  });

  it('refuses an expectation that expects nothing, or a bad end reason', () => {
    expect(flowTestExpectationSchema.safeParse({}).success).toBe(false);
    expect(flowTestExpectationSchema.safeParse({ endReason: 'finished' }).success).toBe(false);
    expect(flowTestExpectationSchema.safeParse({ visits: ['bad id!'] }).success).toBe(false);
  });
});
