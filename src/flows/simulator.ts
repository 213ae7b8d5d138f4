// Scenario simulation: FlowEffects answered from a scenario (digits, HTTP replies, who
// answers), run through the same runFlow as a live call. No second interpreter here.
import { z } from 'zod';
import { E164_PATTERN, EXTENSION_PATTERN, ringTargetSchema } from './configs.ts';
import {
  CallerGone,
  type CallerIdentity,
  type EmailMessage,
  type FlowEffects,
  type HttpReply,
  type HttpRequest,
  type PromptRef,
  type QueueOutcome,
  type QueueRequest,
  type RingOutcome,
  type RingRequest,
  type RingTarget,
  type VoicemailRequest,
} from './effects.ts';
import { type FlowRunResult, runFlow } from './interpreter.ts';
import { FlowInputError, idSchema, type Workspace } from './model.ts';
import { entryIndex } from './outputs.ts';

const RING_OUTCOMES = ['answered', 'no-answer', 'busy', 'failed'] as const;
const QUEUE_OUTCOMES = ['answered', 'timeout', 'overflow', 'callback'] as const;
const bounded = <T extends z.ZodType>(record: T, max: number) =>
  record.refine((r) => Object.keys(r as object).length <= max, { error: `at most ${max} entries` });

const replySchema = z.union([
  z.strictObject({ status: z.number().int().min(100).max(599), body: z.string().max(1_000_000) }),
  z.strictObject({ error: z.string().min(1).max(500) }),
]);

export const scenarioSchema = z.strictObject({
  entry: z.union([
    z.strictObject({ nodeId: idSchema }),
    z.strictObject({ number: z.string().regex(E164_PATTERN, { error: 'an E.164 number' }) }),
    z.strictObject({
      extension: z.string().regex(EXTENSION_PATTERN, { error: 'an extension of 3 to 6 digits' }),
    }),
  ]),
  caller: z.strictObject({ number: z.string().min(1).max(64), name: z.string().max(100).optional() }),
  /** What the caller dialled; defaults to the entry's number or extension. */
  called: z.string().min(1).max(64).optional(),
  at: z.iso.datetime({ offset: true, error: 'an ISO date and time, e.g. 2025-03-28T09:30:00+02:00' }),
  /** One per key prompt or wait: a key, null for no key before the timeout, 'hangup' when the caller hangs up. */
  digits: z
    .array(
      z.union([
        z.string().regex(/^([0-9*#]|hangup)$/, { error: "a key 0-9, * or #, or 'hangup'" }),
        z.null(),
      ]),
    )
    .max(1000)
    .default([]),
  httpReplies: bounded(z.record(idSchema, z.array(replySchema).max(100)), 500).default({}),
  answers: bounded(
    z.record(
      z
        .string()
        .regex(/^(person|line|number|sip|sips):.{1,256}$/, { error: 'person:, line:, number: or sip:' }),
      z.enum(RING_OUTCOMES),
    ),
    500,
  ).default({}),
  /** How each queue wait ends, by queue id; 'timeout' when not given (nobody answers). */
  queues: bounded(z.record(idSchema, z.enum(QUEUE_OUTCOMES)), 100).default({}),
  lastAgent: ringTargetSchema.optional(),
  maxSteps: z.number().int().min(1).max(10_000).optional(),
});
export type Scenario = z.infer<typeof scenarioSchema>;

/** What the flow did, in order, as the simulator saw it. */
export type SimulatedEffect =
  | { kind: 'play'; nodeId: string; prompt: PromptRef; bargeIn: boolean; key?: string }
  | { kind: 'read-digit'; nodeId: string; timeoutMs: number; key?: string }
  | { kind: 'caller-hangup'; nodeId: string }
  | {
      kind: 'ring';
      nodeId: string;
      targets: RingTarget[];
      timeoutSec: number;
      caller: CallerIdentity;
      outcome: RingOutcome;
    }
  | {
      kind: 'forward-phone';
      nodeId: string;
      number: string;
      timeoutSec: number;
      caller: CallerIdentity;
      outcome: RingOutcome;
    }
  | {
      kind: 'forward-sip';
      nodeId: string;
      uri: string;
      username?: string;
      timeoutSec: number;
      caller: CallerIdentity;
      outcome: RingOutcome;
    }
  | {
      kind: 'queue';
      nodeId: string;
      queueId: string;
      tags: string[];
      caller: CallerIdentity;
      outcome: QueueOutcome;
    }
  | { kind: 'voicemail'; nodeId: string; mode: 'leave' | 'listen'; boxId: string; caller: CallerIdentity }
  | { kind: 'record'; nodeId: string; on: boolean }
  | { kind: 'http'; nodeId: string; request: HttpRequest; reply: HttpReply }
  | { kind: 'email'; nodeId: string; message: EmailMessage }
  | { kind: 'last-agent'; nodeId: string; callerNumber: string; withinHours: number; found?: RingTarget }
  | { kind: 'hangup'; nodeId?: string };

export type SimulationResult = FlowRunResult & { effects: SimulatedEffect[] };

/** Outcome of ringing several targets at once: any answer wins; busy or failed only if all are. */
function combine(outcomes: RingOutcome[]): RingOutcome {
  if (outcomes.includes('answered')) return 'answered';
  if (outcomes.length > 0 && outcomes.every((o) => o === 'busy')) return 'busy';
  if (outcomes.length > 0 && outcomes.every((o) => o === 'failed')) return 'failed';
  return 'no-answer';
}

class ScenarioEffects implements FlowEffects {
  readonly log: SimulatedEffect[] = [];
  private digit = 0;
  private readonly replies = new Map<string, number>();

  constructor(private readonly s: Scenario) {}

  now(): Date {
    return new Date(this.s.at);
  }

  private gone(nodeId: string): never {
    this.digit++;
    this.log.push({ kind: 'caller-hangup', nodeId });
    throw new CallerGone();
  }

  async play(prompt: PromptRef, opts: { bargeIn: boolean; nodeId: string }): Promise<string | undefined> {
    const next = this.s.digits[this.digit];
    let key: string | undefined;
    if (opts.bargeIn && next === 'hangup') this.gone(opts.nodeId);
    // A barge-in prompt takes the next entry only when it is a key; null is for readDigit.
    if (opts.bargeIn && typeof next === 'string') {
      key = next;
      this.digit++;
    }
    this.log.push({
      kind: 'play',
      nodeId: opts.nodeId,
      prompt,
      bargeIn: opts.bargeIn,
      ...(key ? { key } : {}),
    });
    return key;
  }

  async readDigit(timeoutMs: number, nodeId: string): Promise<string | undefined> {
    const next = this.s.digits[this.digit];
    if (next === 'hangup') this.gone(nodeId);
    if (next !== undefined) this.digit++;
    const key = next ?? undefined;
    this.log.push({ kind: 'read-digit', nodeId, timeoutMs, ...(key ? { key } : {}) });
    return key;
  }

  async ring(req: RingRequest): Promise<RingOutcome> {
    const outcome = combine(req.targets.map((t) => this.s.answers[`${t.kind}:${t.id}`] ?? 'no-answer'));
    this.log.push({
      kind: 'ring',
      nodeId: req.nodeId,
      targets: req.targets,
      timeoutSec: req.timeoutSec,
      caller: req.caller,
      outcome,
    });
    return outcome;
  }

  async forwardPhone(req: Parameters<FlowEffects['forwardPhone']>[0]): Promise<RingOutcome> {
    const outcome = this.s.answers[`number:${req.number}`] ?? 'no-answer';
    const { number, timeoutSec, caller, nodeId } = req;
    this.log.push({ kind: 'forward-phone', nodeId, number, timeoutSec, caller, outcome });
    return outcome;
  }

  async forwardSip(req: Parameters<FlowEffects['forwardSip']>[0]): Promise<RingOutcome> {
    // The key is the URI itself ('sip:alice@example.com'); 'sip:' + URI is accepted too.
    const outcome = this.s.answers[req.uri] ?? this.s.answers[`sip:${req.uri}`] ?? 'no-answer';
    const { uri, timeoutSec, caller, nodeId } = req;
    // The password is never copied into the result.
    this.log.push({
      kind: 'forward-sip',
      nodeId,
      uri,
      timeoutSec,
      caller,
      outcome,
      ...(req.username ? { username: req.username } : {}),
    });
    return outcome;
  }

  async queue(req: QueueRequest): Promise<QueueOutcome> {
    const outcome = this.s.queues[req.queueId] ?? 'timeout';
    const { queueId, tags, caller, nodeId } = req;
    this.log.push({ kind: 'queue', nodeId, queueId, tags, caller, outcome });
    return outcome;
  }

  async voicemail(req: VoicemailRequest): Promise<void> {
    const { mode, boxId, caller, nodeId } = req;
    this.log.push({ kind: 'voicemail', nodeId, mode, boxId, caller });
  }

  async record(on: boolean, nodeId: string): Promise<void> {
    this.log.push({ kind: 'record', nodeId, on });
  }

  async http(request: HttpRequest): Promise<HttpReply> {
    const i = this.replies.get(request.nodeId) ?? 0;
    this.replies.set(request.nodeId, i + 1);
    const reply = this.s.httpReplies[request.nodeId]?.[i] ?? { error: 'no reply given' };
    this.log.push({ kind: 'http', nodeId: request.nodeId, request, reply });
    return reply;
  }

  async email(message: EmailMessage): Promise<void> {
    this.log.push({ kind: 'email', nodeId: message.nodeId, message });
  }

  async lastAgent(
    callerNumber: string,
    withinHours: number,
    nodeId: string,
  ): Promise<RingTarget | undefined> {
    const found = this.s.lastAgent;
    this.log.push({ kind: 'last-agent', nodeId, callerNumber, withinHours, ...(found ? { found } : {}) });
    return found;
  }

  async hangup(nodeId: string | undefined): Promise<void> {
    this.log.push(nodeId === undefined ? { kind: 'hangup' } : { kind: 'hangup', nodeId });
  }
}

/** The entry node and called number of a scenario; a FlowInputError when there is none. */
export function scenarioEntry(ws: Workspace, s: Scenario): { nodeId: string; called: string } {
  const e = s.entry;
  if ('nodeId' in e) {
    const node = ws.nodes.find((n) => n.id === e.nodeId);
    if (!node) throw new FlowInputError(`there is no node '${e.nodeId}'`);
    const c = node.config as { number?: unknown; extension?: unknown } | null | undefined;
    const own =
      typeof c?.number === 'string' ? c.number : typeof c?.extension === 'string' ? c.extension : '';
    return { nodeId: node.id, called: s.called ?? own };
  }
  const index = entryIndex(ws);
  if ('number' in e) {
    const nodeId = index.numbers.get(e.number);
    if (!nodeId) throw new FlowInputError(`no entry object answers ${e.number}`);
    return { nodeId, called: s.called ?? e.number };
  }
  const nodeId = index.extensions.get(e.extension);
  if (!nodeId) throw new FlowInputError(`no entry object answers extension ${e.extension}`);
  return { nodeId, called: s.called ?? e.extension };
}

/** Runs a scenario through runFlow and returns the trace with every effect in order. */
export async function simulate(ws: Workspace, scenario: Scenario): Promise<SimulationResult> {
  const { nodeId, called } = scenarioEntry(ws, scenario);
  const fx = new ScenarioEffects(scenario);
  const caller = { number: scenario.caller.number, name: scenario.caller.name ?? null };
  const opts = scenario.maxSteps === undefined ? {} : { maxSteps: scenario.maxSteps };
  const result = await runFlow(ws, nodeId, { caller, called }, fx, opts);
  return { ...result, effects: fx.log };
}
