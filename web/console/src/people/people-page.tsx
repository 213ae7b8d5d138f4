// People: the company's team, searchable by name, extension, department and job title, with
// their sign-in role and whether a phone is registered on their line.
import { useState } from 'react';
import { call } from '../api/client.ts';
import { useQuery } from '../api/hooks.ts';
import { fullName } from '../lib/format.ts';
import { Link, setQuery, useLocation } from '../router.tsx';
import { canWrite, useRole } from '../session.tsx';
import { Badge, Empty, Loaded } from '../ui/feedback.tsx';
import { TextField } from '../ui/forms.tsx';
import { Page } from '../ui/layout.tsx';
import { Pager } from '../ui/pager.tsx';

const PAGE = 50;

export function PeoplePage() {
  const role = useRole();
  const { query } = useLocation();
  const search = query.get('search') ?? '';
  const [typed, setTyped] = useState(search);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const people = useQuery(
    (signal) =>
      call('GET /api/people', { query: { limit: PAGE, cursor, search: search || undefined }, signal }),
    [search, cursor],
  );
  const registrations = useQuery(
    (signal) => call('GET /api/registrations', { query: { limit: 200 }, signal }),
    [],
  );
  const lineOf = new Map((registrations.data?.items ?? []).map((r) => [r.personId, r]));

  return (
    <Page
      title="People"
      actions={
        canWrite(role, 'people') ? (
          <Link to="/people/new" className="btn primary">
            Add a person
          </Link>
        ) : null
      }
    >
      <search>
        <form
          className="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            setCursors([undefined]);
            setQuery({ search: typed.trim() || undefined });
          }}
        >
          <TextField
            label="Search"
            type="search"
            value={typed}
            onValue={setTyped}
            placeholder="Name, extension, department…"
          />
          <button type="submit" className="btn">
            Search
          </button>
        </form>
      </search>
      <Loaded query={people}>
        {(d) =>
          d.items.length === 0 ? (
            <Empty>{search ? `Nobody matches “${search}”.` : 'Nobody here yet: add the first person.'}</Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Extension</th>
                      <th scope="col">Department</th>
                      <th scope="col">Job title</th>
                      <th scope="col">Sign-in</th>
                      <th scope="col">Line</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.items.map((p) => {
                      const line = lineOf.get(p.id);
                      return (
                        <tr key={p.id}>
                          <td>
                            <Link to={`/people/${p.id}`}>{fullName(p)}</Link>
                          </td>
                          <td>{p.extension ?? '—'}</td>
                          <td>{p.department ?? '—'}</td>
                          <td>{p.jobTitle ?? '—'}</td>
                          <td>
                            {p.user ? (
                              <Badge tone={p.user.disabled ? 'bad' : 'neutral'}>
                                {p.user.disabled ? 'disabled' : p.user.role}
                              </Badge>
                            ) : (
                              <span className="muted">none</span>
                            )}
                          </td>
                          <td>
                            {line ? (
                              <Badge tone={line.status === 'online' ? 'ok' : 'neutral'}>{line.status}</Badge>
                            ) : (
                              <span className="muted">no line</span>
                            )}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              <Pager cursors={cursors} setCursors={setCursors} nextCursor={d.nextCursor} />
            </>
          )
        }
      </Loaded>
    </Page>
  );
}
