// What the call-flow routes share: the tenant's workspace draft and published versions as
// stored, the references a flow is validated against (read from the database per request),
// and the error that carries every flow issue to the client.
import { and, eq, isNotNull } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  emptyWorkspace,
  type FlowIssue,
  type FlowReferences,
  parseWorkspace,
  type Workspace,
} from '../../flows/index.ts';
import type { Db } from '../../store/database.ts';
import {
  audioPrompts,
  lines,
  numbers,
  people,
  queues,
  voicemailBoxes,
  workspaces,
  workspaceVersions,
} from '../../store/schema.ts';
import { ApiError, notFound } from '../errors.ts';

export const flowIssueSchema = z
  .object({
    severity: z.enum(['error', 'warning']),
    code: z.string(),
    message: z.string(),
    nodeId: z.string().optional(),
    edgeId: z.string().optional(),
    field: z.string().optional().describe("Dotted path inside the node's config"),
    output: z.string().optional().describe('The output port concerned'),
  })
  .describe('FlowIssue');

/** The API's error body plus every issue found, each located at its node, edge and field. */
export const issuesErrorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
    issues: z
      .array(flowIssueSchema)
      .optional()
      .describe('Every issue found, when the error is about the flow'),
  })
  .describe('FlowIssuesError');

/** An API error that lists flow issues (structure errors, validation errors before publishing). */
export class FlowIssuesError extends ApiError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly issues: FlowIssue[],
  ) {
    super(status, code, message);
  }
}

/** In a route plugin: FlowIssuesError answers with its issues, anything else goes to the app's handler. */
export function sendFlowIssues(app: FastifyInstance): void {
  app.setErrorHandler((err, _req, reply) => {
    if (!(err instanceof FlowIssuesError)) throw err;
    return reply
      .status(err.status)
      .send({ error: { code: err.code, message: err.message }, issues: err.issues });
  });
}

const MAX_LISTED = 20;

/** "3 errors: n-menu: ...; n-ring: ..." — every error up to a bound, for the message line. */
export function describeIssues(issues: readonly FlowIssue[]): string {
  const listed = issues
    .slice(0, MAX_LISTED)
    .map((i) =>
      i.nodeId ? `${i.nodeId}: ${i.message}` : i.edgeId ? `${i.edgeId}: ${i.message}` : i.message,
    );
  const more = issues.length > MAX_LISTED ? `; and ${issues.length - MAX_LISTED} more` : '';
  return `${issues.length} error${issues.length === 1 ? '' : 's'}: ${listed.join('; ')}${more}`;
}

export const errorsOf = (issues: readonly FlowIssue[]) => issues.filter((i) => i.severity === 'error');

/** Parses a workspace given by a client: structure errors are a 400 listing them all. */
export function parseOrRefuse(json: unknown, what = 'workspace'): Workspace {
  const parsed = parseWorkspace(json);
  if (parsed.ok) return parsed.workspace;
  throw new FlowIssuesError(
    400,
    'invalid_workspace',
    `the ${what} is not a valid workspace; ${describeIssues(parsed.issues)}`,
    parsed.issues,
  );
}

export async function workspaceRow(db: Db, tenantId: string) {
  const [w] = await db.select().from(workspaces).where(eq(workspaces.tenantId, tenantId));
  return w;
}

/** The stored draft as JSON (what was saved), or the empty workspace when nothing was. */
export const draftJson = (row: { draft: unknown } | undefined): unknown => row?.draft ?? emptyWorkspace();

/** Which graph a route works on: the draft, the live version or a numbered version. */
export type FlowTarget = 'draft' | 'live' | number;
export const targetSchema = z
  .union([z.literal('draft'), z.literal('live'), z.coerce.number().int().min(1).max(1_000_000)])
  .describe("'draft' (default), 'live' (the published version) or a version number");

export async function versionRow(db: Db, tenantId: string, version: number) {
  const [v] = await db
    .select()
    .from(workspaceVersions)
    .where(and(eq(workspaceVersions.tenantId, tenantId), eq(workspaceVersions.version, version)));
  if (!v) throw notFound(`version ${version}`);
  return v;
}

/** The workspace of a target, parsed; a stored graph that no longer parses is a 422 with its issues. */
export async function loadTarget(
  db: Db,
  tenantId: string,
  target: FlowTarget = 'draft',
): Promise<{ workspace: Workspace; version: number | null }> {
  if (target === 'draft') {
    const json = draftJson(await workspaceRow(db, tenantId));
    const parsed = parseWorkspace(json);
    if (!parsed.ok)
      throw new FlowIssuesError(
        422,
        'invalid_workspace',
        `the draft is not a valid workspace; save a corrected one first; ${describeIssues(parsed.issues)}`,
        parsed.issues,
      );
    return { workspace: parsed.workspace, version: null };
  }
  let version = target;
  if (version === 'live') {
    const row = await workspaceRow(db, tenantId);
    if (row?.publishedVersion == null)
      throw new ApiError(404, 'not_published', 'no version is published yet');
    version = row.publishedVersion;
  }
  const v = await versionRow(db, tenantId, version);
  const parsed = parseWorkspace(v.graph);
  if (!parsed.ok)
    throw new FlowIssuesError(
      422,
      'invalid_workspace',
      `version ${version} no longer reads as a workspace; ${describeIssues(parsed.issues)}`,
      parsed.issues,
    );
  return { workspace: parsed.workspace, version };
}

/** What a flow may refer to in this tenant, read fresh from the database. */
export async function flowReferences(db: Db, tenantId: string): Promise<FlowReferences> {
  const numberRows = await db
    .select({ e164: numbers.e164 })
    .from(numbers)
    .where(eq(numbers.tenantId, tenantId));
  const lineRows = await db
    .select({ id: lines.id, extension: people.extension })
    .from(lines)
    .innerJoin(people, eq(people.id, lines.personId))
    .where(eq(lines.tenantId, tenantId));
  const peopleRows = await db.select({ id: people.id }).from(people).where(eq(people.tenantId, tenantId));
  const promptRows = await db
    .select({ id: audioPrompts.id })
    .from(audioPrompts)
    .where(eq(audioPrompts.tenantId, tenantId));
  const queueRows = await db.select({ id: queues.id }).from(queues).where(eq(queues.tenantId, tenantId));
  const boxRows = await db
    .select({ id: voicemailBoxes.id })
    .from(voicemailBoxes)
    .where(eq(voicemailBoxes.tenantId, tenantId));
  const lineExtensions = new Map<string, string>();
  for (const l of lineRows) if (l.extension) lineExtensions.set(l.extension, l.id);
  return {
    numbers: new Set(numberRows.map((n) => n.e164)),
    lineExtensions,
    people: new Set(peopleRows.map((p) => p.id)),
    lines: new Set(lineRows.map((l) => l.id)),
    prompts: new Set(promptRows.map((p) => p.id)),
    queues: new Set(queueRows.map((q) => q.id)),
    voicemailBoxes: new Set(boxRows.map((b) => b.id)),
  };
}

/** Display names of ring targets for static paths: 'person:<id>' and 'line:<id>' -> the person's name. */
export async function targetNames(db: Db, tenantId: string): Promise<Map<string, string>> {
  const rows = await db
    .select({ id: people.id, firstName: people.firstName, lastName: people.lastName, lineId: lines.id })
    .from(people)
    .leftJoin(lines, eq(lines.personId, people.id))
    .where(eq(people.tenantId, tenantId));
  const names = new Map<string, string>();
  for (const r of rows) {
    const name = `${r.firstName} ${r.lastName}`.trim();
    names.set(`person:${r.id}`, name);
    if (r.lineId) names.set(`line:${r.lineId}`, name);
  }
  return names;
}

/** Ids of the nodes whose config mentions the prompt (`{ kind: 'file', promptId }` anywhere in it). */
export function nodesUsingPrompt(graph: unknown, promptId: string): string[] {
  const nodes = (graph as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return [];
  const mentions = (v: unknown, depth: number): boolean => {
    if (depth > 32 || v === null || typeof v !== 'object') return false;
    if (Array.isArray(v)) return v.some((x) => mentions(x, depth + 1));
    const o = v as Record<string, unknown>;
    if (o.promptId === promptId) return true;
    return Object.values(o).some((x) => mentions(x, depth + 1));
  };
  return nodes
    .filter((n) => mentions((n as { config?: unknown })?.config, 0))
    .map((n) => String((n as { id?: unknown }).id));
}

/** The live graph of a tenant, if one is published (for reference checks). */
export async function liveGraph(db: Db, tenantId: string) {
  const [row] = await db
    .select({ version: workspaceVersions.version, graph: workspaceVersions.graph })
    .from(workspaces)
    .innerJoin(
      workspaceVersions,
      and(
        eq(workspaceVersions.tenantId, workspaces.tenantId),
        eq(workspaceVersions.version, workspaces.publishedVersion),
      ),
    )
    .where(and(eq(workspaces.tenantId, tenantId), isNotNull(workspaces.publishedVersion)));
  return row;
}
