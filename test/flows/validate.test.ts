// Each validation rule, with the node, edge and field it points at.
import { describe, expect, it } from 'vitest';
import {
  emptyWorkspace,
  type FlowIssue,
  parseWorkspace,
  validateWorkspace,
  type Workspace,
  workspaceSchema,
} from '../../src/flows/index.ts';
import { cables, NUMBER, node, refs, tts, workspace } from './fixtures.ts';

/** A clean flow: number -> greeting -> menu (1: ring, 2: voicemail) -> hangup by default. */
function base(): Workspace {
  return workspace(
    [
      node('in', 'number', { number: NUMBER }, 'Main number'),
      node('hello', 'play', { prompt: { kind: 'file', promptId: 'welcome' } }, 'Greeting'),
      node('menu', 'menu', { prompt: tts('Press 1 or 2'), keys: ['1', '2'] }, 'Main menu'),
      node('ring', 'ring', { targets: [{ kind: 'person', id: 'alice' }] }, 'Sales'),
      node('vm', 'voicemail', { mode: 'leave', boxId: 'box1' }, 'Voicemail'),
      node('bye', 'hangup', {}, 'Bye'),
    ],
    cables(
      'in:next>hello',
      'hello:next>menu',
      'menu:1>ring',
      'menu:2>vm',
      'menu:default>bye',
      'ring:no-answer>vm',
      'ring:busy>vm',
      'vm:next>bye',
    ),
  );
}

const strip = (i: FlowIssue) => {
  const { message: _m, ...rest } = i;
  return rest;
};
const issuesOf = (ws: Workspace, r = refs()) => validateWorkspace(ws, r).map(strip);

describe('validateWorkspace', () => {
  it('finds nothing wrong with a clean flow', () => {
    expect(validateWorkspace(base(), refs())).toEqual([]);
  });

  it('locates config errors at node and field', () => {
    const ws = base();
    ws.nodes[2]!.config = {
      prompt: { kind: 'tts', text: '', language: 'en' },
      keys: ['1', '2'],
      retries: 12,
    };
    expect(issuesOf(ws)).toEqual([
      { severity: 'error', code: 'invalid-config', nodeId: 'menu', field: 'prompt.text' },
      { severity: 'error', code: 'invalid-config', nodeId: 'menu', field: 'retries' },
    ]);
  });

  it('reports unknown node types', () => {
    const ws = base();
    ws.nodes.push({ id: 'odd', type: 'teleport' as never, name: 'x', config: {} });
    ws.edges.push({ id: 'e-odd', from: 'ring', output: 'answered', to: 'odd' });
    expect(issuesOf(ws)).toContainEqual({ severity: 'error', code: 'unknown-type', nodeId: 'odd' });
  });

  it('reports cables from and to missing nodes, and from outputs a node lacks', () => {
    const ws = base();
    ws.edges.push(
      { id: 'x1', from: 'ghost', output: 'next', to: 'bye' },
      { id: 'x2', from: 'ring', output: 'answered', to: 'ghost' },
      { id: 'x3', from: 'menu', output: '7', to: 'ring' },
    );
    const got = issuesOf(ws);
    expect(got).toContainEqual({ severity: 'error', code: 'edge-from-missing', edgeId: 'x1' });
    expect(got).toContainEqual({ severity: 'error', code: 'edge-to-missing', edgeId: 'x2' });
    expect(got).toContainEqual({
      severity: 'error',
      code: 'unknown-output',
      nodeId: 'menu',
      edgeId: 'x3',
      output: '7',
    });
  });

  it('reports two cables from one output on both', () => {
    const ws = base();
    ws.edges.push({ id: 'dup', from: 'menu', output: '1', to: 'vm' });
    const got = issuesOf(ws).filter((i) => i.code === 'output-cabled-twice');
    expect(got).toEqual([
      { severity: 'error', code: 'output-cabled-twice', nodeId: 'menu', edgeId: 'dup', output: '1' },
      { severity: 'error', code: 'output-cabled-twice', nodeId: 'menu', edgeId: 'e3', output: '1' },
    ]);
  });

  it('warns of outputs without a cable, but not of answered or menu fallbacks covered by default', () => {
    const ws = base();
    ws.edges = ws.edges.filter((e) => e.id !== 'e7'); // ring:busy
    expect(validateWorkspace(ws, refs())).toEqual([
      {
        severity: 'warning',
        code: 'output-not-connected',
        message: "output 'busy' has no cable: the call hangs up here",
        nodeId: 'ring',
        output: 'busy',
      },
    ]);
  });

  it('warns of menu timeout and invalid when there is no default', () => {
    const ws = base();
    ws.edges = ws.edges.filter((e) => e.id !== 'e5'); // menu:default
    const got = issuesOf(ws).filter((i) => i.nodeId === 'menu');
    expect(got.map((i) => [i.severity, i.output])).toEqual([
      ['warning', 'default'],
      ['warning', 'invalid'],
      ['warning', 'timeout'],
    ]);
  });

  it('does not ask for a default when timeout and invalid are cabled', () => {
    const ws = base();
    ws.edges = ws.edges.filter((e) => e.id !== 'e5');
    ws.edges.push(
      { id: 't', from: 'menu', output: 'timeout', to: 'bye' },
      { id: 'i', from: 'menu', output: 'invalid', to: 'bye' },
    );
    expect(validateWorkspace(ws, refs())).toEqual([]);
  });

  it('makes an uncabled entry or menu key an error', () => {
    const ws = base();
    ws.edges = ws.edges.filter((e) => e.id !== 'e4' && e.id !== 'e1'); // menu:2, in:next
    const got = issuesOf(ws);
    expect(got).toContainEqual({
      severity: 'error',
      code: 'entry-not-connected',
      nodeId: 'in',
      output: 'next',
    });
    expect(got).toContainEqual({
      severity: 'error',
      code: 'menu-key-not-connected',
      nodeId: 'menu',
      output: '2',
    });
  });

  it('reports nodes no entry leads to', () => {
    const ws = base();
    ws.nodes.push(node('island', 'play', { prompt: tts('Nobody hears this') }), node('island2', 'hangup'));
    ws.edges.push({ id: 'isl', from: 'island', output: 'next', to: 'island2' });
    const got = issuesOf(ws).filter((i) => i.code === 'unreachable');
    expect(got).toEqual([
      { severity: 'error', code: 'unreachable', nodeId: 'island' },
      { severity: 'error', code: 'unreachable', nodeId: 'island2' },
    ]);
  });

  it('reports a number or extension used by two entry objects on both', () => {
    const ws = base();
    ws.nodes.push(node('in2', 'number', { number: NUMBER }, 'Same number'));
    ws.nodes.push(
      node('x1', 'internal-number', { extension: '500' }),
      node('x2', 'internal-number', { extension: '500' }),
    );
    ws.edges.push(
      { id: 'in2e', from: 'in2', output: 'next', to: 'bye' },
      { id: 'x1e', from: 'x1', output: 'next', to: 'bye' },
      { id: 'x2e', from: 'x2', output: 'next', to: 'bye' },
    );
    const got = validateWorkspace(ws, refs()).filter((i) => i.code === 'duplicate-entry');
    expect(got.map((i) => [i.nodeId, i.field])).toEqual([
      ['in', 'number'],
      ['in2', 'number'],
      ['x1', 'extension'],
      ['x2', 'extension'],
    ]);
    expect(got[0]!.message).toBe(`number ${NUMBER} is also the entry of 'Same number'`);
  });

  it('requires entry numbers to be the tenant’s, and warns when an extension belongs to a line', () => {
    const ws = base();
    ws.nodes[0]!.config = { number: '+37129999999' };
    ws.nodes.push(node('ext', 'internal-number', { extension: '200' }));
    ws.edges.push({ id: 'exte', from: 'ext', output: 'next', to: 'ring' });
    const got = validateWorkspace(ws, refs());
    expect(got.map(strip)).toEqual([
      { severity: 'error', code: 'number-not-owned', nodeId: 'in', field: 'number' },
      { severity: 'warning', code: 'extension-owned-by-line', nodeId: 'ext', field: 'extension' },
    ]);
    expect(got[1]!.message).toContain("line 'line-bob'");
  });

  it('reports references to missing prompts, people, lines, queues and boxes at their field', () => {
    const ws = base();
    ws.nodes[1]!.config = { prompt: { kind: 'file', promptId: 'gone' } };
    ws.nodes[2]!.config = {
      prompt: tts('P'),
      invalidPrompt: { kind: 'file', promptId: 'gone2' },
      keys: ['1', '2'],
    };
    ws.nodes[3]!.config = {
      targets: [
        { kind: 'person', id: 'alice' },
        { kind: 'person', id: 'zed' },
        { kind: 'line', id: 'nol' },
      ],
    };
    ws.nodes[4]!.config = { mode: 'leave', boxId: 'nobox' };
    ws.nodes.push(node('q', 'queue', { queueId: 'noq' }));
    ws.edges.push({ id: 'qe', from: 'ring', output: 'answered', to: 'q' });
    const got = issuesOf(ws).filter((i) => i.code === 'missing-reference');
    expect(got.map((i) => [i.nodeId, i.field])).toEqual([
      ['hello', 'prompt.promptId'],
      ['menu', 'invalidPrompt.promptId'],
      ['q', 'queueId'],
      ['ring', 'targets.1.id'],
      ['ring', 'targets.2.id'],
      ['vm', 'boxId'],
    ]);
  });

  it('reports a loop without caller input once, at its first node', () => {
    const ws = base();
    ws.edges = ws.edges.filter((e) => e.id !== 'e6'); // ring:no-answer
    ws.nodes.push(node('sorry', 'play', { prompt: tts('All busy') }, 'Sorry'));
    ws.edges.push(
      { id: 'l1', from: 'ring', output: 'no-answer', to: 'sorry' },
      { id: 'l2', from: 'sorry', output: 'next', to: 'ring' },
    );
    const got = validateWorkspace(ws, refs()).filter((i) => i.code === 'loop-without-input');
    expect(got).toEqual([
      {
        severity: 'error',
        code: 'loop-without-input',
        message: "loop without caller input through 'Sales', 'Sorry': route it through a menu key",
        nodeId: 'ring',
      },
    ]);
  });

  it('accepts a loop through a menu key but not through its timeout or default', () => {
    const ws = base();
    ws.nodes.push(node('again', 'play', { prompt: tts('Once more') }));
    ws.edges.push(
      { id: 'k9', from: 'menu', output: '9', to: 'again' },
      { id: 'back', from: 'again', output: 'next', to: 'menu' },
    );
    ws.nodes[2]!.config = { prompt: tts('P'), keys: ['1', '2', '9'] };
    expect(validateWorkspace(ws, refs())).toEqual([]);
    ws.edges.find((e) => e.id === 'e5')!.to = 'again'; // default -> again -> menu
    expect(issuesOf(ws)).toEqual([{ severity: 'error', code: 'loop-without-input', nodeId: 'again' }]);
  });

  it('reports a cable from a node to itself as a loop', () => {
    const ws = base();
    ws.nodes.push(node('self', 'record', { action: 'start' }));
    ws.edges.find((e) => e.id === 'e8')!.to = 'self'; // vm:next
    ws.edges.push({ id: 's', from: 'self', output: 'next', to: 'self' });
    expect(issuesOf(ws).filter((i) => i.code === 'loop-without-input')).toEqual([
      { severity: 'error', code: 'loop-without-input', nodeId: 'self' },
    ]);
  });

  it('refuses cables into an entry object', () => {
    const ws = base();
    ws.edges.find((e) => e.id === 'e8')!.to = 'in';
    expect(issuesOf(ws)).toContainEqual({
      severity: 'error',
      code: 'edge-into-entry',
      nodeId: 'in',
      edgeId: 'e8',
    });
  });

  it('warns of layout entries for missing nodes or tabs', () => {
    const ws = base();
    ws.layout = {
      in: { tab: 'main', x: 0, y: 0 },
      gone: { tab: 'main', x: 1, y: 1 },
      bye: { tab: 'side', x: 0, y: 0 },
    };
    expect(issuesOf(ws)).toEqual([
      { severity: 'warning', code: 'layout-missing-tab', nodeId: 'bye' },
      { severity: 'warning', code: 'layout-missing-node', nodeId: 'gone' },
    ]);
  });

  it('lists the same issues in the same order whatever the order of nodes and edges', () => {
    const messy = base();
    messy.nodes[0]!.config = { number: 'bad' };
    messy.edges.push({ id: 'zz', from: 'ghost', output: 'x', to: 'bye' });
    messy.nodes.push(node('island', 'hangup'));
    const shuffled: Workspace = {
      ...messy,
      nodes: [...messy.nodes].reverse(),
      edges: [...messy.edges].reverse(),
    };
    const a = validateWorkspace(messy, refs());
    expect(a.length).toBeGreaterThan(2);
    expect(validateWorkspace(shuffled, refs())).toEqual(a);
    expect(a.findIndex((i) => i.severity === 'warning')).toBe(-1);
  });
});

describe('parseWorkspace', () => {
  it('accepts the empty workspace', () => {
    expect(parseWorkspace(emptyWorkspace())).toEqual({ ok: true, workspace: emptyWorkspace() });
  });

  it('round-trips through JSON', () => {
    const ws = base();
    ws.layout = { in: { tab: 'main', x: 10.5, y: -3 } };
    const r = parseWorkspace(JSON.parse(JSON.stringify(ws)));
    expect(r).toEqual({ ok: true, workspace: ws });
  });

  it('locates structural errors at the node or edge', () => {
    const ws = base() as unknown as { nodes: unknown[]; edges: unknown[] };
    (ws.nodes[1] as { type: string }).type = 'teleport';
    (ws.edges[0] as { to: string }).to = 'bad id!';
    const r = parseWorkspace(ws);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map(strip)).toEqual([
      { severity: 'error', code: 'unknown-type', nodeId: 'hello' },
      { severity: 'error', code: 'invalid-structure', edgeId: 'e1' },
    ]);
  });

  it.each([
    ['not an object', 'nope'],
    ['a missing list', { tabs: [], nodes: [], layout: {} }],
    [
      'too many tabs',
      { ...emptyWorkspace(), tabs: Array.from({ length: 51 }, (_, i) => ({ id: `t${i}`, name: 'T' })) },
    ],
    [
      'too many nodes',
      { ...emptyWorkspace(), nodes: Array.from({ length: 501 }, (_, i) => node(`n${i}`, 'hangup')) },
    ],
    ['a long name', { ...emptyWorkspace(), nodes: [node('n', 'hangup', {}, 'x'.repeat(201))] }],
    ['a long id', { ...emptyWorkspace(), nodes: [node('n'.repeat(65), 'hangup')] }],
    ['an unknown field', { ...emptyWorkspace(), extra: 1 }],
    ['a duplicate node id', { ...emptyWorkspace(), nodes: [node('n', 'hangup'), node('n', 'hangup')] }],
    [
      'an infinite coordinate',
      { ...emptyWorkspace(), layout: { n: { tab: 'main', x: Number.POSITIVE_INFINITY, y: 0 } } },
    ],
  ])('refuses %s', (_what, json) => {
    expect(parseWorkspace(json).ok).toBe(false);
    expect(workspaceSchema.safeParse(json).success).toBe(false);
  });
});
