// Shared builders for flow tests: a workspace from nodes and cables, references that know
// everything the workspace names, and effects that record what they were asked.
import {
  type FlowEdge,
  type FlowNode,
  type FlowReferences,
  type NodeType,
  scenarioSchema,
  simulate,
  type Workspace,
} from '../../src/flows/index.ts';

export function node(id: string, type: NodeType, config: unknown = {}, name = id): FlowNode {
  return { id, type, name, config };
}

/** Cables written as 'from:output>to'. */
export function cables(...specs: string[]): FlowEdge[] {
  return specs.map((s, i) => {
    const m = /^([^:]+):([^>]+)>(.+)$/.exec(s);
    if (!m) throw new Error(`bad cable spec ${s}`);
    return { id: `e${i + 1}`, from: m[1]!, output: m[2]!, to: m[3]! };
  });
}

export function workspace(nodes: FlowNode[], edges: FlowEdge[]): Workspace {
  return { tabs: [{ id: 'main', name: 'Main' }], nodes, edges, layout: {} };
}

export function refs(over: Partial<FlowReferences> = {}): FlowReferences {
  return {
    numbers: new Set(['+37120000000', '+37120000001']),
    lineExtensions: new Map([['200', 'line-bob']]),
    people: new Set(['alice', 'bob']),
    lines: new Set(['line-bob']),
    prompts: new Set(['welcome', 'sorry']),
    queues: new Set(['support']),
    voicemailBoxes: new Set(['box1']),
    ...over,
  };
}

export const tts = (text: string) => ({ kind: 'tts' as const, text, language: 'en' });
export const NUMBER = '+37120000000';

/** Simulates a scenario given in part: entry at node 'in', caller +37129000000, a Friday morning in Riga. */
export function sim(ws: Workspace, s: Record<string, unknown> = {}) {
  return simulate(
    ws,
    scenarioSchema.parse({
      entry: { nodeId: 'in' },
      caller: { number: '+37129000000' },
      at: '2025-03-28T09:30:00+02:00',
      ...s,
    }),
  );
}

/** A flow that starts at number 'in' and goes through the given nodes in a row ('next' cables). */
export function chain(...nodes: FlowNode[]): Workspace {
  const all = [node('in', 'number', { number: NUMBER }), ...nodes];
  const edges = all.slice(1).map((n, i) => ({ id: `c${i}`, from: all[i]!.id, output: 'next', to: n.id }));
  return workspace(all, edges);
}
