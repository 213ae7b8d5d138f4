// One queue: live state (from the live events for staff, polled for agents), its members with skills and their
// login state, and its settings; deleting it (refused while a flow uses it).
import { useState } from 'react';
import { allPages, call, type Response } from '../api/client.ts';
import { useAction, useApi, useQuery } from '../api/hooks.ts';
import { useLiveQuery } from '../api/live.ts';
import { fullName } from '../lib/format.ts';
import { useNames } from '../lib/names.ts';
import { loadPrompts } from '../prompts/prompts-page.tsx';
import { Link, navigate } from '../router.tsx';
import { useRole } from '../session.tsx';
import { Badge, Empty, Loaded, Saved } from '../ui/feedback.tsx';
import { FormError, SelectField, Submit, TextField } from '../ui/forms.tsx';
import { Confirm, Page, Section } from '../ui/layout.tsx';
import { LiveIndicator } from '../ui/live-indicator.tsx';
import { type Queue, type QueueBody, QueueForm } from './queue-form.tsx';
import { applyQueueEvent, LiveDetail, LiveSummary, loadLive } from './queue-live.tsx';
import { loadTeams } from './queues-page.tsx';

type Member = Response<'GET /api/queues/{id}/members'>['items'][number];

export function QueuePage({ id }: { id: string }) {
  const role = useRole();
  const queue = useApi('GET /api/queues/{id}', { params: { id } });
  const live = useLiveQuery((signal) => loadLive(id, signal), {
    key: [id],
    live: role !== 'agent',
    pollMs: 3000,
    onEvent: (e, data) => (e.type === 'queue' && e.queueId === id ? applyQueueEvent(data, e) : undefined),
  });
  const names = useNames(role !== 'agent');
  return (
    <Loaded query={queue}>
      {(q) => (
        <Page title={q.name} actions={<Link to="/queues">All queues</Link>}>
          <Section title="Now" actions={<LiveIndicator status={live.status} />}>
            <Loaded query={live}>
              {(l) => (
                <>
                  <LiveSummary live={l} />
                  <LiveDetail live={l} names={names.data} />
                </>
              )}
            </Loaded>
          </Section>
          <Members queueId={id} writable={role === 'administrator'} />
          {role === 'administrator' ? <Settings queue={q} onSaved={queue.set} /> : null}
        </Page>
      )}
    </Loaded>
  );
}

function Members({ queueId, writable }: { queueId: string; writable: boolean }) {
  const members = useQuery(
    (signal) => call('GET /api/queues/{id}/members', { params: { id: queueId }, signal }),
    [queueId],
  );
  const people = useQuery(
    (signal) => allPages((cursor) => call('GET /api/people', { query: { limit: 200, cursor }, signal })),
    [],
  );
  const action = useAction();
  const [personId, setPersonId] = useState('');
  const [skills, setSkills] = useState('');
  const nameOf = (m: Member) => {
    const p = people.data?.find((x) => x.id === m.personId);
    return p ? fullName(p) : m.lineId ? 'a line' : 'someone';
  };
  const parseSkills = (s: string) =>
    Object.fromEntries(
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
        .map((x) => {
          const [tag, level] = x.split(/[:=]/);
          return [tag?.trim() ?? '', Number(level ?? 5)];
        }),
    );
  const add = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await action.run(() =>
      call('POST /api/queues/{id}/members', {
        params: { id: queueId },
        body: { personId, skills: parseSkills(skills) },
      }),
    );
    if (r) {
      setPersonId('');
      setSkills('');
      members.reload();
    }
  };
  const remove = async (m: Member) => {
    const r = await action.run(() =>
      call('DELETE /api/queues/{id}/members/{memberId}', { params: { id: queueId, memberId: m.id } }),
    );
    if (r !== undefined) members.reload();
  };
  const login = async (m: Member, on: boolean) => {
    if (!m.personId) return;
    const body = { queueId };
    const r = await action.run(() =>
      on
        ? call('POST /api/queues/agents/{personId}/login', {
            params: { personId: m.personId as string },
            body,
          })
        : call('POST /api/queues/agents/{personId}/logout', {
            params: { personId: m.personId as string },
            body,
          }),
    );
    if (r) members.reload();
  };
  return (
    <Section title="Agents">
      <FormError error={action.error} />
      <Loaded query={members}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty>No agents yet: add the people who answer this queue.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Agent</th>
                    <th scope="col">Skills</th>
                    <th scope="col">Logged in</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((m) => (
                    <tr key={m.id}>
                      <td>{nameOf(m)}</td>
                      <td>
                        {Object.entries(m.skills)
                          .map(([k, v]) => `${k}:${v}`)
                          .join(', ') || '—'}
                      </td>
                      <td>
                        {m.loggedIn ? <Badge tone="ok">yes</Badge> : <Badge>no</Badge>}
                        {m.pausedReason ? <span className="muted"> paused: {m.pausedReason}</span> : null}
                      </td>
                      <td className="actions">
                        {m.personId ? (
                          <button
                            type="button"
                            className="btn small"
                            onClick={() => void login(m, !m.loggedIn)}
                          >
                            {m.loggedIn ? 'Log out' : 'Log in'}
                          </button>
                        ) : null}
                        {writable ? (
                          <button type="button" className="btn small danger" onClick={() => void remove(m)}>
                            Remove
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      {writable ? (
        <form onSubmit={add} noValidate className="form-actions">
          <SelectField
            label="Add an agent"
            value={personId}
            onValue={setPersonId}
            options={[
              { value: '', label: 'Choose a person' },
              ...(people.data ?? []).map((p) => ({ value: p.id, label: fullName(p) })),
            ]}
          />
          <TextField
            label="Skills"
            value={skills}
            onValue={setSkills}
            placeholder="billing:8, german:5"
            hint="Tag:level (1-10), for the skills strategy."
          />
          <Submit pending={action.pending}>Add</Submit>
        </form>
      ) : null}
    </Section>
  );
}

function Settings({ queue, onSaved }: { queue: Queue; onSaved: (q: Queue) => void }) {
  const { id, createdAt: _c, updatedAt: _u, ...rest } = queue;
  // The API wrote the callback key itself: it is one of the keys the body takes.
  const [value, setValue] = useState<QueueBody>(rest as QueueBody);
  const [saved, setSaved] = useState<string>();
  const [deleting, setDeleting] = useState(false);
  const action = useAction();
  const prompts = useQuery(loadPrompts, []);
  const teams = useQuery(loadTeams, []);
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaved(undefined);
    const q = await action.run(() => call('PATCH /api/queues/{id}', { params: { id }, body: value }));
    if (q) {
      onSaved(q);
      setSaved('Queue saved.');
    }
  };
  const remove = async () => {
    const r = await action.run(() => call('DELETE /api/queues/{id}', { params: { id } }));
    if (r !== undefined) navigate('/queues');
  };
  return (
    <Section title="Settings">
      <form onSubmit={save} noValidate>
        <QueueForm
          value={value}
          onChange={setValue}
          error={action.error}
          prompts={prompts.data ?? []}
          teams={teams.data ?? []}
        />
        <FormError error={action.error} atFields={Object.keys(value)} />
        <div className="form-actions">
          <Submit pending={action.pending}>Save queue</Submit>
          <button type="button" className="btn danger" onClick={() => setDeleting(true)}>
            Delete queue
          </button>
          <Saved message={saved} />
        </div>
      </form>
      {deleting ? (
        <Confirm
          title={`Delete ${queue.name}?`}
          message="A queue that a call flow uses cannot be deleted."
          confirm="Delete"
          pending={action.pending}
          error={<FormError error={action.error} />}
          onConfirm={() => void remove()}
          onClose={() => setDeleting(false)}
        />
      ) : null}
    </Section>
  );
}
