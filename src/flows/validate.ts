// validateWorkspace: every problem of a workspace, each at its node, edge and config field,
// in a stable order (the console lists them; publishing is refused while errors remain).
import { parseNodeConfig } from './configs.ts';
import type { FlowEdge, FlowIssue, FlowNode, Workspace } from './model.ts';
import { NODE_TYPES } from './model.ts';
import { cableKey, ENTRY_TYPES, MENU_FALLBACK_OUTPUTS, outputsOf } from './outputs.ts';
import { loopIssues, unreachableIssues } from './validate-graph.ts';
import { duplicateEntryIssues, type FlowReferences, referenceIssues } from './validate-refs.ts';

export type { FlowReferences } from './validate-refs.ts';

const knownTypes = new Set<string>(NODE_TYPES);

export function validateWorkspace(ws: Workspace, refs: FlowReferences): FlowIssue[] {
  const issues: FlowIssue[] = [];
  const nodes = new Map<string, FlowNode>();
  const configs = new Map<string, unknown>();

  for (const node of ws.nodes) {
    if (nodes.has(node.id)) {
      issues.push({
        severity: 'error',
        code: 'duplicate-id',
        message: `node id '${node.id}' is used twice`,
        nodeId: node.id,
      });
      continue;
    }
    nodes.set(node.id, node);
    if (!knownTypes.has(node.type)) {
      issues.push({
        severity: 'error',
        code: 'unknown-type',
        message: `unknown node type '${node.type}'`,
        nodeId: node.id,
      });
      continue;
    }
    const parsed = parseNodeConfig(node);
    if (!parsed.ok) {
      issues.push(...parsed.issues);
      continue;
    }
    configs.set(node.id, parsed.config);
    issues.push(...referenceIssues(node, parsed.config, refs));
  }
  issues.push(...duplicateEntryIssues(ws, configs));

  const cabled = edgeIssues(ws.edges, nodes, issues);
  issues.push(...outputIssues([...nodes.values()], cabled));
  const goodNodes = [...nodes.values()];
  issues.push(...unreachableIssues(goodNodes, cabled));
  issues.push(...loopIssues(goodNodes, cabled));
  issues.push(...layoutIssues(ws, nodes));
  return sortIssues(issues);
}

/** Checks each cable; returns the usable ones (both ends exist, the output exists). */
function edgeIssues(edges: readonly FlowEdge[], nodes: ReadonlyMap<string, FlowNode>, issues: FlowIssue[]) {
  const usable: FlowEdge[] = [];
  const byOutput = new Map<string, FlowEdge[]>();
  const edgeIds = new Set<string>();
  for (const e of edges) {
    const at = { edgeId: e.id };
    if (edgeIds.has(e.id)) {
      issues.push({
        severity: 'error',
        code: 'duplicate-id',
        message: `edge id '${e.id}' is used twice`,
        ...at,
      });
      continue;
    }
    edgeIds.add(e.id);
    const from = nodes.get(e.from);
    const to = nodes.get(e.to);
    if (!from)
      issues.push({
        severity: 'error',
        code: 'edge-from-missing',
        message: `cable from missing node '${e.from}'`,
        ...at,
      });
    if (!to)
      issues.push({
        severity: 'error',
        code: 'edge-to-missing',
        message: `cable to missing node '${e.to}'`,
        ...at,
      });
    if (!from || !to) continue;
    if (!outputsOf(from).includes(e.output)) {
      issues.push({
        severity: 'error',
        code: 'unknown-output',
        message: `'${from.name || from.id}' has no output '${e.output}'`,
        nodeId: from.id,
        output: e.output,
        ...at,
      });
      continue;
    }
    if (ENTRY_TYPES.has(to.type)) {
      issues.push({
        severity: 'error',
        code: 'edge-into-entry',
        message: `a cable cannot lead into the entry object '${to.name || to.id}'`,
        nodeId: to.id,
        ...at,
      });
      continue;
    }
    usable.push(e);
    const key = cableKey(e.from, e.output);
    byOutput.set(key, [...(byOutput.get(key) ?? []), e]);
  }
  for (const group of byOutput.values()) {
    if (group.length < 2) continue;
    for (const e of group) {
      issues.push({
        severity: 'error',
        code: 'output-cabled-twice',
        message: `output '${e.output}' has ${group.length} cables; keep one`,
        nodeId: e.from,
        edgeId: e.id,
        output: e.output,
      });
    }
  }
  return usable;
}

/** Outputs with no cable: an error where the flow cannot work without one, else a warning. */
function outputIssues(nodes: readonly FlowNode[], edges: readonly FlowEdge[]): FlowIssue[] {
  const cabled = new Set(edges.map((e) => cableKey(e.from, e.output)));
  const issues: FlowIssue[] = [];
  for (const node of nodes) {
    const has = (output: string) => cabled.has(cableKey(node.id, output));
    for (const output of outputsOf(node)) {
      // After 'answered' the conversation is over: hanging up there is the normal end.
      if (has(output) || output === 'answered') continue;
      const at = { nodeId: node.id, output };
      if (ENTRY_TYPES.has(node.type)) {
        issues.push({
          severity: 'error',
          code: 'entry-not-connected',
          message: 'the entry object leads nowhere',
          ...at,
        });
      } else if (node.type === 'menu' && !(MENU_FALLBACK_OUTPUTS as readonly string[]).includes(output)) {
        issues.push({
          severity: 'error',
          code: 'menu-key-not-connected',
          message: `key ${output} has no cable`,
          ...at,
        });
      } else if (node.type === 'menu' && output !== 'default' && has('default')) {
        // timeout and invalid fall back to the default branch
      } else if (node.type === 'menu' && output === 'default' && has('timeout') && has('invalid')) {
        // default is only taken when timeout or invalid has no cable
      } else {
        issues.push({
          severity: 'warning',
          code: 'output-not-connected',
          message: `output '${output}' has no cable: the call hangs up here`,
          ...at,
        });
      }
    }
  }
  return issues;
}

function layoutIssues(ws: Workspace, nodes: ReadonlyMap<string, FlowNode>): FlowIssue[] {
  const tabs = new Set(ws.tabs.map((t) => t.id));
  const issues: FlowIssue[] = [];
  for (const [id, place] of Object.entries(ws.layout)) {
    if (!nodes.has(id)) {
      issues.push({
        severity: 'warning',
        code: 'layout-missing-node',
        message: `layout of missing node '${id}'`,
        nodeId: id,
      });
    } else if (!tabs.has(place.tab)) {
      issues.push({
        severity: 'warning',
        code: 'layout-missing-tab',
        message: `placed on missing tab '${place.tab}'`,
        nodeId: id,
      });
    }
  }
  return issues;
}

const cmp = (a = '', b = '') => (a < b ? -1 : a > b ? 1 : 0);

/** Errors first, then by node, edge, field, code and message: the same input, the same list. */
export function sortIssues(issues: FlowIssue[]): FlowIssue[] {
  return issues.sort(
    (a, b) =>
      cmp(a.severity, b.severity) ||
      cmp(a.nodeId, b.nodeId) ||
      cmp(a.edgeId, b.edgeId) ||
      cmp(a.field, b.field) ||
      cmp(a.output, b.output) ||
      cmp(a.code, b.code) ||
      cmp(a.message, b.message),
  );
}
