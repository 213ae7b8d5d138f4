// One caller waiting in a queue on a live call: hold music, position and wait announcements,
// the callback key, and the agents the dispatcher offers it to, rung quietly (the caller keeps
// its music) until one answers. The wait ends with a flow outcome, or CallerGone when the
// caller hangs up first.
import { CallerGone, type QueueOutcome, type QueueRequest, type RingTarget } from '../../flows/index.ts';
import type { PromptSource } from '../../media/index.ts';
import type { Call } from '../calls/call.ts';
import type { CallRouter } from '../calls/call-router.ts';
import type { TenantRoute } from '../directory.ts';
import type { QueueEvent } from '../events.ts';
import type { QueueDispatcher } from './dispatcher.ts';
import type { QueueConfig } from './queue-config.ts';
import type { Offer } from './types.ts';

/** What a waiting caller needs from the queue service around it. */
export interface WaiterHost {
  router(): CallRouter;
  /** The agent a line that answered belongs to, among the offered agents. */
  agentOfLine(lineId: string, offered: readonly string[]): string | undefined;
  musicSource(config: QueueConfig): Promise<PromptSource>;
  /** Whether the number can be dialled back (an extension of the tenant, or a phone number). */
  canCallBack(tenant: TenantRoute, number: string): boolean;
  schedulePump(tenantId: string): void;
  /** The agents of the offer rang without an answer (or the caller left while they rang). */
  ringEnded(config: QueueConfig, offer: Offer): void;
  /** An agent answered: the ringing of the others stops; recording starts if the queue records. */
  agentAnswered(config: QueueConfig, offer: Offer, agentId: string, call: Call): void;
  conversationEnded(config: QueueConfig, agentId: string): void;
  callbackRequested(config: QueueConfig, callerId: string, number: string, name: string | null): void;
  emit(
    config: QueueConfig,
    e: Omit<QueueEvent, 'type' | 'tenantId' | 'queueId' | 'waiting' | 'availableAgents'>,
  ): void;
  warn(obj: object, msg: string): void;
}

const LANGUAGE = 'en';

export class QueueWaiter {
  #finished = false;
  #settle: ((o: QueueOutcome | CallerGone) => void) | undefined;
  #ringing = false;
  #answered = false;
  #pendingTimeout = false;
  #pendingCallback = false;
  readonly #keys = new AbortController();
  #announceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: WaiterHost,
    private readonly config: QueueConfig,
    private readonly dispatcher: QueueDispatcher,
    private readonly call: Call,
    private readonly tenant: TenantRoute,
    private readonly req: QueueRequest,
  ) {}

  get callerId(): string {
    return this.call.id;
  }

  get callerNumber(): string {
    return this.req.caller.number;
  }

  /** Waits in the queue; the caller must already have been put in line (position given). */
  async run(position: number): Promise<QueueOutcome> {
    const done = new Promise<QueueOutcome | CallerGone>((resolve) => {
      this.#settle = resolve;
    });
    void this.call.ended().then(() => this.#abandoned());
    this.host.emit(this.config, {
      change: 'caller-joined',
      callerId: this.call.id,
      callerNumber: this.req.caller.number,
      position,
    });
    this.host.schedulePump(this.tenant.id);
    try {
      // A free agent is rung at once (the pump runs first); the caller is told its place only
      // when it really waits. Music plays either way: a queue's ring is quiet.
      await new Promise((r) => setImmediate(r));
      const announce = this.config.announcePosition || this.config.announceWaitTime;
      if (announce && !this.#ringing) await this.#announce();
      await this.#music();
      if (this.config.callbackKey) void this.#readKeys(this.config.callbackKey);
      this.#scheduleAnnouncement();
    } catch (e) {
      if (!(e instanceof CallerGone)) throw e;
      this.#abandoned();
    }
    const outcome = await done;
    if (outcome instanceof CallerGone) throw outcome;
    return outcome;
  }

  /** The dispatcher offers this caller to agents: ring them, the caller keeping its music. */
  async ring(offer: Offer): Promise<void> {
    if (this.#finished) {
      this.host.ringEnded(this.config, offer);
      return;
    }
    this.#ringing = true;
    const offered = offer.agents.map((a) => a.agentId);
    const left = this.#secondsLeft();
    const timeoutSec = Math.max(0.5, Math.min(left, Math.max(...offer.agents.map((a) => a.ringTimeoutSec))));
    const step = this.host.router().ringStep(this.tenant, offered.map(targetOf), party(this.req), timeoutSec);
    step.quiet = true;
    let answeredBy: string | undefined;
    step.onAnswered = (label) => {
      answeredBy = this.host.agentOfLine(label.id, offered) ?? offered[0];
      this.#answered = true;
      this.#stopExtras();
      this.host.agentAnswered(this.config, offer, answeredBy as string, this.call);
      this.host.emit(this.config, {
        change: 'caller-answered',
        callerId: this.call.id,
        callerNumber: this.req.caller.number,
        agentIds: [answeredBy as string],
      });
    };
    this.host.emit(this.config, {
      change: 'caller-ringing',
      callerId: this.call.id,
      callerNumber: this.req.caller.number,
      agentIds: offered,
    });
    let outcome: Awaited<ReturnType<Call['ringAndTalk']>>;
    try {
      outcome = await this.call.ringAndTalk(step);
    } catch (e) {
      this.#ringing = false;
      if (answeredBy) this.host.conversationEnded(this.config, answeredBy);
      else this.host.ringEnded(this.config, offer);
      if (e instanceof CallerGone) return this.#abandoned();
      throw e;
    }
    this.#ringing = false;
    if (outcome === 'answered' && answeredBy) {
      this.host.conversationEnded(this.config, answeredBy);
      this.#finish('answered');
      return;
    }
    this.host.ringEnded(this.config, offer);
    if (this.#pendingTimeout) this.#finish('timeout');
    else if (this.#pendingCallback) this.#requestCallback();
  }

  /** The maximum wait passed (the dispatcher took the caller out of line). */
  timedOut(): void {
    if (this.#ringing) this.#pendingTimeout = true;
    else this.#finish('timeout');
  }

  /** The queue was deleted while the caller waited: it goes on as if the queue were full. */
  removed(): void {
    if (this.#ringing) this.#pendingTimeout = true;
    else this.#finish('overflow');
  }

  async #readKeys(key: string): Promise<void> {
    while (!this.#finished && !this.#answered) {
      let k: string | undefined;
      try {
        k = await this.call.readDigit(3_600_000, this.#keys.signal);
      } catch {
        return; // the caller left: #abandoned runs from call.ended()
      }
      if (k !== key || this.#finished || this.#answered) continue;
      if (!this.host.canCallBack(this.tenant, this.req.caller.number)) {
        this.host.warn(
          { call: this.call.id, number: this.req.caller.number },
          'callback key: number cannot be called back',
        );
        continue;
      }
      // A ring in progress cannot be withdrawn from the call: the request waits for it to end.
      if (this.#ringing) this.#pendingCallback = true;
      else this.#requestCallback();
    }
  }

  #requestCallback(): void {
    if (this.#finished) return;
    const number = this.req.caller.number;
    this.dispatcher.requestCallback(this.call.id, number);
    this.host.callbackRequested(this.config, this.call.id, number, this.req.caller.name);
    this.#finish('callback');
  }

  #scheduleAnnouncement(): void {
    if (this.#finished || (!this.config.announcePosition && !this.config.announceWaitTime)) return;
    const every = Math.max(10, this.config.announceEverySec) * 1000;
    this.#announceTimer = setTimeout(() => {
      // Not over an agent's ring: the caller would miss the start of the conversation.
      const run = this.#ringing ? Promise.resolve() : this.#announce().then(() => this.#music());
      void run.catch(() => {}).finally(() => this.#scheduleAnnouncement());
    }, every);
    this.#announceTimer.unref();
  }

  /** "You are number 3 in line. Your estimated wait is about 4 minutes." */
  async #announce(): Promise<void> {
    const position = this.dispatcher.position(this.call.id);
    if (position === undefined || this.#finished || this.#answered) return;
    const parts: string[] = [];
    if (this.config.announcePosition) parts.push(`You are number ${position} in line.`);
    const ewt = this.config.announceWaitTime ? this.dispatcher.estimatedWaitSec(position) : undefined;
    if (ewt !== undefined) {
      const minutes = Math.round(ewt / 60);
      parts.push(
        minutes < 1
          ? 'Your estimated wait is less than a minute.'
          : `Your estimated wait is about ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      );
    }
    if (parts.length === 0) return;
    await this.call.playToCaller({ kind: 'tts', text: parts.join(' '), language: LANGUAGE }, false);
  }

  async #music(): Promise<void> {
    // Checked right before playing: an agent answering meanwhile must not get music over it.
    if (this.#finished || this.#answered) return;
    const source = await this.host.musicSource(this.config);
    if (this.#finished || this.#answered) return;
    await this.call.playLoop(source);
  }

  #secondsLeft(): number {
    const deadline = this.dispatcher.deadlineOf(this.call.id);
    return deadline === undefined ? Number.POSITIVE_INFINITY : (deadline - Date.now()) / 1000;
  }

  #stopExtras(): void {
    this.#keys.abort();
    clearTimeout(this.#announceTimer);
  }

  #abandoned(): void {
    if (this.#finished || this.#answered) return;
    this.#finished = true;
    this.#stopExtras();
    this.dispatcher.leave(this.call.id, 'abandoned');
    this.host.emit(this.config, {
      change: 'caller-left',
      callerId: this.call.id,
      callerNumber: this.req.caller.number,
      outcome: 'abandoned',
    });
    this.host.schedulePump(this.tenant.id);
    this.#settle?.(new CallerGone());
  }

  #finish(outcome: QueueOutcome): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#stopExtras();
    if (outcome !== 'answered') {
      // Out of line (a timeout was taken out by the dispatcher already; leave is a no-op then).
      if (outcome !== 'callback') this.dispatcher.leave(this.call.id, 'removed');
      // The flow goes on with the caller: music (or an announcement) stops before its next
      // prompt, whose play request is sent after this one.
      void this.call.stopPlayback();
    }
    this.host.emit(this.config, {
      change: 'caller-left',
      callerId: this.call.id,
      callerNumber: this.req.caller.number,
      outcome,
    });
    this.host.schedulePump(this.tenant.id);
    this.#settle?.(outcome);
  }
}

/** What a member is rung as: a person (all their lines) or one line. */
export function targetOf(agentId: string): RingTarget {
  const sep = agentId.indexOf(':');
  const kind = agentId.slice(0, sep);
  return { kind: kind === 'line' ? 'line' : 'person', id: agentId.slice(sep + 1) };
}

const party = (req: QueueRequest) => ({ number: req.caller.number, name: req.caller.name });
