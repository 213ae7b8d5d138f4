// Static paths: every branch from each entry, what the caller hears and how it ends.
import { describe, expect, it } from 'vitest';
import { type FlowPath, staticPaths, type Workspace } from '../../src/flows/index.ts';
import { cables, NUMBER, node, tts, workspace } from './fixtures.ts';

/** Main number -> greeting -> menu: 1 rings Alice (email after), 9 repeats via the greeting, default hangs up. */
function ivr(): Workspace {
  return workspace(
    [
      node('in', 'number', { number: NUMBER }, 'Main number'),
      node('hello', 'play', { prompt: { kind: 'file', promptId: 'welcome' } }, 'Greeting'),
      node(
        'menu',
        'menu',
        { prompt: tts('Press 1 for sales, 9 to repeat'), invalidPrompt: tts('Sorry'), keys: ['1', '9'] },
        'Main menu',
      ),
      node('sales', 'ring', { targets: [{ kind: 'person', id: 'alice' }] }, 'Sales'),
      node('mail', 'email', { to: ['boss@example.com'], subject: 'Sales call' }, 'Tell boss'),
      node('sorry', 'play', { prompt: tts('Nobody is free') }, 'Sorry'),
      node('bye', 'hangup', {}, 'Bye'),
    ],
    cables(
      'in:next>hello',
      'hello:next>menu',
      'menu:1>sales',
      'menu:9>hello',
      'menu:default>bye',
      'sales:answered>mail',
      'mail:next>sorry',
      'sales:no-answer>sorry',
      'sorry:next>bye',
    ),
  );
}

const summary = (p: FlowPath) =>
  `${p.steps.map((s) => (s.output ? `${s.nodeId}:${s.output}` : s.nodeId)).join(' ')} => ${p.ends}`;

describe('staticPaths', () => {
  it('lists every branch with what is heard and how it ends, loops included', () => {
    const [entry, ...rest] = staticPaths(ivr(), { names: new Map([['person:alice', 'Alice']]) });
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ entryNodeId: 'in', entryName: 'Main number', truncated: false });
    expect(entry!.paths.map(summary)).toEqual([
      'in:next hello:next menu:1 sales:answered mail:next => rings Alice (answered)',
      'in:next hello:next menu:1 sales:no-answer sorry:next bye => hangs up',
      "in:next hello:next menu:1 sales:busy => hangs up (no cable from 'busy')",
      'in:next hello:next menu:9 => loops back to Greeting',
      'in:next hello:next menu:default bye => hangs up',
    ]);
    expect(entry!.paths[1]!.hears).toEqual([
      'audio prompt welcome',
      '"Press 1 for sales, 9 to repeat"',
      '"Nobody is free"',
    ]);
  });

  it('shows the invalid prompt on the invalid branch when it has its own cable', () => {
    const ws = ivr();
    ws.edges.push({ id: 'inv', from: 'menu', output: 'invalid', to: 'bye' });
    const paths = staticPaths(ws)[0]!.paths;
    const invalid = paths.find((p) => p.steps.some((s) => s.output === 'invalid'));
    expect(invalid?.hears.slice(-2)).toEqual(['"Press 1 for sales, 9 to repeat"', '"Sorry"']);
    // timeout still falls back to default; both are listed once
    expect(paths.filter((p) => p.steps.some((s) => s.output === 'default'))).toHaveLength(1);
  });

  it('shows where a menu hangs up when neither timeout nor default has a cable', () => {
    const ws = ivr();
    ws.edges = ws.edges.filter((e) => e.output !== 'default');
    const ends = staticPaths(ws)[0]!.paths.map((p) => p.ends);
    expect(ends).toContain("hangs up (no cable from 'timeout')");
    expect(ends).toContain("hangs up (no cable from 'invalid')");
  });

  it('lists each entry, and stops at the path limit', () => {
    const ws = ivr();
    ws.nodes.push(node('ext', 'internal-number', { extension: '500' }, 'Reception'));
    ws.edges.push({ id: 'x', from: 'ext', output: 'next', to: 'menu' });
    const all = staticPaths(ws, { maxPathsPerEntry: 2 });
    expect(all.map((e) => [e.entryNodeId, e.paths.length, e.truncated])).toEqual([
      ['in', 2, true],
      ['ext', 2, true],
    ]);
    expect(staticPaths(ws, { maxPathsPerEntry: 5 })[0]!.truncated).toBe(false);
  });

  it('stays bounded on a graph with very many paths', () => {
    // 12 http nodes in a row, each with six outputs to the next: 6^12 paths
    const hooks = Array.from({ length: 12 }, (_, i) => node(`h${i}`, 'http', { url: 'https://e.com/' }));
    const edges = hooks.slice(1).flatMap((h, i) =>
      ['1', '2', '3', '4', '5', 'error'].map((o) => ({
        id: `e${i}-${o}`,
        from: `h${i}`,
        output: o,
        to: h.id,
      })),
    );
    const ws = workspace(
      [node('in', 'number', { number: NUMBER }), ...hooks],
      [{ id: 's', from: 'in', output: 'next', to: 'h0' }, ...edges],
    );
    const [entry] = staticPaths(ws);
    expect(entry!.paths).toHaveLength(100);
    expect(entry!.truncated).toBe(true);
  });

  it('describes misconfigured and missing nodes and post-call hangups', () => {
    const ws = workspace(
      [
        node('in', 'number', { number: NUMBER }),
        node('broken', 'play', { prompt: { kind: 'tts', text: '', language: 'en' } }, 'Broken'),
        node('in2', 'number', { number: '+37120000001' }),
        node('fwd', 'forward-phone', { number: '+4930123456' }),
        node('bye', 'hangup'),
      ],
      cables('in:next>broken', 'in2:next>fwd', 'fwd:answered>bye', 'fwd:failed>ghost'),
    );
    const [a, b] = staticPaths(ws);
    expect(a!.paths.map((p) => p.ends)).toEqual(['stops: Broken is misconfigured']);
    expect(b!.paths.map((p) => p.ends)).toEqual([
      'forwarded to +4930123456 (answered)',
      "stops: node 'ghost' does not exist",
    ]);
  });
});
