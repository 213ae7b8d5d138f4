// Builds the HTTP server: plugins, the auth guard, OpenAPI and every route plugin.
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Config } from '../config/index.ts';
import type { Pbx } from '../pbx/pbx.ts';
import type { FileStorage } from '../services/files.ts';
import type { Mailer, OutboxMailer } from '../services/mail.ts';
import { pingStore, type Store } from '../store/database.ts';
import { installGuard } from './auth/guard.ts';
import { SESSION_COOKIE } from './auth/principal.ts';
import { LoginLockout, RateLimiter } from './auth/throttle.ts';
import { registerConsole } from './console.ts';
import { ApiError, installErrorHandling } from './errors.ts';
import { routePlugins } from './routes/index.ts';

export interface Services {
  config: Config;
  store: Store;
  mailer: Mailer;
  outbox: OutboxMailer | null;
  files: FileStorage;
  /** The phone system, when SIP is enabled: routes reload its directory after changes. */
  pbx: Pbx | null;
  authLimiter: RateLimiter;
  lockout: LoginLockout;
  metrics: Registry;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
  interface FastifyContextConfig {
    /** Counts against the per-IP budget of sign-up, login and reset requests. */
    authRateLimited?: boolean;
  }
}

export type App = FastifyInstance;
export type ServicesInput = Omit<Services, 'authLimiter' | 'lockout' | 'metrics'>;

export async function buildServer(input: ServicesInput, logger: Logger | false): Promise<App> {
  const { config } = input;
  const app = Fastify({
    loggerInstance: (logger || undefined) as FastifyBaseLogger | undefined,
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    // Bounds on what a client may hold open or send (no slowloris on the API port).
    requestTimeout: 60_000,
    connectionTimeout: 10_000,
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  app.decorate('services', {
    ...input,
    authLimiter: new RateLimiter(config.authRateLimitPerMinute),
    lockout: new LoginLockout(config.loginMaxFailures, config.loginLockoutMinutes * 60_000),
    metrics,
  });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);

  await app.register(cookie);
  await app.register(multipart, {
    limits: { fileSize: config.uploadMaxBytes, files: 4, fields: 20, fieldSize: 64 * 1024, parts: 30 },
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Switchboard API',
        version: '0.1.0',
        description:
          'Everything the console does. Authenticate with the session cookie from POST /api/auth/login, or an API key: `Authorization: Bearer sb_...`.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          apiKey: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  const httpDuration = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [metrics],
  });
  app.addHook('onResponse', async (req, reply) => {
    httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.addHook('onRequest', async (req, reply) => {
    if (!req.routeOptions.config?.authRateLimited) return;
    const wait = app.services.authLimiter.hit(req.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new ApiError(429, 'rate_limited', `too many requests from your address; retry in ${wait} s`);
    }
  });
  installGuard(app);

  app.get('/healthz', { schema: { hide: true } }, async (_req, reply) => {
    const db = await pingStore(app.services.store);
    return reply
      .status(db ? 200 : 503)
      .send({ status: db ? 'ok' : 'degraded', database: db ? 'up' : 'down' });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.metrics();
  });
  app.get('/api/openapi.json', { schema: { hide: true }, config: { access: { public: true } } }, async () =>
    app.swagger(),
  );

  for (const plugin of routePlugins) await app.register(plugin, { prefix: '/api' });
  registerConsole(app);
  return app;
}
