// The server's OpenAPI document, built in process with no database, mail or SIP: route
// registration needs none of them, and nothing here handles a request.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer, type ServicesInput } from '../../../src/api/server.ts';
import { loadConfig } from '../../../src/config/index.ts';

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}
export interface OpenApiOperation {
  summary?: string;
  parameters?: { in: string; name: string; required?: boolean; schema: JsonSchema }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
}
export type JsonSchema = { [key: string]: unknown };

export async function openApiDocument(): Promise<OpenApiDocument> {
  const dataDir = mkdtempSync(join(tmpdir(), 'openapi-doc-'));
  const unused = {} as never;
  const services: ServicesInput = {
    config: loadConfig({}, { dataDir, sipEnabled: false }),
    store: unused,
    mailer: unused,
    outbox: null,
    files: unused,
    pbx: null,
  };
  const app = await buildServer(services, false);
  try {
    await app.ready();
    return app.swagger() as unknown as OpenApiDocument;
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
