// The company directory (people and contacts shown to everyone) and the shared contacts
// behind it: added by hand or imported from CSV, with every rejected row reported.
import { useState } from 'react';
import { call } from '../api/client.ts';
import { useQuery } from '../api/hooks.ts';
import { setQuery, useLocation } from '../router.tsx';
import { canWrite, useRole } from '../session.tsx';
import { Badge, Empty, Loaded } from '../ui/feedback.tsx';
import { TextField } from '../ui/forms.tsx';
import { Page, Section, TabBar } from '../ui/layout.tsx';
import { ContactsTab } from './contacts-tab.tsx';

export function DirectoryPage() {
  const role = useRole();
  const tab = useLocation().query.get('tab') ?? 'directory';
  const tabs = [
    { id: 'directory', label: 'Company directory' },
    { id: 'contacts', label: 'Shared contacts' },
  ];
  return (
    <Page title="Directory">
      <TabBar
        tabs={tabs}
        current={tab}
        onSelect={(id) => setQuery({ tab: id === 'directory' ? undefined : id })}
      />
      {tab === 'contacts' ? <ContactsTab writable={canWrite(role, 'contacts')} /> : <CompanyDirectory />}
    </Page>
  );
}

function CompanyDirectory() {
  const [search, setSearch] = useState('');
  const dir = useQuery((signal) => call('GET /api/directory', { signal }), []);
  const q = search.trim().toLowerCase();
  return (
    <Section title="Everyone you can call">
      <search>
        <TextField
          label="Find"
          type="search"
          value={search}
          onValue={setSearch}
          placeholder="Name, company, number…"
        />
      </search>
      <Loaded query={dir}>
        {(d) => {
          const entries = q
            ? d.entries.filter((e) =>
                [e.name, e.company, e.department, e.jobTitle, e.extension, ...e.numbers, ...e.emails]
                  .filter(Boolean)
                  .some((v) => (v as string).toLowerCase().includes(q)),
              )
            : d.entries;
          return entries.length === 0 ? (
            <Empty>{q ? 'Nobody matches.' : 'The directory is empty.'}</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Company / department</th>
                    <th scope="col">Job title</th>
                    <th scope="col">Extension</th>
                    <th scope="col">Numbers</th>
                    <th scope="col">Email</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((e) => (
                    <tr key={`${e.kind}-${e.id}`}>
                      <td>
                        {e.name} {e.kind === 'contact' ? <Badge>contact</Badge> : null}
                      </td>
                      <td>{[e.company, e.department].filter(Boolean).join(' · ') || '—'}</td>
                      <td>{e.jobTitle ?? '—'}</td>
                      <td>{e.extension ?? '—'}</td>
                      <td>{e.numbers.join(', ') || '—'}</td>
                      <td>{e.emails.join(', ') || '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          );
        }}
      </Loaded>
    </Section>
  );
}
