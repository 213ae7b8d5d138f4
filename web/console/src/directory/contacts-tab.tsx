// Shared business contacts: list and search, add or change one, delete, import a CSV file
// (checked first: every rejected row is listed with its field and reason) and export.
import { useState } from 'react';
import { call, type Response, urlOf } from '../api/client.ts';
import { fieldError, useAction, useQuery } from '../api/hooks.ts';
import { Empty, Loaded, Saved } from '../ui/feedback.tsx';
import { CheckField, FormError, Submit, TextField } from '../ui/forms.tsx';
import { Dialog, Section } from '../ui/layout.tsx';

type Contact = Response<'GET /api/contacts'>['items'][number];
type ImportResult = Response<'POST /api/contacts/import'>;

export function ContactsTab({ writable }: { writable: boolean }) {
  const [search, setSearch] = useState('');
  const [applied, setApplied] = useState('');
  const [editing, setEditing] = useState<Contact | 'new'>();
  const contacts = useQuery(
    (signal) => call('GET /api/contacts', { query: { limit: 200, search: applied || undefined }, signal }),
    [applied],
  );
  return (
    <>
      <Section
        title="Shared contacts"
        actions={
          <>
            <a className="btn" href={urlOf('GET /api/contacts/export')} download>
              Export CSV
            </a>
            {writable ? (
              <button type="button" className="btn primary" onClick={() => setEditing('new')}>
                Add a contact
              </button>
            ) : null}
          </>
        }
      >
        <search>
          <form
            className="toolbar"
            onSubmit={(e) => {
              e.preventDefault();
              setApplied(search.trim());
            }}
          >
            <TextField label="Search contacts" type="search" value={search} onValue={setSearch} />
            <button type="submit" className="btn">
              Search
            </button>
          </form>
        </search>
        <Loaded query={contacts}>
          {(page) =>
            page.items.length === 0 ? (
              <Empty>No contacts{applied ? ' match' : ' yet'}.</Empty>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Company</th>
                      <th scope="col">Numbers</th>
                      <th scope="col">Email</th>
                      <th scope="col">In directory</th>
                      {writable ? (
                        <th scope="col">
                          <span className="visually-hidden">Actions</span>
                        </th>
                      ) : null}
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((c) => (
                      <tr key={c.id}>
                        <td>
                          {c.firstName} {c.lastName}
                        </td>
                        <td>{c.company ?? '—'}</td>
                        <td>{c.contactNumbers.map((n) => n.number).join(', ') || '—'}</td>
                        <td>{c.emails.map((e) => e.address).join(', ') || '—'}</td>
                        <td>{c.showInDirectory ? 'yes' : 'no'}</td>
                        {writable ? (
                          <td>
                            <button type="button" className="btn small" onClick={() => setEditing(c)}>
                              Edit
                            </button>
                          </td>
                        ) : null}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Loaded>
      </Section>
      {writable ? <ImportCsv onImported={contacts.reload} /> : null}
      {editing ? (
        <ContactDialog
          contact={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            contacts.reload();
          }}
        />
      ) : null}
    </>
  );
}

function ContactDialog({
  contact,
  onClose,
  onSaved,
}: {
  contact?: Contact | undefined;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [f, setF] = useState({
    firstName: contact?.firstName ?? '',
    lastName: contact?.lastName ?? '',
    company: contact?.company ?? '',
    jobTitle: contact?.jobTitle ?? '',
    email: contact?.emails[0]?.address ?? '',
    number: contact?.contactNumbers[0]?.number ?? '',
    showInDirectory: contact?.showInDirectory ?? true,
  });
  const action = useAction();
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  const err = (k: string) => fieldError(action.error, k);
  const body = {
    firstName: f.firstName.trim(),
    lastName: f.lastName.trim(),
    company: f.company.trim() || null,
    jobTitle: f.jobTitle.trim() || null,
    emails: f.email.trim()
      ? [{ address: f.email.trim(), label: 'work' as const }, ...(contact?.emails.slice(1) ?? [])]
      : [],
    contactNumbers: f.number.trim()
      ? [{ number: f.number.trim(), label: 'phone' }, ...(contact?.contactNumbers.slice(1) ?? [])]
      : [],
    showInDirectory: f.showInDirectory,
  };
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await action.run(() =>
      contact
        ? call('PATCH /api/contacts/{id}', { params: { id: contact.id }, body })
        : call('POST /api/contacts', { body }),
    );
    if (r) onSaved();
  };
  const remove = async () => {
    if (!contact) return;
    const r = await action.run(() => call('DELETE /api/contacts/{id}', { params: { id: contact.id } }));
    if (r !== undefined) onSaved();
  };
  return (
    <Dialog
      title={contact ? `Edit ${contact.firstName} ${contact.lastName}` : 'Add a contact'}
      onClose={onClose}
    >
      <form onSubmit={save} noValidate>
        <div className="row">
          <TextField
            label="First name"
            value={f.firstName}
            onValue={set('firstName')}
            required
            error={err('firstName')}
          />
          <TextField
            label="Last name"
            value={f.lastName}
            onValue={set('lastName')}
            required
            error={err('lastName')}
          />
        </div>
        <div className="row">
          <TextField label="Company" value={f.company} onValue={set('company')} error={err('company')} />
          <TextField label="Job title" value={f.jobTitle} onValue={set('jobTitle')} error={err('jobTitle')} />
        </div>
        <TextField
          label="Phone number"
          value={f.number}
          onValue={set('number')}
          inputMode="tel"
          hint="E.164 (+371...) or an extension."
          error={err('contactNumbers')}
        />
        <TextField label="Email" type="email" value={f.email} onValue={set('email')} error={err('emails')} />
        <CheckField
          label="Show in the company directory"
          checked={f.showInDirectory}
          onChecked={(v) => setF({ ...f, showInDirectory: v })}
        />
        <FormError
          error={action.error}
          atFields={['firstName', 'lastName', 'company', 'jobTitle', 'contactNumbers', 'emails']}
        />
        <div className="dialog-actions">
          {contact ? (
            <button type="button" className="btn danger" onClick={() => void remove()}>
              Delete
            </button>
          ) : null}
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <Submit pending={action.pending}>Save contact</Submit>
        </div>
      </form>
    </Dialog>
  );
}

function ImportCsv({ onImported }: { onImported: () => void }) {
  const [file, setFile] = useState<File>();
  const [result, setResult] = useState<ImportResult>();
  const action = useAction();
  const send = async (dryRun: boolean) => {
    if (!file) return;
    const text = await file.text();
    const r = await action.run(() =>
      call('POST /api/contacts/import', {
        query: { dryRun: dryRun ? 'true' : 'false' },
        raw: text,
        contentType: 'text/csv',
      }),
    );
    if (r) {
      setResult(r);
      if (!dryRun) onImported();
    }
  };
  return (
    <Section title="Import contacts from CSV">
      <p className="hint">
        A header row, then one contact per row. Columns: first_name, last_name, company, job_title,
        work_email, home_email, phone, mobile, show_in_directory. A row with any error is not imported; every
        such row is listed.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void send(false);
        }}
        noValidate
      >
        <TextField
          label="CSV file"
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => {
            setFile(e.target.files?.[0]);
            setResult(undefined);
          }}
        />
        <FormError error={action.error} />
        <div className="form-actions">
          <button
            type="button"
            className="btn"
            disabled={!file || action.pending}
            onClick={() => void send(true)}
          >
            Check the file
          </button>
          <Submit pending={action.pending}>Import</Submit>
        </div>
      </form>
      {result ? <ImportReport result={result} /> : null}
    </Section>
  );
}

function ImportReport({ result }: { result: ImportResult }) {
  return (
    <div className="import-report">
      <Saved
        message={
          result.dryRun
            ? `Checked: ${result.rejected} row(s) would be rejected; nothing was imported.`
            : `Imported ${result.imported} contact(s); ${result.rejected} row(s) rejected.`
        }
      />
      {result.errors.length ? (
        <div className="table-wrap">
          <table>
            <caption>Rejected rows</caption>
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Field</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {result.errors.map((e) => (
                <tr key={`${e.row}-${e.field}`}>
                  <td>{e.row}</td>
                  <td>{e.field || '—'}</td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
