// Queues (spec 000 "Call queues"): each queue's live state at a glance, a new queue, the
// signed-in agent's own queues (log in, pause, log out), and teams.
import { useState } from 'react';
import { allPages, call } from '../api/client.ts';
import { useAction, useQuery } from '../api/hooks.ts';
import { useLiveQuery } from '../api/live.ts';
import { loadPrompts } from '../prompts/prompts-page.tsx';
import { Link, navigate, setQuery, useLocation } from '../router.tsx';
import { useRole } from '../session.tsx';
import { Empty, Loaded, Loading } from '../ui/feedback.tsx';
import { FormError, Submit } from '../ui/forms.tsx';
import { Dialog, Page, Section, TabBar } from '../ui/layout.tsx';
import { MyQueues } from './my-queues.tsx';
import { newQueue, type QueueBody, QueueForm } from './queue-form.tsx';
import { applyQueueEvent, LiveSummary, loadLive } from './queue-live.tsx';
import { Teams } from './teams.tsx';

export const loadQueues = (signal?: AbortSignal) =>
  allPages((cursor) => call('GET /api/queues', { query: { limit: 200, cursor }, signal }));
export const loadTeams = (signal?: AbortSignal) =>
  allPages((cursor) => call('GET /api/teams', { query: { limit: 200, cursor }, signal })).catch(() => []);

export function QueuesPage() {
  const role = useRole();
  const tab = useLocation().query.get('tab') ?? 'queues';
  const admin = role === 'administrator';
  const [creating, setCreating] = useState(false);
  const tabs = [
    { id: 'queues', label: 'Queues' },
    ...(role !== 'agent' ? [{ id: 'teams', label: 'Teams' }] : []),
  ];
  return (
    <Page
      title="Queues"
      actions={
        admin ? (
          <button type="button" className="btn primary" onClick={() => setCreating(true)}>
            New queue
          </button>
        ) : null
      }
    >
      <TabBar
        tabs={tabs}
        current={tab}
        onSelect={(id) => setQuery({ tab: id === 'queues' ? undefined : id })}
      />
      {tab === 'teams' ? (
        <Teams writable={admin} />
      ) : (
        <>
          <MyQueues />
          <QueueList />
        </>
      )}
      {creating ? <NewQueue onClose={() => setCreating(false)} /> : null}
    </Page>
  );
}

function QueueList() {
  const role = useRole();
  const queues = useQuery(loadQueues, []);
  return (
    <Loaded query={queues}>
      {(list) =>
        list.length === 0 ? (
          <Empty>
            No queues yet. A queue holds callers until an agent is free; put it in a call flow with a Call
            queue object.
          </Empty>
        ) : (
          list.map((q) => (
            <Section key={q.id} title={q.name} actions={<Link to={`/queues/${q.id}`}>Open</Link>}>
              <p className="muted">{q.strategy}</p>
              <QueueSummary id={q.id} live={role !== 'agent'} />
            </Section>
          ))
        )
      }
    </Loaded>
  );
}

/** One queue's live counts: from its events for staff, polled for agents. */
function QueueSummary({ id, live: following }: { id: string; live: boolean }) {
  const live = useLiveQuery((signal) => loadLive(id, signal), {
    key: [id],
    live: following,
    pollMs: 5000,
    onEvent: (e, data) => (e.type === 'queue' && e.queueId === id ? applyQueueEvent(data, e) : undefined),
  });
  if (live.data) return <LiveSummary live={live.data} />;
  return live.error ? <p className="muted">Live state unavailable.</p> : <Loading />;
}

function NewQueue({ onClose }: { onClose: () => void }) {
  const [value, setValue] = useState<QueueBody>(newQueue());
  const action = useAction();
  const prompts = useQuery(loadPrompts, []);
  const teams = useQuery(loadTeams, []);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const q = await action.run(() => call('POST /api/queues', { body: value }));
    if (q) navigate(`/queues/${q.id}`);
  };
  return (
    <Dialog title="New queue" onClose={onClose} wide>
      <form onSubmit={submit} noValidate>
        <QueueForm
          value={value}
          onChange={setValue}
          error={action.error}
          prompts={prompts.data ?? []}
          teams={teams.data ?? []}
        />
        <FormError error={action.error} atFields={Object.keys(value)} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <Submit pending={action.pending}>Create queue</Submit>
        </div>
      </form>
    </Dialog>
  );
}
