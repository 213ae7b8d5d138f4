// The agents of one queue and what each is doing, with the free ones kept in the strategy's
// index as they come and go. The dispatcher moves agents through ring → call → wrap-up; the
// runtime logs them in and out, pauses them and says when they are busy outside the queue.
import {
  type AgentKeys,
  FreeSet,
  RoundRobinIndex,
  type StrategyIndex,
  strategyIndex,
} from './agent-index.ts';
import {
  type AgentState,
  type AgentView,
  QUEUE_LIMITS,
  type QueueClock,
  type QueueMember,
  type QueueStrategy,
} from './types.ts';
import { normalizeTag, validateMembers } from './validate.ts';

export type Activity = 'idle' | 'ringing' | 'on-call' | 'wrap-up';

export interface Agent extends AgentKeys {
  idx: number;
  readonly lines: readonly string[];
  readonly ringTimeoutSec: number | undefined;
  loggedIn: boolean;
  pauseReason: string | null;
  activity: Activity;
  busyElsewhere: boolean;
  wrapUpUntil: number;
  /** After a missed ring the agent is not offered again before this time (0: no pause). */
  retryUntil: number;
  answeredAt: number;
  /** The caller this agent rings for or talks to. */
  callerId: string | null;
}

export class AgentRoster {
  #agents: Agent[] = [];
  readonly #byId = new Map<string, Agent>();
  readonly free = new FreeSet();
  #index: StrategyIndex | undefined;
  #strategy: QueueStrategy;
  #staffed = 0;
  #countsResetAt: number;

  constructor(
    strategy: QueueStrategy,
    private readonly clock: QueueClock,
  ) {
    this.#strategy = strategy;
    this.#countsResetAt = clock.nextDayStart(clock.now());
  }

  /** Logged in and not paused: free, ringing, talking, in wrap-up or busy elsewhere. */
  get staffed(): number {
    return this.#staffed;
  }

  get(id: string): Agent | undefined {
    return this.#byId.get(id);
  }

  at(idx: number): Agent {
    return this.#agents[idx] as Agent;
  }

  /** The strategy's index of the free agents; undefined for ring-all (the free set is it). */
  get index(): StrategyIndex | undefined {
    return this.#index;
  }

  setStrategy(strategy: QueueStrategy): void {
    if (strategy === this.#strategy) return;
    this.#strategy = strategy;
    this.#reindex();
  }

  /**
   * The members, in list order (round robin's circle). An agent already known keeps its
   * state; a new one starts logged out; one removed while ringing or talking finishes that call.
   */
  setMembers(members: readonly QueueMember[]): void {
    validateMembers(members);
    const lastOffered =
      this.#index instanceof RoundRobinIndex ? this.#agents[this.#index.last]?.id : undefined;
    const now = this.clock.now();
    const next = members.map((m, idx): Agent => {
      const old = this.#byId.get(m.agentId);
      return {
        id: m.agentId,
        idx,
        lines: [...(m.lines ?? [])],
        ringTimeoutSec: m.ringTimeoutSec ?? undefined,
        skills: new Map(Object.entries(m.skills ?? {}).map(([t, l]) => [normalizeTag(t), l])),
        loggedIn: old?.loggedIn ?? false,
        pauseReason: old?.pauseReason ?? null,
        activity: old?.activity ?? 'idle',
        busyElsewhere: old?.busyElsewhere ?? false,
        idleSince: old?.idleSince ?? now,
        answered: old?.answered ?? 0,
        wrapUpUntil: old?.wrapUpUntil ?? 0,
        retryUntil: old?.retryUntil ?? 0,
        answeredAt: old?.answeredAt ?? 0,
        callerId: old?.callerId ?? null,
      };
    });
    this.#agents = next;
    this.#byId.clear();
    for (const a of next) this.#byId.set(a.id, a);
    this.#reindex();
    if (this.#index instanceof RoundRobinIndex && lastOffered !== undefined) {
      this.#index.last = this.#byId.get(lastOffered)?.idx ?? -1;
    }
  }

  login(agentId: string): boolean {
    return this.#change(agentId, (a) => {
      a.loggedIn = true;
    });
  }

  /** A call being rung or talked keeps going; no new call is offered. */
  logout(agentId: string): boolean {
    return this.#change(agentId, (a) => {
      a.loggedIn = false;
      a.pauseReason = null;
    });
  }

  pause(agentId: string, reason: string): boolean {
    const r = reason.trim().slice(0, QUEUE_LIMITS.pauseReasonLength) || 'paused';
    return this.#change(agentId, (a) => {
      a.pauseReason = r;
    });
  }

  unpause(agentId: string): boolean {
    return this.#change(agentId, (a) => {
      a.pauseReason = null;
    });
  }

  setBusyElsewhere(agentId: string, busy: boolean): boolean {
    return this.#change(agentId, (a) => {
      a.busyElsewhere = busy;
    });
  }

  ring(a: Agent, callerId: string): void {
    a.activity = 'ringing';
    a.callerId = callerId;
    this.#refresh(a, 0);
  }

  /** Back from ringing without a call: free again (after `retryUntil`) with its idle place kept. */
  unring(a: Agent, retryUntil = 0): void {
    a.activity = 'idle';
    a.callerId = null;
    a.retryUntil = retryUntil;
    this.#refresh(a, 0, true);
  }

  retryOver(a: Agent): void {
    a.retryUntil = 0;
    this.#refresh(a, 0, true);
  }

  onCall(a: Agent, callerId: string, now: number): void {
    this.rollDay(now);
    a.activity = 'on-call';
    a.callerId = callerId;
    a.answeredAt = now;
    a.answered++;
    this.#refresh(a, now);
  }

  wrapUp(a: Agent, until: number): void {
    a.activity = 'wrap-up';
    a.callerId = null;
    a.wrapUpUntil = until;
    this.#refresh(a, 0);
  }

  /** Free from `at` (the end of a call without wrap-up, or of the wrap-up). */
  toIdle(a: Agent, at: number): void {
    a.activity = 'idle';
    a.callerId = null;
    this.#refresh(a, at);
  }

  /** Agents whose wrap-up or retry pause has ended by `now`, and when the next one ends. */
  timersDue(now: number): { wrapUps: Agent[]; retries: Agent[]; next: number } {
    const wrapUps: Agent[] = [];
    const retries: Agent[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const a of this.#agents) {
      if (a.activity === 'wrap-up') {
        if (a.wrapUpUntil <= now) wrapUps.push(a);
        else next = Math.min(next, a.wrapUpUntil);
      }
      if (a.retryUntil > 0) {
        if (a.retryUntil <= now) retries.push(a);
        else next = Math.min(next, a.retryUntil);
      }
    }
    return { wrapUps, retries, next };
  }

  /** Fewest-calls counts are per day: when the day ends they restart from zero. */
  rollDay(now: number): void {
    if (now < this.#countsResetAt) return;
    this.#countsResetAt = this.clock.nextDayStart(now);
    for (const a of this.#agents) a.answered = 0;
    if (this.#strategy === 'fewest-calls') this.#index?.rebuild();
  }

  views(): AgentView[] {
    return this.#agents.map((a) => ({
      agentId: a.id,
      state: stateOf(a),
      pauseReason: a.pauseReason,
      callsAnswered: a.answered,
      idleSince: this.free.has(a.idx) ? a.idleSince : null,
      callerId: a.callerId,
      wrapUpUntil: a.activity === 'wrap-up' ? a.wrapUpUntil : null,
    }));
  }

  #change(agentId: string, f: (a: Agent) => void): boolean {
    const a = this.#byId.get(agentId);
    if (!a) return false;
    const before = isStaffed(a);
    f(a);
    this.#staffed += Number(isStaffed(a)) - Number(before);
    this.#refresh(a, this.clock.now());
    return true;
  }

  /**
   * Puts the agent in or out of the free set and the strategy's index after any change. An
   * agent becoming free is idle from `at`, unless `keepIdle` (a missed ring keeps its place).
   */
  #refresh(a: Agent, at: number, keepIdle = false): void {
    const free = isFree(a);
    if (free === this.free.has(a.idx)) return;
    if (free) {
      if (!keepIdle) a.idleSince = at;
      this.free.add(a.idx);
      this.#index?.add(a.idx);
    } else {
      this.free.remove(a.idx);
      this.#index?.remove(a.idx);
    }
  }

  #reindex(): void {
    this.free.clear();
    this.#staffed = 0;
    for (const a of this.#agents) {
      if (isStaffed(a)) this.#staffed++;
      if (isFree(a)) this.free.add(a.idx);
    }
    this.#index = strategyIndex(this.#strategy, this.free, this.#agents, this.clock.random);
    this.#index?.rebuild();
  }
}

const isStaffed = (a: Agent): boolean => a.loggedIn && a.pauseReason === null;
const isFree = (a: Agent): boolean =>
  isStaffed(a) && a.activity === 'idle' && !a.busyElsewhere && a.retryUntil === 0;

export function stateOf(a: Agent): AgentState {
  if (a.activity !== 'idle') return a.activity;
  if (!a.loggedIn) return 'logged-out';
  if (a.pauseReason !== null) return 'paused';
  return a.busyElsewhere ? 'busy' : 'available';
}
