// Who may do what. Routes name a resource and an access level; roles and API-key scopes
// grant them. Anything not granted here is refused.

export const RESOURCES = [
  'tenant',
  'people',
  'invitations',
  'numbers',
  'port_in',
  'contacts',
  'files',
  'api_keys',
  'audit',
  'workspace',
  'prompts',
  'lines',
  'calls',
  'recordings',
  'voicemail',
  'queues',
  // Where recordings are sent (servers and their passwords): administrators only.
  'delivery_methods',
] as const;
export type Resource = (typeof RESOURCES)[number];
export type Access = 'read' | 'write';
export type TenantRole = 'administrator' | 'supervisor' | 'agent';
export type Role = TenantRole | 'operator';

const all = (access: Access) =>
  Object.fromEntries(RESOURCES.map((r) => [r, access])) as Record<Resource, Access>;

const ROLE_GRANTS: Record<TenantRole, Partial<Record<Resource, Access>>> = {
  administrator: all('write'),
  // Spec: supervisors view analytics and recordings of their teams and configure call flows.
  supervisor: {
    tenant: 'read',
    people: 'read',
    numbers: 'read',
    port_in: 'read',
    contacts: 'write',
    files: 'read',
    workspace: 'write',
    prompts: 'write',
    lines: 'read',
    calls: 'read',
    // Their teams' recordings only (the routes check): listen and delete.
    recordings: 'write',
    voicemail: 'write',
    // Every queue's live state; logging their teams' agents in and out (the routes check).
    queues: 'read',
  },
  // Agents place and take calls: they see the directory and the shared contacts, and may
  // read the call flows and prompts (to know where a call came from), not change them.
  // Voicemail: their own box only (the routes check the owner).
  agent: {
    tenant: 'read',
    people: 'read',
    contacts: 'read',
    workspace: 'read',
    prompts: 'read',
    // Recordings of their own calls, to listen to (the routes check).
    recordings: 'read',
    voicemail: 'write',
    // Queues' live state; logging themselves in and out and pausing (the routes check).
    queues: 'read',
  },
};

const allows = (granted: Access | undefined, wanted: Access) =>
  granted === 'write' || (granted === 'read' && wanted === 'read');

export function roleAllows(role: TenantRole, resource: Resource, access: Access): boolean {
  return allows(ROLE_GRANTS[role][resource], access);
}

export function scopesAllow(
  scopes: readonly { resource: string; access: Access }[],
  resource: Resource,
  access: Access,
) {
  return scopes.some((s) => s.resource === resource && allows(s.access, access));
}
