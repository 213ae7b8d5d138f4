// Recording delivery methods (spec 003 Settings > Delivery Methods): where the recordings of
// a line's calls are sent, by email or to the company's FTP, FTPS or SFTP server. The
// server's password or key is write-only: the form leaves it empty to keep the stored one.
// Test tries a method now and shows the server's answer; a method a line uses cannot be
// deleted (the API's 409 names the lines).
import { useState } from 'react';
import { allPages, type Body, call, type Response } from '../api/client.ts';
import { fieldError, useAction, useQuery } from '../api/hooks.ts';
import { Badge, Empty, Loaded, Saved } from '../ui/feedback.tsx';
import { CheckField, FormError, SelectField, Submit, TextAreaField, TextField } from '../ui/forms.tsx';
import { Confirm, Dialog, Section } from '../ui/layout.tsx';

export type DeliveryMethod = Response<'GET /api/delivery-methods'>['items'][number];
type Kind = DeliveryMethod['kind'];

export const loadDeliveryMethods = (signal?: AbortSignal) =>
  allPages((cursor) => call('GET /api/delivery-methods', { query: { limit: 100, cursor }, signal }));

const KIND_LABEL: Record<Kind, string> = { email: 'Email', ftp: 'FTP', ftps: 'FTPS', sftp: 'SFTP' };
const DEFAULT_PORT: Record<Kind, number> = { email: 0, ftp: 21, ftps: 21, sftp: 22 };

/** Where a method sends, in a line. */
export function destinationOf(m: DeliveryMethod): string {
  if (m.kind === 'email') return m.addresses.join(', ');
  const port = m.port && m.port !== DEFAULT_PORT[m.kind] ? `:${m.port}` : '';
  return `${m.username ?? ''}@${m.host ?? ''}${port}${m.directory ? `/${m.directory.replace(/^\//, '')}` : ''}`;
}

export function DeliveryMethods() {
  const methods = useQuery(loadDeliveryMethods, []);
  const [editing, setEditing] = useState<DeliveryMethod | 'new'>();
  const [deleting, setDeleting] = useState<DeliveryMethod>();
  const [saved, setSaved] = useState<string>();
  const remove = useAction();
  const doDelete = async () => {
    if (!deleting) return;
    const r = await remove.run(() =>
      call('DELETE /api/delivery-methods/{id}', { params: { id: deleting.id } }),
    );
    if (r !== undefined) {
      setSaved(`Deleted “${deleting.name}”.`);
      setDeleting(undefined);
      methods.reload();
    }
  };
  return (
    <Section
      title="Delivery methods"
      actions={
        <button type="button" className="btn primary" onClick={() => setEditing('new')}>
          Add a delivery method
        </button>
      }
    >
      <p className="muted">
        Where call recordings are sent. Choose them per line (People → a person → Line → Call recording):
        every recording of that person's calls goes to each of the line's methods.
      </p>
      <Saved message={saved} />
      <Loaded query={methods}>
        {(list) =>
          list.length === 0 ? (
            <Empty>No delivery methods yet. Recordings stay in Switchboard until one is added.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Sends to</th>
                    <th scope="col">File</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((m) => (
                    <MethodRow
                      key={m.id}
                      m={m}
                      onEdit={() => setEditing(m)}
                      onDelete={() => {
                        remove.clear();
                        setDeleting(m);
                      }}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      {editing ? (
        <MethodDialog
          method={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(undefined)}
          onSaved={(m) => {
            setSaved(`Saved “${m.name}”.`);
            setEditing(undefined);
            methods.reload();
          }}
        />
      ) : null}
      {deleting ? (
        <Confirm
          title={`Delete “${deleting.name}”?`}
          message="Recordings are no longer sent there; deliveries still waiting for it are dropped."
          confirm="Delete"
          pending={remove.pending}
          error={<FormError error={remove.error} />}
          onConfirm={() => void doDelete()}
          onClose={() => setDeleting(undefined)}
        />
      ) : null}
    </Section>
  );
}

function MethodRow({ m, onEdit, onDelete }: { m: DeliveryMethod; onEdit: () => void; onDelete: () => void }) {
  const test = useAction();
  const [passed, setPassed] = useState(false);
  const run = async () => {
    setPassed(false);
    const r = await test.run(() => call('POST /api/delivery-methods/{id}/test', { params: { id: m.id } }));
    if (r) setPassed(true);
  };
  return (
    <tr>
      <td>{m.name}</td>
      <td>
        <Badge>{KIND_LABEL[m.kind]}</Badge>
      </td>
      <td>
        {destinationOf(m)}
        <div className="test-result" role="status" aria-live="polite">
          {test.pending ? <span className="muted">Testing…</span> : null}
          {passed ? (
            <Badge tone="ok">
              {m.kind === 'email' ? 'Test mail sent' : 'Test passed: a file was written and removed'}
            </Badge>
          ) : null}
          {test.error ? <span className="field-error">Test failed: {test.error.message}</span> : null}
        </div>
      </td>
      <td>{m.format.toUpperCase()}</td>
      <td>
        <div className="actions">
          <button
            type="button"
            className="btn small"
            onClick={() => void run()}
            disabled={test.pending}
            aria-label={`Test ${m.name}`}
          >
            Test
          </button>
          <button type="button" className="btn small" onClick={onEdit} aria-label={`Edit ${m.name}`}>
            Edit
          </button>
          <button
            type="button"
            className="btn small danger"
            onClick={onDelete}
            aria-label={`Delete ${m.name}`}
          >
            Delete
          </button>
        </div>
      </td>
    </tr>
  );
}

interface Draft {
  kind: Kind;
  name: string;
  format: 'mp3' | 'wav';
  addresses: string;
  host: string;
  port: string;
  username: string;
  directory: string;
  /** SFTP: a password or a private key. */
  secretKind: 'password' | 'key';
  secret: string;
  /** FTP and FTPS: forget the stored password. */
  removeSecret: boolean;
  verifyCertificate: boolean;
  hostKeySha256: string;
}

function draftOf(m: DeliveryMethod | undefined): Draft {
  return {
    kind: m?.kind ?? 'email',
    name: m?.name ?? '',
    format: m?.format ?? 'mp3',
    addresses: m?.addresses.join(', ') ?? '',
    host: m?.host ?? '',
    port: m?.port ? String(m.port) : '',
    username: m?.username ?? '',
    directory: m?.directory ?? '',
    secretKind: 'password',
    secret: '',
    removeSecret: false,
    verifyCertificate: m?.verifyCertificate ?? true,
    hostKeySha256: m?.hostKeySha256 ?? '',
  };
}

const splitAddresses = (s: string) =>
  s
    .split(/[\s,;]+/)
    .map((a) => a.trim())
    .filter(Boolean);

/** The form as the API's create body (the kind decides which fields there are). */
function createBody(d: Draft) {
  const common = { name: d.name.trim(), format: d.format };
  if (d.kind === 'email')
    return { kind: 'email' as const, ...common, addresses: splitAddresses(d.addresses) };
  const server = {
    ...common,
    host: d.host.trim(),
    ...(d.port.trim() ? { port: Number(d.port) } : {}),
    username: d.username,
    ...(d.directory.trim() ? { directory: d.directory.trim() } : {}),
  };
  if (d.kind === 'sftp')
    return {
      kind: 'sftp' as const,
      ...server,
      secret: d.secret,
      hostKeySha256: d.hostKeySha256.trim() || null,
    };
  const secret = d.secret ? { secret: d.secret } : {};
  if (d.kind === 'ftps')
    return { kind: 'ftps' as const, ...server, ...secret, verifyCertificate: d.verifyCertificate };
  return { kind: 'ftp' as const, ...server, ...secret };
}

/** The changes of an existing method: a secret left empty stays as it is. */
function updateBody(d: Draft): Body<'PATCH /api/delivery-methods/{id}'> {
  const body: Body<'PATCH /api/delivery-methods/{id}'> = { name: d.name.trim(), format: d.format };
  if (d.kind === 'email') body.addresses = splitAddresses(d.addresses);
  else {
    body.host = d.host.trim();
    body.port = d.port.trim() ? Number(d.port) : DEFAULT_PORT[d.kind];
    body.username = d.username;
    body.directory = d.directory.trim();
    if (d.kind === 'ftps') body.verifyCertificate = d.verifyCertificate;
    if (d.kind === 'sftp') body.hostKeySha256 = d.hostKeySha256.trim() || null;
  }
  if (d.secret) body.secret = d.secret;
  else if (d.removeSecret) body.secret = null;
  return body;
}

function MethodDialog({
  method,
  onClose,
  onSaved,
}: {
  method: DeliveryMethod | undefined;
  onClose: () => void;
  onSaved: (m: DeliveryMethod) => void;
}) {
  const [d, setD] = useState<Draft>(() => draftOf(method));
  const action = useAction();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD({ ...d, [k]: v });
  const err = (f: string) => fieldError(action.error, f);
  const server = d.kind !== 'email';
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const m = await action.run(() =>
      method
        ? call('PATCH /api/delivery-methods/{id}', { params: { id: method.id }, body: updateBody(d) })
        : call('POST /api/delivery-methods', { body: createBody(d) }),
    );
    if (m) onSaved(m);
  };
  const keep = method?.secretSet ? 'Leave empty to keep the stored one.' : undefined;
  return (
    <Dialog title={method ? `Edit “${method.name}”` : 'Add a delivery method'} onClose={onClose} wide>
      <form onSubmit={submit} noValidate>
        <div className="row">
          <SelectField
            label="Send by"
            value={d.kind}
            onValue={(v) => set('kind', v as Kind)}
            disabled={!!method}
            hint={method ? 'The kind of a method cannot change: add another one.' : undefined}
            options={[
              { value: 'email', label: 'Email' },
              { value: 'ftp', label: 'FTP' },
              { value: 'ftps', label: 'FTPS (FTP over TLS)' },
              { value: 'sftp', label: 'SFTP (SSH)' },
            ]}
          />
          <TextField
            label="Name"
            value={d.name}
            onValue={(v) => set('name', v)}
            required
            error={err('name')}
          />
          <SelectField
            label="File"
            value={d.format}
            onValue={(v) => set('format', v as Draft['format'])}
            options={[
              { value: 'mp3', label: 'MP3 (small)' },
              { value: 'wav', label: 'WAV as recorded (both sides, larger)' },
            ]}
            error={err('format')}
          />
        </div>
        {d.kind === 'email' ? (
          <TextAreaField
            label="Email addresses"
            value={d.addresses}
            onValue={(v) => set('addresses', v)}
            rows={2}
            hint="Up to 10, separated by commas; each gets every recording as an attachment."
            error={err('addresses')}
          />
        ) : null}
        {server ? (
          <>
            <div className="row">
              <TextField
                label="Server"
                value={d.host}
                onValue={(v) => set('host', v)}
                placeholder="ftp.example.com"
                error={err('host')}
              />
              <TextField
                label="Port"
                type="number"
                min={1}
                max={65535}
                value={d.port}
                onValue={(v) => set('port', v)}
                placeholder={String(DEFAULT_PORT[d.kind])}
                error={err('port')}
              />
            </div>
            <div className="row">
              <TextField
                label="Username"
                value={d.username}
                onValue={(v) => set('username', v)}
                autoComplete="off"
                error={err('username')}
              />
              <TextField
                label="Folder"
                value={d.directory}
                onValue={(v) => set('directory', v)}
                hint="Created if missing; relative to the login folder unless it starts with /."
                error={err('directory')}
              />
            </div>
            {d.kind === 'sftp' ? (
              <SelectField
                label="Sign in with"
                value={d.secretKind}
                onValue={(v) => set('secretKind', v as Draft['secretKind'])}
                options={[
                  { value: 'password', label: 'A password' },
                  { value: 'key', label: 'A private key' },
                ]}
              />
            ) : null}
            {d.kind === 'sftp' && d.secretKind === 'key' ? (
              <TextAreaField
                label="Private key"
                value={d.secret}
                onValue={(v) => set('secret', v)}
                rows={5}
                className="mono"
                spellCheck={false}
                autoComplete="off"
                hint={['OpenSSH or PEM text, without a passphrase.', keep].filter(Boolean).join(' ')}
                error={err('secret')}
              />
            ) : (
              <TextField
                label="Password"
                type="password"
                value={d.secret}
                onValue={(v) => set('secret', v)}
                autoComplete="new-password"
                disabled={d.removeSecret}
                hint={keep ?? (d.kind === 'sftp' ? undefined : 'Optional for servers that need none.')}
                error={err('secret')}
              />
            )}
            {method?.secretSet && d.kind !== 'sftp' ? (
              <CheckField
                label="Remove the stored password"
                checked={d.removeSecret}
                onChecked={(v) => set('removeSecret', v)}
              />
            ) : null}
            {d.kind === 'ftps' ? (
              <CheckField
                label="Verify the server's certificate"
                checked={d.verifyCertificate}
                onChecked={(v) => set('verifyCertificate', v)}
                hint="Turn off only for a server with a self-signed certificate."
                error={err('verifyCertificate')}
              />
            ) : null}
            {d.kind === 'sftp' ? (
              <TextField
                label="Host key fingerprint (SHA256)"
                value={d.hostKeySha256}
                onValue={(v) => set('hostKeySha256', v)}
                spellCheck={false}
                hint="Optional: a server showing another key is refused. Without it any key is accepted."
                error={err('hostKeySha256')}
              />
            ) : null}
          </>
        ) : null}
        <FormError
          error={action.error}
          atFields={[
            'name',
            'format',
            'addresses',
            'host',
            'port',
            'username',
            'directory',
            'secret',
            'verifyCertificate',
            'hostKeySha256',
          ]}
        />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <Submit pending={action.pending}>{method ? 'Save' : 'Add method'}</Submit>
        </div>
      </form>
    </Dialog>
  );
}
