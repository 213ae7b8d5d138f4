// The decisions of one call queue, as pure logic: which waiting caller is offered to which
// agent(s) now, and what agents and callers become as calls are answered, missed and ended.
// No SIP, no media, no timers: the runtime (QueueService) tells it what happened, asks it what
// to do, and calls tick() at nextWakeAt(). Time and chance come from the injected clock.
//
// Order: callers are served first come, first served (entry time; a callback keeps its entry).
// The longest-waiting caller not ringing anyone gets the agent the queue's strategy ranks first
// among the free ones; ring-all gives the first caller every free agent at once. An agent is
// free when logged in, not paused, not ringing, on a call or in wrap-up for this queue, and not
// marked busy by the runtime (on a call elsewhere, held by another queue).
import type { StrategyIndex } from './agent-index.ts';
import { type Agent, AgentRoster, stateOf } from './roster.ts';
import { HandleTimes, ServiceLevel } from './stats.ts';
import {
  type AgentState,
  type CallbackRequest,
  type EnqueueRequest,
  type EnqueueResult,
  type Offer,
  type OfferedAgent,
  QUEUE_LIMITS,
  type QueueClock,
  type QueueMember,
  type QueueSettings,
  type QueueSnapshot,
  systemClock,
  type TimedOut,
} from './types.ts';
import { normalizeTags, validateSettings } from './validate.ts';
import { type WaitingCaller, WaitingLine } from './waiting-line.ts';

export interface TickResult {
  timedOut: TimedOut[];
  /** Agents whose wrap-up ended: they may take calls again. */
  wrappedUp: string[];
}

export class QueueDispatcher {
  #settings: QueueSettings;
  readonly #agents: AgentRoster;
  readonly #line = new WaitingLine();
  readonly #handle: HandleTimes;
  readonly #level: ServiceLevel;

  constructor(
    settings: QueueSettings,
    members: readonly QueueMember[] = [],
    private readonly clock: QueueClock = systemClock,
  ) {
    const s = validateSettings(settings);
    this.#settings = s;
    this.#agents = new AgentRoster(s.strategy, clock);
    this.#handle = new HandleTimes(s.handleTimeSamples);
    this.#level = new ServiceLevel(s.serviceLevelSec * 1000, s.serviceLevelWindowSec * 1000);
    this.#agents.setMembers(members);
  }

  get settings(): Readonly<QueueSettings> {
    return this.#settings;
  }

  get waitingCount(): number {
    return this.#line.size;
  }

  get freeAgentCount(): number {
    return this.#agents.free.size;
  }

  /** Entry time of the longest-waiting caller not ringing anyone: which queue goes first. */
  get nextCallerSince(): number | undefined {
    return this.#line.firstIdle()?.enteredAt;
  }

  // ---- configuration ----

  /** New settings from the API. Callers and agents keep their state; the strategy's order is rebuilt. */
  configure(settings: QueueSettings): void {
    const s = validateSettings(settings);
    const old = this.#settings;
    this.#settings = s;
    this.#handle.resize(s.handleTimeSamples);
    this.#level.configure(s.serviceLevelSec, s.serviceLevelWindowSec);
    this.#agents.setStrategy(s.strategy);
    if (s.maxWaitSec !== old.maxWaitSec) {
      for (const c of this.#line.values()) {
        c.expireAt = this.#deadline(c.enteredAt, c.callback);
        this.#line.deadlineChanged(c);
      }
    }
  }

  /** See AgentRoster.setMembers: known agents keep their state, new ones start logged out. */
  setMembers(members: readonly QueueMember[]): void {
    this.#agents.setMembers(members);
  }

  // ---- agents (each returns false for an agent who is not a member) ----

  login(agentId: string): boolean {
    return this.#agents.login(agentId);
  }

  /** A call being rung or talked keeps going; no new call is offered. */
  logout(agentId: string): boolean {
    return this.#agents.logout(agentId);
  }

  /** Takes effect for the next offer; a call in progress keeps going. */
  pause(agentId: string, reason: string): boolean {
    return this.#agents.pause(agentId, reason);
  }

  unpause(agentId: string): boolean {
    return this.#agents.unpause(agentId);
  }

  /** The runtime's word that the agent is taken outside this queue (another call or queue). */
  setBusyElsewhere(agentId: string, busy: boolean): boolean {
    return this.#agents.setBusyElsewhere(agentId, busy);
  }

  /** The agent finishes after-call work early. */
  endWrapUp(agentId: string): boolean {
    const a = this.#agents.get(agentId);
    if (a?.activity !== 'wrap-up') return false;
    this.#agents.toIdle(a, this.clock.now());
    return true;
  }

  /** Whether this queue holds the agent (ringing, on a call or in wrap-up), for other queues. */
  occupies(agentId: string): boolean {
    const a = this.#agents.get(agentId);
    return a !== undefined && a.activity !== 'idle';
  }

  agentState(agentId: string): AgentState | undefined {
    const a = this.#agents.get(agentId);
    return a && stateOf(a);
  }

  // ---- callers ----

  /** Puts a caller in line, or refuses it when the queue is full (the 'overflow' outcome). */
  enqueue(req: EnqueueRequest): EnqueueResult {
    const now = this.clock.now();
    if (this.#line.get(req.callerId)) return { ok: false, reason: 'duplicate' };
    const max = Math.min(this.#settings.maxSize ?? Number.POSITIVE_INFINITY, QUEUE_LIMITS.waitingCallers);
    if (this.#line.size >= max) {
      this.#level.record('overflowed', 0, now);
      return { ok: false, reason: 'full' };
    }
    const enteredAt = req.enteredAt ?? now;
    const c = this.#line.add(
      req.callerId,
      enteredAt,
      normalizeTags(req.tags ?? []),
      req.callback,
      this.#deadline(enteredAt, req.callback),
    );
    return { ok: true, position: this.#line.position(c) };
  }

  /** A caller the runtime turned away before it entered (nobody logged in): an overflow all the same. */
  refuse(): void {
    this.#level.record('overflowed', 0, this.clock.now());
  }

  /**
   * The caller pressed the callback key: the entry stays where it is, off the line and without
   * a deadline. Agents ringing for it are released (returned) so the runtime stops them.
   */
  requestCallback(callerId: string, number: string): string[] | undefined {
    const c = this.#line.get(callerId);
    if (!c || c.callback) return undefined;
    const now = this.clock.now();
    c.callback = { number, requestedAt: now };
    c.expireAt = Number.POSITIVE_INFINITY;
    this.#line.deadlineChanged(c);
    this.#level.record('callback', now - c.enteredAt, now);
    return this.#releaseRinging(c);
  }

  /**
   * The caller left the line: hung up ('abandoned', counted in the service level) or taken
   * away by the runtime ('removed': a cancelled callback, moved elsewhere). Returns the agents
   * released from ringing for it, or undefined for an unknown caller.
   */
  leave(callerId: string, why: 'abandoned' | 'removed'): string[] | undefined {
    const c = this.#line.get(callerId);
    if (!c) return undefined;
    const now = this.clock.now();
    if (why === 'abandoned' && !c.callback) this.#level.record('abandoned', now - c.enteredAt, now);
    const released = this.#releaseRinging(c);
    this.#line.remove(c);
    return released;
  }

  /** When the caller entered the line (a callback request keeps it), if it is waiting. */
  enteredAt(callerId: string): number | undefined {
    return this.#line.get(callerId)?.enteredAt;
  }

  /** When a waiting live caller times out; undefined without a maximum wait (or not waiting). */
  deadlineOf(callerId: string): number | undefined {
    const at = this.#line.get(callerId)?.expireAt;
    return at !== undefined && Number.isFinite(at) ? at : undefined;
  }

  position(callerId: string): number | undefined {
    const c = this.#line.get(callerId);
    return c && this.#line.position(c);
  }

  /**
   * Estimated wait, in seconds, of the caller at `position` (1-based):
   *   EWT = position × AHT / staffed
   * AHT is the mean handle time (talk + wrap-up) of the last N answered calls; staffed is the
   * agents logged in and not paused (free, ringing, talking, in wrap-up or busy elsewhere):
   * callers ahead leave at about `staffed` per AHT. Undefined with no history or nobody staffed.
   */
  estimatedWaitSec(position: number): number | undefined {
    const aht = this.#handle.average();
    const staffed = this.#agents.staffed;
    if (aht === undefined || staffed === 0) return undefined;
    return Math.round((position * aht) / staffed);
  }

  // ---- decisions ----

  /**
   * The next offer to make now, or undefined when no caller can be offered to anyone. The
   * chosen agents are marked ringing; call again until undefined to fill every free agent.
   */
  dispatch(): Offer | undefined {
    if (this.#agents.free.size === 0) return undefined;
    this.#agents.rollDay(this.clock.now());
    if (this.#settings.strategy === 'ring-all') return this.#ringAll();
    const caller = this.#line.firstIdle();
    if (!caller) return undefined;
    const index = this.#agents.index as StrategyIndex;
    const tried = caller.tried;
    let idx =
      tried.size === 0
        ? index.pick(caller.tags, never)
        : index.pick(caller.tags, (i) => tried.has(this.#agents.at(i).id));
    if (idx === undefined) {
      // Everyone free has missed this caller already: start over with them.
      tried.clear();
      idx = index.pick(caller.tags, never);
    }
    if (idx === undefined) return undefined;
    const agent = this.#agents.at(idx);
    this.#ring(caller, agent);
    return { callerId: caller.id, callback: caller.callback, agents: [this.#offered(agent)] };
  }

  /**
   * An agent did not take the caller (ring timeout, declined, unreachable). The agent is free
   * again after the queue's retry pause, with its idle place kept (so a phone that rejects at
   * once is not rung in a tight loop); the caller can be offered again. False if it was not
   * ringing for that caller.
   */
  noAnswer(callerId: string, agentId: string): boolean {
    const c = this.#line.get(callerId);
    if (c?.ringing.delete(agentId)) {
      c.tried.add(agentId);
      this.#line.ringingChanged(c);
    }
    const a = this.#agents.get(agentId);
    if (a?.activity !== 'ringing' || a.callerId !== callerId) return false;
    const retry = this.#settings.retrySec;
    this.#agents.unring(a, retry > 0 ? this.clock.now() + retry * 1000 : 0);
    return true;
  }

  /**
   * The agent answered: the caller leaves the line, the agent is on the call. Returns the other
   * agents that were ringing for the caller (ring-all), now released, or undefined when the
   * caller was no longer waiting (hung up, timed out meanwhile); the agent is on a call either way.
   */
  answered(callerId: string, agentId: string): string[] | undefined {
    const now = this.clock.now();
    const c = this.#line.get(callerId);
    let released: string[] | undefined;
    if (c) {
      c.ringing.delete(agentId);
      released = this.#releaseRinging(c);
      this.#line.remove(c);
      if (!c.callback) this.#level.record('answered', now - c.enteredAt, now);
    }
    // The agent is talking whatever became of the caller (it may have timed out as the agent
    // answered): it is on this call until callEnded.
    const a = this.#agents.get(agentId);
    if (a) this.#agents.onCall(a, callerId, now);
    return released;
  }

  /** The agent's call from this queue ended: wrap-up, then free. */
  callEnded(agentId: string): boolean {
    const a = this.#agents.get(agentId);
    if (a?.activity !== 'on-call') return false;
    const now = this.clock.now();
    const wrapUp = this.#settings.wrapUpSec;
    this.#handle.add((now - a.answeredAt) / 1000 + wrapUp);
    if (wrapUp > 0) this.#agents.wrapUp(a, now + wrapUp * 1000);
    else this.#agents.toIdle(a, now);
    return true;
  }

  /** Ends the wrap-ups, retry pauses and waits that are due. Call at nextWakeAt(). */
  tick(): TickResult {
    const now = this.clock.now();
    const wrappedUp: string[] = [];
    const due = this.#agents.timersDue(now);
    for (const a of due.wrapUps) {
      this.#agents.toIdle(a, a.wrapUpUntil);
      wrappedUp.push(a.id);
    }
    for (const a of due.retries) this.#agents.retryOver(a);
    const timedOut: TimedOut[] = [];
    for (let c = this.#line.firstDeadline(); c && c.expireAt <= now; c = this.#line.firstDeadline()) {
      this.#level.record('timed-out', now - c.enteredAt, now);
      const released = this.#releaseRinging(c);
      this.#line.remove(c);
      timedOut.push({ callerId: c.id, released });
    }
    return { timedOut, wrappedUp };
  }

  /** When tick() has something to do next, or undefined while nothing is due. */
  nextWakeAt(): number | undefined {
    const deadline = this.#line.firstDeadline()?.expireAt ?? Number.POSITIVE_INFINITY;
    const at = Math.min(deadline, this.#agents.timersDue(Number.NEGATIVE_INFINITY).next);
    return Number.isFinite(at) ? at : undefined;
  }

  // ---- live state ----

  snapshot(): QueueSnapshot {
    const now = this.clock.now();
    this.#agents.rollDay(now);
    const waiting = this.#line.values().map((c, i) => ({
      callerId: c.id,
      position: i + 1,
      enteredAt: c.enteredAt,
      waitedSec: Math.max(0, Math.floor((now - c.enteredAt) / 1000)),
      tags: c.tags,
      callback: c.callback,
      ringing: [...c.ringing],
    }));
    const c = this.#level.counts(now);
    const denominator = c.answered + c.abandoned + c.timedOut;
    const aht = this.#handle.average();
    return {
      strategy: this.#settings.strategy,
      at: now,
      waiting,
      agents: this.#agents.views(),
      serviceLevel: {
        thresholdSec: this.#settings.serviceLevelSec,
        windowSec: this.#settings.serviceLevelWindowSec,
        percent: denominator === 0 ? null : (100 * c.answeredWithin) / denominator,
        answered: c.answered,
        answeredWithinThreshold: c.answeredWithin,
        abandoned: c.abandoned,
        abandonedShort: c.abandonedShort,
        timedOut: c.timedOut,
        overflowed: c.overflowed,
        callbacksRequested: c.callbacks,
      },
      longestWaitSec: waiting[0]?.waitedSec ?? 0,
      averageHandleSec: aht === undefined ? null : Math.round(aht),
      estimatedWaitSec: this.estimatedWaitSec(this.#line.size + 1) ?? null,
      staffedAgents: this.#agents.staffed,
      availableAgents: this.#agents.free.size,
    };
  }

  // ---- internals ----

  #ringAll(): Offer | undefined {
    // A round rings every free agent at once for the first caller not ringing anyone; an agent
    // freed meanwhile goes to the next such caller. A round that ends unanswered starts again
    // with whoever is free then.
    const caller = this.#line.firstIdle();
    if (!caller) return undefined;
    const picked = this.#agents.free.items.map((i) => this.#agents.at(i));
    for (const a of picked) this.#ring(caller, a);
    return { callerId: caller.id, callback: caller.callback, agents: picked.map((a) => this.#offered(a)) };
  }

  #ring(caller: WaitingCaller, agent: Agent): void {
    this.#agents.ring(agent, caller.id);
    caller.ringing.add(agent.id);
    this.#line.ringingChanged(caller);
  }

  #offered(a: Agent): OfferedAgent {
    return {
      agentId: a.id,
      lines: a.lines,
      ringTimeoutSec: a.ringTimeoutSec ?? this.#settings.ringTimeoutSec,
    };
  }

  #releaseRinging(c: WaitingCaller): string[] {
    const released: string[] = [];
    for (const id of c.ringing) {
      const a = this.#agents.get(id);
      if (a?.activity === 'ringing' && a.callerId === c.id) this.#agents.unring(a);
      released.push(id);
    }
    c.ringing.clear();
    this.#line.ringingChanged(c);
    return released;
  }

  #deadline(enteredAt: number, callback: CallbackRequest | undefined): number {
    const max = this.#settings.maxWaitSec;
    return callback || max === null ? Number.POSITIVE_INFINITY : enteredAt + max * 1000;
  }
}

const never = (): boolean => false;
