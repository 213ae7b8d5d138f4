// What changed between two versions of a workspace, for the version history and for
// reviewing a draft before publishing. Layout moves are reported apart from logic changes.
import type { FlowEdge, FlowNode, Workspace } from './model.ts';

export interface WorkspaceDiff {
  nodes: {
    added: string[];
    removed: string[];
    changed: { id: string; fields: ('type' | 'name' | 'config')[] }[];
  };
  edges: { added: FlowEdge[]; removed: FlowEdge[] };
  tabs: { added: string[]; removed: string[]; renamed: string[] };
  /** Nodes moved or placed on another tab; no effect on calls. */
  moved: string[];
  /** True when calls may behave differently (nodes or cables changed). */
  logicChanged: boolean;
}

/** JSON with object keys sorted, so {a,b} and {b,a} compare equal. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : value,
  );
}

const edgeKey = (e: FlowEdge) => `${e.from}\u0000${e.output}\u0000${e.to}`;
const byId = <T extends { id: string }>(items: readonly T[]) => new Map(items.map((i) => [i.id, i]));

export function diffWorkspaces(before: Workspace, after: Workspace): WorkspaceDiff {
  const a = byId<FlowNode>(before.nodes);
  const b = byId<FlowNode>(after.nodes);
  const changed: WorkspaceDiff['nodes']['changed'] = [];
  for (const [id, n] of b) {
    const old = a.get(id);
    if (!old) continue;
    const fields = (['type', 'name', 'config'] as const).filter((f) => canonical(old[f]) !== canonical(n[f]));
    if (fields.length > 0) changed.push({ id, fields: [...fields] });
  }
  // Cables compare by what they join, not by id: re-drawing the same cable is no change.
  const ea = new Map(before.edges.map((e) => [edgeKey(e), e]));
  const eb = new Map(after.edges.map((e) => [edgeKey(e), e]));
  const ta = byId(before.tabs);
  const tb = byId(after.tabs);
  const moved = Object.keys(after.layout).filter(
    (id) => before.layout[id] && canonical(before.layout[id]) !== canonical(after.layout[id]),
  );
  const diff: WorkspaceDiff = {
    nodes: {
      added: [...b.keys()].filter((id) => !a.has(id)),
      removed: [...a.keys()].filter((id) => !b.has(id)),
      changed,
    },
    edges: {
      added: [...eb].filter(([k]) => !ea.has(k)).map(([, e]) => e),
      removed: [...ea].filter(([k]) => !eb.has(k)).map(([, e]) => e),
    },
    tabs: {
      added: [...tb.keys()].filter((id) => !ta.has(id)),
      removed: [...ta.keys()].filter((id) => !tb.has(id)),
      renamed: [...tb].filter(([id, t]) => ta.has(id) && ta.get(id)!.name !== t.name).map(([id]) => id),
    },
    moved: moved.sort(),
    logicChanged: false,
  };
  diff.logicChanged =
    diff.nodes.added.length +
      diff.nodes.removed.length +
      changed.length +
      diff.edges.added.length +
      diff.edges.removed.length >
    0;
  return diff;
}
