// JSON Schema (as fastify-type-provider-zod writes it into OpenAPI 3.0) to TypeScript types:
// one entry per operation, keyed 'METHOD /path', with its path params, query, body and
// success response.
import type { JsonSchema, OpenApiDocument, OpenApiOperation } from './openapi-document.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const KEY_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const START = '// operation: ';

const prop = (name: string) => (KEY_RE.test(name) ? name : JSON.stringify(name));
const pad = (depth: number) => '  '.repeat(depth);

/** The TypeScript type of a JSON schema, indented for `depth`. */
export function typeOf(schema: JsonSchema | undefined, depth = 0): string {
  if (!schema || Object.keys(schema).length === 0) return 'unknown';
  const base = baseType(schema, depth);
  return schema.nullable === true && base !== 'null' && base !== 'unknown' ? `${base} | null` : base;
}

function union(parts: string[]): string {
  const unique = [...new Set(parts)];
  return unique.length === 1 ? (unique[0] as string) : unique.join(' | ');
}

function baseType(s: JsonSchema, depth: number): string {
  const variants = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (variants) return union(variants.map((v) => typeOf(v, depth)));
  if (Array.isArray(s.allOf)) return (s.allOf as JsonSchema[]).map((v) => typeOf(v, depth)).join(' & ');
  if (Array.isArray(s.enum)) return union(s.enum.map((v) => JSON.stringify(v)));
  if ('const' in s) return JSON.stringify(s.const);
  const type = s.type;
  if (Array.isArray(type)) return union(type.map((t) => typeOf({ ...s, type: t }, depth)));
  switch (type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array': {
      const item = typeOf(s.items as JsonSchema | undefined, depth);
      return /[|&]/.test(item) && !item.startsWith('{') ? `(${item})[]` : `${item}[]`;
    }
    case 'object':
      return objectType(s, depth);
    default:
      return s.properties ? objectType(s, depth) : 'unknown';
  }
}

function objectType(s: JsonSchema, depth: number): string {
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required ?? []) as string[]);
  const extra = s.additionalProperties;
  const names = Object.keys(props);
  if (names.length === 0) {
    if (extra && typeof extra === 'object') return `Record<string, ${typeOf(extra as JsonSchema, depth)}>`;
    return extra === false ? 'Record<string, never>' : 'Record<string, unknown>';
  }
  const lines = names.map((name) => {
    const p = props[name] as JsonSchema;
    const doc =
      typeof p.description === 'string' ? `${pad(depth + 1)}/** ${oneLine(p.description)} */\n` : '';
    const optional = required.has(name) ? '' : '?';
    return `${doc}${pad(depth + 1)}${prop(name)}${optional}: ${typeOf(p, depth + 1)};`;
  });
  return `{\n${lines.join('\n')}\n${pad(depth)}}`;
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').replace(/\*\//g, '*\\/');

function paramsType(op: OpenApiOperation, where: 'path' | 'query', depth: number): string {
  const params = (op.parameters ?? []).filter((p) => p.in === where);
  if (params.length === 0) return 'Record<string, never>';
  const properties = Object.fromEntries(params.map((p) => [p.name, p.schema]));
  // Query parameters with a default are optional for the caller even when marked required.
  const required = params.filter((p) => p.required && !('default' in p.schema)).map((p) => p.name);
  return objectType({ type: 'object', properties, required }, depth);
}

function bodyType(op: OpenApiOperation, depth: number): string {
  const json = op.requestBody?.content?.['application/json']?.schema;
  if (!json) return 'never';
  const t = typeOf(json, depth);
  return op.requestBody?.required ? t : `${t} | undefined`;
}

function responseType(op: OpenApiOperation, depth: number): string {
  const ok = Object.entries(op.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
  if (ok.length === 0) return 'unknown';
  return union(
    ok.map(([status, r]) => {
      if (status === '204') return 'null';
      const json = r.content?.['application/json']?.schema;
      return json ? typeOf(json, depth) : 'unknown';
    }),
  );
}

export function operationsSource(doc: OpenApiDocument): string {
  const entries: string[] = [];
  for (const path of Object.keys(doc.paths).sort()) {
    if (!path.startsWith('/api/')) continue;
    const item = doc.paths[path] ?? {};
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const key = `${method.toUpperCase()} ${path}`;
      entries.push(
        [
          `  ${START}${key}`,
          ...(op.summary ? [`  /** ${oneLine(op.summary)} */`] : []),
          `  '${key}': {`,
          `    params: ${paramsType(op, 'path', 2)};`,
          `    query: ${paramsType(op, 'query', 2)};`,
          `    body: ${bodyType(op, 2)};`,
          `    response: ${responseType(op, 2)};`,
          '  };',
        ].join('\n'),
      );
    }
  }
  return [
    '// Generated by web/console/scripts/openapi-types.ts from the OpenAPI document. Do not edit:',
    '// run `npm run console:api` after an API change.',
    'export interface Operations {',
    entries.join('\n'),
    '}',
    '',
  ].join('\n');
}

/** The text of each operation in a generated file, by its key. */
export function splitOperations(source: string): Map<string, string> {
  const out = new Map<string, string>();
  const chunks = source.split(`  ${START}`).slice(1);
  for (const chunk of chunks) {
    const key = chunk.slice(0, chunk.indexOf('\n'));
    const end = chunk.indexOf('\n  };');
    out.set(key, chunk.slice(0, end < 0 ? undefined : end));
  }
  return out;
}
