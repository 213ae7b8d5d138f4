// Whole-graph checks: nodes no entry leads to, and loops a call could go round forever
// without the caller doing anything.
import type { FlowEdge, FlowIssue, FlowNode } from './model.ts';
import { ENTRY_TYPES } from './outputs.ts';

/** Non-entry nodes that no entry object leads to. */
export function unreachableIssues(nodes: readonly FlowNode[], edges: readonly FlowEdge[]): FlowIssue[] {
  const next = adjacency(edges);
  const seen = new Set<string>();
  const stack = nodes.filter((n) => ENTRY_TYPES.has(n.type)).map((n) => n.id);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const to of next.get(id) ?? []) stack.push(to);
  }
  return nodes
    .filter((n) => !seen.has(n.id))
    .map((n) => ({
      severity: 'error' as const,
      code: 'unreachable',
      message: 'no entry object leads here',
      nodeId: n.id,
    }));
}

/**
 * A cycle must be broken by a caller's key press: cables from a menu's keys and from its
 * 'invalid' output count as input; 'timeout' and 'default' do not (a silent caller would go
 * round for ever). One error per loop, at its first node by id, naming every node in it.
 */
export function loopIssues(nodes: readonly FlowNode[], edges: readonly FlowEdge[]): FlowIssue[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const silent = edges.filter((e) => {
    if (byId.get(e.from)?.type !== 'menu') return true;
    return e.output === 'timeout' || e.output === 'default';
  });
  const issues: FlowIssue[] = [];
  for (const scc of stronglyConnected(
    nodes.map((n) => n.id),
    adjacency(silent),
  )) {
    const selfLoop = scc.length === 1 && silent.some((e) => e.from === scc[0] && e.to === scc[0]);
    if (scc.length < 2 && !selfLoop) continue;
    const ids = [...scc].sort();
    const names = ids.map((id) => `'${byId.get(id)?.name || id}'`).join(', ');
    issues.push({
      severity: 'error',
      code: 'loop-without-input',
      message: `loop without caller input through ${names}: route it through a menu key`,
      nodeId: ids[0]!,
    });
  }
  return issues;
}

function adjacency(edges: readonly FlowEdge[]): Map<string, string[]> {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const list = next.get(e.from);
    if (list) list.push(e.to);
    else next.set(e.from, [e.to]);
  }
  return next;
}

/** Tarjan's strongly connected components, iterative (no recursion limit on big graphs). */
function stronglyConnected(ids: readonly string[], next: ReadonlyMap<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const root of ids) {
    if (index.has(root)) continue;
    const work: { id: string; i: number }[] = [{ id: root, i: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const succ = next.get(frame.id) ?? [];
      if (frame.i < succ.length) {
        const to = succ[frame.i++]!;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ id: to, i: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) === index.get(frame.id)) {
        const scc: string[] = [];
        let id: string;
        do {
          id = stack.pop()!;
          onStack.delete(id);
          scc.push(id);
        } while (id !== frame.id);
        out.push(scc);
      }
    }
  }
  return out;
}
