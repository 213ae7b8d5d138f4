// People with extensions and lines, made through the API, and baresip phones registered as
// them at the test server: the set-up of the interop tests that call between extensions.
import { expect } from 'vitest';
import { type Baresip, startBaresip } from './baresip.ts';
import type { ApiClient } from './client.ts';
import type { TestServer } from './server.ts';

export interface Extension {
  personId: string;
  lineId: string;
  username: string;
  password: string;
  domain: string;
}

/** A person with each extension, and a line for each; the line's password as shown once. */
export async function createExtensions(admin: ApiClient, list: string[]): Promise<Map<string, Extension>> {
  const out = new Map<string, Extension>();
  for (const ext of list) {
    const person = await admin.post('/api/people', { firstName: 'Ext', lastName: ext, extension: ext });
    expect(person.status).toBe(201);
    const line = await admin.post(`/api/people/${person.body.id}/line`, {});
    expect(line.status, JSON.stringify(line.body)).toBe(201);
    out.set(ext, {
      personId: person.body.id,
      lineId: line.body.id,
      username: line.body.sipUsername,
      password: line.body.sipPassword,
      domain: line.body.sipDomain,
    });
  }
  return out;
}

/** A baresip phone sending a tone, recording its calls, registered at the server as `e`. */
export function extensionPhone(
  server: TestServer,
  name: string,
  e: Extension,
  o: { hz: number; autoAnswer: boolean; displayName?: string },
): Promise<Baresip> {
  const sipPort = server.running.pbx?.sipPort;
  if (!sipPort) throw new Error('SIP is not running');
  return startBaresip({
    name,
    account: {
      user: e.username,
      password: e.password,
      domain: e.domain,
      registrar: `127.0.0.1:${sipPort}`,
      ...(o.displayName ? { displayName: o.displayName } : {}),
    },
    tone: { hz: o.hz },
    record: true,
    autoAnswer: o.autoAnswer,
  });
}
