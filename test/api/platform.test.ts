// Health, metrics, OpenAPI and browsable docs, the error shape, and the operator outbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInOperator, signUpCompany } from '../helpers/accounts.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('platform endpoints', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  });
  afterAll(() => server?.close());

  it('reports health and Prometheus metrics', async () => {
    const c = server.client();
    const health = await c.get('/healthz');
    expect(health.body).toEqual({ status: 'ok', database: 'up' });
    await c.get('/api/people');
    const metrics = await c.get('/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    expect(metrics.text).toMatch(
      /switchboard_http_request_duration_seconds_count\{method="GET",route="\/api\/people",status="401"\} 1/,
    );
    expect(metrics.text).toMatch(/process_cpu_user_seconds_total/);
  });

  it('documents every API route in OpenAPI and serves browsable docs', async () => {
    const c = server.client();
    const spec = await c.get('/api/openapi.json');
    expect(spec.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(spec.body.paths);
    for (const p of [
      '/api/signup',
      '/api/people',
      '/api/people/{id}',
      '/api/numbers',
      '/api/port-in-requests',
      '/api/contacts/import',
      '/api/api-keys',
      '/api/audit-events',
      '/api/operator/numbers',
    ]) {
      expect(paths).toContain(p);
    }
    // Every registered API route, as Fastify knows it, is in the document.
    const registered = server.running.app.apiRoutes;
    expect(registered.length).toBeGreaterThan(40);
    for (const route of registered) {
      const [method, url] = route.split(' ') as [string, string];
      const path = url.replace(/:(\w+)/g, '{$1}');
      expect(spec.body.paths[path]?.[method.toLowerCase()], route).toBeDefined();
    }
    const people = spec.body.paths['/api/people'];
    expect(people.post.requestBody.content['application/json'].schema.properties.extension).toBeDefined();
    const docs = await c.get('/api/docs/');
    expect(docs.status).toBe(200);
    expect(docs.text).toMatch(/swagger/i);
  });

  it('answers errors in one shape', async () => {
    const c = server.client();
    const missing = await c.get('/api/no-such-thing');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: { code: 'not_found', message: 'no route for GET /api/no-such-thing' },
    });
    const badJson = await c.post('/api/auth/login', '{"email":', { 'content-type': 'application/json' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.code).toBe('invalid_json');
    const wrongType = await c.post('/api/auth/login', '<xml/>', { 'content-type': 'application/xml' });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.error.code).toBe('unsupported_media_type');
  });

  it('lets the operator read the local outbox, and nobody else', async () => {
    const company = await signUpCompany(server, 'Outbox Co');
    const operator = await signInOperator(server);
    const out = await operator.get(`/api/operator/outbox?to=${encodeURIComponent(company.email)}`);
    expect(out.body.smtp).toBe(false);
    expect(out.body.items[0].subject).toMatch(/verify/i);
    expect(out.body.items[0].text).toContain('/verify-email?token=');
    expect((await company.admin.get('/api/operator/outbox')).status).toBe(403);
    expect((await server.client().get('/api/operator/outbox')).status).toBe(401);
    const again = await server
      .client()
      .post('/api/setup', { token: 'x'.repeat(20), email: 'x@y.example', password: 'long enough pw' });
    expect(again.status).toBe(409);
    expect((await server.client().get('/api/setup')).body).toEqual({ needed: false });
  });
});
