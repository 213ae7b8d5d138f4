// Calls in progress (loaded again on each call event; polled for agents, who have no event
// stream, and while it is down): who is on each, ringing or connected,
// muted or held; the host's controls for a conference: mute, hold, remove, add a party.
import { useEffect, useState } from 'react';
import { ApiFailure, call, type Response } from '../api/client.ts';
import { fieldError, useAction } from '../api/hooks.ts';
import { REFETCH, useLiveQuery } from '../api/live.ts';
import { formatDuration } from '../lib/format.ts';
import type { Names } from '../lib/names.ts';
import { Badge, Empty, ErrorNote, Loading } from '../ui/feedback.tsx';
import { TextField } from '../ui/forms.tsx';
import { Section } from '../ui/layout.tsx';

type LiveCall = Response<'GET /api/calls/live'>['items'][number];
type Party = LiveCall['participants'][number];

export function LiveCalls({ names, live: following }: { names: Names | undefined; live: boolean }) {
  const live = useLiveQuery((signal) => call('GET /api/calls/live', { signal }), {
    live: following,
    pollMs: 3000,
    // Queue events too: an agent's phone starts or stops ringing for a waiting caller.
    onEvent: (e) =>
      e.type === 'call' || (e.type === 'queue' && e.change !== 'agent-state') ? REFETCH : undefined,
  });
  useNow(live.data?.items.length ? 1000 : 0);
  const noPbx = live.error instanceof ApiFailure && live.error.status === 503;
  return (
    <Section title="Live calls">
      {noPbx ? (
        <p className="muted">Live calls show here when the phone system (SIP) is running.</p>
      ) : live.data ? (
        live.data.items.length === 0 ? (
          <Empty>No call in progress.</Empty>
        ) : (
          <ul className="plain-list live-calls">
            {live.data.items.map((c) => (
              <LiveCallRow key={c.id} c={c} names={names} onChanged={live.reload} />
            ))}
          </ul>
        )
      ) : live.error ? (
        <ErrorNote error={live.error} onRetry={live.reload} />
      ) : (
        <Loading />
      )}
    </Section>
  );
}

/** Renders again every `ms` (0: never), so durations count up between updates. */
function useNow(ms: number): void {
  const [, setNow] = useState(0);
  useEffect(() => {
    if (!ms) return;
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
}

function LiveCallRow({
  c,
  names,
  onChanged,
}: {
  c: LiveCall;
  names: Names | undefined;
  onChanged: () => void;
}) {
  const action = useAction();
  const [adding, setAdding] = useState('');
  const since = c.answeredAt ?? c.startedAt;
  const seconds = (Date.now() - new Date(since).getTime()) / 1000;
  const who = (p: Party) => names?.line(p.lineId) ?? p.name ?? p.number;
  const change = async (p: Party, body: { muted?: boolean; held?: boolean }) => {
    const r = await action.run(() =>
      call('PATCH /api/calls/{id}/participants/{participantId}', {
        params: { id: c.id, participantId: p.id },
        body,
      }),
    );
    if (r) onChanged();
  };
  const remove = async (p: Party) => {
    const r = await action.run(() =>
      call('DELETE /api/calls/{id}/participants/{participantId}', {
        params: { id: c.id, participantId: p.id },
      }),
    );
    if (r !== undefined) onChanged();
  };
  const add = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await action.run(() =>
      call('POST /api/calls/{id}/participants', { params: { id: c.id }, body: { number: adding } }),
    );
    if (r) {
      setAdding('');
      onChanged();
    }
  };
  return (
    <li>
      <div>
        <Badge tone={c.answeredAt ? 'ok' : 'warn'}>{c.answeredAt ? 'talking' : c.state}</Badge> {c.direction}
        {c.conference ? <Badge>conference</Badge> : null}{' '}
        <span className="muted">{formatDuration(seconds)}</span>
      </div>
      <ul className="parties">
        {c.participants.map((p) => (
          <li key={p.id}>
            {who(p)} <span className="muted">{p.number}</span>{' '}
            {p.state === 'ringing' ? <Badge tone="warn">ringing</Badge> : null}
            {p.host ? <Badge>host</Badge> : null}
            {p.muted ? <Badge>muted</Badge> : null}
            {p.held || p.holding ? <Badge>on hold</Badge> : null}
            {c.conference && !p.host ? (
              <span className="actions">
                <button
                  type="button"
                  className="btn small"
                  onClick={() => void change(p, { muted: !p.muted })}
                >
                  {p.muted ? 'Unmute' : 'Mute'}
                </button>
                <button type="button" className="btn small" onClick={() => void change(p, { held: !p.held })}>
                  {p.held ? 'Resume' : 'Hold'}
                </button>
                <button type="button" className="btn small danger" onClick={() => void remove(p)}>
                  Remove
                </button>
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      {c.answeredAt ? (
        <form onSubmit={add} noValidate className="form-actions">
          <TextField
            label="Add to the call"
            value={adding}
            onValue={setAdding}
            placeholder="Extension or number"
            error={fieldError(action.error, 'number')}
          />
          <button type="submit" className="btn small" disabled={!adding.trim() || action.pending}>
            Add
          </button>
        </form>
      ) : null}
      {action.error && !action.error.field ? <p className="form-error">{action.error.message}</p> : null}
    </li>
  );
}
