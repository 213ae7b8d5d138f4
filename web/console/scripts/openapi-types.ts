// Writes the console's API types from the server's OpenAPI document, so a route's shape is
// defined once (its zod schema) and the console is checked against it. The server is built
// without a database or network: registering the routes is enough to describe them.
//   npx tsx web/console/scripts/openapi-types.ts          write src/api/openapi.gen.ts
//   npx tsx web/console/scripts/openapi-types.ts --check  exit 1 if an operation the file
//                                                          holds changed or disappeared
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from './openapi-document.ts';
import { operationsSource, splitOperations } from './openapi-to-ts.ts';

const target = fileURLToPath(new URL('../src/api/openapi.gen.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Formats like the rest of the repository (biome reads the source from stdin). */
function formatted(source: string): string {
  return execFileSync(join(root, 'node_modules/.bin/biome'), ['format', `--stdin-file-path=${target}`], {
    cwd: root,
    input: source,
    encoding: 'utf8',
  });
}

const fresh = formatted(operationsSource(await openApiDocument()));
if (process.argv.includes('--check')) {
  const now = splitOperations(fresh);
  const kept = splitOperations(readFileSync(target, 'utf8'));
  const changed = [...kept].filter(([op, text]) => now.get(op) !== text).map(([op]) => op);
  if (changed.length) {
    console.error(`the API changed under the console: ${changed.join(', ')}; run this script again`);
    process.exit(1);
  }
  console.log(`${kept.size} operations the console knows are unchanged (${now.size} in the API)`);
} else {
  writeFileSync(target, fresh);
  console.log(`wrote ${target}: ${splitOperations(fresh).size} operations`);
}
