// The console's API types are generated from the OpenAPI document (npm run console:api): an
// operation the console was built against that the server now describes differently (a
// renamed field, a removed route) fails here, so the console is regenerated and type-checked
// before it breaks in a browser. New operations are fine.
import { describe, expect, it } from 'vitest';
import { operationsSource, splitOperations, typeOf } from '../../web/console/scripts/openapi-to-ts.ts';
import { changedOperations } from '../../web/console/scripts/openapi-types.ts';

describe('console API types', () => {
  it('still match every operation of the API the console knows', async () => {
    const r = await changedOperations();
    expect(r.changed, 'run npm run console:api, then npm run typecheck').toEqual([]);
    expect(r.known).toBeGreaterThan(100);
  });

  it('turn JSON schemas into the TypeScript a reader expects', () => {
    expect(typeOf({ type: 'string', nullable: true })).toBe('string | null');
    expect(typeOf({ type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'number' }] } })).toBe(
      '(string | number)[]',
    );
    expect(typeOf({ enum: ['a', null] })).toBe('"a" | null');
    expect(typeOf({ type: 'object', additionalProperties: { type: 'number' } })).toBe(
      'Record<string, number>',
    );
    const source = operationsSource({
      paths: {
        '/api/things/{id}': {
          get: {
            summary: 'One thing',
            parameters: [{ in: 'path', name: 'id', required: true, schema: { type: 'string' } }],
            responses: {
              '200': {
                content: {
                  'application/json': {
                    schema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
                  },
                },
              },
            },
          },
        },
      },
    });
    const ops = splitOperations(source);
    expect([...ops.keys()]).toEqual(['GET /api/things/{id}']);
    expect(ops.get('GET /api/things/{id}')).toContain('response: {\n      id: string;\n    };');
  });
});
