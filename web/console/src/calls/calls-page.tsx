// Call history: every call record, newest first, filtered by direction, result, time, number
// and line (the filters live in the address); the same filters export as CSV.
import { useState } from 'react';
import { allPages, call, urlOf } from '../api/client.ts';
import { fieldError, useQuery } from '../api/hooks.ts';
import { formatDateTime, isoToLocalInput, localInputToIso } from '../lib/format.ts';
import { useNames } from '../lib/names.ts';
import { setQuery, useLocation } from '../router.tsx';
import { Empty, Loaded } from '../ui/feedback.tsx';
import { SelectField, TextField } from '../ui/forms.tsx';
import { Dialog, Page } from '../ui/layout.tsx';
import { Pager } from '../ui/pager.tsx';
import { CALL_COLUMNS, type CallRecord, CallRow } from './call-row.tsx';

type Direction = 'inbound' | 'outbound' | 'internal';
type Disposition = CallRecord['disposition'];
const FILTERS = ['direction', 'disposition', 'from', 'to', 'number', 'lineId'] as const;

export function CallsPage() {
  const { query } = useLocation();
  const filter = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) ?? ''])) as Record<
    (typeof FILTERS)[number],
    string
  >;
  const [draft, setDraft] = useState(filter);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [open, setOpen] = useState<string>();
  const cursor = cursors[cursors.length - 1];
  const names = useNames();
  const lines = useQuery(
    (signal) => allPages((c) => call('GET /api/lines', { query: { limit: 200, cursor: c }, signal })),
    [],
  );
  const apiQuery = {
    direction: (filter.direction || undefined) as Direction | undefined,
    disposition: (filter.disposition || undefined) as Disposition | undefined,
    from: localInputToIso(filter.from),
    to: localInputToIso(filter.to),
    number: filter.number || undefined,
    lineId: filter.lineId || undefined,
  };
  const calls = useQuery(
    (signal) => call('GET /api/calls', { query: { ...apiQuery, limit: 50, cursor }, signal }),
    [apiQuery, cursor],
  );
  const set = (k: keyof typeof draft) => (v: string) => setDraft({ ...draft, [k]: v });

  return (
    <Page
      title="Call history"
      actions={
        <>
          <button type="button" className="btn" onClick={calls.reload} disabled={calls.loading}>
            Refresh
          </button>
          <a className="btn" href={urlOf('GET /api/calls.csv', undefined, apiQuery)} download>
            Export CSV
          </a>
        </>
      }
    >
      <search>
        <form
          className="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            setCursors([undefined]);
            setQuery(Object.fromEntries(Object.entries(draft).map(([k, v]) => [k, v.trim() || undefined])));
          }}
        >
          <SelectField
            label="Direction"
            value={draft.direction}
            onValue={set('direction')}
            options={[
              { value: '', label: 'All' },
              { value: 'inbound', label: 'Inbound' },
              { value: 'outbound', label: 'Outbound' },
              { value: 'internal', label: 'Internal' },
            ]}
          />
          <SelectField
            label="Result"
            value={draft.disposition}
            onValue={set('disposition')}
            options={[
              { value: '', label: 'All' },
              ...['answered', 'busy', 'no-answer', 'cancelled', 'failed', 'rejected'].map((d) => ({
                value: d,
                label: d,
              })),
            ]}
          />
          <TextField
            label="From"
            type="datetime-local"
            value={draft.from}
            onValue={set('from')}
            max={isoToLocalInput(new Date())}
            error={fieldError(calls.error, 'from')}
          />
          <TextField
            label="To"
            type="datetime-local"
            value={draft.to}
            onValue={set('to')}
            error={fieldError(calls.error, 'to')}
          />
          <TextField
            label="Number"
            value={draft.number}
            onValue={set('number')}
            inputMode="tel"
            error={fieldError(calls.error, 'number')}
          />
          <SelectField
            label="Line"
            value={draft.lineId}
            onValue={set('lineId')}
            options={[
              { value: '', label: 'Any line' },
              ...(lines.data ?? []).map((l) => ({
                value: l.id,
                label: names.data?.line(l.id) ?? l.sipUsername,
              })),
            ]}
          />
          <button type="submit" className="btn">
            Apply filters
          </button>
        </form>
      </search>
      <Loaded query={calls}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty>No calls match these filters.</Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      {CALL_COLUMNS.map((c) => (
                        <th
                          key={c}
                          scope="col"
                          className={c === 'Duration' || c === 'Cost' ? 'num' : undefined}
                        >
                          {c}
                        </th>
                      ))}
                      <th scope="col">
                        <span className="visually-hidden">Details</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((c) => (
                      <CallRow key={c.id} call={c} names={names.data} onOpen={() => setOpen(c.id)} />
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager
                cursors={cursors}
                setCursors={setCursors}
                nextCursor={page.nextCursor}
                back="Newer"
                forward="Older"
              />
            </>
          )
        }
      </Loaded>
      {open ? <CallDetail id={open} onClose={() => setOpen(undefined)} /> : null}
    </Page>
  );
}

function CallDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const detail = useQuery((signal) => call('GET /api/calls/{id}', { params: { id }, signal }), [id]);
  return (
    <Dialog title="Call details" onClose={onClose} wide>
      <Loaded query={detail}>
        {(c) => (
          <>
            <dl className="facts">
              <dt>From</dt>
              <dd>
                {c.callerName ? `${c.callerName} ` : ''}
                {c.callerNumber}
              </dd>
              <dt>To</dt>
              <dd>{c.calleeNumber}</dd>
              <dt>Started</dt>
              <dd>{formatDateTime(c.startedAt)}</dd>
              <dt>Answered</dt>
              <dd>{formatDateTime(c.answeredAt)}</dd>
              <dt>Ended</dt>
              <dd>
                {formatDateTime(c.endedAt)} {c.endedBy ? `by the ${c.endedBy}` : ''}{' '}
                {c.hangupCause ? `(${c.hangupCause})` : ''}
              </dd>
              <dt>SIP Call-ID</dt>
              <dd>
                <code>{c.sipCallId}</code>
              </dd>
            </dl>
            <h3>Legs</h3>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Role</th>
                    <th scope="col">Kind</th>
                    <th scope="col">URI</th>
                    <th scope="col">Status</th>
                    <th scope="col">Answered</th>
                  </tr>
                </thead>
                <tbody>
                  {c.legs.map((l, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: legs have no id and never reorder.
                    <tr key={i}>
                      <td>{l.role}</td>
                      <td>{l.kind}</td>
                      <td>
                        <code>{l.uri}</code>
                      </td>
                      <td>{l.status ?? '—'}</td>
                      <td>{formatDateTime(l.answeredAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Loaded>
    </Dialog>
  );
}
