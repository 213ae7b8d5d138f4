// The one interpreter: live calls (src/pbx) and the simulator both run flows through
// runFlow, with their own FlowEffects, so a simulation cannot drift from a call.
import { parseNodeConfig } from './configs.ts';
import { label } from './describe.ts';
import { CallerGone, type CallerIdentity, type FlowEffects } from './effects.ts';
import type { FlowNode, NodeType, Workspace } from './model.ts';
import { cableIndex, cableKey, POST_CALL_TYPES } from './outputs.ts';
import { type RunContext, runNode } from './run-nodes.ts';

export interface TraceStep {
  nodeId: string;
  type: NodeType;
  name: string;
  detail: string;
  output?: string;
}

export type EndReason = 'hangup' | 'answered' | 'caller-gone' | 'no-cable' | 'step-limit' | 'error';

export interface FlowRunResult {
  steps: TraceStep[];
  end: { reason: EndReason; nodeId?: string; detail: string };
  /** The caller as the flow left it (rewrite and lookup change it). */
  caller: CallerIdentity;
}

export interface RunOptions {
  /** Node visits before the flow is stopped (default 1000). */
  maxSteps?: number;
  onStep?: (s: TraceStep) => void;
}

export const DEFAULT_MAX_STEPS = 1000;

function isCallerGone(err: unknown): boolean {
  return err instanceof CallerGone || (err instanceof Error && err.name === 'CallerGone');
}

export async function runFlow(
  ws: Workspace,
  entryNodeId: string,
  start: { caller: CallerIdentity; called: string },
  effects: FlowEffects,
  opts: RunOptions = {},
): Promise<FlowRunResult> {
  const nodes = new Map<string, FlowNode>();
  for (const n of ws.nodes) if (!nodes.has(n.id)) nodes.set(n.id, n);
  const cables = cableIndex(ws);
  const maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
  const ctx: RunContext = {
    effects,
    caller: { ...start.caller },
    called: start.called,
    tags: [],
    pendingKey: undefined,
    hasCable: (id, output) => cables.has(cableKey(id, output)),
  };
  const steps: TraceStep[] = [];
  // Configs are checked once per run, not at every visit of a looping menu.
  const configs = new Map<string, ReturnType<typeof parseNodeConfig>>();

  const finish = async (reason: EndReason, detail: string, nodeId?: string): Promise<FlowRunResult> => {
    // The caller's leg is ended in every case but when the caller already left.
    if (reason !== 'caller-gone') {
      try {
        await effects.hangup(nodeId);
      } catch {
        // hanging up a call that is already gone changes nothing
      }
    }
    const end: FlowRunResult['end'] = nodeId === undefined ? { reason, detail } : { reason, nodeId, detail };
    return { steps, end, caller: { ...ctx.caller } };
  };

  let answeredAt: FlowNode | undefined;
  let id = entryNodeId;
  for (;;) {
    const node = nodes.get(id);
    if (!node) return finish('error', `node '${id}' does not exist`, answeredAt?.id);
    if (answeredAt && !POST_CALL_TYPES.has(node.type)) {
      return finish(
        'answered',
        `answered at ${label(answeredAt)}; ${label(node)} needs a caller`,
        answeredAt.id,
      );
    }
    if (steps.length >= maxSteps) return finish('step-limit', `stopped after ${maxSteps} steps`, node.id);
    let parsed = configs.get(node.id);
    if (!parsed) {
      parsed = parseNodeConfig(node);
      configs.set(node.id, parsed);
    }
    if (!parsed.ok) {
      const why = parsed.issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join('; ');
      return finish('error', `${label(node)} is misconfigured: ${why}`, node.id);
    }
    let result: Awaited<ReturnType<typeof runNode>>;
    try {
      result = await runNode(node, parsed.config, ctx);
    } catch (err) {
      if (isCallerGone(err))
        return finish('caller-gone', `the caller hung up during ${label(node)}`, node.id);
      return finish(
        'error',
        `${label(node)} failed: ${err instanceof Error ? err.message : String(err)}`,
        node.id,
      );
    }
    const step: TraceStep = { nodeId: node.id, type: node.type, name: node.name, detail: result.detail };
    if (result.output) step.output = result.output;
    steps.push(step);
    opts.onStep?.(step);
    if (result.answered) answeredAt ??= node;
    if (result.end) {
      // A hangup after a conversation still counts as an answered call.
      const reason = answeredAt && result.end.reason === 'hangup' ? 'answered' : result.end.reason;
      return finish(reason, result.end.detail, reason === 'answered' ? answeredAt!.id : node.id);
    }
    const edge = cables.get(cableKey(node.id, result.output));
    if (!edge) {
      if (answeredAt) return finish('answered', `answered at ${label(answeredAt)}`, answeredAt.id);
      return finish('no-cable', `output '${result.output}' of ${label(node)} has no cable: hung up`, node.id);
    }
    id = edge.to;
  }
}
