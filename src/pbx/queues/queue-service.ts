// Call queues on live calls: each tenant's queues as QueueDispatchers loaded from the database
// (reloaded when the API changes them), the callers waiting in them (QueueWaiter), callbacks
// dialled when their turn comes (dialBack), and one pump per tenant that asks the dispatchers
// what to do whenever something changed: a caller joined or left, a ring ended, an agent
// logged in, a call anywhere in the tenant ended, a phone registered, a timer fell due.
// Single-node state behind this class; a shared one (DESIGN: Redis) would replace it.
import type { Logger } from 'pino';
import type { QueueOutcome, QueueRequest } from '../../flows/index.ts';
import type { PromptSource } from '../../media/index.ts';
import type { Db } from '../../store/database.ts';
import type { Call } from '../calls/call.ts';
import type { CallRouter } from '../calls/call-router.ts';
import type { CallDeps } from '../calls/call-types.ts';
import type { CallRecordings, QueueRuntime } from '../calls/flow-effects.ts';
import { isInternalNumber } from '../dial-plan.ts';
import type { Directory, TenantRoute } from '../directory.ts';
import type { PbxEvents, QueueEvent } from '../events.ts';
import type { LocationService } from '../location.ts';
import { mark, markBusy, unmark } from './availability.ts';
import { QueueDispatcher } from './dispatcher.ts';
import { dialBack } from './queue-callback.ts';
import { applyLogins, loadTenantQueues, nextMidnight, type QueueConfig } from './queue-config.ts';
import { QueueWaiter, type WaiterHost } from './queue-waiter.ts';
import { type AgentState, type Offer, type QueueSnapshot, systemClock } from './types.ts';

/** What the queues need of the call engine (built after the service: read lazily). */
export interface QueueCallEngine {
  router: CallRouter;
  /** Live calls of a tenant: lines on a call outside a queue are busy. */
  calls(tenantId: string): Call[];
  callDeps(tenantId: string, country: string): CallDeps;
}

export interface QueueServiceDeps {
  db: Db;
  directory: Directory;
  location: LocationService;
  events: PbxEvents;
  engine(): QueueCallEngine;
  promptSource(tenantId: string, promptId: string): Promise<PromptSource | undefined>;
  /** The recording service, when one runs (a queue's `record` flag). */
  recordings(): CallRecordings | undefined;
  log: Logger;
}

export interface LiveQueue {
  config: QueueConfig;
  dispatcher: QueueDispatcher;
  waiters: Map<string, QueueWaiter>;
  /** Callback requests waiting in line, by entry (the original call's id). */
  callbacks: Map<string, CallbackEntry>;
  /** Agent states last announced as events. */
  states: Map<string, AgentState>;
}

export interface CallbackEntry {
  number: string;
  name: string | null;
  enteredAt: number;
  attempts: number;
}

interface TenantQueues {
  tenantId: string;
  timeZone: string;
  queues: Map<string, LiveQueue>;
  /** Agents whose phones are being rung by a live call or a callback (count of rings). */
  ringing: Map<string, number>;
  /** Lines of people being called back (busy while that call runs). */
  callbackLines: Map<string, number>;
  timer: NodeJS.Timeout | undefined;
  pumpQueued: boolean;
}

/** A live view of one queue for the API: the dispatcher's snapshot with who is who. */
export interface QueueLiveState extends QueueSnapshot {
  queueId: string;
  callers: Record<string, { number: string | null }>;
}

export class QueueService implements QueueRuntime, WaiterHost {
  readonly #tenants = new Map<string, Promise<TenantQueues>>();
  readonly #ready = new Map<string, TenantQueues>();
  readonly #dialling = new Set<{ hangup(by: 'system'): Promise<void> }>();
  #closed = false;
  readonly #unsubscribe: () => void;

  constructor(private readonly deps: QueueServiceDeps) {
    this.#unsubscribe = deps.events.on((e) => {
      // A call ending or a phone registering may free an agent.
      if ((e.type === 'call' && e.state === 'ended') || e.type === 'registration') {
        if (this.#tenants.has(e.tenantId)) this.schedulePump(e.tenantId);
      }
    });
  }

  // ---- the flow's queue node ----

  async wait(call: Call, tenant: TenantRoute, req: QueueRequest): Promise<QueueOutcome> {
    const t = await this.#tenant(tenant.id);
    const q = t.queues.get(req.queueId);
    if (!q) return 'overflow';
    // Nobody logged in: waiting would be pointless, the flow's overflow branch takes the call.
    const anyone = q.config.members.some((m) => q.dispatcher.agentState(m.agentId) !== 'logged-out');
    const entered = anyone ? q.dispatcher.enqueue({ callerId: call.id, tags: req.tags }) : undefined;
    if (!entered) q.dispatcher.refuse();
    if (!entered?.ok) {
      this.emit(q.config, {
        change: 'caller-left',
        callerId: call.id,
        callerNumber: req.caller.number,
        outcome: 'overflow',
      });
      return 'overflow';
    }
    const waiter = new QueueWaiter(this, q.config, q.dispatcher, call, tenant, req);
    q.waiters.set(call.id, waiter);
    try {
      return await waiter.run(entered.position);
    } finally {
      q.waiters.delete(call.id);
    }
  }

  // ---- the API ----

  /** Rereads the tenant's queues and members after a change (settings, members, logins). */
  async reload(tenantId: string): Promise<void> {
    const loading = this.#tenants.get(tenantId);
    if (!loading) return; // loaded fresh on first use
    const t = await loading;
    const { timeZone, queues } = await loadTenantQueues(this.deps.db, tenantId);
    t.timeZone = timeZone;
    const seen = new Set<string>();
    for (const config of queues) {
      seen.add(config.id);
      const q = t.queues.get(config.id);
      if (!q) {
        t.queues.set(config.id, this.#liveQueue(t, config));
        continue;
      }
      q.config = config;
      q.dispatcher.configure(config.settings);
      q.dispatcher.setMembers(config.members);
      applyLogins(q);
    }
    for (const [id, q] of t.queues) {
      if (seen.has(id)) continue;
      t.queues.delete(id);
      for (const w of q.waiters.values()) w.removed();
    }
    this.schedulePump(tenantId);
  }

  async liveState(tenantId: string, queueId: string): Promise<QueueLiveState | undefined> {
    const t = await this.#tenant(tenantId);
    const q = t.queues.get(queueId);
    if (!q) return undefined;
    const snapshot = q.dispatcher.snapshot();
    const callers: QueueLiveState['callers'] = {};
    for (const w of snapshot.waiting) {
      const number = q.waiters.get(w.callerId)?.callerNumber ?? q.callbacks.get(w.callerId)?.number ?? null;
      callers[w.callerId] = { number };
    }
    return { ...snapshot, queueId, callers };
  }

  async agentState(tenantId: string, queueId: string, agentId: string): Promise<AgentState | undefined> {
    return (await this.#tenant(tenantId)).queues.get(queueId)?.dispatcher.agentState(agentId);
  }

  /** Ends the callback calls in progress and the timers. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe();
    for (const loading of this.#tenants.values()) clearTimeout((await loading).timer);
    await Promise.all([...this.#dialling].map((c) => c.hangup('system')));
  }

  // ---- WaiterHost: what waiting callers ask of the service ----

  router(): CallRouter {
    return this.deps.engine().router;
  }

  agentOfLine(lineId: string, offered: readonly string[]): string | undefined {
    if (offered.includes(`line:${lineId}`)) return `line:${lineId}`;
    const personId = this.deps.directory.line(lineId)?.personId;
    return personId && offered.includes(`person:${personId}`) ? `person:${personId}` : undefined;
  }

  async musicSource(config: QueueConfig): Promise<PromptSource> {
    if (config.musicPromptId) {
      const source = await this.deps
        .promptSource(config.tenantId, config.musicPromptId)
        .catch(() => undefined);
      if (source) return source;
    }
    return { kind: 'music' };
  }

  canCallBack(tenant: TenantRoute, number: string): boolean {
    if (isInternalNumber(number)) return !!this.deps.directory.lineByExtension(tenant.id, number);
    return /^\+?\d{3,20}$/.test(number);
  }

  schedulePump(tenantId: string): void {
    // Only a loaded tenant has anything to pump; queued at once, so a caller that just joined
    // is offered before anything it would hear next (the waiter yields one turn for it).
    const t = this.#ready.get(tenantId);
    if (!t || this.#closed || t.pumpQueued) return;
    t.pumpQueued = true;
    setImmediate(() => {
      t.pumpQueued = false;
      try {
        this.#pump(t);
      } catch (e) {
        this.deps.log.error({ err: e, tenant: tenantId }, 'queue dispatch failed');
      }
    });
  }

  ringEnded(config: QueueConfig, offer: Offer): void {
    const t = this.#loaded(config.tenantId);
    const q = t?.queues.get(config.id);
    if (!t) return;
    for (const a of offer.agents) {
      unmark(t.ringing, a.agentId);
      // Cleared before the miss is reported, so the agent keeps its idle place (see roster).
      q?.dispatcher.setBusyElsewhere(a.agentId, false);
      q?.dispatcher.noAnswer(offer.callerId, a.agentId);
    }
    this.schedulePump(config.tenantId);
  }

  agentAnswered(config: QueueConfig, offer: Offer, agentId: string, call: Call): void {
    const t = this.#loaded(config.tenantId);
    if (!t) return;
    for (const a of offer.agents) unmark(t.ringing, a.agentId);
    t.queues.get(config.id)?.dispatcher.answered(offer.callerId, agentId);
    if (config.record) void this.#record(config, call);
    this.schedulePump(config.tenantId);
  }

  conversationEnded(config: QueueConfig, agentId: string): void {
    this.#loaded(config.tenantId)?.queues.get(config.id)?.dispatcher.callEnded(agentId);
    this.schedulePump(config.tenantId);
  }

  callbackRequested(config: QueueConfig, callerId: string, number: string, name: string | null): void {
    const q = this.#loaded(config.tenantId)?.queues.get(config.id);
    // The original entry time: a request put back after a missed dial-back returns to its place.
    const enteredAt = q?.dispatcher.enteredAt(callerId) ?? Date.now();
    q?.callbacks.set(callerId, { number, name, enteredAt, attempts: 0 });
    this.emit(config, { change: 'callback-requested', callerId, callerNumber: number });
  }

  emit(
    config: QueueConfig,
    e: Omit<QueueEvent, 'type' | 'tenantId' | 'queueId' | 'waiting' | 'availableAgents'>,
  ): void {
    const d = this.#loaded(config.tenantId)?.queues.get(config.id)?.dispatcher;
    this.deps.events.emit({
      type: 'queue',
      tenantId: config.tenantId,
      queueId: config.id,
      ...e,
      waiting: d?.waitingCount ?? 0,
      availableAgents: d?.freeAgentCount ?? 0,
    });
  }

  warn(obj: object, msg: string): void {
    this.deps.log.warn(obj, msg);
  }

  // ---- internals ----

  #tenant(tenantId: string): Promise<TenantQueues> {
    let loading = this.#tenants.get(tenantId);
    if (!loading) {
      loading = this.#load(tenantId);
      this.#tenants.set(tenantId, loading);
      loading.catch(() => this.#tenants.delete(tenantId));
    }
    return loading;
  }

  /** The tenant's state if loaded: callbacks from calls in progress never wait on a load. */
  #loaded(tenantId: string): TenantQueues | undefined {
    return this.#ready.get(tenantId);
  }

  async #load(tenantId: string): Promise<TenantQueues> {
    const { timeZone, queues } = await loadTenantQueues(this.deps.db, tenantId);
    const t: TenantQueues = {
      tenantId,
      timeZone,
      queues: new Map(),
      ringing: new Map(),
      callbackLines: new Map(),
      timer: undefined,
      pumpQueued: false,
    };
    for (const config of queues) t.queues.set(config.id, this.#liveQueue(t, config));
    this.#ready.set(tenantId, t);
    return t;
  }

  #liveQueue(t: TenantQueues, config: QueueConfig): LiveQueue {
    const clock = { ...systemClock, nextDayStart: (now: number) => nextMidnight(now, t.timeZone) };
    const q: LiveQueue = {
      config,
      dispatcher: new QueueDispatcher(config.settings, config.members, clock),
      waiters: new Map(),
      callbacks: new Map(),
      states: new Map(),
    };
    applyLogins(q);
    return q;
  }

  /**
   * Asks every queue of the tenant for offers until none is left, the queue whose next caller
   * has waited longest first (an agent in several queues goes to the longest wait), then sets
   * the timer for the next wrap-up, retry or deadline.
   */
  #pump(t: TenantQueues): void {
    clearTimeout(t.timer);
    t.timer = undefined;
    for (const q of t.queues.values()) {
      const due = q.dispatcher.tick();
      for (const out of due.timedOut) {
        q.waiters.get(out.callerId)?.timedOut();
        q.callbacks.delete(out.callerId);
      }
    }
    markBusy({
      queues: t.queues.values(),
      ringing: t.ringing,
      busyLines: t.callbackLines.keys(),
      calls: this.deps.engine().calls(t.tenantId),
      directory: this.deps.directory,
      location: this.deps.location,
    });
    for (;;) {
      const order = [...t.queues.values()]
        .filter((q) => q.dispatcher.nextCallerSince !== undefined && q.dispatcher.freeAgentCount > 0)
        .sort((a, b) => (a.dispatcher.nextCallerSince as number) - (b.dispatcher.nextCallerSince as number));
      let offered = false;
      for (const q of order) {
        const offer = q.dispatcher.dispatch();
        if (!offer) continue;
        this.#handOffer(t, q, offer);
        offered = true;
        break;
      }
      if (!offered) break;
    }
    this.#announceAgents(t);
    let wake = Number.POSITIVE_INFINITY;
    for (const q of t.queues.values()) wake = Math.min(wake, q.dispatcher.nextWakeAt() ?? wake);
    if (Number.isFinite(wake) && !this.#closed) {
      t.timer = setTimeout(() => this.schedulePump(t.tenantId), Math.max(0, wake - Date.now()) + 5);
      t.timer.unref();
    }
  }

  #handOffer(t: TenantQueues, q: LiveQueue, offer: Offer): void {
    for (const a of offer.agents) {
      mark(t.ringing, a.agentId);
      // Taken now: no other queue offers it a call in this same pump.
      for (const other of t.queues.values())
        if (other !== q) other.dispatcher.setBusyElsewhere(a.agentId, true);
    }
    if (offer.callback) {
      const entry = q.callbacks.get(offer.callerId);
      if (!entry) {
        q.dispatcher.leave(offer.callerId, 'removed');
        for (const a of offer.agents) unmark(t.ringing, a.agentId);
        return;
      }
      void this.#dialBack(t, q, offer, entry);
      return;
    }
    const waiter = q.waiters.get(offer.callerId);
    if (!waiter) {
      // No live call behind the entry any more (it ended between two pumps).
      q.dispatcher.leave(offer.callerId, 'removed');
      for (const a of offer.agents) unmark(t.ringing, a.agentId);
      return;
    }
    waiter
      .ring(offer)
      .catch((e: unknown) => this.deps.log.error({ err: e, queue: q.config.id }, 'queue ring failed'));
  }

  async #dialBack(t: TenantQueues, q: LiveQueue, offer: Offer, entry: CallbackEntry): Promise<void> {
    const tenant = this.deps.directory.tenant(t.tenantId);
    const engine = this.deps.engine();
    if (!tenant) return;
    await dialBack(
      {
        router: engine.router,
        callDeps: engine.callDeps(tenant.id, tenant.country),
        directory: this.deps.directory,
        log: this.deps.log,
        track: (c, on) => {
          if (on) this.#dialling.add(c);
          else this.#dialling.delete(c);
        },
        agentOfLine: (lineId) =>
          this.agentOfLine(
            lineId,
            offer.agents.map((a) => a.agentId),
          ),
        lineBusy: (lineId, on) => {
          if (on) mark(t.callbackLines, lineId);
          else unmark(t.callbackLines, lineId);
        },
        ringEnded: () => this.ringEnded(q.config, offer),
        agentAnswered: (agentId) => {
          for (const a of offer.agents) unmark(t.ringing, a.agentId);
          q.dispatcher.answered(offer.callerId, agentId);
          q.callbacks.delete(offer.callerId);
          this.emit(q.config, {
            change: 'callback-dialing',
            callerId: offer.callerId,
            callerNumber: entry.number,
            agentIds: [agentId],
          });
        },
        conversationEnded: (agentId) => this.conversationEnded(q.config, agentId),
        requeue: () => {
          // The caller did not answer: the request goes back to its place, up to three tries.
          if (entry.attempts + 1 >= 3 || !t.queues.has(q.config.id)) return;
          const back = q.dispatcher.enqueue({
            callerId: offer.callerId,
            enteredAt: entry.enteredAt,
            callback: { number: entry.number, requestedAt: Date.now() },
          });
          if (back.ok) q.callbacks.set(offer.callerId, { ...entry, attempts: entry.attempts + 1 });
        },
      },
      tenant,
      q.config,
      offer,
      entry,
    ).catch((e: unknown) => this.deps.log.error({ err: e, queue: q.config.id }, 'queue callback failed'));
    this.schedulePump(t.tenantId);
  }

  #announceAgents(t: TenantQueues): void {
    for (const q of t.queues.values()) {
      for (const m of q.config.members) {
        const state = q.dispatcher.agentState(m.agentId);
        if (!state || q.states.get(m.agentId) === state) continue;
        q.states.set(m.agentId, state);
        this.emit(q.config, {
          change: 'agent-state',
          agentIds: [m.agentId],
          agentState: state,
          pauseReason: state === 'paused' ? (m.pausedReason ?? null) : null,
        });
      }
    }
  }

  async #record(config: QueueConfig, call: Call): Promise<void> {
    try {
      const recordings = this.deps.recordings();
      if (recordings) await recordings.start(call, config.tenantId, 'queue', { queueId: config.id });
      else
        this.deps.log.warn(
          { call: call.id, queue: config.id },
          'no recording service: queue call not recorded',
        );
    } catch (e) {
      this.deps.log.warn({ err: e, call: call.id, queue: config.id }, 'queue recording did not start');
    }
  }
}
