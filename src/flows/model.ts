// The workspace as data: tabs, nodes (objects), edges (cables) and a layout kept apart from
// the logic. This file checks structure only; each node's config is checked per type by
// validation (configs.ts, validate.ts), so a draft with a half-filled node still loads.
import { z } from 'zod';

export type NodeType =
  | 'number'
  | 'internal-number'
  | 'play'
  | 'menu'
  | 'schedule'
  | 'ring'
  | 'queue'
  | 'forward-phone'
  | 'forward-sip'
  | 'voicemail'
  | 'record'
  | 'http'
  | 'lookup'
  | 'rewrite'
  | 'email'
  | 'history'
  | 'hangup';

export const NODE_TYPES: readonly NodeType[] = Object.freeze([
  'number',
  'internal-number',
  'play',
  'menu',
  'schedule',
  'ring',
  'queue',
  'forward-phone',
  'forward-sip',
  'voicemail',
  'record',
  'http',
  'lookup',
  'rewrite',
  'email',
  'history',
  'hangup',
] as const);

export interface FlowNode {
  id: string;
  type: NodeType;
  name: string;
  /** Typed per type by `nodeConfigSchemas`; unknown here so drafts load. */
  config: unknown;
}

export interface FlowEdge {
  id: string;
  from: string;
  output: string;
  to: string;
}

export interface Workspace {
  tabs: { id: string; name: string }[];
  nodes: FlowNode[];
  edges: FlowEdge[];
  layout: Record<string, { tab: string; x: number; y: number }>;
}

/** A problem found in a workspace, located at a node, an edge and a config field. */
export interface FlowIssue {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  nodeId?: string;
  edgeId?: string;
  /** Dotted path inside the node's config, e.g. 'prompt.text' or 'targets.0.id'. */
  field?: string;
  /** The output port concerned (uncabled or doubly cabled outputs). */
  output?: string;
}

/** Bad input given to a flows function (an iCal file, an unknown entry): a clear message. */
export class FlowInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlowInputError';
  }
}

export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const LIMITS = { tabs: 50, nodes: 500, edges: 2000, name: 200, output: 16, coordinate: 1e7 } as const;

export const idSchema = z.string().regex(ID_PATTERN, { error: 'ids are 1-64 letters, digits, _ or -' });

const tabSchema = z.strictObject({ id: idSchema, name: z.string().max(LIMITS.name) });

const nodeSchema = z.strictObject({
  id: idSchema,
  type: z.enum(NODE_TYPES as [NodeType, ...NodeType[]], { error: 'unknown node type' }),
  name: z.string().max(LIMITS.name),
  config: z.unknown(),
});

const edgeSchema = z.strictObject({
  id: idSchema,
  from: idSchema,
  output: z.string().min(1).max(LIMITS.output),
  to: idSchema,
});

const coordinate = z.number().finite().min(-LIMITS.coordinate).max(LIMITS.coordinate);
const layoutSchema = z
  .record(idSchema, z.strictObject({ tab: idSchema, x: coordinate, y: coordinate }))
  .refine((l) => Object.keys(l).length <= LIMITS.nodes * 2, { error: 'too many layout entries' });

function uniqueIds(items: readonly { id: string }[], what: string, ctx: z.RefinementCtx, path: string): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id))
      ctx.addIssue({
        code: 'custom',
        path: [path, i, 'id'],
        message: `${what} id '${item.id}' is used twice`,
      });
    seen.add(item.id);
  });
}

export const workspaceSchema = z
  .strictObject({
    tabs: z.array(tabSchema).max(LIMITS.tabs),
    nodes: z.array(nodeSchema).max(LIMITS.nodes),
    edges: z.array(edgeSchema).max(LIMITS.edges),
    layout: layoutSchema,
  })
  .superRefine((ws, ctx) => {
    uniqueIds(ws.tabs, 'tab', ctx, 'tabs');
    uniqueIds(ws.nodes, 'node', ctx, 'nodes');
    uniqueIds(ws.edges, 'edge', ctx, 'edges');
  });

export function emptyWorkspace(): Workspace {
  return { tabs: [{ id: 'main', name: 'Main' }], nodes: [], edges: [], layout: {} };
}

/** The id of the element at `list[index]` of the raw input, when it has a usable one. */
function rawId(json: unknown, list: string, index: unknown): string | undefined {
  if (typeof index !== 'number' || typeof json !== 'object' || json === null) return undefined;
  const items = (json as Record<string, unknown>)[list];
  if (!Array.isArray(items)) return undefined;
  const id = (items[index] as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' && ID_PATTERN.test(id) ? id : undefined;
}

/** Zod issues on a whole workspace, located at the node or edge they concern. */
function workspaceIssues(json: unknown, error: z.ZodError): FlowIssue[] {
  return error.issues.map((issue) => {
    const [list, index, ...rest] = issue.path;
    const where = issue.path.join('.') || 'workspace';
    const out: FlowIssue = {
      severity: 'error',
      code: 'invalid-structure',
      message: `${where}: ${issue.message}`,
    };
    if (list === 'nodes') {
      const id = rawId(json, 'nodes', index);
      if (id) out.nodeId = id;
      if (rest[0] === 'type') out.code = 'unknown-type';
    } else if (list === 'edges') {
      const id = rawId(json, 'edges', index);
      if (id) out.edgeId = id;
    }
    return out;
  });
}

/** Checks the structure of an imported or stored workspace (not node configs: see validateWorkspace). */
export function parseWorkspace(
  json: unknown,
): { ok: true; workspace: Workspace } | { ok: false; issues: FlowIssue[] } {
  const parsed = workspaceSchema.safeParse(json);
  if (parsed.success) return { ok: true, workspace: parsed.data as Workspace };
  return { ok: false, issues: workspaceIssues(json, parsed.error) };
}
