// What each node does on a call, acting only through FlowEffects. Returns the output taken
// and a line for the trace; the interpreter (interpreter.ts) follows the cables.
import type { NodeConfigs } from './configs.ts';
import { describePrompt, describeTarget, describeTargets } from './describe.ts';
import type { CallerIdentity, FlowEffects, RingOutcome, RingTarget } from './effects.ts';
import { httpBranch, lookupName } from './http-reply.ts';
import type { FlowNode, NodeType } from './model.ts';
import { holidayOn, localTime, scheduleIsOpen } from './schedule.ts';
import { renderTemplate, type TemplateValues } from './templates.ts';

export interface RunContext {
  effects: FlowEffects;
  caller: CallerIdentity;
  called: string;
  /** Tags on the caller (queue nodes and lookups add them), for skills-based queues. */
  tags: string[];
  /** A key pressed during a barge-in prompt, kept for the next menu. */
  pendingKey: string | undefined;
  hasCable(nodeId: string, output: string): boolean;
}

export interface NodeResult {
  output: string;
  detail: string;
  /** A conversation took place and is over: from here only post-call nodes run. */
  answered?: boolean;
  /** The flow ends at this node. */
  end?: { reason: 'hangup' | 'error'; detail: string };
}

type Runner<T extends NodeType> = (
  node: FlowNode,
  config: NodeConfigs[T],
  ctx: RunContext,
) => Promise<NodeResult>;
type Runners = { [T in NodeType]: Runner<T> };

const runners: Runners = {
  number: async (_n, _c, ctx) => ({
    output: 'next',
    detail: `call to ${ctx.called} from ${callerLabel(ctx.caller)}`,
  }),
  'internal-number': async (_n, _c, ctx) => ({
    output: 'next',
    detail: `call to extension ${ctx.called} from ${callerLabel(ctx.caller)}`,
  }),

  play: async (node, c, ctx) => {
    const key = await ctx.effects.play(c.prompt, { bargeIn: c.bargeIn, nodeId: node.id });
    const heard = `played ${describePrompt(c.prompt)}`;
    if (!c.bargeIn || key === undefined) return { output: 'next', detail: heard };
    ctx.pendingKey = key;
    return { output: 'next', detail: `${heard}; caller pressed ${key} (kept for the next menu)` };
  },

  menu: async (node, c, ctx) => {
    const tries: string[] = [];
    let failure: 'timeout' | 'invalid' = 'timeout';
    let key = ctx.pendingKey;
    ctx.pendingKey = undefined;
    for (let attempt = 0; attempt <= c.retries; attempt++) {
      if (attempt > 0) key = undefined;
      key ??= await ctx.effects.play(c.prompt, { bargeIn: true, nodeId: node.id });
      key ??= await ctx.effects.readDigit(c.timeoutSec * 1000, node.id);
      if (key !== undefined && (c.keys as string[]).includes(key)) {
        return { output: key, detail: [...tries, `pressed ${key}`].join(', ') };
      }
      if (key === undefined) {
        failure = 'timeout';
        tries.push('no key');
      } else {
        failure = 'invalid';
        tries.push(`invalid key ${key}`);
        if (c.invalidPrompt) await ctx.effects.play(c.invalidPrompt, { bargeIn: false, nodeId: node.id });
      }
    }
    const output = ctx.hasCable(node.id, failure)
      ? failure
      : ctx.hasCable(node.id, 'default')
        ? 'default'
        : failure;
    return { output, detail: `${tries.join(', ')}; ${c.retries} retries used` };
  },

  schedule: async (_node, c, ctx) => {
    const now = ctx.effects.now();
    const local = localTime(c.timezone, now);
    const when = `${local.weekday} ${local.date} ${local.time} ${c.timezone}`;
    if (scheduleIsOpen(c, now)) return { output: 'open', detail: `${when}: open` };
    const holiday = holidayOn(c, local.date);
    return {
      output: 'closed',
      detail: `${when}: closed${holiday ? ` (holiday${holiday.name ? ` ${holiday.name}` : ''})` : ''}`,
    };
  },

  ring: async (node, c, ctx) => {
    if (c.strategy === 'simultaneous') {
      const outcome = await ring(ctx, node, c.targets, c.timeoutSec);
      const output = outcome === 'answered' ? 'answered' : outcome === 'busy' ? 'busy' : 'no-answer';
      return {
        output,
        detail: `rang ${describeTargets(c.targets)} at once: ${outcome}`,
        answered: output === 'answered',
      };
    }
    const results: string[] = [];
    let allBusy = true;
    for (const t of c.targets) {
      const outcome = await ring(ctx, node, [t], c.stepTimeoutSec);
      results.push(`${describeTarget(t)} ${outcome}`);
      if (outcome === 'answered')
        return { output: 'answered', detail: `rang in turn: ${results.join(', ')}`, answered: true };
      if (outcome !== 'busy') allBusy = false;
    }
    return { output: allBusy ? 'busy' : 'no-answer', detail: `rang in turn: ${results.join(', ')}` };
  },

  queue: async (node, c, ctx) => {
    for (const t of c.tags) if (!ctx.tags.includes(t)) ctx.tags.push(t);
    const outcome = await ctx.effects.queue({
      queueId: c.queueId,
      caller: { ...ctx.caller },
      tags: [...ctx.tags],
      nodeId: node.id,
    });
    const tagged = ctx.tags.length > 0 ? ` (tags ${ctx.tags.join(', ')})` : '';
    return {
      output: outcome,
      detail: `queue ${c.queueId}${tagged}: ${outcome}`,
      answered: outcome === 'answered',
    };
  },
  voicemail: async (node, c, ctx) => {
    await ctx.effects.voicemail({ mode: c.mode, boxId: c.boxId, caller: { ...ctx.caller }, nodeId: node.id });
    return {
      output: 'next',
      detail: c.mode === 'leave' ? `voicemail box ${c.boxId}: message left` : `listened to box ${c.boxId}`,
    };
  },

  'forward-phone': async (node, c, ctx) => {
    const outcome = await ctx.effects.forwardPhone({
      number: c.number,
      caller: { ...ctx.caller },
      timeoutSec: c.timeoutSec,
      nodeId: node.id,
    });
    return forwarded(`forwarded to ${c.number}`, outcome);
  },
  'forward-sip': async (node, c, ctx) => {
    const outcome = await ctx.effects.forwardSip({
      uri: c.uri,
      username: c.username,
      password: c.password,
      caller: { ...ctx.caller },
      timeoutSec: c.timeoutSec,
      nodeId: node.id,
    });
    return forwarded(`forwarded to ${c.uri}`, outcome);
  },

  record: async (node, c, ctx) => {
    await ctx.effects.record(c.action === 'start', node.id);
    return { output: 'next', detail: c.action === 'start' ? 'recording started' : 'recording stopped' };
  },

  http: async (node, c, ctx) => {
    const values = templateValues(node, ctx);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.headers)) headers[k] = oneLine(renderTemplate(v, values));
    const url = renderTemplate(c.url, values, encodeURIComponent);
    const reply = await ctx.effects.http({
      method: c.method,
      url,
      headers,
      body: c.method === 'POST' ? renderTemplate(c.body, values) : undefined,
      timeoutMs: c.timeoutSec * 1000,
      nodeId: node.id,
    });
    const branch = httpBranch(reply);
    return { output: branch.output, detail: `${c.method} ${url}: ${branch.detail}` };
  },

  lookup: async (node, c, ctx) => {
    const url = renderTemplate(c.url, templateValues(node, ctx), encodeURIComponent);
    const reply = await ctx.effects.http({
      method: 'GET',
      url,
      headers: {},
      timeoutMs: c.timeoutSec * 1000,
      nodeId: node.id,
    });
    const found = lookupName(reply);
    if (found.name === undefined) return { output: 'not-found', detail: `GET ${url}: ${found.detail}` };
    ctx.caller.name = found.name;
    for (const t of found.tags) if (!ctx.tags.includes(t)) ctx.tags.push(t);
    return { output: 'found', detail: `GET ${url}: ${found.detail}` };
  },

  rewrite: async (_node, c, ctx) => {
    const before = ctx.caller.number;
    ctx.caller.number = rewriteNumber(before, c);
    return { output: 'next', detail: `caller number ${before} → ${ctx.caller.number}` };
  },

  email: async (node, c, ctx) => {
    const values = templateValues(node, ctx);
    const subject = oneLine(renderTemplate(c.subject, values));
    await ctx.effects.email({
      to: [...c.to],
      subject,
      text: renderTemplate(c.body, values),
      nodeId: node.id,
    });
    return { output: 'next', detail: `emailed ${c.to.join(', ')}: ${subject}` };
  },

  history: async (node, c, ctx) => {
    const agent = await ctx.effects.lastAgent(ctx.caller.number, c.withinHours, node.id);
    if (!agent) return { output: 'not-found', detail: `no agent within ${c.withinHours} h` };
    const outcome = await ring(ctx, node, [agent], c.timeoutSec);
    const output = outcome === 'answered' ? 'answered' : 'no-answer';
    return {
      output,
      detail: `last agent ${describeTarget(agent)}: ${outcome}`,
      answered: output === 'answered',
    };
  },

  hangup: async () => ({ output: '', detail: 'hung up', end: { reason: 'hangup', detail: 'hung up' } }),
};

export function runNode(node: FlowNode, config: unknown, ctx: RunContext): Promise<NodeResult> {
  return (runners[node.type] as Runner<NodeType>)(node, config as never, ctx);
}

function ring(
  ctx: RunContext,
  node: FlowNode,
  targets: RingTarget[],
  timeoutSec: number,
): Promise<RingOutcome> {
  return ctx.effects.ring({ targets: [...targets], timeoutSec, caller: { ...ctx.caller }, nodeId: node.id });
}

function forwarded(what: string, outcome: RingOutcome): NodeResult {
  const answered = outcome === 'answered';
  return { output: answered ? 'answered' : 'failed', detail: `${what}: ${outcome}`, answered };
}

function templateValues(node: FlowNode, ctx: RunContext): TemplateValues {
  return {
    'caller.number': ctx.caller.number,
    'caller.name': ctx.caller.name ?? '',
    called: ctx.called,
    'node.name': node.name,
    time: ctx.effects.now().toISOString(),
  };
}

const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');

/** Removes a prefix/suffix only where present, then adds; removal before addition. */
export function rewriteNumber(number: string, c: NodeConfigs['rewrite']): string {
  let n = number;
  if (c.removePrefix && n.startsWith(c.removePrefix)) n = n.slice(c.removePrefix.length);
  if (c.removeSuffix && n.endsWith(c.removeSuffix)) n = n.slice(0, n.length - c.removeSuffix.length);
  return `${c.addPrefix ?? ''}${n}${c.addSuffix ?? ''}`;
}

function callerLabel(c: CallerIdentity): string {
  return c.name ? `${c.name} <${c.number}>` : c.number;
}
