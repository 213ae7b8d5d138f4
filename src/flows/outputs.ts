// Output ports per node type, and the graph lookups everything else shares: which cable
// leaves an output, which entry object a number or extension enters at.
import { E164_PATTERN, EXTENSION_PATTERN, MENU_KEYS } from './configs.ts';
import type { FlowEdge, FlowNode, NodeType, Workspace } from './model.ts';

const FIXED_OUTPUTS: Record<Exclude<NodeType, 'menu'>, readonly string[]> = {
  number: ['next'],
  'internal-number': ['next'],
  play: ['next'],
  schedule: ['open', 'closed'],
  ring: ['answered', 'no-answer', 'busy'],
  queue: ['answered', 'timeout', 'overflow', 'callback'],
  'forward-phone': ['answered', 'failed'],
  'forward-sip': ['answered', 'failed'],
  voicemail: ['next'],
  record: ['next'],
  http: ['1', '2', '3', '4', '5', 'error'],
  lookup: ['found', 'not-found'],
  rewrite: ['next'],
  email: ['next'],
  history: ['answered', 'no-answer', 'not-found'],
  hangup: [],
};

export const MENU_FALLBACK_OUTPUTS = ['timeout', 'invalid', 'default'] as const;
export const ENTRY_TYPES: ReadonlySet<NodeType> = new Set<NodeType>(['number', 'internal-number']);
/** Nodes that need no caller on the line: the only ones run after a conversation ended. */
export const POST_CALL_TYPES: ReadonlySet<NodeType> = new Set<NodeType>([
  'http',
  'email',
  'rewrite',
  'lookup',
  'hangup',
]);

const menuKeys = new Set<string>(MENU_KEYS);

/** The keys a menu's config lists, read leniently so a draft still shows its ports. */
function menuKeysOf(config: unknown): string[] {
  const keys = (config as { keys?: unknown } | null | undefined)?.keys;
  if (!Array.isArray(keys)) return [];
  return [...new Set(keys.filter((k): k is string => typeof k === 'string' && menuKeys.has(k)))];
}

/** The named outputs of a node (menu: its configured keys, then timeout, invalid, default). */
export function outputsOf(node: FlowNode): string[] {
  if (node.type === 'menu') return [...menuKeysOf(node.config), ...MENU_FALLBACK_OUTPUTS];
  return [...(FIXED_OUTPUTS[node.type] ?? [])];
}

/** Cables by the output they leave: the first cable wins where validation found two. */
export function cableIndex(ws: Workspace): Map<string, FlowEdge> {
  const out = new Map<string, FlowEdge>();
  for (const e of ws.edges) {
    const key = cableKey(e.from, e.output);
    if (!out.has(key)) out.set(key, e);
  }
  return out;
}

export function cableKey(from: string, output: string): string {
  return `${from}\u0000${output}`;
}

function entryValue(node: FlowNode, field: 'number' | 'extension'): string | undefined {
  const v = (node.config as Record<string, unknown> | null | undefined)?.[field];
  return typeof v === 'string' ? v : undefined;
}

/** E.164 number or extension -> the entry node calls to it start at (first one wins on duplicates). */
export function entryIndex(ws: Workspace): { numbers: Map<string, string>; extensions: Map<string, string> } {
  const numbers = new Map<string, string>();
  const extensions = new Map<string, string>();
  for (const node of ws.nodes) {
    if (node.type === 'number') {
      const n = entryValue(node, 'number');
      if (n && E164_PATTERN.test(n) && !numbers.has(n)) numbers.set(n, node.id);
    } else if (node.type === 'internal-number') {
      const x = entryValue(node, 'extension');
      if (x && EXTENSION_PATTERN.test(x) && !extensions.has(x)) extensions.set(x, node.id);
    }
  }
  return { numbers, extensions };
}
