// Feature codes: what people dial (or press during a call) for voicemail, do not disturb,
// forwarding, pickup, queue login, listening in, transfer, conference and recording.
import { useState } from 'react';
import { call, type Response } from '../api/client.ts';
import { fieldError, useAction, useQuery } from '../api/hooks.ts';
import { Loaded, Saved } from '../ui/feedback.tsx';
import { FormError, Submit, TextField } from '../ui/forms.tsx';
import { Section } from '../ui/layout.tsx';

type Codes = Response<'GET /api/feature-codes'>;
type Name = keyof Codes['codes'];

const LABELS: Record<string, string> = {
  voicemail: 'Voicemail',
  dndOn: 'Do not disturb on',
  dndOff: 'Do not disturb off',
  forwardOn: 'Forwarding on',
  forwardOff: 'Forwarding off',
  pickup: 'Pick up a ringing call',
  agentLogin: 'Queue agent login',
  agentLogout: 'Queue agent logout',
  agentPause: 'Queue agent pause',
  agentUnpause: 'Queue agent unpause',
  listen: 'Listen in',
  whisper: 'Whisper',
  barge: 'Barge in',
  transfer: 'Transfer',
  conference: 'Conference',
  recordOnDemand: 'Record on demand',
};

export function FeatureCodes() {
  const codes = useQuery((signal) => call('GET /api/feature-codes', { signal }), []);
  return <Loaded query={codes}>{(c) => <CodesForm codes={c} onSaved={codes.set} />}</Loaded>;
}

function CodesForm({ codes, onSaved }: { codes: Codes; onSaved: (c: Codes) => void }) {
  const [values, setValues] = useState<Record<string, string>>({ ...codes.codes });
  const [saved, setSaved] = useState<string>();
  const action = useAction();
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaved(undefined);
    const r = await action.run(() =>
      call('PUT /api/feature-codes', { body: values as Partial<Codes['codes']> }),
    );
    if (r) {
      onSaved(r);
      setValues({ ...r.codes });
      setSaved('Feature codes saved.');
    }
  };
  return (
    <Section title="Feature codes">
      <p className="hint">Each code is 2 to 6 keys of 0-9, * and #, with at least one * or #.</p>
      <form onSubmit={save} noValidate>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col">Code</th>
                <th scope="col">Used</th>
                <th scope="col">Default</th>
              </tr>
            </thead>
            <tbody>
              {codes.features.map((f) => (
                <tr key={f.name}>
                  <td>{LABELS[f.name] ?? f.name}</td>
                  <td>
                    <TextField
                      label={<span className="visually-hidden">{LABELS[f.name] ?? f.name} code</span>}
                      value={values[f.name] ?? ''}
                      onValue={(v) => setValues({ ...values, [f.name as Name]: v })}
                      error={fieldError(action.error, f.name)}
                      className="code-input"
                    />
                  </td>
                  <td>
                    {f.inCall ? 'during a call' : 'dialled'}
                    {f.takesArgument ? ', then a number (e.g. code then #201)' : ''}
                  </td>
                  <td>
                    <code>{f.default}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <FormError error={action.error} atFields={codes.features.map((f) => f.name)} />
        <div className="form-actions">
          <Submit pending={action.pending}>Save feature codes</Submit>
          <button
            type="button"
            className="btn"
            onClick={() => setValues(Object.fromEntries(codes.features.map((f) => [f.name, f.default])))}
          >
            Back to defaults
          </button>
          <Saved message={saved} />
        </div>
      </form>
    </Section>
  );
}
