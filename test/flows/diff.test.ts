// Version diffs: logic changes apart from layout moves; cables by what they join.
import { describe, expect, it } from 'vitest';
import { diffWorkspaces, type Workspace } from '../../src/flows/index.ts';
import { cables, NUMBER, node, tts, workspace } from './fixtures.ts';

function v1(): Workspace {
  const ws = workspace(
    [
      node('in', 'number', { number: NUMBER }),
      node('hi', 'play', { prompt: tts('Hello'), bargeIn: false }),
      node('bye', 'hangup'),
    ],
    cables('in:next>hi', 'hi:next>bye'),
  );
  ws.layout = { in: { tab: 'main', x: 0, y: 0 }, hi: { tab: 'main', x: 100, y: 0 } };
  return ws;
}

describe('diffWorkspaces', () => {
  it('finds no change in a copy with keys and cable ids in another order', () => {
    const copy = v1();
    copy.nodes[1]!.config = { bargeIn: false, prompt: { language: 'en', text: 'Hello', kind: 'tts' } };
    copy.edges = copy.edges.map((e) => ({ ...e, id: `new-${e.id}` })).reverse();
    const d = diffWorkspaces(v1(), copy);
    expect(d.logicChanged).toBe(false);
    expect(d).toMatchObject({
      nodes: { added: [], removed: [], changed: [] },
      edges: { added: [], removed: [] },
      moved: [],
    });
  });

  it('reports added, removed and changed nodes and re-routed cables', () => {
    const after = v1();
    after.nodes[1]!.config = { prompt: tts('Welcome'), bargeIn: false };
    after.nodes[1]!.name = 'Greeting';
    after.nodes = after.nodes.filter((n) => n.id !== 'bye');
    after.nodes.push(node('end', 'hangup'));
    after.edges[1]!.to = 'end';
    const d = diffWorkspaces(v1(), after);
    expect(d.nodes).toEqual({
      added: ['end'],
      removed: ['bye'],
      changed: [{ id: 'hi', fields: ['name', 'config'] }],
    });
    expect(d.edges.added).toEqual([{ id: 'e2', from: 'hi', output: 'next', to: 'end' }]);
    expect(d.edges.removed).toEqual([{ id: 'e2', from: 'hi', output: 'next', to: 'bye' }]);
    expect(d.logicChanged).toBe(true);
  });

  it('tells layout and tab changes apart from logic', () => {
    const after = v1();
    after.layout.hi = { tab: 'main', x: 120, y: 0 };
    after.tabs = [
      { id: 'main', name: 'Reception' },
      { id: 'night', name: 'Night' },
    ];
    const d = diffWorkspaces(v1(), after);
    expect(d.moved).toEqual(['hi']);
    expect(d.tabs).toEqual({ added: ['night'], removed: [], renamed: ['main'] });
    expect(d.logicChanged).toBe(false);
  });
});
