// A person's line on their page: give them one, change its settings (with the number routed
// to it and the voicemail delivery), see the phones registered on it, set a new SIP password.
import { useEffect, useState } from 'react';
import { call } from '../api/client.ts';
import { useAction, useQuery } from '../api/hooks.ts';
import { formatDateTime } from '../lib/format.ts';
import { loadPrompts } from '../prompts/prompts-page.tsx';
import { canWrite, useRole } from '../session.tsx';
import { type DeliveryMethod, loadDeliveryMethods } from '../settings/delivery-methods.tsx';
import { Badge, Empty, Loaded, Saved } from '../ui/feedback.tsx';
import { FormError, Submit } from '../ui/forms.tsx';
import { Confirm, Section } from '../ui/layout.tsx';
import type { LibraryPrompt } from './announcement-field.tsx';
import { LineCredentials, type LineWithPassword } from './line-credentials.tsx';
import {
  draftOfLine,
  type Line,
  type LineDraft,
  LineForm,
  lineSettings,
  newLineDraft,
} from './line-form.tsx';
import type { Person } from './person-form.tsx';
import { loadNumbers, routeNumber, saveVoicemailDelivery, voicemailBoxOf } from './save-line.ts';

const LINE_FIELDS = [
  'extension',
  'sipUsername',
  'whenUnavailable',
  'externalCallerIds',
  'internalCallerId',
  'callerIdName',
  'ringTimeoutSeconds',
  'destination',
  'emails',
  'internalAnnouncementFileId',
  'externalAnnouncementFileId',
  'recording',
];

export function PersonLine({ person, onPersonChanged }: { person: Person; onPersonChanged: () => void }) {
  const role = useRole();
  const data = useQuery(
    async (signal) => {
      const [lines, numbers, codes, prompts, deliveryMethods] = await Promise.all([
        call('GET /api/lines', { query: { personId: person.id, limit: 1 }, signal }),
        canWrite(role, 'people') ? loadNumbers(signal) : Promise.resolve([]),
        call('GET /api/feature-codes', { signal }).catch(() => undefined),
        canWrite(role, 'people') ? loadPrompts(signal).catch(() => []) : Promise.resolve([]),
        canWrite(role, 'people') ? loadDeliveryMethods(signal).catch(() => []) : Promise.resolve([]),
      ]);
      const line = lines.items[0];
      const box =
        line && canWrite(role, 'people')
          ? await voicemailBoxOf(person.id, signal).catch(() => undefined)
          : undefined;
      return { line, numbers, box, recordCode: codes?.codes.recordOnDemand, prompts, deliveryMethods };
    },
    [person.id],
  );
  return (
    <Section title="Line">
      <Loaded query={data}>
        {(d) => (
          <LineEditor
            key={d.line?.id ?? 'none'}
            person={person}
            data={d}
            writable={canWrite(role, 'people')}
            onChanged={() => {
              data.reload();
              onPersonChanged();
            }}
          />
        )}
      </Loaded>
    </Section>
  );
}

type LineData = {
  line: Line | undefined;
  numbers: Awaited<ReturnType<typeof loadNumbers>>;
  box: Awaited<ReturnType<typeof voicemailBoxOf>>;
  recordCode: string | undefined;
  prompts: LibraryPrompt[];
  deliveryMethods: DeliveryMethod[];
};

function LineEditor({
  person,
  data,
  writable,
  onChanged,
}: {
  person: Person;
  data: LineData;
  writable: boolean;
  onChanged: () => void;
}) {
  const { line, numbers, box } = data;
  const initial = () =>
    line ? draftOfLine(line, person.extension, numbers, box) : newLineDraft(person.extension ?? '');
  const [draft, setDraft] = useState<LineDraft>(initial);
  const [credentials, setCredentials] = useState<LineWithPassword>();
  const [saved, setSaved] = useState<string>();
  const [removing, setRemoving] = useState(false);
  const action = useAction();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a reload of the data resets the form.
  useEffect(() => setDraft(initial()), [data]);
  const previousNumberId = line ? (numbers.find((n) => n.destination?.lineId === line.id)?.id ?? '') : '';

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaved(undefined);
    const ok = await action.run(async () => {
      const extension = draft.extension.trim() || null;
      if (extension !== person.extension)
        await call('PATCH /api/people/{id}', { params: { id: person.id }, body: { extension } });
      let lineId = line?.id;
      if (!lineId) {
        const made = await call('POST /api/people/{personId}/line', {
          params: { personId: person.id },
          body: lineSettings(draft),
        });
        setCredentials(made);
        lineId = made.id;
      } else {
        await call('PATCH /api/lines/{id}', { params: { id: lineId }, body: lineSettings(draft) });
      }
      await routeNumber(lineId, draft, previousNumberId);
      await saveVoicemailDelivery(person.id, draft);
      return true;
    });
    if (ok) {
      setSaved(line ? 'Line saved.' : 'Line created.');
      onChanged();
    }
  };

  const newPassword = async () => {
    if (!line) return;
    const r = await action.run(() =>
      call('POST /api/lines/{id}/password', { params: { id: line.id }, body: {} }),
    );
    if (r) setCredentials(r);
  };

  const remove = async () => {
    if (!line) return;
    const r = await action.run(() => call('DELETE /api/lines/{id}', { params: { id: line.id } }));
    if (r !== undefined) {
      setRemoving(false);
      onChanged();
    }
  };

  return (
    <>
      {credentials ? <LineCredentials line={credentials} /> : null}
      {line ? <Devices lineId={line.id} sipUsername={line.sipUsername} sipDomain={line.sipDomain} /> : null}
      {!line && !writable ? <Empty>No line: this person cannot make or take calls yet.</Empty> : null}
      {writable ? (
        <form onSubmit={save} noValidate>
          {!line ? <p>No line yet. Configure one to let {person.firstName} make and take calls.</p> : null}
          <LineForm
            value={draft}
            onChange={setDraft}
            error={action.error}
            numbers={numbers}
            lineId={line?.id}
            featureCode={data.recordCode}
            prompts={data.prompts}
            deliveryMethods={data.deliveryMethods}
          />
          <FormError error={action.error} atFields={LINE_FIELDS} />
          <div className="form-actions">
            <Submit pending={action.pending}>{line ? 'Save line' : 'Create line'}</Submit>
            {line ? (
              <>
                <button
                  type="button"
                  className="btn"
                  onClick={() => void newPassword()}
                  disabled={action.pending}
                >
                  New SIP password
                </button>
                <button type="button" className="btn danger" onClick={() => setRemoving(true)}>
                  Remove line
                </button>
              </>
            ) : null}
            <Saved message={saved} />
          </div>
        </form>
      ) : null}
      {removing ? (
        <Confirm
          title="Remove this line?"
          message="Its phones are signed out and numbers routed to it lose their destination."
          confirm="Remove line"
          pending={action.pending}
          onConfirm={() => void remove()}
          onClose={() => setRemoving(false)}
        />
      ) : null}
    </>
  );
}

function Devices({
  lineId,
  sipUsername,
  sipDomain,
}: {
  lineId: string;
  sipUsername: string;
  sipDomain: string;
}) {
  const reg = useQuery(
    (signal) => call('GET /api/lines/{id}/registrations', { params: { id: lineId }, signal }),
    [lineId],
  );
  return (
    <div className="devices">
      <h3>
        Devices{' '}
        <span className="muted">
          ({sipUsername}@{sipDomain})
        </span>
      </h3>
      <Loaded query={reg}>
        {(r) =>
          r.devices.length === 0 ? (
            <p className="muted">
              <Badge>offline</Badge> No phone is registered on this line.{' '}
              <button type="button" className="link" onClick={reg.reload}>
                Check again
              </button>
            </p>
          ) : (
            <ul className="device-list">
              {r.devices.map((d) => (
                <li key={d.contact}>
                  <Badge tone="ok">online</Badge> {d.userAgent ?? 'SIP phone'}{' '}
                  <span className="muted">
                    {d.transport.toUpperCase()} from {d.sourceAddress}:{d.sourcePort}, registered{' '}
                    {formatDateTime(d.registeredAt)}, until {formatDateTime(d.expiresAt)}
                  </span>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </div>
  );
}
