// Edits of a workspace draft as pure functions: each returns a new workspace, so the editor
// state is a value that undo, saving and validation can share.
import { type FlowEdge, type FlowNode, type NodeType, outputsOf, type Workspace } from '@switchboard/flows';

/** The first id of the form `${base}-n` no element uses. */
function freshId(base: string, taken: ReadonlySet<string>): string {
  const clean = base.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 50) || 'x';
  for (let n = 1; ; n++) {
    const id = `${clean}-${n}`;
    if (!taken.has(id)) return id;
  }
}

export function addNode(
  ws: Workspace,
  type: NodeType,
  name: string,
  config: Record<string, unknown>,
  at: { tab: string; x: number; y: number },
): { ws: Workspace; id: string } {
  const id = freshId(type, new Set(ws.nodes.map((n) => n.id)));
  const node: FlowNode = { id, type, name, config };
  return {
    id,
    ws: {
      ...ws,
      nodes: [...ws.nodes, node],
      layout: { ...ws.layout, [id]: { tab: at.tab, x: Math.round(at.x), y: Math.round(at.y) } },
    },
  };
}

export function removeNodes(ws: Workspace, ids: ReadonlySet<string>): Workspace {
  const layout = { ...ws.layout };
  for (const id of ids) delete layout[id];
  return {
    ...ws,
    nodes: ws.nodes.filter((n) => !ids.has(n.id)),
    edges: ws.edges.filter((e) => !ids.has(e.from) && !ids.has(e.to)),
    layout,
  };
}

export function updateNode(
  ws: Workspace,
  id: string,
  change: Partial<Pick<FlowNode, 'name' | 'config'>>,
): Workspace {
  const nodes = ws.nodes.map((n) => (n.id === id ? { ...n, ...change } : n));
  // A menu that loses a key loses the cable of that key.
  const node = nodes.find((n) => n.id === id);
  const outputs = node ? new Set(outputsOf(node)) : undefined;
  const edges = outputs ? ws.edges.filter((e) => e.from !== id || outputs.has(e.output)) : ws.edges;
  return { ...ws, nodes, edges };
}

export function moveNode(ws: Workspace, id: string, x: number, y: number): Workspace {
  const at = ws.layout[id];
  if (!at) return ws;
  return { ...ws, layout: { ...ws.layout, [id]: { ...at, x: Math.round(x), y: Math.round(y) } } };
}

/** Cables an output to a node (one cable per output: it replaces the one there); null unplugs it. */
export function connect(ws: Workspace, from: string, output: string, to: string | null): Workspace {
  const rest = ws.edges.filter((e) => !(e.from === from && e.output === output));
  if (to === null) return { ...ws, edges: rest };
  const edge: FlowEdge = { id: freshId('cable', new Set(ws.edges.map((e) => e.id))), from, output, to };
  return { ...ws, edges: [...rest, edge] };
}

export function removeEdges(ws: Workspace, ids: ReadonlySet<string>): Workspace {
  return { ...ws, edges: ws.edges.filter((e) => !ids.has(e.id)) };
}

export function addTab(ws: Workspace, name: string): { ws: Workspace; id: string } {
  const id = freshId('tab', new Set(ws.tabs.map((t) => t.id)));
  return { id, ws: { ...ws, tabs: [...ws.tabs, { id, name }] } };
}

export function renameTab(ws: Workspace, id: string, name: string): Workspace {
  return { ...ws, tabs: ws.tabs.map((t) => (t.id === id ? { ...t, name } : t)) };
}

/** Removes a tab and the objects on it; the last tab stays. */
export function removeTab(ws: Workspace, id: string): Workspace {
  if (ws.tabs.length <= 1) return ws;
  const onTab = new Set(
    Object.entries(ws.layout)
      .filter(([, l]) => l.tab === id)
      .map(([n]) => n),
  );
  const without = removeNodes(ws, onTab);
  return { ...without, tabs: without.tabs.filter((t) => t.id !== id) };
}

const NODE_W = 240;
const NODE_H = 150;

/** A free spot near `want` on a tab: moved down, then right, until no node covers it. */
export function freeSpot(
  ws: Workspace,
  tab: string,
  want: { x: number; y: number },
): { x: number; y: number } {
  const taken = Object.values(ws.layout).filter((l) => l.tab === tab);
  const clash = (x: number, y: number) =>
    taken.some((l) => Math.abs(l.x - x) < NODE_W && Math.abs(l.y - y) < NODE_H);
  for (let col = 0; col < 20; col++)
    for (let row = 0; row < 6; row++) {
      const x = want.x + col * (NODE_W + 40);
      const y = want.y + row * (NODE_H + 20);
      if (!clash(x, y)) return { x, y };
    }
  return want;
}

/** Where a node added from the palette goes: right of the selected one, else near the middle of the view. */
export function placeNew(
  ws: Workspace,
  tab: string,
  selected: string | null,
  center: { x: number; y: number },
) {
  const at = selected ? ws.layout[selected] : undefined;
  return freeSpot(ws, tab, at && at.tab === tab ? { x: at.x + NODE_W + 40, y: at.y } : center);
}

/** The tab a node is drawn on (the first tab when the layout does not say). */
export const tabOf = (ws: Workspace, nodeId: string) => ws.layout[nodeId]?.tab ?? ws.tabs[0]?.id ?? 'main';
