// The first page after signing in. Staff see live calls, registered devices, queues and
// recent calls, kept current by the company's live events (polled only while the stream is
// down); agents see their own extension, calls and queues.
import { call, type Response } from '../api/client.ts';
import { useApi, useQuery } from '../api/hooks.ts';
import { type LiveUpdate, REFETCH, useLiveQuery } from '../api/live.ts';
import { CALL_COLUMNS, CallRow } from '../calls/call-row.tsx';
import { formatDateTime } from '../lib/format.ts';
import { type Names, useNames } from '../lib/names.ts';
import { MyQueues } from '../queues/my-queues.tsx';
import { applyQueueEvent, loadLive } from '../queues/queue-live.tsx';
import { loadQueues } from '../queues/queues-page.tsx';
import { Link } from '../router.tsx';
import { type Role, useReadyMarker, useRole, useSession } from '../session.tsx';
import { Badge, Empty, Loaded } from '../ui/feedback.tsx';
import { Page, Section } from '../ui/layout.tsx';
import { LiveIndicator } from '../ui/live-indicator.tsx';
import { LiveCalls } from './live-calls.tsx';
import { OperatorHome } from './operator-home.tsx';

/** Polling period while the event stream is down. */
const POLL_MS = 5000;
/** Call records are written in batches about a second after the call (src/pbx/calls/cdr-writer.ts). */
const RECORD_WRITTEN_MS = 1500;

export function DashboardPage() {
  const role = useRole();
  if (role === 'operator') return <OperatorHome />;
  return role === 'administrator' || role === 'supervisor' ? (
    <StaffDashboard role={role} />
  ) : (
    <AgentDashboard />
  );
}

type Registrations = Response<'GET /api/registrations'>;

/** A registration event: a refresh only moves a device's expiry; anything else reloads the list. */
function applyRegistration(
  data: Registrations | undefined,
  e: { change: string; lineId: string; contact: string; expiresAt: string },
): LiveUpdate<Registrations> {
  const line = data?.items.find((l) => l.lineId === e.lineId);
  const device = line?.devices.find((d) => d.contact === e.contact);
  if (!data || e.change !== 'refreshed' || !device) return REFETCH;
  return {
    data: {
      ...data,
      items: data.items.map((l) =>
        l === line
          ? { ...l, devices: l.devices.map((d) => (d === device ? { ...d, expiresAt: e.expiresAt } : d)) }
          : l,
      ),
    },
  };
}

function StaffDashboard({ role }: { role: Role }) {
  const names = useNames();
  const registrations = useLiveQuery(
    (signal) => call('GET /api/registrations', { query: { limit: 200 }, signal }),
    {
      live: true,
      pollMs: POLL_MS,
      onEvent: (e, data) => (e.type === 'registration' ? applyRegistration(data, e) : undefined),
    },
  );
  const calls = useLiveQuery((signal) => call('GET /api/calls', { query: { limit: 10 }, signal }), {
    live: true,
    pollMs: POLL_MS,
    onEvent: (e) =>
      e.type === 'call' && e.state === 'ended' ? { refetchAfterMs: RECORD_WRITTEN_MS } : undefined,
  });
  useReadyMarker(!!registrations.data && !!calls.data);
  const lines = registrations.data?.items ?? [];
  const online = lines.filter((l) => l.status === 'online');
  return (
    <Page title="Dashboard" actions={<LiveIndicator status={registrations.status} />}>
      <div className="stats">
        <div className="stat">
          <span className="stat-value">{registrations.data ? online.length : '…'}</span>
          <span className="stat-label">of {registrations.data ? lines.length : '…'} lines online</span>
        </div>
        <div className="stat">
          <span className="stat-value">
            {calls.data ? calls.data.items.filter((c) => c.disposition !== 'answered').length : '…'}
          </span>
          <span className="stat-label">missed of the last {calls.data?.items.length ?? '…'} calls</span>
        </div>
      </div>
      <div className="grid-2">
        <LiveCalls names={names.data} live />
        <Section title="Registered devices">
          <Loaded query={registrations}>
            {() =>
              online.length === 0 ? (
                <Empty>No phone is registered right now.</Empty>
              ) : (
                <Devices lines={online} names={names.data} />
              )
            }
          </Loaded>
          {role === 'administrator' ? (
            <p className="aside">
              <Link to="/people">Manage people and their lines</Link>
            </p>
          ) : null}
        </Section>
        <QueuesNow live />
        <Section title="Recent calls" actions={<Link to="/calls">All calls</Link>}>
          <Loaded query={calls}>
            {(d) =>
              d.items.length === 0 ? (
                <Empty>No calls yet. Calls appear here as they end.</Empty>
              ) : (
                <div className="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        {CALL_COLUMNS.slice(0, 5).map((c) => (
                          <th key={c} scope="col">
                            {c}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {d.items.map((c) => (
                        <CallRow key={c.id} call={c} names={names.data} compact />
                      ))}
                    </tbody>
                  </table>
                </div>
              )
            }
          </Loaded>
        </Section>
      </div>
    </Page>
  );
}

function QueuesNow({ live }: { live: boolean }) {
  const queues = useQuery(loadQueues, []);
  return (
    <Section title="Queues now" actions={<Link to="/queues">All queues</Link>}>
      <Loaded query={queues}>
        {(list) =>
          list.length === 0 ? (
            <Empty>No queues yet.</Empty>
          ) : (
            <ul className="plain-list queues-now">
              {list.map((q) => (
                <QueueNow key={q.id} id={q.id} name={q.name} live={live} />
              ))}
            </ul>
          )
        }
      </Loaded>
    </Section>
  );
}

function QueueNow({ id, name, live: following }: { id: string; name: string; live: boolean }) {
  const live = useLiveQuery((signal) => loadLive(id, signal), {
    key: [id],
    live: following,
    pollMs: POLL_MS,
    onEvent: (e, data) => (e.type === 'queue' && e.queueId === id ? applyQueueEvent(data, e) : undefined),
  });
  const l = live.data;
  return (
    <li>
      <Link to={`/queues/${id}`}>{name}</Link>{' '}
      {l ? (
        <span className="muted">
          {l.waiting.length} waiting · {l.availableAgents}/{l.staffedAgents} agents available · service level{' '}
          {l.serviceLevel.percent === null ? '—' : `${Math.round(l.serviceLevel.percent)}%`}
        </span>
      ) : live.error ? (
        <span className="muted">live state unavailable</span>
      ) : (
        <span className="muted">…</span>
      )}
    </li>
  );
}

type Registration = Response<'GET /api/registrations'>['items'][number];

function Devices({ lines, names }: { lines: Registration[]; names: Names | undefined }) {
  return (
    <ul className="device-list">
      {lines.map((l) => (
        <li key={l.lineId}>
          <Badge tone="ok">online</Badge>{' '}
          <Link to={`/people/${l.personId}`}>{names?.person(l.personId) ?? l.sipUsername}</Link>
          <ul>
            {l.devices.map((d) => (
              <li key={d.contact} className="muted">
                {d.userAgent ?? 'SIP phone'} · {d.transport.toUpperCase()} {d.sourceAddress}:{d.sourcePort} ·
                until {formatDateTime(d.expiresAt)}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}

function AgentDashboard() {
  const { me } = useSession();
  const personId = me?.user.personId;
  const person = useApi('GET /api/people/{id}', { params: { id: personId ?? '' } }, [personId]);
  useReadyMarker(!!person.data || !personId);
  return (
    <Page title="Dashboard">
      <Section title="You">
        {personId ? (
          <Loaded query={person}>
            {(p) => (
              <dl className="facts">
                <dt>Name</dt>
                <dd>
                  {p.firstName} {p.lastName}
                </dd>
                <dt>Extension</dt>
                <dd>{p.extension ?? 'none yet: ask your administrator'}</dd>
                <dt>Department</dt>
                <dd>{p.department ?? '—'}</dd>
              </dl>
            )}
          </Loaded>
        ) : (
          <Empty>Your sign-in is not linked to a person in the directory.</Empty>
        )}
      </Section>
      <LiveCalls names={undefined} live={false} />
      <MyQueues />
      <Section title="Colleagues and contacts">
        <p>
          Find anyone's extension or number in the <Link to="/directory">company directory</Link>.
        </p>
      </Section>
    </Page>
  );
}
