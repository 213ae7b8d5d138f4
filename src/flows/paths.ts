// Static paths: "where does this number go?" answered for every branch, without a call.
// Each path lists the nodes passed, what the caller hears and how it ends; a path stops
// when it comes back to a node it already passed (a loop) or at the per-entry limit.
import { type NodeConfigs, parseNodeConfig } from './configs.ts';
import { describePrompt, describeTargets } from './describe.ts';
import type { FlowNode, NodeType, Workspace } from './model.ts';
import { cableIndex, cableKey, ENTRY_TYPES, POST_CALL_TYPES } from './outputs.ts';

export interface PathStep {
  nodeId: string;
  type: NodeType;
  name: string;
  output?: string;
}

export interface FlowPath {
  steps: PathStep[];
  hears: string[];
  /** A sentence: 'hangs up', 'rings Alice (answered)', 'loops back to Main menu', ... */
  ends: string;
}

export interface StaticPathOptions {
  maxPathsPerEntry?: number;
  /** Display names of ring targets, keyed 'person:<id>' or 'line:<id>'. */
  names?: ReadonlyMap<string, string>;
}

export interface EntryPaths {
  entryNodeId: string;
  entryName: string;
  paths: FlowPath[];
  truncated: boolean;
}

interface Branch {
  output?: string;
  hears?: string[];
  /** Set when this branch means a conversation happened: how the path then ends. */
  answered?: string;
  /** The path ends at this node. */
  end?: string;
}

const nameOf = (n: FlowNode) => n.name || n.id;

function branchesOf(
  node: FlowNode,
  config: unknown,
  hasCable: (o: string) => boolean,
  names?: ReadonlyMap<string, string>,
): Branch[] {
  const many = (...outputs: string[]): Branch[] => outputs.map((output) => ({ output }));
  switch (node.type) {
    case 'play':
      return [{ output: 'next', hears: [describePrompt((config as NodeConfigs['play']).prompt)] }];
    case 'menu': {
      const c = config as NodeConfigs['menu'];
      const prompt = describePrompt(c.prompt);
      const out: Branch[] = c.keys.map((k) => ({ output: k, hears: [prompt] }));
      // timeout and invalid fall back to default where they have no cable, as at run time
      const fallback = (o: 'timeout' | 'invalid') => (hasCable(o) ? o : hasCable('default') ? 'default' : o);
      const invalidHears = c.invalidPrompt ? [prompt, describePrompt(c.invalidPrompt)] : [prompt];
      const t = fallback('timeout');
      const i = fallback('invalid');
      out.push({ output: t, hears: [prompt] });
      if (i !== t) out.push({ output: i, hears: invalidHears });
      return out;
    }
    case 'schedule':
      return many('open', 'closed');
    case 'ring': {
      const c = config as NodeConfigs['ring'];
      const who = describeTargets(c.targets, names);
      return [{ output: 'answered', answered: `rings ${who} (answered)` }, ...many('no-answer', 'busy')];
    }
    case 'queue': {
      const c = config as NodeConfigs['queue'];
      return [
        { output: 'answered', answered: `answered in queue ${c.queueId}` },
        ...many('timeout', 'overflow', 'callback'),
      ];
    }
    case 'forward-phone':
      return [
        {
          output: 'answered',
          answered: `forwarded to ${(config as NodeConfigs['forward-phone']).number} (answered)`,
        },
        ...many('failed'),
      ];
    case 'forward-sip':
      return [
        {
          output: 'answered',
          answered: `forwarded to ${(config as NodeConfigs['forward-sip']).uri} (answered)`,
        },
        ...many('failed'),
      ];
    case 'voicemail': {
      const c = config as NodeConfigs['voicemail'];
      const what =
        c.mode === 'leave'
          ? `leaves a message in voicemail box ${c.boxId}`
          : `listens to voicemail box ${c.boxId}`;
      return [{ output: 'next', hears: [what] }];
    }
    case 'http':
      return many('1', '2', '3', '4', '5', 'error');
    case 'lookup':
      return many('found', 'not-found');
    case 'history':
      return [
        { output: 'answered', answered: 'rings the agent they last spoke to (answered)' },
        ...many('no-answer', 'not-found'),
      ];
    case 'hangup':
      return [{ end: 'hangs up' }];
    default:
      return many('next');
  }
}

export function staticPaths(ws: Workspace, opts: StaticPathOptions = {}): EntryPaths[] {
  const max = opts.maxPathsPerEntry ?? 100;
  const nodes = new Map<string, FlowNode>();
  for (const n of ws.nodes) if (!nodes.has(n.id)) nodes.set(n.id, n);
  const cables = cableIndex(ws);

  return ws.nodes
    .filter((n) => ENTRY_TYPES.has(n.type) && nodes.get(n.id) === n)
    .map((entry) => {
      const paths: FlowPath[] = [];
      let truncated = false;
      const emit = (steps: PathStep[], hears: string[], ends: string) => {
        if (paths.length >= max) truncated = true;
        else paths.push({ steps, hears, ends });
      };

      const walk = (
        id: string,
        steps: PathStep[],
        hears: string[],
        onPath: Set<string>,
        answered?: string,
      ): void => {
        if (paths.length >= max) {
          truncated = true;
          return;
        }
        const node = nodes.get(id);
        if (!node) {
          emit(steps, hears, `stops: node '${id}' does not exist`);
          return;
        }
        if (onPath.has(id)) {
          emit(steps, hears, `loops back to ${nameOf(node)}`);
          return;
        }
        if (answered && !POST_CALL_TYPES.has(node.type)) {
          emit(steps, hears, answered);
          return;
        }
        const parsed = parseNodeConfig(node);
        const base = { nodeId: node.id, type: node.type, name: node.name };
        if (!parsed.ok) {
          emit([...steps, base], hears, `stops: ${nameOf(node)} is misconfigured`);
          return;
        }
        const has = (o: string) => cables.has(cableKey(node.id, o));
        const nextOnPath = new Set(onPath).add(id);
        for (const b of branchesOf(node, parsed.config, has, opts.names)) {
          const step: PathStep = b.output === undefined ? base : { ...base, output: b.output };
          const heard = b.hears ? [...hears, ...b.hears] : hears;
          const now = answered ?? b.answered;
          if (b.end !== undefined) {
            emit([...steps, step], heard, answered ?? b.end);
            continue;
          }
          const edge = b.output === undefined ? undefined : cables.get(cableKey(node.id, b.output));
          if (!edge) emit([...steps, step], heard, now ?? `hangs up (no cable from '${b.output}')`);
          else walk(edge.to, [...steps, step], heard, nextOnPath, now);
        }
      };

      walk(entry.id, [], [], new Set());
      return { entryNodeId: entry.id, entryName: entry.name, paths, truncated };
    });
}
