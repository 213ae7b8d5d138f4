// Port numbers in: the numbers, the current carrier, the letter of authorization and the
// latest invoice (PDF, PNG or JPEG); then the request's status as the operator moves it.
import { useRef, useState } from 'react';
import { allPages, call, urlOf } from '../api/client.ts';
import { fieldError, useAction, useQuery } from '../api/hooks.ts';
import { formatDate, formatDateTime } from '../lib/format.ts';
import { canWrite, useRole } from '../session.tsx';
import { Badge, Empty, Loaded, Saved } from '../ui/feedback.tsx';
import { FormError, Submit, TextAreaField, TextField } from '../ui/forms.tsx';
import { Section } from '../ui/layout.tsx';

const FIELDS = ['numbers', 'currentCarrier', 'accountNumber', 'requestedDate', 'loa', 'invoice'];
const STATUS_TONE = { submitted: 'neutral', in_progress: 'warn', completed: 'ok', rejected: 'bad' } as const;

export function PortIn() {
  const role = useRole();
  const requests = useQuery(
    (signal) =>
      allPages((cursor) => call('GET /api/port-in-requests', { query: { limit: 200, cursor }, signal })),
    [],
  );
  return (
    <>
      {canWrite(role, 'numbers') ? <PortInForm onSent={requests.reload} /> : null}
      <Section title="Port-in requests">
        <Loaded query={requests}>
          {(list) =>
            list.length === 0 ? (
              <Empty>No port-in requests yet.</Empty>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Numbers</th>
                      <th scope="col">From carrier</th>
                      <th scope="col">Requested date</th>
                      <th scope="col">Status</th>
                      <th scope="col">Submitted</th>
                      <th scope="col">Documents</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list
                      .slice()
                      .reverse()
                      .map((r) => (
                        <tr key={r.id}>
                          <td>{r.numbers.join(', ')}</td>
                          <td>{r.currentCarrier}</td>
                          <td>{r.requestedDate ? formatDate(r.requestedDate) : '—'}</td>
                          <td>
                            <Badge tone={STATUS_TONE[r.status]}>{r.status.replace('_', ' ')}</Badge>
                            {r.rejectionReason ? <div className="muted">{r.rejectionReason}</div> : null}
                          </td>
                          <td>{formatDateTime(r.submittedAt)}</td>
                          <td>
                            <a href={urlOf('GET /api/files/{id}', { id: r.loaFileId })}>Authorization</a>
                            {' · '}
                            <a href={urlOf('GET /api/files/{id}', { id: r.invoiceFileId })}>Invoice</a>
                          </td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Loaded>
      </Section>
    </>
  );
}

function PortInForm({ onSent }: { onSent: () => void }) {
  const action = useAction();
  const form = useRef<HTMLFormElement>(null);
  const [numbers, setNumbers] = useState('');
  const [carrier, setCarrier] = useState('');
  const [account, setAccount] = useState('');
  const [date, setDate] = useState('');
  const [sent, setSent] = useState<string>();
  const err = (f: string) => fieldError(action.error, f);

  const submit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setSent(undefined);
    const data = new FormData(e.currentTarget);
    // Optional fields left empty are left out (an empty date is not a date).
    for (const k of ['accountNumber', 'requestedDate']) if (!String(data.get(k) ?? '').trim()) data.delete(k);
    const r = await action.run(() => call('POST /api/port-in-requests', { raw: data }));
    if (r) {
      setSent(`Request sent for ${r.numbers.length} number(s). Porting usually takes 5 to 15 business days.`);
      form.current?.reset();
      setNumbers('');
      setCarrier('');
      setAccount('');
      setDate('');
      onSent();
    }
  };

  return (
    <Section title="Port in numbers you have">
      <form ref={form} onSubmit={submit} noValidate encType="multipart/form-data">
        <TextAreaField
          label="Numbers"
          name="numbers"
          value={numbers}
          onValue={setNumbers}
          required
          hint="E.164 numbers, separated by commas, spaces or lines: +37167000000"
          error={err('numbers')}
        />
        <div className="row">
          <TextField
            label="Current carrier"
            name="currentCarrier"
            value={carrier}
            onValue={setCarrier}
            required
            error={err('currentCarrier')}
          />
          <TextField
            label="Account number at the carrier"
            name="accountNumber"
            value={account}
            onValue={setAccount}
            hint="Optional."
            error={err('accountNumber')}
          />
          <TextField
            label="Requested date"
            name="requestedDate"
            type="date"
            value={date}
            onValue={setDate}
            hint="Optional."
            error={err('requestedDate')}
          />
        </div>
        <div className="row">
          <TextField
            label="Letter of authorization"
            name="loa"
            type="file"
            accept="application/pdf,image/png,image/jpeg"
            required
            error={err('loa')}
            hint="PDF, PNG or JPEG, signed."
          />
          <TextField
            label="Latest invoice from the carrier"
            name="invoice"
            type="file"
            accept="application/pdf,image/png,image/jpeg"
            required
            error={err('invoice')}
          />
        </div>
        <FormError error={action.error} atFields={FIELDS} />
        <div className="form-actions">
          <Submit pending={action.pending} busy="Sending…">
            Send port-in request
          </Submit>
          <Saved message={sent} />
        </div>
      </form>
    </Section>
  );
}
