// The company's live events as a Server-Sent Events stream: calls ringing, answered and
// ended, queue changes (callers joining and leaving, agents' states), registrations and
// finished flow runs. Wallboards and the console's dashboard follow it instead of polling.
// Administrators and supervisors see every event of the company; an API key needs the
// `calls` read scope. Nothing on the call path waits for a slow reader: a client that falls
// behind by more than MAX_BUFFERED bytes is disconnected.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { PbxEvent } from '../../pbx/events.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { scopesAllow } from '../auth/permissions.ts';
import { ApiError } from '../errors.ts';

const MAX_BUFFERED = 1024 * 1024;
const KEEPALIVE_MS = 15_000;

/** The company an event belongs to; trunk registrations belong to the operator, not a company. */
function tenantOf(e: PbxEvent): string | undefined {
  return 'tenantId' in e ? e.tenantId : undefined;
}

export const eventRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/events',
    {
      config: { access: { resource: 'tenant', access: 'read' } },
      schema: {
        tags: ['calls'],
        summary:
          'Live events of the company as text/event-stream (call, queue, registration, flow); administrators and supervisors',
      },
    },
    async (req, reply) => {
      const p = req.principal;
      const allowed =
        p?.kind === 'api_key'
          ? scopesAllow(p.scopes, 'calls', 'read')
          : p?.role === 'administrator' || p?.role === 'supervisor';
      if (!allowed)
        throw new ApiError(403, 'forbidden', 'the event stream is for administrators and supervisors');
      const events = app.services.pbx?.events;
      if (!events) throw new ApiError(503, 'no_telephony', 'telephony is not running on this server');
      const tenantId = tenantIdOf(req);
      const raw = reply.raw;
      reply.hijack();
      // The server drops sockets idle for connectionTimeout (10 s, src/api/server.ts), less
      // than the keep-alive period: a quiet stream would be cut mid-response. The keep-alive
      // writes find a dead peer instead.
      req.raw.socket.setTimeout(0);
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write(': connected\n\n');
      const stop = events.on((e) => {
        if (tenantOf(e) !== tenantId) return;
        if (raw.writableLength > MAX_BUFFERED) {
          raw.destroy();
          return;
        }
        raw.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
      });
      const keepalive = setInterval(() => raw.write(': keep-alive\n\n'), KEEPALIVE_MS);
      keepalive.unref();
      raw.on('close', () => {
        stop();
        clearInterval(keepalive);
      });
    },
  );
};
