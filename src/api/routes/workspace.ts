// The call-flow workspace draft as stored JSON. The Call flows work adds its schema,
// validation, versions and simulation; until then the draft is kept as given.
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { workspaces } from '../../store/schema.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { iso } from '../schemas.ts';

export const emptyWorkspace = () => ({
  tabs: [{ id: 'main', name: 'Main' }],
  nodes: [],
  edges: [],
  layout: {},
});

export const workspaceRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.services;
  app.get(
    '/workspace',
    {
      config: { access: { resource: 'workspace', access: 'read' } },
      schema: {
        tags: ['call flows'],
        summary: 'The call-flow workspace draft: { tabs, nodes, edges, layout }',
        response: {
          200: z.object({ draft: z.record(z.string(), z.unknown()), updatedAt: z.string().nullable() }),
        },
      },
    },
    async (req) => {
      const [w] = await store.db
        .select()
        .from(workspaces)
        .where(eq(workspaces.tenantId, tenantIdOf(req)));
      return { draft: w?.draft ?? emptyWorkspace(), updatedAt: iso(w?.updatedAt) };
    },
  );
};
