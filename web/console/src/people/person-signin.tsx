// A person's sign-in: invite them (role, email) while they have none, then change their role
// or disable it. Pending invitations can be revoked.
import { useState } from 'react';
import { allPages, call } from '../api/client.ts';
import { fieldError, useAction, useQuery } from '../api/hooks.ts';
import { formatDateTime } from '../lib/format.ts';
import { canWrite, useRole } from '../session.tsx';
import { Badge, Loaded, Saved } from '../ui/feedback.tsx';
import { CheckField, FormError, SelectField, Submit, TextField } from '../ui/forms.tsx';
import { Section } from '../ui/layout.tsx';
import type { Person } from './person-form.tsx';

type Role = 'agent' | 'supervisor' | 'administrator';
const ROLES = [
  { value: 'agent', label: 'Agent' },
  { value: 'supervisor', label: 'Supervisor' },
  { value: 'administrator', label: 'Administrator' },
];

export function PersonSignIn({ person, onChanged }: { person: Person; onChanged: (p: Person) => void }) {
  const role = useRole();
  const writable = canWrite(role, 'people');
  return (
    <Section title="Sign-in">
      {person.user ? (
        <UserAccess person={person} writable={writable} onChanged={onChanged} />
      ) : writable ? (
        <Invite person={person} />
      ) : (
        <p className="muted">This person cannot sign in.</p>
      )}
    </Section>
  );
}

function UserAccess({
  person,
  writable,
  onChanged,
}: {
  person: Person;
  writable: boolean;
  onChanged: (p: Person) => void;
}) {
  const user = person.user as NonNullable<Person['user']>;
  const [r, setR] = useState(user.role as Role);
  const [disabled, setDisabled] = useState(user.disabled);
  const [saved, setSaved] = useState<string>();
  const action = useAction();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaved(undefined);
    const p = await action.run(() =>
      call('PUT /api/people/{id}/user', { params: { id: person.id }, body: { role: r, disabled } }),
    );
    if (p) {
      onChanged(p);
      setSaved('Saved.');
    }
  };
  return (
    <>
      <dl className="facts">
        <dt>Signs in as</dt>
        <dd>{user.email}</dd>
        <dt>Two-factor authentication</dt>
        <dd>
          <Badge tone={user.mfaEnabled ? 'ok' : 'warn'}>{user.mfaEnabled ? 'on' : 'off'}</Badge>
        </dd>
      </dl>
      {writable ? (
        <form onSubmit={submit} noValidate className="narrow">
          <SelectField
            label="Role"
            value={r}
            onValue={(v) => setR(v as Role)}
            options={ROLES}
            error={fieldError(action.error, 'role')}
          />
          <CheckField label="Sign-in disabled" checked={disabled} onChecked={setDisabled} />
          <FormError error={action.error} atFields={['role']} />
          <div className="form-actions">
            <Submit pending={action.pending}>Save sign-in</Submit>
            <Saved message={saved} />
          </div>
        </form>
      ) : null}
    </>
  );
}

function Invite({ person }: { person: Person }) {
  const [r, setR] = useState<Role>('agent');
  const [email, setEmail] = useState(
    person.emails.find((e) => e.label === 'work')?.address ?? person.emails[0]?.address ?? '',
  );
  const [sent, setSent] = useState<string>();
  const action = useAction();
  const invitations = useQuery(
    async (signal) =>
      (
        await allPages((cursor) => call('GET /api/invitations', { query: { limit: 200, cursor }, signal }))
      ).filter((i) => i.personId === person.id),
    [person.id],
  );
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setSent(undefined);
    const inv = await action.run(() =>
      call('POST /api/people/{id}/invitations', {
        params: { id: person.id },
        body: { role: r, ...(email.trim() ? { email: email.trim() } : {}) },
      }),
    );
    if (inv) {
      setSent(`Invitation sent to ${inv.email}.`);
      invitations.reload();
    }
  };
  const revoke = async (id: string) => {
    const ok = await action.run(() => call('DELETE /api/invitations/{id}', { params: { id } }));
    if (ok !== undefined) invitations.reload();
  };
  return (
    <>
      <p>
        {person.firstName} cannot sign in yet. Invite them to the app: they get an email to choose a password.
      </p>
      <form onSubmit={submit} noValidate className="narrow">
        <SelectField label="Role" value={r} onValue={(v) => setR(v as Role)} options={ROLES} />
        <TextField
          label="Send the invitation to"
          type="email"
          value={email}
          onValue={setEmail}
          error={fieldError(action.error, 'email')}
        />
        <FormError error={action.error} atFields={['email']} />
        <div className="form-actions">
          <Submit pending={action.pending}>Send invite to app</Submit>
          <Saved message={sent} />
        </div>
      </form>
      <Loaded query={invitations}>
        {(list) =>
          list.length ? (
            <div className="table-wrap">
              <table>
                <caption className="muted">Invitations</caption>
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Role</th>
                    <th scope="col">Status</th>
                    <th scope="col">Expires</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((i) => (
                    <tr key={i.id}>
                      <td>{i.email}</td>
                      <td>{i.role}</td>
                      <td>
                        <Badge
                          tone={i.status === 'pending' ? 'warn' : i.status === 'accepted' ? 'ok' : 'neutral'}
                        >
                          {i.status}
                        </Badge>
                      </td>
                      <td>{formatDateTime(i.expiresAt)}</td>
                      <td>
                        {i.status === 'pending' ? (
                          <button type="button" className="btn small" onClick={() => void revoke(i.id)}>
                            Revoke
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null
        }
      </Loaded>
    </>
  );
}
