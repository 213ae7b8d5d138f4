// The create-user wizard of spec 001: the person's details, then (when "configure
// application line" is on) the line's inbound, outbound and recording settings, then the
// SIP credentials shown once. Each step that the API accepted is kept: fixing an error and
// saving again continues from the step that failed.
import { useState } from 'react';
import { call } from '../api/client.ts';
import { useAction, useQuery } from '../api/hooks.ts';
import { loadPrompts } from '../prompts/prompts-page.tsx';
import { Link, navigate } from '../router.tsx';
import { loadDeliveryMethods } from '../settings/delivery-methods.tsx';
import { ErrorNote, Loading } from '../ui/feedback.tsx';
import { CheckField, FormError, SelectField, Submit } from '../ui/forms.tsx';
import { Page, Section } from '../ui/layout.tsx';
import { LineCredentials, type LineWithPassword } from './line-credentials.tsx';
import { type LineDraft, LineForm, lineSettings, newLineDraft } from './line-form.tsx';
import { newPersonDraft, type PersonDraft, PersonForm, personFields } from './person-form.tsx';
import { loadNumbers, routeNumber, saveVoicemailDelivery } from './save-line.ts';

type Step = 'details' | 'line' | 'done';
const PERSON_FIELDS = [
  'firstName',
  'lastName',
  'department',
  'jobTitle',
  'emails',
  'timeSchedule',
  'extension',
];

export function CreatePersonPage() {
  const [step, setStep] = useState<Step>('details');
  const [person, setPerson] = useState<PersonDraft>(newPersonDraft());
  const [line, setLine] = useState<LineDraft>(newLineDraft());
  const [withLine, setWithLine] = useState(true);
  const [invite, setInvite] = useState(false);
  const [role, setRole] = useState<'agent' | 'supervisor' | 'administrator'>('agent');
  const [created, setCreated] = useState<{ personId?: string; line?: LineWithPassword; routed?: boolean }>(
    {},
  );
  const [notes, setNotes] = useState<string[]>([]);
  const action = useAction();
  const numbers = useQuery(loadNumbers, []);
  const codes = useQuery((signal) => call('GET /api/feature-codes', { signal }), []);
  const prompts = useQuery(loadPrompts, []);
  const methods = useQuery(loadDeliveryMethods, []);

  const save = async () => {
    let personRefused: string | undefined;
    const result = await action.run(async () => {
      const done = { ...created };
      if (!done.personId) {
        const p = await call('POST /api/people', {
          body: { ...personFields(person), extension: line.extension.trim() || null },
        }).catch((err: { field?: string }) => {
          personRefused = err.field ?? '';
          throw err;
        });
        done.personId = p.id;
        setCreated({ ...done });
      }
      const personId = done.personId;
      const later: string[] = [];
      if (withLine && !done.line) {
        done.line = await call('POST /api/people/{personId}/line', {
          params: { personId },
          body: lineSettings(line),
        });
        setCreated({ ...done });
      }
      if (withLine && done.line && !done.routed) {
        await routeNumber(done.line.id, line, '');
        done.routed = true;
        setCreated({ ...done });
        await saveVoicemailDelivery(personId, line).catch((e: Error) =>
          later.push(`Voicemail delivery was not saved: ${e.message}`),
        );
      }
      if (invite) {
        await call('POST /api/people/{id}/invitations', { params: { id: personId }, body: { role } }).then(
          (i) => later.push(`Invitation sent to ${i.email}.`),
          (e: Error) => later.push(`The invitation was not sent: ${e.message}`),
        );
      }
      return later;
    });
    if (result) {
      setNotes(result);
      setStep('done');
    } else if (personRefused !== undefined && personRefused !== 'extension') {
      // The person's fields are on the first step (the extension is on the line step).
      setStep('details');
    }
  };

  const next = (e: React.FormEvent) => {
    e.preventDefault();
    if (withLine) setStep('line');
    else void save();
  };

  const steps: [Step, string][] = [
    ['details', 'User details'],
    ...(withLine ? ([['line', 'Application line']] as [Step, string][]) : []),
    ['done', 'Done'],
  ];

  return (
    <Page title="Add a person">
      <ol className="steps" aria-label="Steps">
        {steps.map(([s, label]) => (
          <li key={s} aria-current={s === step ? 'step' : undefined}>
            {label}
          </li>
        ))}
      </ol>
      {step === 'details' ? (
        <Section title="User details">
          <form onSubmit={next} noValidate>
            <PersonForm value={person} onChange={setPerson} error={action.error} />
            <CheckField
              label="Configure application line in the next step"
              checked={withLine}
              onChecked={setWithLine}
              hint="A line lets them make and take calls from the app or a SIP phone."
            />
            <div className="row">
              <CheckField
                label="Invite them to sign in"
                checked={invite}
                onChecked={setInvite}
                hint="Emails them a link to choose a password."
              />
              {invite ? (
                <SelectField
                  label="Role"
                  value={role}
                  onValue={(v) => setRole(v as typeof role)}
                  options={[
                    { value: 'agent', label: 'Agent: makes and takes calls' },
                    { value: 'supervisor', label: 'Supervisor: flows, queues, recordings of teams' },
                    { value: 'administrator', label: 'Administrator: everything' },
                  ]}
                />
              ) : null}
            </div>
            <FormError error={action.error} atFields={PERSON_FIELDS} />
            <div className="form-actions">
              {withLine ? (
                <button type="submit" className="btn primary">
                  Next
                </button>
              ) : (
                <Submit pending={action.pending}>Save</Submit>
              )}
              <Link to="/people">Cancel</Link>
            </div>
          </form>
        </Section>
      ) : null}
      {step === 'line' ? (
        <Section title="Configure application line">
          {numbers.loading && !numbers.data ? <Loading label="Loading your numbers…" /> : null}
          <ErrorNote error={numbers.error} onRetry={numbers.reload} />
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
            noValidate
          >
            <LineForm
              value={line}
              onChange={setLine}
              error={action.error}
              numbers={numbers.data ?? []}
              featureCode={codes.data?.codes.recordOnDemand}
              prompts={prompts.data ?? (prompts.error ? [] : undefined)}
              deliveryMethods={methods.data ?? (methods.error ? [] : undefined)}
            />
            <FormError
              error={action.error}
              atFields={[
                'extension',
                'sipUsername',
                'whenUnavailable',
                'externalCallerIds',
                'internalCallerId',
                'callerIdName',
                'ringTimeoutSeconds',
                'destination',
                'internalAnnouncementFileId',
                'externalAnnouncementFileId',
                'recording',
              ]}
            />
            <div className="form-actions">
              <button
                type="button"
                className="btn"
                onClick={() => setStep('details')}
                disabled={!!created.personId}
              >
                Back
              </button>
              <Submit pending={action.pending} busy="Saving…">
                Save
              </Submit>
            </div>
          </form>
        </Section>
      ) : null}
      {step === 'done' && created.personId ? (
        <Section title={`${person.firstName} ${person.lastName} is added`}>
          {created.line ? <LineCredentials line={created.line} /> : null}
          {notes.map((n) => (
            <p key={n}>{n}</p>
          ))}
          <div className="form-actions">
            <button
              type="button"
              className="btn primary"
              onClick={() => navigate(`/people/${created.personId}`)}
            >
              Open their page
            </button>
            <button
              type="button"
              className="btn"
              onClick={() => {
                setPerson(newPersonDraft());
                setLine(newLineDraft());
                setCreated({});
                setNotes([]);
                setStep('details');
              }}
            >
              Add another person
            </button>
          </div>
        </Section>
      ) : null}
    </Page>
  );
}
