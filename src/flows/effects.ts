// What a flow does to a call, as an interface: the live runtime (src/pbx) implements it on a
// real call, the simulator implements it from a scenario. The interpreter only ever acts
// through it, so a simulation cannot drift from what a call does. Pure types: the console
// imports this file too.

/** A prompt to play: an uploaded audio file of the tenant's library, or text to speak. */
export type PromptRef =
  | { kind: 'file'; promptId: string }
  | { kind: 'tts'; text: string; language: string; voice?: string | undefined };

/** Who the call is from, as the flow has made it so far (rewrite and lookup change it). */
export interface CallerIdentity {
  number: string;
  name: string | null;
}

/** Someone a ring node or a history lookup reaches. */
export type RingTarget = { kind: 'person'; id: string } | { kind: 'line'; id: string };

/** One ringing attempt: these targets at once, for so long. */
export interface RingRequest {
  targets: RingTarget[];
  timeoutSec: number;
  caller: CallerIdentity;
  /** The node asking, for traces and for the simulator's agent availability. */
  nodeId: string;
}

/**
 * How a ring or forward ended. `answered` is returned once the conversation is over (the
 * bridged call hung up); the flow then only runs nodes that need no caller (http, email).
 */
export type RingOutcome = 'answered' | 'no-answer' | 'busy' | 'failed';

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string | undefined;
  timeoutMs: number;
  nodeId: string;
}

/** A reply, already bounded in size by the implementation; `error` for no usable reply. */
export type HttpReply = { status: number; body: string } | { error: string };

export interface EmailMessage {
  to: string[];
  subject: string;
  text: string;
  nodeId: string;
}

/**
 * How a queue wait ended: an agent took the call (returned once the conversation is over),
 * the maximum wait passed, the queue was full (or had no agent logged in), or the caller
 * asked to be called back and keeps their place.
 */
export type QueueOutcome = 'answered' | 'timeout' | 'overflow' | 'callback';

export interface QueueRequest {
  queueId: string;
  caller: CallerIdentity;
  /** Tags on the caller (set by the queue node or a lookup), matched to agent skills. */
  tags: string[];
  nodeId: string;
}

export interface VoicemailRequest {
  mode: 'leave' | 'listen';
  boxId: string;
  caller: CallerIdentity;
  nodeId: string;
}

/** Thrown by an effect when the caller has hung up: the interpreter stops where it is. */
export class CallerGone extends Error {
  constructor() {
    super('caller hung up');
    this.name = 'CallerGone';
  }
}

export interface FlowEffects {
  /** The wall clock the flow sees (schedules); the simulator returns the scenario's time. */
  now(): Date;
  /**
   * Plays a prompt to the caller. With `bargeIn`, a DTMF key pressed during it stops it and
   * is returned; otherwise keys pressed are kept for the next readDigit.
   */
  play(prompt: PromptRef, opts: { bargeIn: boolean; nodeId: string }): Promise<string | undefined>;
  /** Waits for one key (0-9 * #); undefined when none came in time. */
  readDigit(timeoutMs: number, nodeId: string): Promise<string | undefined>;
  ring(req: RingRequest): Promise<RingOutcome>;
  forwardPhone(req: {
    number: string;
    caller: CallerIdentity;
    timeoutSec: number;
    nodeId: string;
  }): Promise<RingOutcome>;
  forwardSip(req: {
    uri: string;
    username?: string | undefined;
    password?: string | undefined;
    caller: CallerIdentity;
    timeoutSec: number;
    nodeId: string;
  }): Promise<RingOutcome>;
  /** Holds the caller in a queue until an agent answers or the queue gives up. */
  queue(req: QueueRequest): Promise<QueueOutcome>;
  /** Leaves a message in a box, or listens to one (the box's PIN is asked). */
  voicemail(req: VoicemailRequest): Promise<void>;
  /** Starts or stops recording the call from here on. */
  record(on: boolean, nodeId: string): Promise<void>;
  http(req: HttpRequest): Promise<HttpReply>;
  email(msg: EmailMessage): Promise<void>;
  /** Who this caller last spoke to within the window, if anyone. */
  lastAgent(callerNumber: string, withinHours: number, nodeId: string): Promise<RingTarget | undefined>;
  /** Ends the call (the hangup node, or the end of a branch with no cable). */
  hangup(nodeId: string | undefined): Promise<void>;
}
