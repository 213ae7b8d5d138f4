import { describe, expect, it } from 'vitest';
import { type FlowEffects, parseWorkspace, runFlow, validateWorkspace } from '../../src/flows/index.ts';
import { cables, NUMBER, node, refs, tts, workspace } from './fixtures.ts';

describe('a first flow', () => {
  const ws = workspace(
    [
      node('n1', 'number', { number: NUMBER }),
      node('m', 'menu', { prompt: tts('Press 1'), keys: ['1'] }),
      node('r', 'ring', { targets: [{ kind: 'person', id: 'alice' }] }),
      node('h', 'hangup'),
    ],
    cables('n1:next>m', 'm:1>r', 'm:default>h', 'r:no-answer>h', 'r:busy>h'),
  );

  it('parses and validates clean', () => {
    expect(parseWorkspace(ws).ok).toBe(true);
    expect(validateWorkspace(ws, refs())).toEqual([]);
  });

  it('runs a key press to an answered ring', async () => {
    const digits = ['1'];
    const fx: FlowEffects = {
      now: () => new Date(),
      play: async (_p, o) => (o.bargeIn ? digits.shift() : undefined),
      readDigit: async () => undefined,
      ring: async () => 'answered',
      forwardPhone: async () => 'failed',
      forwardSip: async () => 'failed',
      record: async () => {},
      http: async () => ({ error: 'x' }),
      email: async () => {},
      lastAgent: async () => undefined,
      hangup: async () => {},
    };
    const r = await runFlow(ws, 'n1', { caller: { number: '+3712999', name: null }, called: NUMBER }, fx);
    expect(r.steps.map((s) => s.output)).toEqual(['next', '1', 'answered']);
    expect(r.end).toMatchObject({ reason: 'answered', nodeId: 'r' });
  });
});
