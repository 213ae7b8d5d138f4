// Short human descriptions shared by traces and static paths, so both read alike.
import type { PromptRef, RingTarget } from './effects.ts';
import type { FlowNode } from './model.ts';

export function describePrompt(p: PromptRef): string {
  if (p.kind === 'file') return `audio prompt ${p.promptId}`;
  const text = p.text.length > 80 ? `${p.text.slice(0, 80)}…` : p.text;
  return `"${text}"`;
}

export function describeTarget(t: RingTarget, names?: ReadonlyMap<string, string>): string {
  return names?.get(`${t.kind}:${t.id}`) ?? `${t.kind} ${t.id}`;
}

export function describeTargets(ts: readonly RingTarget[], names?: ReadonlyMap<string, string>): string {
  return ts.map((t) => describeTarget(t, names)).join(', ');
}

export function label(node: FlowNode): string {
  return node.name ? `'${node.name}'` : `${node.type} ${node.id}`;
}
