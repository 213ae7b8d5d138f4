// Checks of one node's config against the tenant's data: prompts, people, lines, queues,
// voicemail boxes and numbers that must exist.
import type { NodeConfigs } from './configs.ts';
import type { FlowIssue, FlowNode, Workspace } from './model.ts';

export interface FlowReferences {
  /** The tenant's E.164 numbers. */
  numbers: ReadonlySet<string>;
  /** extension -> lineId of the lines that own it. */
  lineExtensions: ReadonlyMap<string, string>;
  people: ReadonlySet<string>;
  lines: ReadonlySet<string>;
  prompts: ReadonlySet<string>;
  queues: ReadonlySet<string>;
  voicemailBoxes: ReadonlySet<string>;
}

type Prompt = NodeConfigs['play']['prompt'];

function promptIssue(node: FlowNode, prompt: Prompt | undefined, field: string, refs: FlowReferences) {
  if (prompt?.kind !== 'file' || refs.prompts.has(prompt.promptId)) return [];
  return [missing(node, `${field}.promptId`, `audio prompt '${prompt.promptId}' does not exist`)];
}

function missing(node: FlowNode, field: string, message: string): FlowIssue {
  return { severity: 'error', code: 'missing-reference', message, nodeId: node.id, field };
}

/** Issues of one node whose config already passed its schema. */
export function referenceIssues(node: FlowNode, config: unknown, refs: FlowReferences): FlowIssue[] {
  switch (node.type) {
    case 'play': {
      const c = config as NodeConfigs['play'];
      return promptIssue(node, c.prompt, 'prompt', refs);
    }
    case 'menu': {
      const c = config as NodeConfigs['menu'];
      return [
        ...promptIssue(node, c.prompt, 'prompt', refs),
        ...promptIssue(node, c.invalidPrompt, 'invalidPrompt', refs),
      ];
    }
    case 'ring': {
      const c = config as NodeConfigs['ring'];
      return c.targets.flatMap((t, i) => {
        const known = t.kind === 'person' ? refs.people : refs.lines;
        return known.has(t.id)
          ? []
          : [missing(node, `targets.${i}.id`, `${t.kind} '${t.id}' does not exist`)];
      });
    }
    case 'queue': {
      const c = config as NodeConfigs['queue'];
      return refs.queues.has(c.queueId)
        ? []
        : [missing(node, 'queueId', `queue '${c.queueId}' does not exist`)];
    }
    case 'voicemail': {
      const c = config as NodeConfigs['voicemail'];
      return refs.voicemailBoxes.has(c.boxId)
        ? []
        : [missing(node, 'boxId', `voicemail box '${c.boxId}' does not exist`)];
    }
    case 'number': {
      const c = config as NodeConfigs['number'];
      if (refs.numbers.has(c.number)) return [];
      return [
        {
          severity: 'error',
          code: 'number-not-owned',
          message: `${c.number} is not one of this account's numbers`,
          nodeId: node.id,
          field: 'number',
        },
      ];
    }
    case 'internal-number': {
      const c = config as NodeConfigs['internal-number'];
      const line = refs.lineExtensions.get(c.extension);
      if (line === undefined) return [];
      return [
        {
          severity: 'warning',
          code: 'extension-owned-by-line',
          message: `extension ${c.extension} belongs to line '${line}': calls to it enter this flow instead of ringing the line`,
          nodeId: node.id,
          field: 'extension',
        },
      ];
    }
    default:
      return [];
  }
}

/** A number or extension used by two entry objects: an error on each of them. */
export function duplicateEntryIssues(ws: Workspace, configs: ReadonlyMap<string, unknown>): FlowIssue[] {
  const byValue = new Map<string, FlowNode[]>();
  for (const node of ws.nodes) {
    const c = configs.get(node.id) as { number?: string; extension?: string } | undefined;
    if (!c) continue;
    const value =
      node.type === 'number'
        ? `n:${c.number}`
        : node.type === 'internal-number'
          ? `x:${c.extension}`
          : undefined;
    if (value === undefined) continue;
    byValue.set(value, [...(byValue.get(value) ?? []), node]);
  }
  const issues: FlowIssue[] = [];
  for (const [value, nodes] of byValue) {
    if (nodes.length < 2) continue;
    const field = value.startsWith('n:') ? 'number' : 'extension';
    for (const node of nodes) {
      const others = nodes.filter((n) => n !== node).map((n) => `'${n.name || n.id}'`);
      issues.push({
        severity: 'error',
        code: 'duplicate-entry',
        message: `${field} ${value.slice(2)} is also the entry of ${others.join(', ')}`,
        nodeId: node.id,
        field,
      });
    }
  }
  return issues;
}
