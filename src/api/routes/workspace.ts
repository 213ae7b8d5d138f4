// The call-flow workspace: a draft that is edited freely (saved even with validation errors,
// never with a broken structure), published as numbered versions that new calls follow,
// rolled back by publishing a copy of an old version, analysed and simulated without a call.
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  FlowInputError,
  parseWorkspace,
  redactSecrets,
  restoreSecrets,
  scenarioSchema,
  simulate,
  staticPaths,
  validateWorkspace,
  type Workspace,
} from '../../flows/index.ts';
import type { Db } from '../../store/database.ts';
import { newId } from '../../store/ids.ts';
import { users, workspaces, workspaceVersions } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import type { Principal } from '../auth/principal.ts';
import { ApiError, badRequest, errorBodySchema, validationFailed } from '../errors.ts';
import { iso } from '../schemas.ts';
import {
  describeIssues,
  draftJson,
  errorsOf,
  FlowIssuesError,
  flowIssueSchema,
  flowReferences,
  issuesErrorSchema,
  loadTarget,
  parseOrRefuse,
  sendFlowIssues,
  targetNames,
  targetSchema,
  versionRow,
  workspaceRow,
} from './flow-store.ts';

/** The largest workspace JSON accepted (500 nodes with their configs fit well within it). */
export const WORKSPACE_BODY_LIMIT = 2 * 1024 * 1024;

const workspaceJson = z
  .record(z.string(), z.unknown())
  .describe('A workspace: { tabs, nodes, edges, layout } (see docs/api-flows.md)');

const draftSchema = z.object({
  draft: workspaceJson,
  updatedAt: z.string().nullable(),
  publishedVersion: z.number().int().nullable().describe('The version new calls follow; null: none yet'),
  issues: z.array(flowIssueSchema).describe('Validation of the draft: errors block publishing'),
});

const versionSchema = z.object({
  version: z.number().int(),
  note: z.string().nullable(),
  publishedAt: z.string(),
  publishedBy: z.object({ userId: z.string(), email: z.string() }).nullable(),
  live: z.boolean().describe('Whether new calls follow this version'),
});
const versionWithGraph = versionSchema.extend({ graph: workspaceJson });

const note = z.string().trim().max(500).optional();
const versionParam = z.object({ version: z.coerce.number().int().min(1).max(1_000_000) });
const versionsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(20).optional().describe('The nextCursor of the previous page'),
});

type VersionRow = typeof workspaceVersions.$inferSelect;
const versionView = (v: VersionRow, email: string | null, live: number | null) => ({
  version: v.version,
  note: v.note,
  publishedAt: iso(v.publishedAt) as string,
  publishedBy: v.publishedBy && email ? { userId: v.publishedBy, email } : null,
  live: v.version === live,
});

export const workspaceRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.services;
  const read = { access: { resource: 'workspace' as const, access: 'read' as const } };
  const write = { access: { resource: 'workspace' as const, access: 'write' as const } };
  sendFlowIssues(app);

  /** Issues of a stored draft: its structure errors, or validation against the tenant's data. */
  async function issuesOf(tenantId: string, json: unknown) {
    const parsed = parseWorkspace(json);
    if (!parsed.ok) return parsed.issues;
    return validateWorkspace(parsed.workspace, await flowReferences(store.db, tenantId));
  }

  /** Saves a draft; a secret shown as the placeholder keeps its stored value (src/flows/secrets.ts). */
  async function saveDraft(tenantId: string, incoming: Workspace) {
    const now = new Date();
    const stored = parseWorkspace(draftJson(await workspaceRow(store.db, tenantId)));
    const workspace = restoreSecrets(incoming, stored.ok ? stored.workspace : undefined);
    const draft = workspace as unknown as Record<string, unknown>;
    const [row] = await store.db
      .insert(workspaces)
      .values({ tenantId, draft, updatedAt: now })
      .onConflictDoUpdate({ target: workspaces.tenantId, set: { draft, updatedAt: now } })
      .returning();
    if (!row) throw new Error('upsert returned nothing');
    return row;
  }

  /** PUT and import: a structurally valid workspace becomes the draft, on record. */
  async function replaceDraft(req: FastifyRequest, json: unknown, what: string, action: string) {
    const tenantId = tenantIdOf(req);
    const ws = parseOrRefuse(json, what);
    await saveDraft(tenantId, ws);
    await audit(store.db, req, {
      action,
      resource: 'workspace',
      details: { nodes: ws.nodes.length, edges: ws.edges.length },
    });
    return draftView(tenantId);
  }

  async function draftView(tenantId: string) {
    const row = await workspaceRow(store.db, tenantId);
    const draft = draftJson(row) as Record<string, unknown>;
    return {
      draft: redactSecrets(draft),
      updatedAt: iso(row?.updatedAt),
      publishedVersion: row?.publishedVersion ?? null,
      issues: await issuesOf(tenantId, draft),
    };
  }

  /**
   * Publishes a graph as the next version and makes it live, in one transaction that holds the
   * tenant's workspace row: two publishes at once get consecutive numbers, never the same one.
   */
  async function publishGraph(
    tenantId: string,
    userId: string | null,
    graph: Workspace,
    opts: { note: string | null; alsoDraft: boolean },
  ) {
    const json = graph as unknown as Record<string, unknown>;
    return store.db.transaction(async (tx) => {
      await tx
        .insert(workspaces)
        .values({ tenantId, draft: json })
        .onConflictDoNothing({ target: workspaces.tenantId });
      await tx.select().from(workspaces).where(eq(workspaces.tenantId, tenantId)).for('update');
      const [last] = await tx
        .select({ max: sql<number>`coalesce(max(${workspaceVersions.version}), 0)::int` })
        .from(workspaceVersions)
        .where(eq(workspaceVersions.tenantId, tenantId));
      const version = (last?.max ?? 0) + 1;
      const [v] = await tx
        .insert(workspaceVersions)
        .values({ id: newId(), tenantId, version, graph: json, note: opts.note, publishedBy: userId })
        .returning();
      if (!v) throw new Error('insert returned nothing');
      await tx
        .update(workspaces)
        .set({
          publishedVersion: version,
          ...(opts.alsoDraft ? { draft: json, updatedAt: new Date() } : {}),
        })
        .where(eq(workspaces.tenantId, tenantId));
      return v;
    });
  }

  async function refuseInvalid(db: Db, tenantId: string, ws: Workspace, what: string) {
    const issues = validateWorkspace(ws, await flowReferences(db, tenantId));
    const errors = errorsOf(issues);
    if (errors.length > 0)
      throw new FlowIssuesError(
        422,
        'workspace_invalid',
        `${what} is refused: ${describeIssues(errors)}`,
        errors,
      );
    return issues;
  }

  app.get(
    '/workspace',
    {
      config: read,
      schema: {
        tags: ['call flows'],
        summary: 'The workspace draft, its validation and which version is live',
        response: { 200: draftSchema },
      },
    },
    async (req) => draftView(tenantIdOf(req)),
  );

  app.put(
    '/workspace',
    {
      config: write,
      bodyLimit: WORKSPACE_BODY_LIMIT,
      schema: {
        tags: ['call flows'],
        summary: 'Save the draft',
        description:
          'Saves any structurally valid workspace, even one with validation errors (they are returned in `issues` and block publishing). A broken structure (unknown node type, duplicate ids, wrong shapes) is refused with 400 and every structure issue.',
        body: z.object({ draft: workspaceJson }).strict(),
        response: { 200: draftSchema, 400: issuesErrorSchema, 413: errorBodySchema },
      },
    },
    (req) => replaceDraft(req, req.body.draft, 'draft', 'workspace.save'),
  );

  app.get(
    '/workspace/export',
    {
      config: read,
      schema: {
        tags: ['call flows'],
        summary: 'Download the draft as a JSON file (importable with POST /api/workspace/import)',
        querystring: z.object({ version: targetSchema.optional() }),
        response: { 200: workspaceJson },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const target = req.query.version ?? 'draft';
      let json: unknown;
      if (target === 'draft') json = draftJson(await workspaceRow(store.db, tenantId));
      else json = (await loadTarget(store.db, tenantId, target)).workspace;
      const name = target === 'draft' ? 'workspace-draft' : `workspace-${target}`;
      reply.header('content-disposition', `attachment; filename="${name}.json"`);
      return redactSecrets(json) as Record<string, unknown>;
    },
  );

  app.post(
    '/workspace/import',
    {
      config: write,
      bodyLimit: WORKSPACE_BODY_LIMIT,
      schema: {
        tags: ['call flows'],
        summary: 'Replace the draft with an exported workspace file',
        description:
          'The body is the JSON of GET /api/workspace/export. Same checks as PUT /api/workspace: structure errors are refused with 400, validation issues are returned.',
        body: workspaceJson,
        response: { 200: draftSchema, 400: issuesErrorSchema, 413: errorBodySchema },
      },
    },
    (req) => replaceDraft(req, req.body, 'imported file', 'workspace.import'),
  );

  app.post(
    '/workspace/validate',
    {
      config: read,
      bodyLimit: WORKSPACE_BODY_LIMIT,
      schema: {
        tags: ['call flows'],
        summary: 'Validate the saved draft, or a workspace given in the body, without saving',
        body: z.object({ draft: workspaceJson.optional() }).strict().optional(),
        response: { 200: z.object({ valid: z.boolean(), issues: z.array(flowIssueSchema) }) },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const json = req.body?.draft ?? draftJson(await workspaceRow(store.db, tenantId));
      const issues = await issuesOf(tenantId, json);
      return { valid: errorsOf(issues).length === 0, issues };
    },
  );

  app.post(
    '/workspace/publish',
    {
      config: write,
      schema: {
        tags: ['call flows'],
        summary: 'Publish the draft as a new version: new calls follow it at once',
        description:
          'Refused with 422 and every validation error when the draft has errors. Calls in progress finish on the version they started with.',
        body: z.object({ note }).strict().optional(),
        response: {
          201: versionSchema.extend({ warnings: z.array(flowIssueSchema) }),
          422: issuesErrorSchema,
        },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const { workspace } = await loadTarget(store.db, tenantId, 'draft');
      const issues = await refuseInvalid(store.db, tenantId, workspace, 'publishing');
      const v = await publishGraph(tenantId, userIdOf(req.principal), workspace, {
        note: req.body?.note || null,
        alsoDraft: false,
      });
      await audit(store.db, req, {
        action: 'workspace.publish',
        resource: 'workspace',
        resourceId: String(v.version),
        details: { version: v.version, note: v.note, nodes: workspace.nodes.length },
      });
      await app.services.pbx?.directory.reload();
      const email = req.principal?.kind === 'user' ? req.principal.email : null;
      return reply.status(201).send({ ...versionView(v, email, v.version), warnings: issues });
    },
  );

  app.get(
    '/workspace/versions',
    {
      config: read,
      schema: {
        tags: ['call flows'],
        summary: 'Published versions, newest first',
        querystring: versionsQuery,
        response: { 200: z.object({ items: z.array(versionSchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const { limit, cursor } = req.query;
      let before: number | undefined;
      if (cursor !== undefined) {
        before = Number(cursor);
        if (!Number.isInteger(before) || before < 1)
          throw badRequest('invalid_cursor', 'cursor is not one this API returned', 'cursor');
      }
      const live = (await workspaceRow(store.db, tenantId))?.publishedVersion ?? null;
      const rows = await store.db
        .select({ v: workspaceVersions, email: users.email })
        .from(workspaceVersions)
        .leftJoin(users, eq(users.id, workspaceVersions.publishedBy))
        .where(
          and(
            eq(workspaceVersions.tenantId, tenantId),
            before ? lt(workspaceVersions.version, before) : undefined,
          ),
        )
        .orderBy(desc(workspaceVersions.version))
        .limit(limit + 1);
      const more = rows.length > limit;
      const items = (more ? rows.slice(0, limit) : rows).map((r) => versionView(r.v, r.email, live));
      return { items, nextCursor: more ? String(items[items.length - 1]?.version) : null };
    },
  );

  app.get(
    '/workspace/versions/:version',
    {
      config: read,
      schema: {
        tags: ['call flows'],
        summary: 'One published version with its graph',
        params: versionParam,
        response: { 200: versionWithGraph, 404: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const v = await versionRow(store.db, tenantId, req.params.version);
      const live = (await workspaceRow(store.db, tenantId))?.publishedVersion ?? null;
      const [u] = v.publishedBy
        ? await store.db.select({ email: users.email }).from(users).where(eq(users.id, v.publishedBy))
        : [];
      return { ...versionView(v, u?.email ?? null, live), graph: redactSecrets(v.graph) };
    },
  );

  app.post(
    '/workspace/rollback',
    {
      config: write,
      schema: {
        tags: ['call flows'],
        summary: 'Make an earlier version live again',
        description:
          'Publishes a copy of the given version as a new version (history is never rewritten) and replaces the draft with it. Refused with 422 and every error when that version no longer validates (a number released, a person or prompt deleted since).',
        body: z.object({ version: z.number().int().min(1), note }).strict(),
        response: {
          201: versionSchema.extend({ rolledBackTo: z.number().int(), warnings: z.array(flowIssueSchema) }),
          404: errorBodySchema,
          422: issuesErrorSchema,
        },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const { workspace } = await loadTarget(store.db, tenantId, req.body.version);
      const issues = await refuseInvalid(
        store.db,
        tenantId,
        workspace,
        `rolling back to version ${req.body.version}`,
      );
      const v = await publishGraph(tenantId, userIdOf(req.principal), workspace, {
        note: req.body.note || `rollback to version ${req.body.version}`,
        alsoDraft: true,
      });
      await audit(store.db, req, {
        action: 'workspace.rollback',
        resource: 'workspace',
        resourceId: String(v.version),
        details: { version: v.version, from: req.body.version },
      });
      await app.services.pbx?.directory.reload();
      const email = req.principal?.kind === 'user' ? req.principal.email : null;
      return reply
        .status(201)
        .send({ ...versionView(v, email, v.version), rolledBackTo: req.body.version, warnings: issues });
    },
  );

  app.get(
    '/workspace/paths',
    {
      config: read,
      schema: {
        tags: ['call flows'],
        summary: 'Every path from each entry object: what the caller hears and where the call ends',
        querystring: z.object({ version: targetSchema.optional() }),
        response: {
          200: z.object({
            version: z.number().int().nullable().describe('null: the draft'),
            entries: z.array(
              z.object({
                entryNodeId: z.string(),
                entryName: z.string(),
                paths: z.array(
                  z.object({
                    steps: z.array(
                      z.object({
                        nodeId: z.string(),
                        type: z.string(),
                        name: z.string(),
                        output: z.string().optional(),
                      }),
                    ),
                    hears: z.array(z.string()).describe('What the caller hears along the path'),
                    ends: z.string().describe("How the path ends: 'hangs up', 'rings Alice (answered)', ..."),
                  }),
                ),
                truncated: z.boolean().describe('More paths than listed'),
              }),
            ),
          }),
          404: errorBodySchema,
          422: issuesErrorSchema,
        },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const { workspace, version } = await loadTarget(store.db, tenantId, req.query.version);
      return { version, entries: staticPaths(workspace, { names: await targetNames(store.db, tenantId) }) };
    },
  );

  app.post(
    '/workspace/simulate',
    {
      config: read,
      schema: {
        tags: ['call flows'],
        summary: 'Run a scenario through the flow without a call and get its step-by-step trace',
        description:
          'The scenario gives the caller, the called number or extension, the date and time, digit presses, HTTP replies and agent availability. Runs the draft unless `version` is given.',
        body: z.object({ scenario: z.unknown(), version: targetSchema.optional() }).strict(),
        response: {
          200: z.object({ version: z.number().int().nullable(), result: z.unknown() }),
          400: errorBodySchema,
          404: errorBodySchema,
          422: issuesErrorSchema,
        },
      },
    },
    async (req) => {
      const parsed = scenarioSchema.safeParse(req.body.scenario);
      if (!parsed.success) throw validationFailed(prefixed(parsed.error, 'scenario'));
      const { workspace, version } = await loadTarget(store.db, tenantIdOf(req), req.body.version);
      return { version, result: await runScenario(workspace, parsed.data) };
    },
  );
};

const userIdOf = (p: Principal | null) => (p?.kind === 'user' ? p.userId : null);

/** A zod error with its paths under a body field, so the client sees e.g. `scenario.digits`. */
export function prefixed(error: z.ZodError, field: string): z.ZodError {
  return new z.ZodError(error.issues.map((i) => ({ ...i, path: [field, ...i.path] })));
}

/** Simulates, turning the simulator's input errors (no such entry...) into a 400. */
export async function runScenario(workspace: Workspace, scenario: Parameters<typeof simulate>[1]) {
  try {
    return await simulate(workspace, scenario);
  } catch (err) {
    if (err instanceof FlowInputError) throw new ApiError(400, 'invalid_scenario', err.message, 'scenario');
    throw err;
  }
}
