// API keys: scoped per resource with read or write, shown once, rotatable, revocable.
import { and, eq, isNull } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newId } from '../../store/ids.ts';
import { apiKeys } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { randomToken, sha256 } from '../auth/crypto.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { RESOURCES } from '../auth/permissions.ts';
import { API_KEY_PREFIX } from '../auth/principal.ts';
import { errorBodySchema, notFound } from '../errors.ts';
import { listPage, pageOf, pageQuery } from '../pagination.ts';
import { idParam, iso, name } from '../schemas.ts';

type KeyRow = typeof apiKeys.$inferSelect;
const scope = z.object({ resource: z.enum(RESOURCES), access: z.enum(['read', 'write']) });
const keySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(scope),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  rotatedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
const keyView = (k: KeyRow) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes as z.infer<typeof scope>[],
  createdAt: iso(k.createdAt) as string,
  lastUsedAt: iso(k.lastUsedAt),
  rotatedAt: iso(k.rotatedAt),
  revokedAt: iso(k.revokedAt),
});
const withSecret = keySchema.extend({ key: z.string().describe('The full key; shown only this once') });

function newKey() {
  const prefix = randomToken(6).replace(/[-_]/g, 'x').toLowerCase();
  const secret = randomToken(24);
  return { prefix, secretHash: sha256(secret), key: `${API_KEY_PREFIX}${prefix}_${secret}` };
}

export const apiKeyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.services;
  const write = { access: { resource: 'api_keys' as const, access: 'write' as const } };

  app.post(
    '/api-keys',
    {
      config: write,
      schema: {
        tags: ['api keys'],
        summary: 'Create an API key with scopes; the key is returned once',
        body: z
          .object({
            name: name(80),
            scopes: z
              .array(scope)
              .min(1)
              .max(RESOURCES.length * 2),
          })
          .strict(),
        response: { 201: withSecret, 400: errorBodySchema },
      },
    },
    async (req, reply) => {
      const { prefix, secretHash, key } = newKey();
      const [k] = await store.db
        .insert(apiKeys)
        .values({
          id: newId(),
          tenantId: tenantIdOf(req),
          name: req.body.name,
          prefix,
          secretHash,
          scopes: req.body.scopes,
          createdBy: req.principal?.kind === 'user' ? req.principal.userId : null,
        })
        .returning();
      if (!k) throw new Error('insert returned nothing');
      await audit(store.db, req, {
        action: 'api_key.create',
        resource: 'api_keys',
        resourceId: k.id,
        details: { name: k.name, scopes: k.scopes },
      });
      return reply.status(201).send({ ...keyView(k), key });
    },
  );

  app.get(
    '/api-keys',
    {
      config: { access: { resource: 'api_keys', access: 'read' } },
      schema: {
        tags: ['api keys'],
        summary: 'API keys (without secrets)',
        querystring: pageQuery,
        response: { 200: pageOf(keySchema) },
      },
    },
    async (req) => {
      return listPage(store.db, apiKeys, req.query, keyView, eq(apiKeys.tenantId, tenantIdOf(req)));
    },
  );

  app.post(
    '/api-keys/:id/rotate',
    {
      config: write,
      schema: {
        tags: ['api keys'],
        summary: 'Replace the secret of a key; the old secret stops working at once',
        params: idParam,
        response: { 200: withSecret, 404: errorBodySchema },
      },
    },
    async (req) => {
      const { prefix, secretHash, key } = newKey();
      const [k] = await store.db
        .update(apiKeys)
        .set({ prefix, secretHash, rotatedAt: new Date() })
        .where(
          and(
            eq(apiKeys.tenantId, tenantIdOf(req)),
            eq(apiKeys.id, req.params.id),
            isNull(apiKeys.revokedAt),
          ),
        )
        .returning();
      if (!k) throw notFound('API key');
      await audit(store.db, req, { action: 'api_key.rotate', resource: 'api_keys', resourceId: k.id });
      return { ...keyView(k), key };
    },
  );

  app.delete(
    '/api-keys/:id',
    {
      config: write,
      schema: {
        tags: ['api keys'],
        summary: 'Revoke a key',
        params: idParam,
        response: { 204: z.null(), 404: errorBodySchema },
      },
    },
    async (req, reply) => {
      const [k] = await store.db
        .update(apiKeys)
        .set({ revokedAt: new Date() })
        .where(
          and(
            eq(apiKeys.tenantId, tenantIdOf(req)),
            eq(apiKeys.id, req.params.id),
            isNull(apiKeys.revokedAt),
          ),
        )
        .returning();
      if (!k) throw notFound('API key');
      await audit(store.db, req, { action: 'api_key.revoke', resource: 'api_keys', resourceId: k.id });
      return reply.status(204).send(null);
    },
  );
};
