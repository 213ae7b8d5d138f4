// Calls in progress and their parties (spec: conferences built from a call, with mute, hold
// and remove per participant by the host). Administrators and supervisors of the company
// control any call; an agent the calls its own line is on (once a call is a conference, only
// its host's); an API key needs the calls scope.
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Call } from '../../pbx/calls/call.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { scopesAllow } from '../auth/permissions.ts';
import { ApiError, errorBodySchema, notFound } from '../errors.ts';

const participantSchema = z.object({
  id: z.string(),
  number: z.string(),
  name: z.string().nullable(),
  lineId: z.string().nullable(),
  state: z.enum(['ringing', 'connected']),
  host: z.boolean(),
  muted: z.boolean().meta({ description: 'Hears everyone, heard by no one' }),
  held: z.boolean().meta({ description: 'Put on hold by the host: hears hold music, heard by no one' }),
  holding: z.boolean().meta({ description: 'Its phone put the call on hold' }),
});

const liveCallSchema = z.object({
  id: z.string(),
  direction: z.enum(['inbound', 'outbound', 'internal']),
  state: z.string(),
  conference: z.boolean(),
  startedAt: z.string(),
  answeredAt: z.string().nullable(),
  participants: z.array(participantSchema),
});

const callParams = z.object({ id: z.string().min(1).max(64) });
const participantParams = callParams.extend({ participantId: z.string().min(1).max(64) });
const addBody = z
  .object({
    number: z
      .string()
      .trim()
      .regex(
        /^\+?[0-9]{2,15}$/,
        'must be an extension or a phone number: 2 to 15 digits, optionally after +',
      ),
  })
  .strict();
const changeBody = z
  .object({
    muted: z.boolean(),
    held: z.boolean(),
  })
  .partial()
  .strict()
  .refine((b) => b.muted !== undefined || b.held !== undefined, 'give muted, held, or both');

const forbidden = (message: string) => new ApiError(403, 'forbidden', message);

export const liveCallRoutes: FastifyPluginAsyncZod = async (app) => {
  // Every tenant principal reaches the handlers; who may see or change which call is decided
  // per call below (an agent's own calls), as the role table cannot say it.
  const access = { access: { resource: 'tenant' as const, access: 'read' as const } };

  const engine = () => {
    const calls = app.services.pbx?.calls;
    if (!calls) throw new ApiError(503, 'no_telephony', 'telephony is not running on this server');
    return calls;
  };

  /** May this principal see (or, with `change`, control) the call? */
  async function allowed(req: FastifyRequest, call: Call, change: boolean): Promise<boolean> {
    const p = req.principal;
    if (!p) return false;
    if (p.kind === 'api_key') return scopesAllow(p.scopes, 'calls', change ? 'write' : 'read');
    if (p.role === 'administrator' || p.role === 'supervisor') return true;
    if (p.role !== 'agent' || !p.personId) return false;
    const mine = new Set(app.services.pbx?.directory.personLines(p.personId).map((l) => l.id));
    const { host, all } = call.partyLines();
    // Once the call is a conference, its host controls it; before, any party of the call may.
    if (change && host) return mine.has(host);
    return all.some((l) => mine.has(l));
  }

  async function liveCall(req: FastifyRequest, id: string, change: boolean): Promise<Call> {
    const call = engine().call(tenantIdOf(req), id);
    if (!call || !(await allowed(req, call, false))) throw notFound('call');
    if (change && !(await allowed(req, call, true)))
      throw forbidden('only the host, a supervisor or an administrator controls this call');
    return call;
  }

  const view = (c: Call) => ({
    id: c.id,
    direction: c.direction,
    state: c.state,
    conference: c.isConference,
    startedAt: c.startedAt.toISOString(),
    answeredAt: c.answeredAt?.toISOString() ?? null,
    participants: c.participants(),
  });

  app.get(
    '/calls/live',
    {
      config: access,
      schema: {
        tags: ['calls'],
        summary: 'Calls in progress with their parties (an agent: the calls its lines are on)',
        response: { 200: z.object({ items: z.array(liveCallSchema) }), 503: errorBodySchema },
      },
    },
    async (req) => {
      const calls = engine().calls(tenantIdOf(req));
      const items = [];
      for (const c of calls) if (await allowed(req, c, false)) items.push(view(c));
      return { items };
    },
  );

  app.get(
    '/calls/:id/participants',
    {
      config: access,
      schema: {
        tags: ['calls'],
        summary: 'The parties of a call in progress, and those being added',
        params: callParams,
        response: { 200: z.object({ items: z.array(participantSchema) }), 404: errorBodySchema },
      },
    },
    async (req) => ({ items: (await liveCall(req, req.params.id, false)).participants() }),
  );

  app.post(
    '/calls/:id/participants',
    {
      config: access,
      schema: {
        tags: ['calls'],
        summary:
          'Add a party to a call: it rings, and on answer the call becomes a conference (placed as the first party with a line dials)',
        params: callParams,
        body: addBody,
        response: {
          202: participantSchema,
          400: errorBodySchema,
          403: errorBodySchema,
          404: errorBodySchema,
          409: errorBodySchema,
          422: errorBodySchema,
        },
      },
    },
    async (req, reply) => {
      const call = await liveCall(req, req.params.id, true);
      const added = await call.addParticipant(req.body.number);
      if ('status' in added) {
        if (added.status === 409) throw new ApiError(409, 'not_possible_now', added.reason);
        if (added.status === 403) throw forbidden(added.reason);
        throw new ApiError(
          422,
          'unreachable',
          `${req.body.number} cannot be added: ${added.reason}`,
          'number',
        );
      }
      reply.code(202);
      return added;
    },
  );

  app.patch(
    '/calls/:id/participants/:participantId',
    {
      config: access,
      schema: {
        tags: ['calls'],
        summary: 'Mute or unmute, hold or unhold a party (the call becomes a conference)',
        params: participantParams,
        body: changeBody,
        response: {
          200: participantSchema,
          400: errorBodySchema,
          403: errorBodySchema,
          404: errorBodySchema,
        },
      },
    },
    async (req) => {
      const call = await liveCall(req, req.params.id, true);
      const changed = await call.setParticipant(req.params.participantId, req.body);
      if (!changed) throw notFound('participant');
      return changed;
    },
  );

  app.delete(
    '/calls/:id/participants/:participantId',
    {
      config: access,
      schema: {
        tags: ['calls'],
        summary: 'Remove a party from the call (BYE), or stop ringing one being added',
        params: participantParams,
        response: { 204: z.null(), 403: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (req, reply) => {
      const call = await liveCall(req, req.params.id, true);
      if (!(await call.removeParticipant(req.params.participantId))) throw notFound('participant');
      reply.code(204);
      return null;
    },
  );
};
