// A queue's live state (waiting callers, agents and their states, service level), and the
// agents' log-in, log-out and pause with a reason: agents for themselves, supervisors for the
// people of the teams they supervise, administrators (and API keys with queues:write) for
// anyone. The state is kept on the queue members, so it survives a restart.
import { and, asc, eq, inArray, or } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { supervises } from '../../pbx/features/team-access.ts';
import { agentIdOf } from '../../pbx/queues/queue-config.ts';
import { lines, people, queueMembers, queues } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { scopesAllow } from '../auth/permissions.ts';
import { ApiError, errorBodySchema, notFound } from '../errors.ts';
import { idParam } from '../schemas.ts';

const AGENT_STATES = ['logged-out', 'available', 'ringing', 'on-call', 'wrap-up', 'paused', 'busy'] as const;

const liveSchema = z.object({
  queueId: z.string(),
  strategy: z.string(),
  at: z.string(),
  waiting: z.array(
    z.object({
      callerId: z.string().describe('The call id (a callback request keeps the id of the call it came from)'),
      number: z.string().nullable(),
      position: z.number(),
      enteredAt: z.string(),
      waitedSeconds: z.number(),
      tags: z.array(z.string()),
      callback: z.object({ number: z.string(), requestedAt: z.string() }).nullable(),
      ringing: z.array(z.string()).describe('Member ids of the agents ringing for this caller'),
    }),
  ),
  agents: z.array(
    z.object({
      memberId: z.string(),
      personId: z.string().nullable(),
      lineId: z.string().nullable(),
      state: z.enum(AGENT_STATES).describe('busy: on a call outside this queue, or no phone reachable'),
      pauseReason: z.string().nullable(),
      callsAnswered: z.number().describe("Calls of this queue answered today (the company's time zone)"),
      idleSince: z.string().nullable(),
      wrapUpUntil: z.string().nullable(),
    }),
  ),
  serviceLevel: z.object({
    thresholdSeconds: z.number(),
    windowSeconds: z.number(),
    percent: z
      .number()
      .nullable()
      .describe(
        'Answered within the threshold / (answered + abandoned after it + timed out); null with no call yet',
      ),
    answered: z.number(),
    answeredWithinThreshold: z.number(),
    abandoned: z.number(),
    abandonedShort: z.number(),
    timedOut: z.number(),
    overflowed: z.number(),
    callbacksRequested: z.number(),
  }),
  longestWaitSeconds: z.number(),
  averageHandleSeconds: z.number().nullable(),
  estimatedWaitSeconds: z.number().nullable(),
  staffedAgents: z.number(),
  availableAgents: z.number(),
});

const membershipSchema = z.object({
  queueId: z.string(),
  queueName: z.string(),
  memberId: z.string(),
  lineId: z.string().nullable(),
  loggedIn: z.boolean(),
  pausedReason: z.string().nullable(),
  state: z
    .enum(AGENT_STATES)
    .nullable()
    .describe('The live state; null when the phone system is not running'),
});
const agentSchema = z.object({ personId: z.string(), memberships: z.array(membershipSchema) });

const personParam = z.object({
  personId: z.union([z.literal('me'), z.uuid('must be a person id or "me"')]),
});
const scope = z.object({ queueId: z.uuid('must be a queue id').optional() }).strict();
const pauseBody = scope.extend({ reason: z.string().trim().min(1, 'must not be empty').max(100) }).strict();

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

export const queueAgentRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.services;
  const read = { access: { resource: 'queues' as const, access: 'read' as const } };

  const pbxQueues = () => {
    const q = app.services.pbx?.queues;
    if (!q) throw new ApiError(503, 'pbx_unavailable', 'the phone system is not running on this server');
    return q;
  };

  app.get(
    '/queues/:id/live',
    {
      config: read,
      schema: {
        tags: ['queues'],
        summary: 'Live state: waiting callers, agents and their states, service level',
        params: idParam,
        response: { 200: liveSchema, 404: errorBodySchema, 503: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const state = await pbxQueues().liveState(tenantId, req.params.id);
      if (!state) throw notFound('queue');
      const members = await store.db
        .select()
        .from(queueMembers)
        .where(and(eq(queueMembers.tenantId, tenantId), eq(queueMembers.queueId, req.params.id)));
      const byAgent = new Map(members.map((m) => [agentIdOf(m), m]));
      const memberIdOf = (agentId: string) => byAgent.get(agentId)?.id ?? agentId;
      const sl = state.serviceLevel;
      return {
        queueId: state.queueId,
        strategy: state.strategy,
        at: iso(state.at) as string,
        waiting: state.waiting.map((w) => ({
          callerId: w.callerId,
          number: state.callers[w.callerId]?.number ?? null,
          position: w.position,
          enteredAt: iso(w.enteredAt) as string,
          waitedSeconds: w.waitedSec,
          tags: [...w.tags],
          callback: w.callback
            ? { number: w.callback.number, requestedAt: iso(w.callback.requestedAt) as string }
            : null,
          ringing: w.ringing.map(memberIdOf),
        })),
        agents: state.agents
          .filter((a) => byAgent.has(a.agentId))
          .map((a) => {
            const m = byAgent.get(a.agentId) as (typeof members)[number];
            return {
              memberId: m.id,
              personId: m.personId,
              lineId: m.lineId,
              state: a.state,
              pauseReason: a.pauseReason,
              callsAnswered: a.callsAnswered,
              idleSince: iso(a.idleSince),
              wrapUpUntil: iso(a.wrapUpUntil),
            };
          }),
        serviceLevel: {
          thresholdSeconds: sl.thresholdSec,
          windowSeconds: sl.windowSec,
          percent: sl.percent === null ? null : Math.round(sl.percent * 10) / 10,
          answered: sl.answered,
          answeredWithinThreshold: sl.answeredWithinThreshold,
          abandoned: sl.abandoned,
          abandonedShort: sl.abandonedShort,
          timedOut: sl.timedOut,
          overflowed: sl.overflowed,
          callbacksRequested: sl.callbacksRequested,
        },
        longestWaitSeconds: state.longestWaitSec,
        averageHandleSeconds: state.averageHandleSec,
        estimatedWaitSeconds: state.estimatedWaitSec,
        staffedAgents: state.staffedAgents,
        availableAgents: state.availableAgents,
      };
    },
  );

  /**
   * The person an agent route acts for, checked: oneself always; people of one's teams for a
   * supervisor; anyone for an administrator or an API key (queues:write to change, read to look).
   */
  async function actFor(req: FastifyRequest, personParamValue: string, change: boolean): Promise<string> {
    const tenantId = tenantIdOf(req);
    const p = req.principal;
    const personId = personParamValue === 'me' ? (p?.kind === 'user' ? p.personId : null) : personParamValue;
    if (!personId)
      throw new ApiError(400, 'no_person', '"me" needs a signed-in user who is a person of the company');
    const [person] = await store.db
      .select({ id: people.id })
      .from(people)
      .where(and(eq(people.tenantId, tenantId), eq(people.id, personId)));
    if (!person) throw notFound('person');
    if (!p) throw new ApiError(401, 'unauthenticated', 'sign in or send a valid API key');
    if (p.kind === 'api_key') {
      if (change && !scopesAllow(p.scopes, 'queues', 'write'))
        throw new ApiError(403, 'forbidden', 'the API key has no scope for this');
      return personId;
    }
    if (p.role === 'administrator' || p.personId === personId) return personId;
    if (p.role === 'supervisor' && p.personId && (await supervises(store.db, tenantId, p.personId, personId)))
      return personId;
    throw new ApiError(
      403,
      'forbidden',
      p.role === 'supervisor'
        ? 'supervisors manage the agents of the teams they supervise'
        : 'agents log in, out and pause only themselves',
    );
  }

  /** True when `supervisor` supervises a team that `agent` belongs to. */
  /** The person's memberships (as a person, or through their line), in one queue or all. */
  async function memberships(tenantId: string, personId: string, queueId?: string) {
    const own = store.db.select({ id: lines.id }).from(lines).where(eq(lines.personId, personId));
    return store.db
      .select({ member: queueMembers, queueName: queues.name })
      .from(queueMembers)
      .innerJoin(queues, eq(queues.id, queueMembers.queueId))
      .where(
        and(
          eq(queueMembers.tenantId, tenantId),
          or(eq(queueMembers.personId, personId), inArray(queueMembers.lineId, own)),
          queueId ? eq(queueMembers.queueId, queueId) : undefined,
        ),
      )
      .orderBy(asc(queues.name), asc(queueMembers.id));
  }

  async function view(tenantId: string, personId: string) {
    const rows = await memberships(tenantId, personId);
    const service = app.services.pbx?.queues;
    const items = [];
    for (const { member: m, queueName } of rows) {
      const state = service ? ((await service.agentState(tenantId, m.queueId, agentIdOf(m))) ?? null) : null;
      items.push({
        queueId: m.queueId,
        queueName,
        memberId: m.id,
        lineId: m.lineId,
        loggedIn: m.loggedIn,
        pausedReason: m.pausedReason,
        state,
      });
    }
    return { personId, memberships: items };
  }

  app.get(
    '/queues/agents/:personId',
    {
      config: read,
      schema: {
        tags: ['queues'],
        summary: "A person's queue memberships and states ('me' for oneself)",
        params: personParam,
        response: { 200: agentSchema, 403: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const personId = await actFor(req, req.params.personId, false);
      return view(tenantIdOf(req), personId);
    },
  );

  const actions = {
    login: { summary: 'Log in to the queues (all, or one)', set: () => ({ loggedIn: true }) },
    logout: {
      summary: 'Log out of the queues (a call in progress goes on)',
      set: () => ({ loggedIn: false, pausedReason: null }),
    },
    pause: {
      summary: 'Pause with a reason: logged in, but offered no call',
      set: (b: { reason?: string }) => ({ loggedIn: true, pausedReason: b.reason ?? 'paused' }),
    },
    unpause: { summary: 'End a pause', set: () => ({ pausedReason: null }) },
  } as const;

  for (const [action, a] of Object.entries(actions)) {
    app.post(
      `/queues/agents/:personId/${action}`,
      {
        config: read,
        schema: {
          tags: ['queues'],
          summary: a.summary,
          description:
            'For oneself (agents), the people of the teams one supervises (supervisors), or anyone (administrators). Without queueId, every queue the person is a member of.',
          params: personParam,
          body: (action === 'pause' ? pauseBody : scope).optional(),
          response: { 200: agentSchema, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
        },
      },
      async (req) => {
        const tenantId = tenantIdOf(req);
        const personId = await actFor(req, req.params.personId, true);
        const body = (req.body ?? {}) as { queueId?: string; reason?: string };
        if (action === 'pause' && !body.reason)
          throw new ApiError(400, 'validation_failed', 'reason: give the reason of the pause', 'reason');
        const rows = await memberships(tenantId, personId, body.queueId);
        if (rows.length === 0) throw notFound(body.queueId ? 'membership of this queue' : 'queue membership');
        await store.db
          .update(queueMembers)
          .set(a.set(body))
          .where(
            inArray(
              queueMembers.id,
              rows.map((r) => r.member.id),
            ),
          );
        await audit(store.db, req, {
          action: `queue.agent.${action}`,
          resource: 'queues',
          resourceId: body.queueId ?? null,
          details: { personId, ...(body.reason ? { reason: body.reason } : {}) },
        });
        await app.services.pbx?.queues.reload(tenantId);
        return view(tenantId, personId);
      },
    );
  }
};
