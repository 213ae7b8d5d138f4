// Recordings (spec 000 "Call recording"): calls recorded by line policy, flows, queues or on
// demand, filtered by time, person, queue, source and number; play with the waveform of each
// side, download, delete; where each was sent (its lines' delivery methods) and, for
// administrators, a retry of a failed delivery. Who sees which is the API's rule (supervisors:
// their teams).
import { useState } from 'react';
import { allPages, call, type Response, urlOf } from '../api/client.ts';
import { fieldError, useAction, useQuery } from '../api/hooks.ts';
import { formatDate, formatDateTime, formatDuration, fullName, localInputToIso } from '../lib/format.ts';
import { setQuery, useLocation } from '../router.tsx';
import { useRole } from '../session.tsx';
import { Badge, Empty, Loaded } from '../ui/feedback.tsx';
import { FormError, SelectField, TextField } from '../ui/forms.tsx';
import { Confirm, Page } from '../ui/layout.tsx';
import { Pager } from '../ui/pager.tsx';
import { RecordingPlayer } from './recording-player.tsx';

type Recording = Response<'GET /api/recordings'>['items'][number];
type Source = Recording['source'];
const FILTERS = ['from', 'to', 'person', 'queue', 'source', 'number'] as const;

export function RecordingsPage() {
  const role = useRole();
  const { query } = useLocation();
  const filter = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) ?? ''])) as Record<
    (typeof FILTERS)[number],
    string
  >;
  const [draft, setDraft] = useState(filter);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [open, setOpen] = useState<string>();
  const [deleting, setDeleting] = useState<Recording>();
  const remove = useAction();
  const cursor = cursors[cursors.length - 1];
  const people = useQuery(
    (signal) => allPages((c) => call('GET /api/people', { query: { limit: 200, cursor: c }, signal })),
    [],
  );
  const queues = useQuery(
    (signal) =>
      allPages((c) => call('GET /api/queues', { query: { limit: 200, cursor: c }, signal })).catch(() => []),
    [],
  );
  const recordings = useQuery(
    (signal) =>
      call('GET /api/recordings', {
        query: {
          limit: 50,
          cursor,
          from: localInputToIso(filter.from),
          to: localInputToIso(filter.to),
          person: filter.person || undefined,
          queue: filter.queue || undefined,
          source: (filter.source || undefined) as Source | undefined,
          number: filter.number || undefined,
        },
        signal,
      }),
    [filter, cursor],
  );
  const set = (k: keyof typeof draft) => (v: string) => setDraft({ ...draft, [k]: v });
  const personName = (id: string) => {
    const p = people.data?.find((x) => x.id === id);
    return p ? fullName(p) : 'someone';
  };
  const doDelete = async () => {
    if (!deleting) return;
    const r = await remove.run(() => call('DELETE /api/recordings/{id}', { params: { id: deleting.id } }));
    if (r !== undefined) {
      setDeleting(undefined);
      recordings.reload();
    }
  };

  return (
    <Page title="Recordings">
      <search>
        <form
          className="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            setCursors([undefined]);
            setQuery(Object.fromEntries(Object.entries(draft).map(([k, v]) => [k, v.trim() || undefined])));
          }}
        >
          <TextField
            label="From"
            type="datetime-local"
            value={draft.from}
            onValue={set('from')}
            error={fieldError(recordings.error, 'from')}
          />
          <TextField
            label="To"
            type="datetime-local"
            value={draft.to}
            onValue={set('to')}
            error={fieldError(recordings.error, 'to')}
          />
          <SelectField
            label="Person"
            value={draft.person}
            onValue={set('person')}
            options={[
              { value: '', label: 'Anyone' },
              ...(people.data ?? []).map((p) => ({ value: p.id, label: fullName(p) })),
            ]}
          />
          <SelectField
            label="Queue"
            value={draft.queue}
            onValue={set('queue')}
            options={[
              { value: '', label: 'Any queue' },
              ...(queues.data ?? []).map((q) => ({ value: q.id, label: q.name })),
            ]}
          />
          <SelectField
            label="Recorded by"
            value={draft.source}
            onValue={set('source')}
            options={[
              { value: '', label: 'Any' },
              { value: 'line', label: 'Line policy' },
              { value: 'flow', label: 'Call flow' },
              { value: 'queue', label: 'Queue' },
              { value: 'on-demand', label: 'On demand' },
            ]}
          />
          <TextField
            label="Number"
            value={draft.number}
            onValue={set('number')}
            inputMode="tel"
            error={fieldError(recordings.error, 'number')}
          />
          <button type="submit" className="btn">
            Apply filters
          </button>
        </form>
      </search>
      <Loaded query={recordings}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty>No recordings match. Recording is off until a line, flow or queue turns it on.</Empty>
          ) : (
            <>
              <ul className="recording-list">
                {page.items.map((r) => (
                  <li key={r.id}>
                    <div className="recording-head">
                      <div>
                        <strong>
                          {r.callerNumber} → {r.calleeNumber}
                        </strong>{' '}
                        <Badge>{r.source}</Badge>{' '}
                        {r.endedAt ? null : <Badge tone="warn">recording now</Badge>}
                        <div className="muted">
                          {formatDateTime(r.startedAt)}
                          {r.durationMs !== null ? ` · ${formatDuration(r.durationMs / 1000)}` : ''}
                          {r.personIds.length ? ` · ${r.personIds.map(personName).join(', ')}` : ''}
                          {r.expiresAt ? ` · kept until ${formatDate(r.expiresAt)}` : ''}
                        </div>
                      </div>
                      <div className="actions">
                        {r.endedAt ? (
                          <button
                            type="button"
                            className="btn small"
                            onClick={() => setOpen(open === r.id ? undefined : r.id)}
                            aria-expanded={open === r.id}
                          >
                            {open === r.id ? 'Close' : 'Play'}
                          </button>
                        ) : null}
                        {role !== 'agent' ? (
                          <button type="button" className="btn small danger" onClick={() => setDeleting(r)}>
                            Delete
                          </button>
                        ) : null}
                      </div>
                    </div>
                    {r.deliveries.length ? (
                      <Deliveries
                        r={r}
                        canRetry={role === 'administrator'}
                        onChanged={(updated) =>
                          recordings.set({
                            ...page,
                            items: page.items.map((x) => (x.id === updated.id ? updated : x)),
                          })
                        }
                      />
                    ) : null}
                    {open === r.id ? (
                      <RecordingPlayer
                        url={urlOf('GET /api/recordings/{id}/audio', { id: r.id })}
                        label={`the call from ${r.callerNumber}`}
                      />
                    ) : null}
                  </li>
                ))}
              </ul>
              <Pager cursors={cursors} setCursors={setCursors} nextCursor={page.nextCursor} />
            </>
          )
        }
      </Loaded>
      {deleting ? (
        <Confirm
          title="Delete this recording?"
          message="Its audio is deleted for good."
          confirm="Delete"
          pending={remove.pending}
          error={<FormError error={remove.error} />}
          onConfirm={() => void doDelete()}
          onClose={() => setDeleting(undefined)}
        />
      ) : null}
    </Page>
  );
}

const DELIVERY_TONE = { delivered: 'ok', pending: 'warn', failed: 'bad' } as const;

/** Where a recording is sent and how far each got; a failed one can be sent again. */
function Deliveries({
  r,
  canRetry,
  onChanged,
}: {
  r: Recording;
  canRetry: boolean;
  onChanged: (r: Recording) => void;
}) {
  const retry = useAction();
  const again = async (methodId: string) => {
    const updated = await retry.run(() =>
      call('POST /api/recordings/{id}/deliveries/{methodId}/retry', { params: { id: r.id, methodId } }),
    );
    if (updated) onChanged(updated);
  };
  return (
    <div className="deliveries">
      <span className="muted">Sent to:</span>
      <ul className="plain-list">
        {r.deliveries.map((d) => (
          <li key={d.methodId}>
            {d.methodName} <span className="muted">({d.kind})</span>{' '}
            <Badge tone={DELIVERY_TONE[d.status]}>{d.status}</Badge>
            {d.status === 'delivered' && d.deliveredAt ? (
              <span className="muted"> {formatDateTime(d.deliveredAt)}</span>
            ) : null}
            {d.status !== 'delivered' && d.attempts ? (
              <span className="muted">
                {' '}
                after {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
                {d.lastError ? `: ${d.lastError}` : ''}
              </span>
            ) : null}
            {canRetry && d.status === 'failed' ? (
              <button
                type="button"
                className="btn small"
                onClick={() => void again(d.methodId)}
                disabled={retry.pending}
                aria-label={`Retry sending to ${d.methodName}`}
              >
                Retry
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      <FormError error={retry.error} />
    </div>
  );
}
