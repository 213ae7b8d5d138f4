// One person: their details, their line (settings, phones registered, SIP password) and
// their sign-in (invitation, role, disabled). Removing them removes their line and sign-in.
import { useEffect, useState } from 'react';
import { call } from '../api/client.ts';
import { useAction, useApi } from '../api/hooks.ts';
import { fullName } from '../lib/format.ts';
import { Link, navigate } from '../router.tsx';
import { canWrite, useRole } from '../session.tsx';
import { Loaded, Saved } from '../ui/feedback.tsx';
import { FormError, Submit } from '../ui/forms.tsx';
import { Confirm, Page, Section } from '../ui/layout.tsx';
import { PersonEmergency } from './person-emergency.tsx';
import { draftOfPerson, type Person, type PersonDraft, PersonForm, personFields } from './person-form.tsx';
import { PersonLine } from './person-line.tsx';
import { PersonSignIn } from './person-signin.tsx';

export function PersonPage({ id }: { id: string }) {
  const person = useApi('GET /api/people/{id}', { params: { id } });
  return (
    <Loaded query={person}>
      {(p) => (
        <Page title={fullName(p)} actions={<Link to="/people">All people</Link>}>
          <Details person={p} onSaved={person.set} />
          <PersonLine person={p} onPersonChanged={person.reload} />
          <PersonSignIn person={p} onChanged={person.set} />
          <PersonEmergency person={p} onSaved={person.set} />
          <Remove person={p} />
        </Page>
      )}
    </Loaded>
  );
}

function Details({ person, onSaved }: { person: Person; onSaved: (p: Person) => void }) {
  const role = useRole();
  const action = useAction();
  const [draft, setDraft] = useState<PersonDraft>(() => draftOfPerson(person));
  const [saved, setSaved] = useState<string>();
  useEffect(() => setDraft(draftOfPerson(person)), [person]);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaved(undefined);
    const p = await action.run(() =>
      call('PATCH /api/people/{id}', { params: { id: person.id }, body: personFields(draft, person) }),
    );
    if (p) {
      onSaved(p);
      setSaved('Saved.');
    }
  };
  if (!canWrite(role, 'people')) {
    return (
      <Section title="Details">
        <dl className="facts">
          <dt>Department</dt>
          <dd>{person.department ?? '—'}</dd>
          <dt>Job title</dt>
          <dd>{person.jobTitle ?? '—'}</dd>
          <dt>Extension</dt>
          <dd>{person.extension ?? '—'}</dd>
          <dt>Email</dt>
          <dd>{person.emails.map((e) => e.address).join(', ') || '—'}</dd>
        </dl>
      </Section>
    );
  }
  return (
    <Section title="Details">
      <form onSubmit={submit} noValidate>
        <PersonForm value={draft} onChange={setDraft} error={action.error} />
        <FormError
          error={action.error}
          atFields={['firstName', 'lastName', 'department', 'jobTitle', 'emails', 'timeSchedule']}
        />
        <div className="form-actions">
          <Submit pending={action.pending}>Save details</Submit>
          <Saved message={saved} />
        </div>
      </form>
    </Section>
  );
}

function Remove({ person }: { person: Person }) {
  const role = useRole();
  const action = useAction();
  const [asking, setAsking] = useState(false);
  if (!canWrite(role, 'people')) return null;
  const remove = async () => {
    const r = await action.run(() => call('DELETE /api/people/{id}', { params: { id: person.id } }));
    if (r !== undefined) navigate('/people');
  };
  return (
    <Section title="Remove">
      <p>
        Removing {person.firstName} deletes their line and sign-in; numbers routed to the line lose their
        destination.
      </p>
      <button type="button" className="btn danger" onClick={() => setAsking(true)}>
        Remove {fullName(person)}
      </button>
      {asking ? (
        <Confirm
          title={`Remove ${fullName(person)}?`}
          message="This cannot be undone."
          confirm="Remove"
          pending={action.pending}
          error={<FormError error={action.error} />}
          onConfirm={() => void remove()}
          onClose={() => setAsking(false)}
        />
      ) : null}
    </Section>
  );
}
