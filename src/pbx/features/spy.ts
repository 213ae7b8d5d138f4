// Supervisor spy (spec 002 "Spy function"): a supervisor dials listen (4#), whisper (5#) or
// barge (6#) and an extension, and joins that agent's call. The two sides of the call leave
// their bridge for a conference on the same media worker; the supervisor joins it as a
// listener (heard by nobody), a whisperer (heard by the agent only) or a barger (heard by
// both). Keys 4, 5 and 6 switch between the three during the spy. When the last supervisor
// leaves, the two sides are bridged again; when the call ends, the supervisor is hung up.
import type { Logger } from 'pino';
import type { ConferenceRole, MediaEngine } from '../../media/index.ts';
import type { Db } from '../../store/database.ts';
import type { Call } from '../calls/call.ts';
import type { ServiceStep } from '../calls/call-types.ts';
import type { Refusal } from '../calls/toll-fraud.ts';
import { isInternalNumber } from '../dial-plan.ts';
import type { Directory, LineRoute, TenantRoute } from '../directory.ts';
import { personRole, supervises } from './team-access.ts';

/** The supervisor's role in the spied call's conference. */
export type SpyMode = Extract<ConferenceRole, 'listen' | 'whisper' | 'barge'>;

/** Keys the supervisor presses during the spy to change mode (the first key of each code). */
const MODE_KEYS: Readonly<Record<string, SpyMode>> = { '4': 'listen', '5': 'whisper', '6': 'barge' };
const KEY_WAIT_MS = 60_000;

export interface SpyDeps {
  db: Db;
  directory: Directory;
  media: MediaEngine;
  /** Live calls of a tenant. */
  calls(tenantId: string): Call[];
  log: Logger;
}

/** A spied call: its conference, the sides moved into it, and the supervisors' endpoints. */
interface Session {
  conference: Promise<string>;
  sides: { caller: string | undefined; callee: string | undefined };
  spies: Set<string>;
}

/** A call the call engine turned into a conference of its own (`*3`): not spied on for now. */
const isConference = (c: Call) => (c as { isConference?: boolean }).isConference === true;

export class SpyService {
  readonly #sessions = new Map<Call, Session>();
  /** Supervisors' own calls: never a spy target themselves. */
  readonly #spyCalls = new WeakSet<Call>();

  constructor(private readonly deps: SpyDeps) {}

  /**
   * The supervisor's call, or why not. Administrators may spy on anyone of the company;
   * supervisors on members of the teams they supervise. Anyone else gets 403 whether or not
   * the extension exists or is in a call, so the refusal tells nothing about it.
   */
  async request(
    tenant: TenantRoute,
    supervisor: LineRoute,
    extension: string,
    mode: SpyMode,
  ): Promise<ServiceStep | Refusal> {
    const { db, directory } = this.deps;
    if (!isInternalNumber(extension)) return { status: 484, reason: 'Spy needs an extension after the code' };
    const role = await personRole(db, tenant.id, supervisor.personId);
    const agent = directory.lineByExtension(tenant.id, extension);
    const allowed =
      role === 'administrator' ||
      (agent !== undefined && (await supervises(db, tenant.id, supervisor.personId, agent.personId)));
    if (!allowed) return { status: 403, reason: 'Not allowed to listen to this extension' };
    if (!agent) return { status: 404, reason: 'No such extension' };
    if (agent.personId === supervisor.personId) return { status: 403, reason: 'Cannot listen to yourself' };
    const target = this.callOf(tenant.id, agent.id);
    if (!target) return { status: 404, reason: 'Not in a call' };
    // Its parties are in the call's own mixer: moving them into ours would cut the others off.
    if (isConference(target.call)) return { status: 480, reason: 'Spy on a conference is not supported' };
    return {
      service: `spy-${mode}`,
      // The supervisor's endpoint must be on the worker that mixes the spied call.
      mediaGroup: target.call.mediaGroup,
      run: (call) => this.run(call, target.call, target.agentSide, mode),
    };
  }

  /** Supervisors listening now, per spied call id (diagnostics and tests). */
  get active(): Map<string, number> {
    return new Map([...this.#sessions].map(([c, s]) => [c.id, s.spies.size]));
  }

  /** The line's answered call with someone on the other side, newest first; and which side is the agent. */
  private callOf(tenantId: string, lineId: string): { call: Call; agentSide: string } | undefined {
    let best: { call: Call; agentSide: string } | undefined;
    for (const c of this.deps.calls(tenantId)) {
      if (c.state !== 'answered' || !c.b || this.#spyCalls.has(c)) continue;
      const { caller, callee } = c.sides;
      if (!caller || !callee) continue;
      const agentSide = c.calleeLineId === lineId ? callee : c.caller.lineId === lineId ? caller : undefined;
      if (!agentSide) continue;
      if (!best || (c.answeredAt?.getTime() ?? 0) > (best.call.answeredAt?.getTime() ?? 0))
        best = { call: c, agentSide };
    }
    return best;
  }

  private async run(call: Call, target: Call, agentSide: string, first: SpyMode): Promise<void> {
    this.#spyCalls.add(call);
    await call.connectCaller();
    const mine = call.sides.caller;
    if (!mine || target.state === 'ended') return;
    const { media } = this.deps;
    const session = this.sessionOf(target);
    session.spies.add(mine);
    try {
      const conference = await session.conference;
      let mode = first;
      await media.joinConference(conference, mine, mode, mode === 'whisper' ? agentSide : undefined);
      const gone = new AbortController();
      void target.ended().then(() => gone.abort());
      while (!gone.signal.aborted) {
        // Throws CallerGone when the supervisor hangs up.
        const key = await call.readDigit(KEY_WAIT_MS, gone.signal);
        const next = key === undefined ? undefined : MODE_KEYS[key];
        if (!next || next === mode || target.state === 'ended') continue;
        mode = next;
        await media.joinConference(conference, mine, mode, mode === 'whisper' ? agentSide : undefined);
        this.deps.log.info({ call: call.id, spied: target.id, mode }, 'spy mode changed');
      }
    } finally {
      await this.leave(target, session, mine);
    }
  }

  /** The spied call's conference, made on first use: both sides leave their bridge for it. */
  private sessionOf(target: Call): Session {
    const existing = this.#sessions.get(target);
    if (existing) return existing;
    const { media } = this.deps;
    const sides = target.sides;
    const conference = (async () => {
      const id = await media.createConference(target.mediaGroup);
      if (sides.caller) await media.joinConference(id, sides.caller, 'participant');
      if (sides.callee) await media.joinConference(id, sides.callee, 'participant');
      return id;
    })();
    const session: Session = { conference, sides, spies: new Set() };
    this.#sessions.set(target, session);
    return session;
  }

  /** A supervisor leaves; the last one out gives the call its bridge back. */
  private async leave(target: Call, session: Session, endpoint: string): Promise<void> {
    const { media, log } = this.deps;
    session.spies.delete(endpoint);
    let conference: string;
    try {
      conference = await session.conference;
    } catch (e) {
      log.error({ err: e, call: target.id }, 'spy conference could not be set up');
      this.#sessions.delete(target);
      return this.rebridge(target, session);
    }
    // The endpoint may be gone already (the supervisor's call released it): nothing to leave.
    await media.leaveConference(conference, endpoint).catch(() => {});
    if (session.spies.size > 0) return;
    this.#sessions.delete(target);
    await media.destroyConference(conference).catch(() => {});
    await this.rebridge(target, session);
  }

  /**
   * The spied call's sides bridged again, as they were. Not when the call changed meanwhile
   * (a transfer moved a party, `*3` made it a conference): whoever changed it set its media.
   */
  private async rebridge(target: Call, session: Session): Promise<void> {
    const { caller, callee } = target.sides;
    if (target.state === 'ended' || !caller || !callee || isConference(target)) return;
    if (caller !== session.sides.caller || callee !== session.sides.callee) return;
    await this.deps.media
      .bridge(caller, callee)
      .catch((e) =>
        this.deps.log.error({ err: e, call: target.id }, 'spied call could not be bridged again'),
      );
  }
}
