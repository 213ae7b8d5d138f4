// API keys: created with the least scopes they need, shown once, rotated and revoked.
import { useState } from 'react';
import { call, type Response } from '../api/client.ts';
import { fieldError, useAction, useQuery } from '../api/hooks.ts';
import { formatDateTime } from '../lib/format.ts';
import { Badge, Empty, Loaded } from '../ui/feedback.tsx';
import { FormError, Submit, TextField } from '../ui/forms.tsx';
import { Confirm, Section } from '../ui/layout.tsx';

type Key = Response<'GET /api/api-keys'>['items'][number];
type Scope = Key['scopes'][number];
type Resource = Scope['resource'];

const RESOURCES: [Resource, string][] = [
  ['tenant', 'Company settings'],
  ['people', 'People'],
  ['invitations', 'Invitations'],
  ['lines', 'Lines'],
  ['numbers', 'Numbers'],
  ['port_in', 'Port-in requests'],
  ['contacts', 'Contacts'],
  ['calls', 'Call history'],
  ['recordings', 'Recordings'],
  ['delivery_methods', 'Recording delivery methods'],
  ['voicemail', 'Voicemail'],
  ['queues', 'Queues'],
  ['workspace', 'Call flows'],
  ['prompts', 'Audio prompts'],
  ['files', 'Files'],
  ['api_keys', 'API keys'],
  ['audit', 'Audit log'],
];

export function ApiKeys() {
  const keys = useQuery((signal) => call('GET /api/api-keys', { query: { limit: 200 }, signal }), []);
  const [shown, setShown] = useState<{ name: string; key: string }>();
  const [revoking, setRevoking] = useState<Key>();
  const action = useAction();
  const rotate = async (k: Key) => {
    const r = await action.run(() => call('POST /api/api-keys/{id}/rotate', { params: { id: k.id } }));
    if (r) {
      setShown({ name: r.name, key: r.key });
      keys.reload();
    }
  };
  const revoke = async () => {
    if (!revoking) return;
    const r = await action.run(() => call('DELETE /api/api-keys/{id}', { params: { id: revoking.id } }));
    if (r !== undefined) {
      setRevoking(undefined);
      keys.reload();
    }
  };
  return (
    <>
      {shown ? (
        <div className="notice" role="status">
          <p>
            <strong>Copy the key “{shown.name}” now: it is shown only this once.</strong>
          </p>
          <p>
            <code className="secret-key">{shown.key}</code>
          </p>
          <p className="hint">Send it as the header Authorization: Bearer followed by the key.</p>
        </div>
      ) : null}
      <Section title="API keys">
        <FormError error={action.error} />
        <Loaded query={keys}>
          {(page) =>
            page.items.length === 0 ? (
              <Empty>No API keys. Create one for each integration, with only the access it needs.</Empty>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Key starts</th>
                      <th scope="col">Access</th>
                      <th scope="col">Last used</th>
                      <th scope="col">Status</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((k) => (
                      <tr key={k.id}>
                        <td>{k.name}</td>
                        <td>
                          <code>sb_{k.prefix}_…</code>
                        </td>
                        <td>{k.scopes.map((s) => `${s.resource}:${s.access}`).join(', ')}</td>
                        <td>{formatDateTime(k.lastUsedAt)}</td>
                        <td>
                          {k.revokedAt ? <Badge tone="bad">revoked</Badge> : <Badge tone="ok">active</Badge>}
                        </td>
                        <td className="actions">
                          {k.revokedAt ? null : (
                            <>
                              <button type="button" className="btn small" onClick={() => void rotate(k)}>
                                Rotate
                              </button>
                              <button
                                type="button"
                                className="btn small danger"
                                onClick={() => setRevoking(k)}
                              >
                                Revoke
                              </button>
                            </>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Loaded>
      </Section>
      <NewKey
        onCreated={(name, key) => {
          setShown({ name, key });
          keys.reload();
        }}
      />
      {revoking ? (
        <Confirm
          title={`Revoke “${revoking.name}”?`}
          message="Integrations using it stop working at once."
          confirm="Revoke"
          pending={action.pending}
          onConfirm={() => void revoke()}
          onClose={() => setRevoking(undefined)}
        />
      ) : null}
    </>
  );
}

function NewKey({ onCreated }: { onCreated: (name: string, key: string) => void }) {
  const [name, setName] = useState('');
  const [access, setAccess] = useState<Partial<Record<Resource, 'read' | 'write'>>>({});
  const action = useAction();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const scopes = Object.entries(access)
      .filter(([, a]) => a)
      .map(([resource, a]) => ({ resource: resource as Resource, access: a as 'read' | 'write' }));
    const r = await action.run(() => call('POST /api/api-keys', { body: { name, scopes } }));
    if (r) {
      setName('');
      setAccess({});
      onCreated(r.name, r.key);
    }
  };
  return (
    <Section title="Create an API key">
      <form onSubmit={submit} noValidate>
        <TextField
          label="Name"
          value={name}
          onValue={setName}
          required
          hint="What uses it, e.g. CRM sync."
          error={fieldError(action.error, 'name')}
        />
        <div className="table-wrap">
          <table className="scopes">
            <caption>Access</caption>
            <thead>
              <tr>
                <th scope="col">Area</th>
                <th scope="col">None</th>
                <th scope="col">Read</th>
                <th scope="col">Read and write</th>
              </tr>
            </thead>
            <tbody>
              {RESOURCES.map(([r, label]) => (
                <tr key={r}>
                  <th scope="row">{label}</th>
                  {(['', 'read', 'write'] as const).map((a) => (
                    <td key={a}>
                      <input
                        type="radio"
                        name={`scope-${r}`}
                        aria-label={`${label}: ${a || 'none'}`}
                        checked={(access[r] ?? '') === a}
                        onChange={() => setAccess({ ...access, [r]: a || undefined })}
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <FormError error={action.error} atFields={['name']} />
        <Submit pending={action.pending}>Create key</Submit>
      </form>
    </Section>
  );
}
