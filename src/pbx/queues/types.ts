// The call queue's data as the dispatcher sees it: settings, members, waiting callers, offers
// and the live snapshot. Pure types and limits; times are epoch milliseconds from the
// injected clock, durations in the queue's settings are seconds as configured.

export const QUEUE_STRATEGIES = [
  'ring-all',
  'round-robin',
  'longest-idle',
  'fewest-calls',
  'skills',
  'random',
] as const;
export type QueueStrategy = (typeof QUEUE_STRATEGIES)[number];

/** Bounds on what one queue holds, whatever its settings say (DESIGN: every input bounded). */
export const QUEUE_LIMITS = {
  waitingCallers: 10_000,
  members: 2_000,
  callerTags: 16,
  agentSkills: 64,
  tagLength: 64,
  skillLevelMin: 1,
  skillLevelMax: 10,
  pauseReasonLength: 100,
  handleTimeSamples: 1_000,
} as const;

export interface QueueSettings {
  strategy: QueueStrategy;
  /** How long one agent rings before the caller is offered elsewhere, unless the member overrides it. */
  ringTimeoutSec: number;
  /** After-call work: the agent gets no call for this long after hanging up. */
  wrapUpSec: number;
  /** After a missed ring the agent gets no call for this long (a phone rejecting at once). */
  retrySec: number;
  /** A live caller waiting longer leaves with the 'timeout' outcome; null: no limit. */
  maxWaitSec: number | null;
  /** Entries (live callers and callback requests) beyond this are refused: 'overflow'. */
  maxSize: number | null;
  /** Service level threshold: answered within this many seconds counts as in service. */
  serviceLevelSec: number;
  /** Service level is computed over the calls that left the queue in this past window. */
  serviceLevelWindowSec: number;
  /** Estimated wait uses the handle times (talk + wrap-up) of this many last answered calls. */
  handleTimeSamples: number;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  strategy: 'ring-all',
  ringTimeoutSec: 20,
  wrapUpSec: 0,
  retrySec: 0,
  maxWaitSec: null,
  maxSize: null,
  serviceLevelSec: 20,
  serviceLevelWindowSec: 3600,
  handleTimeSamples: 20,
};

/** A member of the queue: a person or a line, and how it is rung. */
export interface QueueMember {
  /** Opaque and unique in the queue, e.g. `person:<id>` or `line:<id>`. */
  agentId: string;
  /** Lines the runtime rings for this member; carried into offers, not interpreted here. */
  lines?: readonly string[];
  /** Overrides the queue's ring timeout for this member. */
  ringTimeoutSec?: number | null;
  /** Skill tag → level, 1 (novice) to 10 (expert). */
  skills?: Readonly<Record<string, number>>;
}

export type AgentState = 'logged-out' | 'available' | 'ringing' | 'on-call' | 'wrap-up' | 'paused' | 'busy';

export interface CallbackRequest {
  /** The number Switchboard dials back. */
  number: string;
  requestedAt: number;
}

export interface EnqueueRequest {
  callerId: string;
  /** Skill tags set on the caller by the flow; ignored by strategies other than skills. */
  tags?: readonly string[];
  /** Original entry time: a callback put back keeps its place. Defaults to now. */
  enteredAt?: number;
  callback?: CallbackRequest;
}

export type EnqueueResult = { ok: true; position: number } | { ok: false; reason: 'full' | 'duplicate' };

/** One agent to ring for an offered caller. */
export interface OfferedAgent {
  agentId: string;
  lines: readonly string[];
  ringTimeoutSec: number;
}

/** A decision: ring these agents for this caller (several at once only with ring-all). */
export interface Offer {
  callerId: string;
  /** Set when the entry is a callback request: ring the agent, then dial this number. */
  callback: CallbackRequest | undefined;
  agents: OfferedAgent[];
}

export interface TimedOut {
  callerId: string;
  /** Agents that were ringing for this caller and have been released: stop ringing them. */
  released: string[];
}

export interface WaitingCallerView {
  callerId: string;
  position: number;
  enteredAt: number;
  waitedSec: number;
  tags: readonly string[];
  callback: CallbackRequest | undefined;
  /** Agents ringing for this caller now. */
  ringing: string[];
}

export interface AgentView {
  agentId: string;
  state: AgentState;
  pauseReason: string | null;
  /** Answered calls of this queue today (the counting day the clock defines). */
  callsAnswered: number;
  /** When the agent last became available; null when not available now. */
  idleSince: number | null;
  /** The caller being rung or talked to, when ringing or on a call from this queue. */
  callerId: string | null;
  wrapUpUntil: number | null;
}

export interface ServiceLevelView {
  thresholdSec: number;
  windowSec: number;
  /** Percent 0-100; null when no call counts yet. */
  percent: number | null;
  answered: number;
  answeredWithinThreshold: number;
  /** Callers who hung up after the threshold (counted against the level). */
  abandoned: number;
  /** Callers who hung up within the threshold (left out of the level). */
  abandonedShort: number;
  timedOut: number;
  overflowed: number;
  callbacksRequested: number;
}

export interface QueueSnapshot {
  strategy: QueueStrategy;
  at: number;
  waiting: WaitingCallerView[];
  agents: AgentView[];
  serviceLevel: ServiceLevelView;
  longestWaitSec: number;
  /** Mean talk + wrap-up of the recent answered calls, seconds; null without history. */
  averageHandleSec: number | null;
  /** Estimated wait of a caller entering now; null when it cannot be estimated. */
  estimatedWaitSec: number | null;
  staffedAgents: number;
  availableAgents: number;
}

/** Time and chance, injected so the dispatcher is deterministic under test. */
export interface QueueClock {
  now(): number;
  /** Uniform in [0, 1). */
  random(): number;
  /** The start of the counting day after `now` (fewest-calls counts reset then). */
  nextDayStart(now: number): number;
}

export const systemClock: QueueClock = {
  now: Date.now,
  random: Math.random,
  nextDayStart: (now) => (Math.floor(now / 86_400_000) + 1) * 86_400_000,
};

/** A setting or member the dispatcher cannot use; `status` is the HTTP status an API answers. */
export class QueueInputError extends Error {
  override readonly name = 'QueueInputError';
  constructor(
    message: string,
    readonly field: string,
    readonly status = 400,
  ) {
    super(message);
  }
}
