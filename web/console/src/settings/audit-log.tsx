// The audit log: who changed what and when, newest first, filtered by action and time.
import { useState } from 'react';
import { allPages, call } from '../api/client.ts';
import { fieldError, useQuery } from '../api/hooks.ts';
import { formatDateTime, localInputToIso } from '../lib/format.ts';
import { Empty, Loaded } from '../ui/feedback.tsx';
import { TextField } from '../ui/forms.tsx';
import { Section } from '../ui/layout.tsx';

const WEEK_MS = 7 * 86_400_000;

export function AuditLog() {
  const [draft, setDraft] = useState({ action: '', from: '' });
  const [filter, setFilter] = useState(draft);
  // The log is oldest first: read the chosen window whole (bounded) and show it newest first.
  const events = useQuery(
    async (signal) => {
      const from = localInputToIso(filter.from) ?? new Date(Date.now() - WEEK_MS).toISOString();
      const items = await allPages(
        (cursor) =>
          call('GET /api/audit-events', {
            query: { limit: 200, cursor, from, action: filter.action.trim() || undefined },
            signal,
          }),
        1000,
      );
      return items.reverse();
    },
    [filter],
  );
  return (
    <Section title="Audit log">
      <search>
        <form
          className="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            setFilter(draft);
          }}
        >
          <TextField
            label="Action"
            value={draft.action}
            onValue={(v) => setDraft({ ...draft, action: v })}
            placeholder="person.create"
          />
          <TextField
            label="Since"
            type="datetime-local"
            value={draft.from}
            onValue={(v) => setDraft({ ...draft, from: v })}
            hint="Default: the last 7 days."
            error={fieldError(events.error, 'from')}
          />
          <button type="submit" className="btn">
            Show
          </button>
        </form>
      </search>
      <Loaded query={events}>
        {(list) =>
          list.length === 0 ? (
            <Empty>Nothing was changed in this period.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Who</th>
                    <th scope="col">Action</th>
                    <th scope="col">What</th>
                    <th scope="col">From</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((e) => (
                    <tr key={e.id}>
                      <td>{formatDateTime(e.at)}</td>
                      <td>{e.actor ?? e.actorType}</td>
                      <td>
                        <code>{e.action}</code>
                      </td>
                      <td className="details">
                        {e.resource}
                        {e.details ? <div className="muted clamp">{JSON.stringify(e.details)}</div> : null}
                      </td>
                      <td>{e.ip ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
    </Section>
  );
}
