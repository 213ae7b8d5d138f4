// IVR menu semantics: barge-in, retries, the timeout/invalid/default fallbacks, pending keys
// from a greeting, and a caller who hangs up mid-menu.
import { describe, expect, it } from 'vitest';
import type { SimulatedEffect, Workspace } from '../../src/flows/index.ts';
import { NUMBER, node, sim, tts, workspace } from './fixtures.ts';

/** in -> menu (keys 1, 2, *, #); each key and each given fallback leads to a hangup node of its name. */
function menuFlow(
  fallbacks: string[],
  config: Record<string, unknown> = {},
  before: 'none' | 'greet' | 'greet-barge' = 'none',
): Workspace {
  const nodes = [
    node('in', 'number', { number: NUMBER }),
    node(
      'menu',
      'menu',
      { prompt: tts('Press 1 for sales'), keys: ['1', '2', '*', '#'], ...config },
      'Main menu',
    ),
    ...['1', '2', '*', '#'].map((k) => node(`key${k === '*' ? 'star' : k === '#' ? 'hash' : k}`, 'hangup')),
    ...fallbacks.map((f) => node(f, 'hangup')),
  ];
  const edges = [
    ...['1', '2', '*', '#'].map((k) => ({
      id: `k${k}`,
      from: 'menu',
      output: k,
      to: `key${k === '*' ? 'star' : k === '#' ? 'hash' : k}`,
    })),
    ...fallbacks.map((f) => ({ id: `f-${f}`, from: 'menu', output: f, to: f })),
  ];
  if (before === 'none') {
    edges.push({ id: 'start', from: 'in', output: 'next', to: 'menu' });
  } else {
    nodes.push(node('greet', 'play', { prompt: tts('Welcome'), bargeIn: before === 'greet-barge' }));
    edges.push(
      { id: 'start', from: 'in', output: 'next', to: 'greet' },
      { id: 'g', from: 'greet', output: 'next', to: 'menu' },
    );
  }
  return workspace(nodes, edges);
}

const kinds = (effects: SimulatedEffect[]) =>
  effects.map((e) =>
    e.kind === 'play' || e.kind === 'read-digit' ? `${e.kind}${e.key ? `:${e.key}` : ''}` : e.kind,
  );

describe('menu', () => {
  it('takes a key pressed during the prompt without waiting', async () => {
    const r = await sim(menuFlow(['default']), { digits: ['1'] });
    expect(r.steps[1]).toMatchObject({ nodeId: 'menu', output: '1', detail: 'pressed 1' });
    expect(r.end).toMatchObject({ reason: 'hangup', nodeId: 'key1' });
    expect(kinds(r.effects)).toEqual(['play:1', 'hangup']);
  });

  it('waits timeoutSec for a key after the prompt', async () => {
    const r = await sim(menuFlow(['default'], { timeoutSec: 7 }), { digits: [null, '#'] });
    expect(r.steps[1]).toMatchObject({ output: '#', detail: 'no key, pressed #' });
    expect(r.effects[1]).toEqual({ kind: 'read-digit', nodeId: 'menu', timeoutMs: 7000 });
    expect(kinds(r.effects)).toEqual(['play', 'read-digit', 'play:#', 'hangup']);
  });

  it('plays the invalid prompt after a key it does not know, then retries', async () => {
    const r = await sim(menuFlow(['default'], { invalidPrompt: tts('Sorry') }), { digits: ['7', '*'] });
    expect(r.steps[1]).toMatchObject({ output: '*', detail: 'invalid key 7, pressed *' });
    expect(r.effects[1]).toMatchObject({ kind: 'play', prompt: tts('Sorry'), bargeIn: false });
    expect(kinds(r.effects)).toEqual(['play:7', 'play', 'play:*', 'hangup']);
  });

  it('takes timeout after retries when the caller never presses a key', async () => {
    const r = await sim(menuFlow(['timeout', 'invalid', 'default']), { digits: [] });
    expect(r.steps[1]).toMatchObject({ output: 'timeout', detail: 'no key, no key, no key; 2 retries used' });
    expect(kinds(r.effects)).toEqual([
      'play',
      'read-digit',
      'play',
      'read-digit',
      'play',
      'read-digit',
      'hangup',
    ]);
    expect(r.end.nodeId).toBe('timeout');
  });

  it('takes invalid when the last try was a wrong key', async () => {
    const r = await sim(menuFlow(['timeout', 'invalid'], { retries: 1 }), { digits: [null, '9'] });
    expect(r.steps[1]).toMatchObject({ output: 'invalid', detail: 'no key, invalid key 9; 1 retries used' });
    expect(r.end.nodeId).toBe('invalid');
  });

  it('takes timeout when the last try was silent, even after a wrong key', async () => {
    const r = await sim(menuFlow(['timeout', 'invalid'], { retries: 1 }), { digits: ['9', null] });
    expect(r.end.nodeId).toBe('timeout');
  });

  it('falls back to default when timeout or invalid has no cable', async () => {
    const silent = await sim(menuFlow(['invalid', 'default']), { digits: [] });
    expect(silent.steps[1]!.output).toBe('default');
    const wrong = await sim(menuFlow(['timeout', 'default'], { retries: 0 }), { digits: ['5'] });
    expect(wrong.steps[1]!.output).toBe('default');
  });

  it('hangs up with no-cable when neither the fallback nor default has a cable', async () => {
    const r = await sim(menuFlow(['timeout'], { retries: 0 }), { digits: ['5'] });
    expect(r.steps[1]!.output).toBe('invalid');
    expect(r.end).toMatchObject({ reason: 'no-cable', nodeId: 'menu' });
    expect(r.effects.at(-1)).toEqual({ kind: 'hangup', nodeId: 'menu' });
  });

  it('tries once with retries 0', async () => {
    const r = await sim(menuFlow(['default'], { retries: 0 }), { digits: [null, '1'] });
    expect(r.steps[1]!.output).toBe('default');
    expect(kinds(r.effects)).toEqual(['play', 'read-digit', 'hangup']);
  });

  it('uses a key pressed during a barge-in greeting as the menu choice', async () => {
    const r = await sim(menuFlow(['default'], {}, 'greet-barge'), { digits: ['2'] });
    expect(r.steps.map((s) => s.nodeId)).toEqual(['in', 'greet', 'menu', 'key2']);
    expect(r.steps[1]!.detail).toContain('pressed 2 (kept for the next menu)');
    // the menu prompt is skipped: the caller already chose
    expect(kinds(r.effects)).toEqual(['play:2', 'hangup']);
  });

  it('does not let a greeting without barge-in take a key', async () => {
    const r = await sim(menuFlow(['default'], {}, 'greet'), { digits: ['2'] });
    expect(kinds(r.effects)).toEqual(['play', 'play:2', 'hangup']);
    expect(r.end.nodeId).toBe('key2');
  });

  it('ends caller-gone when the caller hangs up mid-menu, without hanging up again', async () => {
    const r = await sim(menuFlow(['default']), { digits: [null, 'hangup', '1'] });
    expect(r.end).toEqual({
      reason: 'caller-gone',
      nodeId: 'menu',
      detail: "the caller hung up during 'Main menu'",
    });
    expect(r.steps.map((s) => s.nodeId)).toEqual(['in']);
    expect(kinds(r.effects)).toEqual(['play', 'read-digit', 'caller-hangup']);
  });
});
