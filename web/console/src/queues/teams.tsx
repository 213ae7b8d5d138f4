// Teams: who supervises whom. A team's supervisors see its queues' recordings and log its
// agents in and out.
import { useState } from 'react';
import { allPages, call } from '../api/client.ts';
import { fieldError, useAction, useQuery } from '../api/hooks.ts';
import { fullName } from '../lib/format.ts';
import { Badge, Empty, Loaded } from '../ui/feedback.tsx';
import { FormError, SelectField, Submit, TextField } from '../ui/forms.tsx';
import { Section } from '../ui/layout.tsx';
import { loadTeams } from './queues-page.tsx';

export function Teams({ writable }: { writable: boolean }) {
  const teams = useQuery(loadTeams, []);
  const people = useQuery(
    (signal) => allPages((cursor) => call('GET /api/people', { query: { limit: 200, cursor }, signal })),
    [],
  );
  const action = useAction();
  const [name, setName] = useState('');
  const [adding, setAdding] = useState<Record<string, { personId: string; role: 'agent' | 'supervisor' }>>(
    {},
  );
  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    const t = await action.run(() => call('POST /api/teams', { body: { name } }));
    if (t) {
      setName('');
      teams.reload();
    }
  };
  const addMember = async (teamId: string) => {
    const a = adding[teamId];
    if (!a?.personId) return;
    const r = await action.run(() =>
      call('PUT /api/teams/{id}/members/{personId}', {
        params: { id: teamId, personId: a.personId },
        body: { role: a.role },
      }),
    );
    if (r) teams.reload();
  };
  const removeMember = async (teamId: string, personId: string) => {
    const r = await action.run(() =>
      call('DELETE /api/teams/{id}/members/{personId}', { params: { id: teamId, personId } }),
    );
    if (r !== undefined) teams.reload();
  };
  return (
    <>
      <FormError error={action.error} atFields={['name']} />
      <Loaded query={teams}>
        {(list) =>
          list.length === 0 ? (
            <Empty>No teams yet.</Empty>
          ) : (
            list.map((t) => (
              <Section key={t.id} title={t.name}>
                <ul className="plain-list">
                  {t.members.map((m) => (
                    <li key={m.personId}>
                      {fullName(m)} {m.extension ? <span className="muted">({m.extension})</span> : null}{' '}
                      <Badge>{m.role}</Badge>{' '}
                      {writable ? (
                        <button
                          type="button"
                          className="btn small"
                          onClick={() => void removeMember(t.id, m.personId)}
                        >
                          Remove
                        </button>
                      ) : null}
                    </li>
                  ))}
                </ul>
                {writable ? (
                  <div className="form-actions">
                    <SelectField
                      label="Add"
                      value={adding[t.id]?.personId ?? ''}
                      onValue={(personId) =>
                        setAdding({ ...adding, [t.id]: { personId, role: adding[t.id]?.role ?? 'agent' } })
                      }
                      options={[
                        { value: '', label: 'Choose a person' },
                        ...(people.data ?? []).map((p) => ({ value: p.id, label: fullName(p) })),
                      ]}
                    />
                    <SelectField
                      label="As"
                      value={adding[t.id]?.role ?? 'agent'}
                      onValue={(role) =>
                        setAdding({
                          ...adding,
                          [t.id]: {
                            personId: adding[t.id]?.personId ?? '',
                            role: role as 'agent' | 'supervisor',
                          },
                        })
                      }
                      options={[
                        { value: 'agent', label: 'Agent' },
                        { value: 'supervisor', label: 'Supervisor' },
                      ]}
                    />
                    <button type="button" className="btn" onClick={() => void addMember(t.id)}>
                      Add to team
                    </button>
                  </div>
                ) : null}
              </Section>
            ))
          )
        }
      </Loaded>
      {writable ? (
        <Section title="New team">
          <form onSubmit={create} noValidate className="narrow">
            <TextField
              label="Team name"
              value={name}
              onValue={setName}
              required
              error={fieldError(action.error, 'name')}
            />
            <Submit pending={action.pending}>Create team</Submit>
          </form>
        </Section>
      ) : null}
    </>
  );
}
