// Flow tests: a saved scenario with its expected outcome, run against the draft, the live
// version or any version, so a change to a flow that changes what callers get is caught
// before (or after) it is published. Each run records when it ran and whether it passed.
import { and, asc, count, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Workspace } from '../../flows/index.ts';
import {
  checkExpectation,
  FlowInputError,
  flowTestExpectationSchema,
  scenarioSchema,
} from '../../flows/index.ts';
import { newId } from '../../store/ids.ts';
import { flowTests } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { ApiError, conflict, errorBodySchema, notFound, validationFailed } from '../errors.ts';
import { listPage, pageOf, pageQuery } from '../pagination.ts';
import { idParam, iso, name } from '../schemas.ts';
import { issuesErrorSchema, loadTarget, sendFlowIssues, targetSchema } from './flow-store.ts';
import { prefixed, runScenario } from './workspace.ts';

/** Bounds what "run all" costs: every test is a full simulation. */
export const MAX_FLOW_TESTS = 500;

const flowTestSchema = z.object({
  id: z.string(),
  name: z.string(),
  scenario: z.record(z.string(), z.unknown()),
  expected: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastRunAt: z.string().nullable(),
  lastPassed: z.boolean().nullable().describe('null: never run'),
});
type FlowTestRow = typeof flowTests.$inferSelect;
const flowTestView = (t: FlowTestRow) => ({
  id: t.id,
  name: t.name,
  scenario: t.scenario,
  expected: t.expected,
  createdAt: iso(t.createdAt) as string,
  updatedAt: iso(t.updatedAt) as string,
  lastRunAt: iso(t.lastRunAt),
  lastPassed: t.lastPassed,
});

const runSchema = z.object({
  id: z.string(),
  name: z.string(),
  passed: z.boolean(),
  failures: z.array(z.string()).describe('What differed from the expected outcome; empty when passed'),
  result: z
    .unknown()
    .describe('The simulation: its trace and outcome (null when the scenario could not run)'),
});

const fields = {
  name: name(200),
  scenario: z
    .record(z.string(), z.unknown())
    .describe('A simulation scenario, as for POST /api/workspace/simulate'),
  expected: z.record(z.string(), z.unknown()).describe('The expected outcome (see docs/api-flows.md)'),
};
const createBody = z.object(fields).strict();
const updateBody = z.object(fields).partial().strict();
const runQuery = z.object({ version: targetSchema.optional() });

/** Checks scenario and expectation with the flow schemas; a 400 names the field at fault. */
function checkBody(body: { scenario?: unknown; expected?: unknown }) {
  if (body.scenario !== undefined) {
    const s = scenarioSchema.safeParse(body.scenario);
    if (!s.success) throw validationFailed(prefixed(s.error, 'scenario'));
  }
  if (body.expected !== undefined) {
    const e = flowTestExpectationSchema.safeParse(body.expected);
    if (!e.success) throw validationFailed(prefixed(e.error, 'expected'));
  }
}

export const flowTestRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.services;
  const read = { access: { resource: 'workspace' as const, access: 'read' as const } };
  const write = { access: { resource: 'workspace' as const, access: 'write' as const } };
  sendFlowIssues(app);

  async function load(tenantId: string, id: string) {
    const [row] = await store.db
      .select()
      .from(flowTests)
      .where(and(eq(flowTests.tenantId, tenantId), eq(flowTests.id, id)));
    if (!row) throw notFound('flow test');
    return row;
  }

  /** Runs one test on a workspace and records the outcome on the test. */
  async function run(workspace: Workspace, test: FlowTestRow) {
    let outcome: z.infer<typeof runSchema>;
    const scenario = scenarioSchema.safeParse(test.scenario);
    const expected = flowTestExpectationSchema.safeParse(test.expected);
    if (!scenario.success || !expected.success) {
      // Stored before the flow schemas changed: reported as a failure, not a server error.
      const what = !scenario.success ? 'scenario' : 'expected outcome';
      outcome = {
        id: test.id,
        name: test.name,
        passed: false,
        failures: [`the ${what} is no longer valid`],
        result: null,
      };
    } else {
      try {
        const result = await runScenario(workspace, scenario.data);
        const check = checkExpectation(result, expected.data);
        outcome = { id: test.id, name: test.name, passed: check.passed, failures: check.failures, result };
      } catch (err) {
        // A scenario the simulator cannot start (no such entry...): this test fails, the others run.
        if (!(err instanceof FlowInputError) && !(err instanceof ApiError)) throw err;
        outcome = {
          id: test.id,
          name: test.name,
          passed: false,
          failures: [(err as Error).message],
          result: null,
        };
      }
    }
    await store.db
      .update(flowTests)
      .set({ lastRunAt: new Date(), lastPassed: outcome.passed })
      .where(eq(flowTests.id, test.id));
    return outcome;
  }

  app.get(
    '/flow-tests',
    {
      config: read,
      schema: {
        tags: ['call flows'],
        summary: 'Saved flow tests with their last result',
        querystring: pageQuery,
        response: { 200: pageOf(flowTestSchema) },
      },
    },
    async (req) =>
      listPage(store.db, flowTests, req.query, flowTestView, eq(flowTests.tenantId, tenantIdOf(req))),
  );

  app.post(
    '/flow-tests',
    {
      config: write,
      schema: {
        tags: ['call flows'],
        summary: 'Save a scenario with its expected outcome as a flow test',
        body: createBody,
        response: { 201: flowTestSchema, 400: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      checkBody(req.body);
      const [n] = await store.db
        .select({ n: count() })
        .from(flowTests)
        .where(eq(flowTests.tenantId, tenantId));
      if ((n?.n ?? 0) >= MAX_FLOW_TESTS)
        throw conflict(
          'too_many_flow_tests',
          `a company keeps at most ${MAX_FLOW_TESTS} flow tests; delete some first`,
        );
      const [row] = await store.db
        .insert(flowTests)
        .values({ id: newId(), tenantId, ...req.body })
        .returning();
      if (!row) throw new Error('insert returned nothing');
      await audit(store.db, req, {
        action: 'flow_test.create',
        resource: 'workspace',
        resourceId: row.id,
        details: { name: row.name },
      });
      return reply.status(201).send(flowTestView(row));
    },
  );

  app.get(
    '/flow-tests/:id',
    {
      config: read,
      schema: {
        tags: ['call flows'],
        summary: 'One flow test',
        params: idParam,
        response: { 200: flowTestSchema, 404: errorBodySchema },
      },
    },
    async (req) => flowTestView(await load(tenantIdOf(req), req.params.id)),
  );

  app.patch(
    '/flow-tests/:id',
    {
      config: write,
      schema: {
        tags: ['call flows'],
        summary: 'Change a flow test (its last result is cleared when the scenario or expectation changes)',
        params: idParam,
        body: updateBody,
        response: { 200: flowTestSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      await load(tenantId, req.params.id);
      checkBody(req.body);
      const changesOutcome = req.body.scenario !== undefined || req.body.expected !== undefined;
      const [row] = await store.db
        .update(flowTests)
        .set({
          ...req.body,
          updatedAt: new Date(),
          ...(changesOutcome ? { lastRunAt: null, lastPassed: null } : {}),
        })
        .where(and(eq(flowTests.tenantId, tenantId), eq(flowTests.id, req.params.id)))
        .returning();
      if (!row) throw notFound('flow test');
      await audit(store.db, req, {
        action: 'flow_test.update',
        resource: 'workspace',
        resourceId: row.id,
        details: { fields: Object.keys(req.body) },
      });
      return flowTestView(row);
    },
  );

  app.delete(
    '/flow-tests/:id',
    {
      config: write,
      schema: {
        tags: ['call flows'],
        summary: 'Delete a flow test',
        params: idParam,
        response: { 204: z.null(), 404: errorBodySchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const [row] = await store.db
        .delete(flowTests)
        .where(and(eq(flowTests.tenantId, tenantId), eq(flowTests.id, req.params.id)))
        .returning();
      if (!row) throw notFound('flow test');
      await audit(store.db, req, {
        action: 'flow_test.delete',
        resource: 'workspace',
        resourceId: row.id,
        details: { name: row.name },
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/flow-tests/:id/run',
    {
      config: write,
      schema: {
        tags: ['call flows'],
        summary: 'Run one flow test (against the draft unless ?version= is a number or live)',
        params: idParam,
        querystring: runQuery,
        response: {
          200: runSchema.extend({ version: z.number().int().nullable().describe('null: the draft') }),
          404: errorBodySchema,
          422: issuesErrorSchema,
        },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const test = await load(tenantId, req.params.id);
      const { workspace, version } = await loadTarget(store.db, tenantId, req.query.version);
      return { version, ...(await run(workspace, test)) };
    },
  );

  app.post(
    '/flow-tests/run',
    {
      config: write,
      schema: {
        tags: ['call flows'],
        summary: 'Run every flow test (against the draft unless ?version= is a number or live)',
        querystring: runQuery,
        response: {
          200: z.object({
            version: z.number().int().nullable().describe('null: the draft'),
            passed: z.number().int(),
            failed: z.number().int(),
            results: z.array(runSchema),
          }),
          404: errorBodySchema,
          422: issuesErrorSchema,
        },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const { workspace, version } = await loadTarget(store.db, tenantId, req.query.version);
      const tests = await store.db
        .select()
        .from(flowTests)
        .where(eq(flowTests.tenantId, tenantId))
        .orderBy(asc(flowTests.id))
        .limit(MAX_FLOW_TESTS);
      const results = [];
      for (const t of tests) results.push(await run(workspace, t));
      const passed = results.filter((r) => r.passed).length;
      return { version, passed, failed: results.length - passed, results };
    },
  );
};
