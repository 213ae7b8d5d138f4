// Call flows through the API, as an administrator, a supervisor and an agent see them: the
// draft saved with its issues, publishing refused while errors remain, versions and rollback,
// static paths, simulation, flow tests that catch a change of behaviour, and tenant walls.

import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaces, workspaceVersions } from '../../src/store/schema.ts';
import { addUser, type Company, signUpCompany } from '../helpers/accounts.ts';
import { databases, startTestServer, type TestServer } from '../helpers/server.ts';

type Json = Record<string, unknown>;
const tts = (text: string) => ({ kind: 'tts', text, language: 'en' });

/**
 * Extension 700: a menu; 1 rings sales, 2 hangs up (the other way round with swapKeys), no key
 * or a wrong one ends at 'bye'; sales' busy output has no cable.
 */
function menuFlow(salesPersonId: string, swapKeys = false): Json {
  return {
    tabs: [{ id: 'main', name: 'Main' }],
    nodes: [
      { id: 'entry', type: 'internal-number', name: 'Reception', config: { extension: '700' } },
      {
        id: 'menu',
        type: 'menu',
        name: 'Main menu',
        config: { prompt: tts('For sales press 1. To hang up press 2.'), keys: ['1', '2'], retries: 1 },
      },
      {
        id: 'sales',
        type: 'ring',
        name: 'Sales',
        config: { targets: [{ kind: 'person', id: salesPersonId }], timeoutSec: 20 },
      },
      { id: 'bye', type: 'hangup', name: 'Bye', config: {} },
    ],
    edges: [
      { id: 'e1', from: 'entry', output: 'next', to: 'menu' },
      { id: 'e2', from: 'menu', output: '1', to: swapKeys ? 'bye' : 'sales' },
      { id: 'e3', from: 'menu', output: '2', to: swapKeys ? 'sales' : 'bye' },
      { id: 'e4', from: 'menu', output: 'default', to: 'bye' },
      { id: 'e5', from: 'sales', output: 'no-answer', to: 'bye' },
    ],
    layout: { entry: { tab: 'main', x: 0, y: 0 }, menu: { tab: 'main', x: 200, y: 0 } },
  };
}

/** Three errors: a number the company does not own, a person that does not exist, key 2 uncabled. */
function brokenFlow(): Json {
  return {
    tabs: [{ id: 'main', name: 'Main' }],
    nodes: [
      { id: 'did', type: 'number', name: 'Main number', config: { number: '+37167999999' } },
      { id: 'menu', type: 'menu', name: 'Menu', config: { prompt: tts('Press 1 or 2'), keys: ['1', '2'] } },
      {
        id: 'ring',
        type: 'ring',
        name: 'Ring',
        config: { targets: [{ kind: 'person', id: '00000000-0000-7000-8000-000000000000' }] },
      },
    ],
    edges: [
      { id: 'e1', from: 'did', output: 'next', to: 'menu' },
      { id: 'e2', from: 'menu', output: '1', to: 'ring' },
    ],
    layout: {},
  };
}

const scenario = (digits: (string | null)[], answers: Json = {}) => ({
  entry: { extension: '700' },
  caller: { number: '+37129000001', name: 'Customer' },
  at: '2025-03-28T09:30:00+02:00',
  digits,
  answers,
});

describe.each(databases())('call flows on %s', (db) => {
  let server: TestServer;
  let acme: Company;
  let other: Company;
  beforeAll(async () => {
    server = await startTestServer(db);
    acme = await signUpCompany(server, 'Acme Flows');
    other = await signUpCompany(server, 'Other Flows');
  });
  afterAll(() => server?.close());

  it('starts with an empty draft and nothing published', async () => {
    const ws = await acme.admin.get('/api/workspace');
    expect(ws.status).toBe(200);
    expect(ws.body).toMatchObject({
      draft: { tabs: [{ id: 'main', name: 'Main' }], nodes: [], edges: [], layout: {} },
      updatedAt: null,
      publishedVersion: null,
      issues: [],
    });
    expect((await acme.admin.get('/api/workspace/versions')).body).toEqual({ items: [], nextCursor: null });
    const live = await acme.admin.get('/api/workspace/paths?version=live');
    expect(live.status).toBe(404);
    expect(live.body.error.code).toBe('not_published');
  });

  it('refuses a draft with a broken structure, listing each problem', async () => {
    const res = await acme.admin.put('/api/workspace', {
      draft: {
        tabs: [],
        nodes: [
          { id: 'a', type: 'teleport', name: 'A', config: {} },
          { id: 'b', type: 'hangup', name: 'B', config: {} },
        ],
        edges: [],
        layout: {},
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_workspace');
    expect(res.body.issues).toEqual([expect.objectContaining({ code: 'unknown-type', nodeId: 'a' })]);
    expect(res.body.error.message).toMatch(/nodes\.0\.type: unknown node type/);
    const twice = await acme.admin.put('/api/workspace', {
      draft: {
        tabs: [],
        nodes: [
          { id: 'b', type: 'hangup', name: 'B', config: {} },
          { id: 'b', type: 'hangup', name: 'B again', config: {} },
        ],
        edges: [],
        layout: {},
      },
    });
    expect(twice.status).toBe(400);
    expect(twice.body.issues).toEqual([
      expect.objectContaining({
        severity: 'error',
        message: expect.stringMatching(/node id 'b' is used twice/),
      }),
    ]);
    expect((await acme.admin.put('/api/workspace', { draft: 'nodes' })).status).toBe(400);
    expect((await acme.admin.get('/api/workspace')).body.updatedAt).toBeNull();
  });

  it('saves a draft with errors, and refuses to publish it with every error listed', async () => {
    const saved = await acme.admin.put('/api/workspace', { draft: brokenFlow() });
    expect(saved.status).toBe(200);
    expect(saved.body.updatedAt).not.toBeNull();
    const codes = saved.body.issues
      .filter((i: Json) => i.severity === 'error')
      .map((i: Json) => [i.nodeId, i.code]);
    expect(codes).toEqual(
      expect.arrayContaining([
        ['did', 'number-not-owned'],
        ['ring', 'missing-reference'],
        ['menu', 'menu-key-not-connected'],
      ]),
    );
    const validate = await acme.admin.post('/api/workspace/validate', {});
    expect(validate.body.valid).toBe(false);
    expect(validate.body.issues).toEqual(saved.body.issues);

    const publish = await acme.admin.post('/api/workspace/publish', { note: 'first try' });
    expect(publish.status).toBe(422);
    expect(publish.body.error.code).toBe('workspace_invalid');
    expect(publish.body.error.message).toMatch(/^publishing is refused: 3 errors: /);
    expect(publish.body.error.message).toMatch(/\+37167999999 is not one of this account's numbers/);
    expect(publish.body.issues).toHaveLength(3);
    expect(publish.body.issues.every((i: Json) => i.severity === 'error')).toBe(true);
    expect(publish.body.issues).toContainEqual(
      expect.objectContaining({ nodeId: 'ring', field: 'targets.0.id', code: 'missing-reference' }),
    );
    expect((await acme.admin.get('/api/workspace/versions')).body.items).toEqual([]);
  });

  it('publishes versions, lists them, and rolls back by publishing a copy', async () => {
    const v1Draft = menuFlow(acme.personId);
    const saved = await acme.admin.put('/api/workspace', { draft: v1Draft });
    expect(saved.body.issues.filter((i: Json) => i.severity === 'error')).toEqual([]);
    const v1 = await acme.admin.post('/api/workspace/publish', { note: 'menu' });
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({
      version: 1,
      note: 'menu',
      live: true,
      publishedBy: { userId: expect.any(String), email: acme.email },
    });
    // The ring node's busy output has no cable: a warning, not a refusal.
    expect(v1.body.warnings).toContainEqual(
      expect.objectContaining({ severity: 'warning', nodeId: 'sales', output: 'busy' }),
    );

    await acme.admin.put('/api/workspace', { draft: menuFlow(acme.personId, true) });
    const v2 = await acme.admin.post('/api/workspace/publish');
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({ version: 2, note: null, live: true });
    expect((await acme.admin.get('/api/workspace')).body.publishedVersion).toBe(2);

    const list = await acme.admin.get('/api/workspace/versions');
    expect(list.body.items.map((v: Json) => [v.version, v.live])).toEqual([
      [2, true],
      [1, false],
    ]);
    const page = await acme.admin.get('/api/workspace/versions?limit=1');
    expect(page.body.items.map((v: Json) => v.version)).toEqual([2]);
    const next = await acme.admin.get(`/api/workspace/versions?limit=1&cursor=${page.body.nextCursor}`);
    expect(next.body).toMatchObject({ items: [{ version: 1 }], nextCursor: null });

    const one = await acme.admin.get('/api/workspace/versions/1');
    expect(one.body).toMatchObject({ version: 1, live: false, note: 'menu' });
    expect(one.body.graph.edges).toContainEqual({ id: 'e2', from: 'menu', output: '1', to: 'sales' });
    expect((await acme.admin.get('/api/workspace/versions/9')).status).toBe(404);

    const back = await acme.admin.post('/api/workspace/rollback', { version: 1 });
    expect(back.status).toBe(201);
    expect(back.body).toMatchObject({
      version: 3,
      rolledBackTo: 1,
      live: true,
      note: 'rollback to version 1',
    });
    const after = await acme.admin.get('/api/workspace');
    expect(after.body.publishedVersion).toBe(3);
    expect(after.body.draft.edges).toContainEqual({ id: 'e2', from: 'menu', output: '1', to: 'sales' });
    expect((await acme.admin.get('/api/workspace/versions/3')).body.graph).toEqual(one.body.graph);
    // History is never rewritten.
    expect((await acme.admin.get('/api/workspace/versions')).body.items.map((v: Json) => v.version)).toEqual([
      3, 2, 1,
    ]);
    expect((await acme.admin.post('/api/workspace/rollback', { version: 42 })).status).toBe(404);

    const events = await acme.admin.get('/api/audit-events?limit=200');
    const actions = events.body.items.map((e: Json) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['workspace.save', 'workspace.publish', 'workspace.rollback']),
    );
  });

  it('shows every path from each entry and simulates a scenario to a trace', async () => {
    const paths = await acme.admin.get('/api/workspace/paths');
    expect(paths.status).toBe(200);
    expect(paths.body.version).toBeNull();
    expect(paths.body.entries).toHaveLength(1);
    expect(paths.body.entries[0]).toMatchObject({ entryNodeId: 'entry', truncated: false });
    expect(paths.body.entries[0].paths.length).toBeGreaterThanOrEqual(3);
    expect((await acme.admin.get('/api/workspace/paths?version=2')).body.version).toBe(2);

    const sim = await acme.admin.post('/api/workspace/simulate', {
      scenario: scenario(['1'], { [`person:${acme.personId}`]: 'answered' }),
    });
    expect(sim.status).toBe(200);
    expect(sim.body.version).toBeNull();
    expect(sim.body.result.steps.map((s: Json) => s.nodeId)).toEqual(['entry', 'menu', 'sales']);
    expect(sim.body.result.end).toMatchObject({ reason: 'answered', nodeId: 'sales' });
    expect(sim.body.result.effects).toContainEqual(
      expect.objectContaining({ kind: 'ring', targets: [{ kind: 'person', id: acme.personId }] }),
    );
    // Version 2 sends key 1 to the hangup.
    const v2 = await acme.admin.post('/api/workspace/simulate', { scenario: scenario(['1']), version: 2 });
    expect(v2.body.version).toBe(2);
    expect(v2.body.result.steps.map((s: Json) => s.nodeId)).toEqual(['entry', 'menu', 'bye']);

    const bad = await acme.admin.post('/api/workspace/simulate', {
      scenario: { ...scenario([]), at: 'tuesday' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('scenario.at');
    const nowhere = await acme.admin.post('/api/workspace/simulate', {
      scenario: { ...scenario([]), entry: { extension: '999' } },
    });
    expect(nowhere.status).toBe(400);
    expect(nowhere.body.error).toMatchObject({
      code: 'invalid_scenario',
      message: expect.stringMatching(/999/),
    });
  });

  it('saves flow tests that pass, and fail when the flow changes what callers get', async () => {
    const answered = { [`person:${acme.personId}`]: 'answered' };
    const create = await acme.admin.post('/api/flow-tests', {
      name: 'Key 1 reaches sales',
      scenario: scenario(['1'], answered),
      expected: { endReason: 'answered', endsAt: 'sales', rings: [{ kind: 'person', id: acme.personId }] },
    });
    expect(create.status).toBe(201);
    expect(create.body).toMatchObject({ name: 'Key 1 reaches sales', lastRunAt: null, lastPassed: null });
    const second = await acme.admin.post('/api/flow-tests', {
      name: 'No key hangs up',
      scenario: scenario([null, null]),
      expected: { endsAt: 'bye', avoids: ['sales'] },
    });
    expect(second.status).toBe(201);
    const invalid = await acme.admin.post('/api/flow-tests', {
      name: 'Nothing expected',
      scenario: scenario([]),
      expected: {},
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.field).toMatch(/^expected/);
    const badScenario = await acme.admin.post('/api/flow-tests', {
      name: 'Bad',
      scenario: { ...scenario([]), digits: ['x'] },
      expected: { endsAt: 'bye' },
    });
    expect(badScenario.status).toBe(400);
    expect(badScenario.body.error.field).toBe('scenario.digits.0');

    const run = await acme.admin.post(`/api/flow-tests/${create.body.id}/run`);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ version: null, passed: true, failures: [] });
    expect(run.body.result.end.reason).toBe('answered');

    // The draft now sends key 1 to the hangup: the test catches it.
    await acme.admin.put('/api/workspace', { draft: menuFlow(acme.personId, true) });
    const all = await acme.admin.post('/api/flow-tests/run');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ version: null, passed: 1, failed: 1 });
    const failed = all.body.results.find((r: Json) => r.id === create.body.id);
    expect(failed.passed).toBe(false);
    expect(failed.failures.join('\n')).toMatch(/expected the call to end 'answered'/);
    const stored = await acme.admin.get(`/api/flow-tests/${create.body.id}`);
    expect(stored.body.lastPassed).toBe(false);
    expect(stored.body.lastRunAt).not.toBeNull();

    // The live version (3, the rollback to version 1) still behaves.
    const live = await acme.admin.post('/api/flow-tests/run?version=live');
    expect(live.body).toMatchObject({ version: 3, passed: 2, failed: 0 });
    const v2 = await acme.admin.post(`/api/flow-tests/${create.body.id}/run?version=2`);
    expect(v2.body).toMatchObject({ version: 2, passed: false });

    const renamed = await acme.admin.patch(`/api/flow-tests/${second.body.id}`, { name: 'Silence hangs up' });
    expect(renamed.body).toMatchObject({ name: 'Silence hangs up', lastPassed: true });
    const changed = await acme.admin.patch(`/api/flow-tests/${second.body.id}`, {
      expected: { endsAt: 'menu' },
    });
    expect(changed.body.lastPassed).toBeNull();
    const list = await acme.admin.get('/api/flow-tests');
    expect(list.body.items.map((t: Json) => t.name)).toEqual(['Key 1 reaches sales', 'Silence hangs up']);
    expect((await acme.admin.delete(`/api/flow-tests/${second.body.id}`)).status).toBe(204);
    expect((await acme.admin.get(`/api/flow-tests/${second.body.id}`)).status).toBe(404);
  });

  it('exports the draft as a file and imports it with the same checks', async () => {
    const exported = await acme.admin.get('/api/workspace/export');
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-disposition')).toMatch(
      /attachment; filename="workspace-draft.json"/,
    );
    expect(exported.body.nodes.map((n: Json) => n.id)).toEqual(['entry', 'menu', 'sales', 'bye']);
    const v1 = await acme.admin.get('/api/workspace/export?version=1');
    expect(v1.headers.get('content-disposition')).toMatch(/workspace-1.json/);

    const imported = await other.admin.post('/api/workspace/import', exported.body);
    expect(imported.status).toBe(200);
    // The other company has no such person: the import is kept, with the error to fix.
    expect(imported.body.issues).toContainEqual(
      expect.objectContaining({ nodeId: 'sales', code: 'missing-reference' }),
    );
    expect(imported.body.draft.nodes).toEqual(exported.body.nodes);
    const broken = await other.admin.post('/api/workspace/import', { ...exported.body, edges: 'none' });
    expect(broken.status).toBe(400);
    expect(broken.body.issues[0]).toMatchObject({ code: 'invalid-structure' });

    const huge = await acme.admin.put('/api/workspace', {
      draft: { ...exported.body, pad: 'x'.repeat(2_200_000) },
    });
    expect(huge.status).toBe(413);
  });

  it('lets supervisors edit and agents only read; another company sees none of it', async () => {
    const supervisor = await addUser(server, acme, 'supervisor');
    const agent = await addUser(server, acme, 'agent');
    const draft = menuFlow(acme.personId);
    expect((await supervisor.client.put('/api/workspace', { draft })).status).toBe(200);
    expect((await supervisor.client.post('/api/workspace/publish', { note: 'by supervisor' })).status).toBe(
      201,
    );

    const read = await agent.client.get('/api/workspace');
    expect(read.status).toBe(200);
    expect(read.body.publishedVersion).toBe(4);
    expect((await agent.client.get('/api/workspace/versions')).status).toBe(200);
    expect((await agent.client.get('/api/workspace/paths')).status).toBe(200);
    expect((await agent.client.post('/api/workspace/simulate', { scenario: scenario(['2']) })).status).toBe(
      200,
    );
    expect((await agent.client.get('/api/flow-tests')).status).toBe(200);
    for (const [method, path, body] of [
      ['PUT', '/api/workspace', { draft }],
      ['POST', '/api/workspace/import', draft],
      ['POST', '/api/workspace/publish', {}],
      ['POST', '/api/workspace/rollback', { version: 1 }],
      ['POST', '/api/flow-tests', { name: 'x', scenario: scenario([]), expected: { endsAt: 'bye' } }],
      ['POST', '/api/flow-tests/run', {}],
    ] as const) {
      const res = await agent.client.request(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
    }

    const theirs = await other.admin.get('/api/workspace');
    expect(theirs.body.publishedVersion).toBeNull();
    expect(theirs.body.draft.nodes.map((n: Json) => n.id)).toEqual(['entry', 'menu', 'sales', 'bye']);
    expect((await other.admin.get('/api/workspace/versions')).body.items).toEqual([]);
    expect((await other.admin.get('/api/workspace/versions/1')).status).toBe(404);
    const tests = (await acme.admin.get('/api/flow-tests')).body.items;
    expect((await other.admin.get('/api/flow-tests')).body.items).toEqual([]);
    expect((await other.admin.get(`/api/flow-tests/${tests[0].id}`)).status).toBe(404);
    expect((await other.admin.post(`/api/flow-tests/${tests[0].id}/run`)).status).toBe(404);
  });

  it('never shows a SIP provider password: a placeholder, which saved back keeps the secret', async () => {
    const flow = (password: string) => ({
      tabs: [{ id: 'main', name: 'Main' }],
      nodes: [
        { id: 'entry', type: 'internal-number', name: 'Provider', config: { extension: '710' } },
        {
          id: 'out',
          type: 'forward-sip',
          name: 'Provider',
          config: { uri: 'sip:desk@provider.example', username: 'acct', password },
        },
      ],
      edges: [{ id: 'e1', from: 'entry', output: 'next', to: 'out' }],
      layout: {},
    });
    const saved = await other.admin.put('/api/workspace', { draft: flow('s3cret-pass') });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const shown = saved.body.draft.nodes.find((n: Json) => n.id === 'out');
    expect(shown.config).toEqual({
      uri: 'sip:desk@provider.example',
      username: 'acct',
      password: '********',
    });
    expect(JSON.stringify((await other.admin.get('/api/workspace/export')).body)).not.toContain('s3cret');

    // The editor saves back what it was shown: the secret stays, and publishes as it was.
    expect((await other.admin.put('/api/workspace', { draft: saved.body.draft })).status).toBe(200);
    const published = await other.admin.post('/api/workspace/publish', {});
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    const version = await other.admin.get(`/api/workspace/versions/${published.body.version}`);
    expect(JSON.stringify(version.body)).not.toContain('s3cret');
    const [row] = await server.running.store.db
      .select()
      .from(workspaceVersions)
      .where(
        and(
          eq(workspaceVersions.tenantId, other.tenantId),
          eq(workspaceVersions.version, published.body.version),
        ),
      );
    expect(JSON.stringify(row?.graph)).toContain('s3cret-pass');

    // A new password replaces it; a placeholder on a node that had none is no password.
    const changed = flow('n3w-pass');
    changed.nodes.push({
      ...changed.nodes[1],
      id: 'out2',
      config: { ...changed.nodes[1]?.config, password: '********' },
    } as never);
    changed.edges.push({ id: 'e2', from: 'out', output: 'failed', to: 'out2' });
    await other.admin.put('/api/workspace', { draft: changed });
    const [draft] = await server.running.store.db.select().from(workspaces);
    const stored = (await server.running.store.db.select().from(workspaces)).map((w) =>
      JSON.stringify(w.draft),
    );
    expect(draft).toBeDefined();
    expect(
      stored.some((d) => d.includes('n3w-pass') && !d.includes('s3cret') && !d.includes('********')),
    ).toBe(true);
  });
});
