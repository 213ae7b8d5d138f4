// Writes the console's API types from the server's OpenAPI document, so a route's shape is
// defined once (its zod schema) and the console is checked against it. The server is built
// without a database or network: registering the routes is enough to describe them.
//   npx tsx web/console/scripts/openapi-types.ts          write src/api/openapi.gen.ts
//   npx tsx web/console/scripts/openapi-types.ts --check  exit 1 if an operation the file
//                                                          holds changed or disappeared
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openApiDocument } from './openapi-document.ts';
import { operationsSource, splitOperations } from './openapi-to-ts.ts';

export const GENERATED = fileURLToPath(new URL('../src/api/openapi.gen.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Formats like the rest of the repository (biome reads the source from stdin). */
function formatted(source: string): string {
  return execFileSync(join(root, 'node_modules/.bin/biome'), ['format', `--stdin-file-path=${GENERATED}`], {
    cwd: root,
    input: source,
    encoding: 'utf8',
  });
}

/** The types file as the server's routes describe themselves now. */
export async function freshTypes(): Promise<string> {
  return formatted(operationsSource(await openApiDocument()));
}

/** Operations of the committed types file that the API no longer describes the same way. */
export async function changedOperations(
  fresh?: string,
): Promise<{ changed: string[]; known: number; now: number }> {
  const now = splitOperations(fresh ?? (await freshTypes()));
  const kept = splitOperations(readFileSync(GENERATED, 'utf8'));
  const changed = [...kept].filter(([op, text]) => now.get(op) !== text).map(([op]) => op);
  return { changed, known: kept.size, now: now.size };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const fresh = await freshTypes();
  if (process.argv.includes('--check')) {
    const r = await changedOperations(fresh);
    if (r.changed.length) {
      console.error(`the API changed under the console: ${r.changed.join(', ')}; run npm run console:api`);
      process.exit(1);
    }
    console.log(`${r.known} operations the console knows are unchanged (${r.now} in the API)`);
  } else {
    writeFileSync(GENERATED, fresh);
    console.log(`wrote ${GENERATED}: ${splitOperations(fresh).size} operations`);
  }
}
