// A failed query whose values include a secret: the request fails with 500 and the log says
// which query and why, never the values (drizzle puts them in the error's message and stack).
import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { installErrorHandling } from '../../src/api/errors.ts';
import { createLogger } from '../../src/cli/runtime.ts';
import { openStore } from '../../src/store/database.ts';
import { tenants } from '../../src/store/schema.ts';

describe('logged database errors', () => {
  it('keep the query and the reason, and leave the values out', async () => {
    const store = await openStore({ kind: 'pglite' });
    await store.migrate();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = Fastify({ loggerInstance: createLogger({ logLevel: 'info' }, sink) as FastifyBaseLogger });
    installErrorHandling(app);
    const secret = 'hunter2-very-secret';
    app.get('/boom', async () => {
      // Not a uuid: the database refuses the insert, with the secret among the values.
      await store.db
        .insert(tenants)
        .values({ id: 'not-a-uuid', name: secret } as typeof tenants.$inferInsert);
      return {};
    });
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain(secret);
    const failed = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request failed');
    expect(failed?.err?.message).toMatch(/^Failed query: insert into "tenants"/);
    expect(failed?.err?.message).toMatch(/invalid input syntax for type uuid/);
    expect(lines.join('')).not.toContain(secret);
    await app.close();
    await store.close();
  });
});
